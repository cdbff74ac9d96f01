/**
 * Issue 13, MFA: four new tables (only new tables: nothing to rebuild on SQLite).
 * - `mfa_totp`: one TOTP authenticator per user (RFC 6238), its secret encrypted under LATCH_SECRET
 *   (compact JWE, label `latch/v1/totp-secret`); `confirmed_at` null while enrolment waits for the
 *   first code; `last_step`, the time step of the last accepted code (a code is accepted only for
 *   a later step: never twice); `failures`/`failed_at`, the per-account budget of wrong codes.
 * - `mfa_recovery_codes`: ten single-use codes per user, SHA-256 only (`code_hash`), `used_at` once used.
 * - `mfa_challenges`: the first factor an interaction holds while the second is asked (no session
 *   yet), bound to the browser by `browser_hash` (SHA-256 of a cookie); it goes with its
 *   interaction (cascade), so it is swept and evicted with it.
 * - `mfa_policies`: the clients and organizations that require MFA (config `clients[].mfa_required`,
 *   `organizations[].mfa_required`, the CLI).
 * Rows of a user go with the user (cascade).
 * @see https://www.rfc-editor.org/rfc/rfc6238
 */
import type { Kysely, Migration } from 'kysely'

/** Integer epoch seconds (see 0001-initial). */
const EPOCH = 'bigint'

export const mfa: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('mfa_totp')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('secret_encrypted', 'text', (c) => c.notNull())
      .addColumn('last_step', EPOCH)
      .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failed_at', EPOCH)
      .addColumn('confirmed_at', EPOCH)
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .execute()
    await db.schema
      .createTable('mfa_recovery_codes')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('used_at', EPOCH)
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addPrimaryKeyConstraint('mfa_recovery_codes_pkey', ['user_id', 'code_hash'])
      .execute()
    await db.schema
      .createTable('mfa_challenges')
      .addColumn('interaction_id', 'text', (c) => c.primaryKey().references('interactions.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('browser_hash', 'text', (c) => c.notNull())
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('auth_time', EPOCH, (c) => c.notNull())
      .addColumn('password_stamp', 'text', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .execute()
    await db.schema
      .createTable('mfa_policies')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addPrimaryKeyConstraint('mfa_policies_pkey', ['tenant_id', 'subject', 'subject_id'])
      .execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    for (const table of ['mfa_policies', 'mfa_challenges', 'mfa_recovery_codes', 'mfa_totp']) await db.schema.dropTable(table).execute()
  },
}
