/**
 * The initial schema: every table of `database.ts`, in column types both SQLite and PostgreSQL
 * store natively (text, integer, bigint), so one migration serves both dialects. Epoch seconds are
 * `bigint` (SQLite's INTEGER is 64-bit already; on PostgreSQL `int4` would end in 2038, and the
 * postgres dialect parses `int8` back to a number). Indexes follow the queries of
 * `kysely-store.ts`: lookups by grant (revocation cascade, RFC 7009 §2.1), by user code (RFC 8628
 * §3.3) and by session id, and `expires_at` on every table that `sweep` trims.
 *
 * @see https://kysely.dev/docs/migrations
 */
import type { Kysely, Migration } from 'kysely'

/** Integer epoch seconds. */
const EPOCH = 'bigint'

export const initial: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('clients')
      .addColumn('client_id', 'text', (c) => c.primaryKey())
      .addColumn('client_name', 'text', (c) => c.notNull())
      .addColumn('client_secret_hash', 'text')
      .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
      .addColumn('grant_types', 'text', (c) => c.notNull())
      .addColumn('redirect_uris', 'text', (c) => c.notNull())
      .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('skip_consent', 'integer', (c) => c.notNull())
      .addColumn('jwks', 'text')
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('updated_at', EPOCH, (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('email_verified', 'integer', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('claims', 'text', (c) => c.notNull())
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('updated_at', EPOCH, (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('private_jwk_encrypted', 'text', (c) => c.notNull())
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('retired_at', EPOCH)
      .addColumn('expires_at', EPOCH)
      .execute()

    await db.schema
      .createTable('grants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('resource', 'text')
      .addColumn('auth_time', EPOCH)
      .addColumn('session_id', 'text')
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('revoked_at', EPOCH)
      .execute()
    await db.schema.createIndex('grants_user_id').on('grants').column('user_id').execute()
    await db.schema.createIndex('grants_client_id').on('grants').column('client_id').execute()

    await db.schema
      .createTable('authorization_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      // No foreign key to grants: the grant row is written when the code is redeemed.
      .addColumn('grant_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('redirect_uri', 'text')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('resource', 'text')
      .addColumn('nonce', 'text')
      .addColumn('code_challenge', 'text')
      .addColumn('code_challenge_method', 'text')
      .addColumn('auth_time', EPOCH, (c) => c.notNull())
      .addColumn('session_id', 'text')
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('expires_at', EPOCH, (c) => c.notNull())
      .addColumn('consumed_at', EPOCH)
      .execute()
    await db.schema.createIndex('authorization_codes_grant_id').on('authorization_codes').column('grant_id').execute()
    await db.schema.createIndex('authorization_codes_expires_at').on('authorization_codes').column('expires_at').execute()

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('grant_id', 'text', (c) => c.notNull().references('grants.id').onDelete('cascade'))
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('resource', 'text')
      .addColumn('auth_time', EPOCH)
      .addColumn('session_id', 'text')
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('expires_at', EPOCH, (c) => c.notNull())
      .addColumn('rotated_at', EPOCH)
      .addColumn('revoked_at', EPOCH)
      .execute()
    await db.schema.createIndex('refresh_tokens_grant_id').on('refresh_tokens').column('grant_id').execute()
    await db.schema.createIndex('refresh_tokens_expires_at').on('refresh_tokens').column('expires_at').execute()

    await db.schema
      .createTable('access_tokens')
      .addColumn('jti', 'text', (c) => c.primaryKey())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', EPOCH, (c) => c.notNull())
      .addColumn('revoked_at', EPOCH)
      .execute()
    await db.schema.createIndex('access_tokens_expires_at').on('access_tokens').column('expires_at').execute()

    await db.schema
      .createTable('device_codes')
      .addColumn('device_code_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_code_hash', 'text', (c) => c.notNull().unique())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('resource', 'text')
      .addColumn('interval', 'integer', (c) => c.notNull())
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('expires_at', EPOCH, (c) => c.notNull())
      .addColumn('last_polled_at', EPOCH)
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('auth_time', EPOCH)
      .addColumn('session_id', 'text')
      .addColumn('granted_scope', 'text')
      .execute()
    await db.schema.createIndex('device_codes_expires_at').on('device_codes').column('expires_at').execute()

    await db.schema
      .createTable('sessions')
      .addColumn('session_hash', 'text', (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('auth_time', EPOCH, (c) => c.notNull())
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('expires_at', EPOCH, (c) => c.notNull())
      .execute()
    await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute()
    await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute()

    await db.schema
      .createTable('consents')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('granted_at', EPOCH, (c) => c.notNull())
      .addPrimaryKeyConstraint('consents_pkey', ['user_id', 'client_id', 'scope'])
      .execute()

    await db.schema
      .createTable('interactions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('auth_time', EPOCH)
      .addColumn('session_id', 'text')
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('expires_at', EPOCH, (c) => c.notNull())
      .execute()
    await db.schema.createIndex('interactions_expires_at').on('interactions').column('expires_at').execute()

    await db.schema
      .createTable('replay_keys')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', EPOCH, (c) => c.notNull())
      .execute()
    await db.schema.createIndex('replay_keys_expires_at').on('replay_keys').column('expires_at').execute()
  },

  async down(db: Kysely<any>): Promise<void> {
    // Children before parents, so foreign keys never block the drop.
    for (const table of [
      'replay_keys', 'interactions', 'consents', 'sessions', 'device_codes', 'access_tokens',
      'refresh_tokens', 'authorization_codes', 'grants', 'signing_keys', 'users', 'clients',
    ]) {
      await db.schema.dropTable(table).ifExists().execute()
    }
  },
}
