/**
 * Issue 14 (session 22): `users.disabled_at`, when an administrator disabled the account (null:
 * enabled). A disabled user signs in by no path and keeps no session or grant (the disable ends
 * them in the same transaction); re-enabling clears it. Nullable without a default: no rebuild on
 * SQLite, no backfill on PostgreSQL.
 */
import type { Kysely, Migration } from 'kysely'

export const userDisabled: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('users').dropColumn('disabled_at').execute()
  },
}
