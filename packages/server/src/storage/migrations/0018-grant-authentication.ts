/**
 * Issue 13: a grant keeps how its user authenticated, so every token of the grant, refreshed ones
 * too, carries the same `amr`, `acr` (derived: `acrOf(amr)`) and `auth_time` (OIDC Core §12.2,
 * RFC 9470 §6, RFC 9068 §2.2.1). `grants.amr` (JSON array) is read where the grant already is (the
 * refresh's one statement, the code's redemption copies it from `authorization_codes.amr`);
 * `device_codes.amr` carries the approving session's until the device redeems its code. Existing
 * rows get null, unknown: their tokens carry no `amr`/`acr`. Added nullable columns: nothing to
 * rebuild on SQLite, no backfill.
 */
import type { Kysely, Migration } from 'kysely'

export const grantAuthentication: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('grants').addColumn('amr', 'text').execute()
    await db.schema.alterTable('device_codes').addColumn('amr', 'text').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('device_codes').dropColumn('amr').execute()
    await db.schema.alterTable('grants').dropColumn('amr').execute()
  },
}
