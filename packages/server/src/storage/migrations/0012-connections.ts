/**
 * Issue 12: sign-in through upstream identity providers (connections).
 * - `connections`: per tenant, keyed (tenant_id, id). `settings` is the resolved connection without
 *   its secrets (JSON); `secrets_encrypted` holds those as a compact JWE under LATCH_SECRET (they
 *   must be usable, so they are encrypted, not hashed); `digest` (an HMAC of the whole entry,
 *   secrets included) lets seeding skip an unchanged entry. `organization_id` and `required` are
 *   for organization connections (no foreign key: the organization may be created later).
 * - `user_identities`: a user's account at a connection, keyed (tenant_id, connection_id, subject);
 *   it goes with its user (ON DELETE CASCADE) and with its connection.
 * - `upstream_logins`: a sign-in under way at an upstream, keyed by the hash of its `state`, bound
 *   to the browser by the hash of its `latch_upstream` cookie. Neither the PKCE verifier nor the
 *   nonce is stored: both are derived from that cookie's value (federation/upstream-login.ts), so a
 *   dump of this table lets no one finish a sign-in. Capped per interaction and swept at expiry.
 *
 * Only new tables: nothing to rebuild on SQLite.
 */
import type { Kysely, Migration } from 'kysely'

/** Integer epoch seconds (see 0001-initial). */
const EPOCH = 'bigint'

export const connections: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('connections')
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('organization_id', 'text')
      .addColumn('required', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('secrets_encrypted', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('updated_at', EPOCH, (c) => c.notNull())
      .addPrimaryKeyConstraint('connections_pkey', ['tenant_id', 'id'])
      .execute()
    await db.schema
      .createTable('user_identities')
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('email', 'text')
      .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('last_used_at', EPOCH, (c) => c.notNull())
      .addPrimaryKeyConstraint('user_identities_pkey', ['tenant_id', 'connection_id', 'subject'])
      .addForeignKeyConstraint('user_identities_connection_fkey', ['tenant_id', 'connection_id'], 'connections', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute()
    await db.schema.createIndex('user_identities_user_id').on('user_identities').columns(['tenant_id', 'user_id']).execute()
    await db.schema
      .createTable('upstream_logins')
      .addColumn('state_hash', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('browser_hash', 'text', (c) => c.notNull())
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('interaction_id', 'text')
      .addColumn('user_id', 'text')
      .addColumn('session_id', 'text')
      .addColumn('response_params', 'text')
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('expires_at', EPOCH, (c) => c.notNull())
      .execute()
    await db.schema.createIndex('upstream_logins_interaction_id').on('upstream_logins').column('interaction_id').execute()
    await db.schema.createIndex('upstream_logins_user_id').on('upstream_logins').column('user_id').execute()
    await db.schema.createIndex('upstream_logins_expires_at').on('upstream_logins').column('expires_at').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('upstream_logins').execute()
    await db.schema.dropTable('user_identities').execute()
    await db.schema.dropTable('connections').execute()
  },
}
