/**
 * Issue 13: passkeys (WebAuthn credentials) and the challenges of their ceremonies.
 *
 * - `passkeys`: a user's WebAuthn credential, keyed (tenant_id, credential_id): the credential id
 *   is chosen by the authenticator, and path tenants on one host share an RP ID, so the same id
 *   may legitimately show up in two tenants; within a tenant it names one user (WebAuthn L3 §7.1
 *   step 26). The public key is COSE (base64url), not a secret. `sign_count` is the last signature
 *   counter seen (§6.1.1); `backup_eligible` / `backed_up` are the BE/BS flags (§6.1, synced
 *   passkeys). It goes with its user (ON DELETE CASCADE).
 * - `passkey_challenges`: a ceremony under way, keyed by the SHA-256 of its challenge, bound to
 *   the browser that asked (`browser_hash`) and, for a sign-in, to its interaction, for a
 *   registration to its user. Single use (one conditional DELETE ... RETURNING), five minutes,
 *   capped per interaction or user, swept at expiry.
 *
 * Only new tables: nothing to rebuild on SQLite.
 * @see https://www.w3.org/TR/webauthn-3/#sctn-registering-a-new-credential
 * @see https://www.w3.org/TR/webauthn-3/#sctn-sign-counter
 */
import type { Kysely, Migration } from 'kysely'

/** Integer epoch seconds (see 0001-initial). */
const EPOCH = 'bigint'

export const passkeys: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('passkeys')
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('credential_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('sign_count', EPOCH, (c) => c.notNull().defaultTo(0))
      .addColumn('transports', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('backup_eligible', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('backed_up', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('aaguid', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('last_used_at', EPOCH)
      .addPrimaryKeyConstraint('passkeys_pkey', ['tenant_id', 'credential_id'])
      .execute()
    await db.schema.createIndex('passkeys_user_id').on('passkeys').columns(['tenant_id', 'user_id']).execute()
    await db.schema
      .createTable('passkey_challenges')
      .addColumn('challenge_hash', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('browser_hash', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('interaction_id', 'text')
      .addColumn('user_id', 'text')
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('expires_at', EPOCH, (c) => c.notNull())
      .execute()
    await db.schema.createIndex('passkey_challenges_expires_at').on('passkey_challenges').column('expires_at').execute()
    await db.schema.createIndex('passkey_challenges_interaction').on('passkey_challenges').columns(['interaction_id', 'created_at']).execute()
    await db.schema.createIndex('passkey_challenges_user').on('passkey_challenges').columns(['user_id', 'created_at']).execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('passkey_challenges').execute()
    await db.schema.dropTable('passkeys').execute()
  },
}
