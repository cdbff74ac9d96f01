/**
 * Issue 13, MFA (migration 0015). Each rule that must hold once across nodes is one conditional
 * statement: a TOTP code's time step is accepted only when later than the last (RFC 6238 §5.2),
 * a recovery code is used once (`used_at IS NULL`), a challenge is taken once and only by its
 * browser, and the wrong-code budget is reserved before the check.
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-5.2
 */
import { sql } from 'kysely'
import { COLUMNS } from '../rows.js'
import type { MfaChallengesTable, MfaTotpTable } from '../database.js'
import type { MfaChallengeRecord, Store, TotpRecord } from '../store.js'
import { changed, type ForTenant, type RepositoryContext } from './shared.js'

const TOTP_COLUMNS = COLUMNS.mfa_totp
const CHALLENGE_COLUMNS = COLUMNS.mfa_challenges

const epoch = (v: number | null): number | null => (v === null ? null : Number(v))

function totpRecord(r: MfaTotpTable): TotpRecord {
  return { ...r, last_step: epoch(r.last_step), failures: Number(r.failures), consecutive_failures: Number(r.consecutive_failures), failed_at: epoch(r.failed_at), confirmed_at: epoch(r.confirmed_at), created_at: Number(r.created_at) }
}

function challengeRecord(r: MfaChallengesTable): MfaChallengeRecord {
  const amr = JSON.parse(r.amr) as unknown
  return {
    ...r,
    amr: Array.isArray(amr) ? amr.filter((v): v is string => typeof v === 'string') : [],
    auth_time: Number(r.auth_time),
    failures: Number(r.failures),
    created_at: Number(r.created_at),
  }
}

