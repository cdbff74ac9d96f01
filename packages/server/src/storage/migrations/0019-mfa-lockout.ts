/**
 * Issue 13, security review (M4, L3):
 * - `mfa_totp.consecutive_failures`: wrong second-factor answers (TOTP, recovery codes) since the
 *   last right one, never refilled by time. At `MFA_LOCKOUT_AFTER` the second factor is locked
 *   until a password reset or `latch users reset-mfa` (NIST SP 800-63B §5.2.2).
 * - `mfa_challenges.enrol_secret_encrypted`: the secret of a forced enrolment belongs to its
 *   challenge (its interaction and browser), so no other browser is ever shown it.
 * Added columns only (a default, a nullable): nothing to rebuild on SQLite.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#throttle
 */
import type { Kysely, Migration } from 'kysely'

export const mfaLockout: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('mfa_totp').addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0)).execute()
    await db.schema.alterTable('mfa_challenges').addColumn('enrol_secret_encrypted', 'text').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('mfa_challenges').dropColumn('enrol_secret_encrypted').execute()
    await db.schema.alterTable('mfa_totp').dropColumn('consecutive_failures').execute()
  },
}