export function mfaRepository({ db }: RepositoryContext): ForTenant<Store['mfa']> {
  return (tenant) => ({
    async totp(userId) {
      const row = await db.selectFrom('mfa_totp').select(TOTP_COLUMNS).where('tenant_id', '=', tenant).where('user_id', '=', userId).executeTakeFirst()
      return row ? totpRecord(row) : null
    },
    async beginTotp(userId, secretEncrypted, now) {
      const result = await db
        .insertInto('mfa_totp')
        .values({ user_id: userId, tenant_id: tenant, secret_encrypted: secretEncrypted, last_step: null, failures: 0, failed_at: null, consecutive_failures: 0, confirmed_at: null, created_at: now })
        .onConflict((oc) =>
          oc
            .column('user_id')
            .doUpdateSet({ secret_encrypted: secretEncrypted, last_step: null, created_at: now })
            // A confirmed authenticator is never replaced by an enrolment: it is removed first.
            .where('mfa_totp.confirmed_at', 'is', null)
            .where('mfa_totp.tenant_id', '=', tenant),
        )
        .executeTakeFirst()
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n
    },
    async confirmTotp(userId, step, now) {
      return changed(
        await db
          .updateTable('mfa_totp')
          .set({ confirmed_at: now, last_step: step, failures: 0, failed_at: null })
          .where('tenant_id', '=', tenant)
          .where('user_id', '=', userId)
          .where('confirmed_at', 'is', null)
          .executeTakeFirst(),
      )
    },
    async acceptStep(userId, step) {
      return changed(
        await db
          .updateTable('mfa_totp')
          .set({ last_step: step })
          .where('tenant_id', '=', tenant)
          .where('user_id', '=', userId)
          .where('confirmed_at', 'is not', null)
          .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
          .executeTakeFirst(),
      )
    },
    async reserveAttempt(userId, now, window, limit, lockAfter) {
      const since = now - window
      const row = await db
        .updateTable('mfa_totp')
        .set({
          failures: sql<number>`case when failed_at > ${since} then failures + 1 else 1 end`,
          failed_at: now,
          consecutive_failures: sql<number>`consecutive_failures + 1`,
        })
        .where('tenant_id', '=', tenant)
        .where('user_id', '=', userId)
        // Locked: nothing more is counted or checked until `unlock` (or the authenticator is removed).
        .where('consecutive_failures', '<', lockAfter)
        .where((eb) => eb.or([eb('failed_at', 'is', null), eb('failed_at', '<=', since), eb('failures', '<', limit)]))
        .returning('consecutive_failures')
        .executeTakeFirst()
      return row ? Number(row.consecutive_failures) : null
    },
    async forgive(userId) {
      await db.updateTable('mfa_totp').set({ failures: 0, failed_at: null, consecutive_failures: 0 }).where('tenant_id', '=', tenant).where('user_id', '=', userId).execute()
    },
    async unlock(userId) {
      await db.updateTable('mfa_totp').set({ failures: 0, failed_at: null, consecutive_failures: 0 }).where('tenant_id', '=', tenant).where('user_id', '=', userId).execute()
    },
    async confirmTotpWith(userId, secretEncrypted, step, now) {
      const result = await db
        .insertInto('mfa_totp')
        .values({ user_id: userId, tenant_id: tenant, secret_encrypted: secretEncrypted, last_step: step, failures: 0, failed_at: null, consecutive_failures: 0, confirmed_at: now, created_at: now })
        .onConflict((oc) =>
          oc
            .column('user_id')
            .doUpdateSet({ secret_encrypted: secretEncrypted, last_step: step, failures: 0, failed_at: null, consecutive_failures: 0, confirmed_at: now, created_at: now })
            .where('mfa_totp.confirmed_at', 'is', null)
            .where('mfa_totp.tenant_id', '=', tenant),
        )
        .executeTakeFirst()
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n
    },
    async setEnrolSecret(interactionId, browserHash, secretEncrypted) {
      return changed(
        await db
          .updateTable('mfa_challenges')
          .set({ enrol_secret_encrypted: secretEncrypted })
          .where('tenant_id', '=', tenant)
          .where('interaction_id', '=', interactionId)
          .where('browser_hash', '=', browserHash)
          .where('enrol_secret_encrypted', 'is', null)
          .executeTakeFirst(),
      )
    },
    async removeTotp(userId) {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('mfa_recovery_codes').where('tenant_id', '=', tenant).where('user_id', '=', userId).execute()
        return changed(await trx.deleteFrom('mfa_totp').where('tenant_id', '=', tenant).where('user_id', '=', userId).executeTakeFirst())
      })
    },
    async replaceRecoveryCodes(userId, codeHashes, now) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('mfa_recovery_codes').where('tenant_id', '=', tenant).where('user_id', '=', userId).execute()
        if (codeHashes.length > 0) {
          await trx.insertInto('mfa_recovery_codes').values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, tenant_id: tenant, used_at: null, created_at: now }))).execute()
        }
      })
    },
    async useRecoveryCode(userId, codeHash, now) {
      return changed(
        await db
          .updateTable('mfa_recovery_codes')
          .set({ used_at: now })
          .where('tenant_id', '=', tenant)
          .where('user_id', '=', userId)
          .where('code_hash', '=', codeHash)
          .where('used_at', 'is', null)
          .executeTakeFirst(),
      )
    },
    async recoveryCodesLeft(userId) {
      const row = await db
        .selectFrom('mfa_recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', tenant)
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },
    async putChallenge(c) {
      const values = { ...c, amr: JSON.stringify(c.amr) }
      await db
        .insertInto('mfa_challenges')
        .values({ ...values, tenant_id: tenant })
        .onConflict((oc) =>
          oc
            .column('interaction_id')
            .doUpdateSet({ user_id: c.user_id, browser_hash: c.browser_hash, amr: values.amr, auth_time: c.auth_time, password_stamp: c.password_stamp, created_at: c.created_at, enrol_secret_encrypted: null })
            .where('mfa_challenges.tenant_id', '=', tenant),
        )
        .execute()
    },
    async getChallenge(interactionId) {
      const row = await db.selectFrom('mfa_challenges').select(CHALLENGE_COLUMNS).where('tenant_id', '=', tenant).where('interaction_id', '=', interactionId).executeTakeFirst()
      return row ? challengeRecord(row) : null
    },
    async failChallenge(interactionId, limit) {
      const row = await db
        .updateTable('mfa_challenges')
        .set({ failures: sql<number>`failures + 1` })
        .where('tenant_id', '=', tenant)
        .where('interaction_id', '=', interactionId)
        .returning('failures')
        .executeTakeFirst()
      if (!row) return null
      const failures = Number(row.failures)
      if (failures >= limit) await db.deleteFrom('mfa_challenges').where('tenant_id', '=', tenant).where('interaction_id', '=', interactionId).execute()
      return failures
    },
    async takeChallenge(interactionId, browserHash) {
      const row = await db
        .deleteFrom('mfa_challenges')
        .where('tenant_id', '=', tenant)
        .where('interaction_id', '=', interactionId)
        .where('browser_hash', '=', browserHash)
        .returning(CHALLENGE_COLUMNS)
        .executeTakeFirst()
      return row ? challengeRecord(row) : null
    },
    async required(subject, id) {
      const row = await db.selectFrom('mfa_policies').select('subject_id').where('tenant_id', '=', tenant).where('subject', '=', subject).where('subject_id', '=', id).executeTakeFirst()
      return row !== undefined
    },
    async anyRequired(subject, ids) {
      if (ids.length === 0) return false
      const row = await db.selectFrom('mfa_policies').select('subject_id').where('tenant_id', '=', tenant).where('subject', '=', subject).where('subject_id', 'in', [...ids]).limit(1).executeTakeFirst()
      return row !== undefined
    },
    async setRequired(subject, id, required, now) {
      if (!required) {
        await db.deleteFrom('mfa_policies').where('tenant_id', '=', tenant).where('subject', '=', subject).where('subject_id', '=', id).execute()
        return
      }
      await db.insertInto('mfa_policies').values({ tenant_id: tenant, subject, subject_id: id, created_at: now }).onConflict((oc) => oc.columns(['tenant_id', 'subject', 'subject_id']).doNothing()).execute()
    },
  })
}
