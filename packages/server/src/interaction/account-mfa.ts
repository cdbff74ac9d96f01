/**
 * Issue 13: what the account's two-step verification page (`/account/mfa`) decides, without HTTP:
 * enrol a TOTP authenticator (confirmed by its first code, then ten recovery codes shown once),
 * count the recovery codes left, regenerate them, and turn TOTP off unless policy requires it.
 * Regenerating and turning off need a fresh proof (the current password, or a TOTP code for a
 * later time step than any used): a session left open on a shared computer is not enough. Every
 * wrong proof spends the account's budget of wrong codes and counts toward its lock
 * (sessions/second-factor.ts).
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec6 (authenticator lifecycle)
 */
import type { LatchContext } from '../context.js'
import { MFA_LOCKOUT_AFTER, confirmedTotp, lockIfSpent, policyRequires, reserveSecondFactor, totpSecret } from '../sessions/second-factor.js'
import type { UserRecord } from '../storage/store.js'
import { verifyPassword } from '../users/password-hash.js'
import { verifyTotp } from '../users/totp.js'
import { DEFAULT_LOCALE } from './views/locales.js'
import { lookFor } from './page-look.js'
import { ENROL_MAX_AUTH_AGE, enrolmentSecret, issueRecoveryCodes } from './second-factor.js'

/**
 * A wrong answer on the account page counts toward the lock like one at sign-in (security review
 * M4); the mail speaks the tenant's default language (the page's is not known here).
 */
async function noteWrong(ctx: LatchContext, user: Pick<UserRecord, 'id' | 'email'>, consecutive: number): Promise<void> {
  if (consecutive < MFA_LOCKOUT_AFTER) return
  lockIfSpent(ctx, user, consecutive, { locale: DEFAULT_LOCALE, look: await lookFor(ctx, null) })
}

export interface AccountMfaStatus {
  enabled: boolean
  codesLeft: number
  /** Policy requires MFA of this user: it cannot be turned off. */
  required: boolean
}

export async function accountMfaStatus(ctx: LatchContext, userId: string): Promise<AccountMfaStatus> {
  const enabled = (await confirmedTotp(ctx, userId)) !== null
  const [codesLeft, required] = await Promise.all([enabled ? ctx.store.mfa.recoveryCodesLeft(userId) : 0, policyRequires(ctx, userId)])
  return { enabled, codesLeft, required }
}

/** Whether enrolling now needs the current password: the session's sign-in is older than `ENROL_MAX_AUTH_AGE`. */
export function enrolmentNeedsPassword(ctx: LatchContext, sessionAuthTime: number): boolean {
  return ctx.clock.now() - sessionAuthTime > ENROL_MAX_AUTH_AGE
}

/**
 * The secret of the enrolment the account page shows; `on` when TOTP is on already. A session
 * signed in more than `ENROL_MAX_AUTH_AGE` ago must give the current password first: a stolen
 * session cookie alone must not register its thief's authenticator.
 */
export async function startAccountEnrolment(ctx: LatchContext, user: UserRecord, sessionAuthTime: number, password: string | undefined): Promise<{ type: 'secret'; secret: string } | { type: 'on' } | { type: 'wrong' } | { type: 'throttled' }> {
  const secret = await enrolmentSecret(ctx, user.id, { fresh: true })
  if (secret === null) return { type: 'on' }
  if (enrolmentNeedsPassword(ctx, sessionAuthTime)) {
    // The waiting enrolment's row holds the wrong-answer budget this check spends.
    const proved = await proveHolder(ctx, user, { password })
    if (proved !== 'ok') return { type: proved }
  }
  return { type: 'secret', secret }
}

export type AccountEnrolment = { type: 'enrolled'; recoveryCodes: string[] } | { type: 'wrong'; secret: string } | { type: 'throttled'; secret: string } | { type: 'gone' }

/** RFC 6238: the first code proves the app holds the secret; then the ten recovery codes. */
export async function confirmAccountEnrolment(ctx: LatchContext, userId: string, code: string | undefined): Promise<AccountEnrolment> {
  const totp = await ctx.store.mfa.totp(userId)
  if (totp === null || totp.confirmed_at !== null) return { type: 'gone' }
  const secret = await totpSecret(ctx, totp)
  const now = ctx.clock.now()
  const reservation = await reserveSecondFactor(ctx, userId)
  if (reservation.type !== 'reserved') return { type: 'throttled', secret }
  const step = verifyTotp(secret, code ?? '', now)
  if (step === null) {
    const user = await ctx.store.users.getById(userId)
    if (user !== null) await noteWrong(ctx, user, reservation.consecutive)
    return { type: 'wrong', secret }
  }
  if (!(await ctx.store.mfa.confirmTotp(userId, step, now))) return { type: 'gone' }
  await ctx.store.mfa.forgive(userId)
  const recoveryCodes = await issueRecoveryCodes(ctx, userId)
  ctx.events.emit('mfa.enrolled', { user_id: userId, where: 'account' })
  return { type: 'enrolled', recoveryCodes }
}

export type Proof = { password?: string | undefined; code?: string | undefined }

/**
 * A fresh proof of the account holder: the current password, or a TOTP code (accepted once, as at
 * sign-in). False for none; `throttled` when the account's budget of wrong answers is spent.
 */
export async function proveHolder(ctx: LatchContext, user: UserRecord, proof: Proof): Promise<'ok' | 'wrong' | 'throttled'> {
  const password = proof.password ?? ''
  const code = (proof.code ?? '').trim()
  if (password === '' && code === '') return 'wrong'
  const now = ctx.clock.now()
  const reservation = await reserveSecondFactor(ctx, user.id)
  if (reservation.type !== 'reserved') return 'throttled'
  let ok = false
  if (code !== '') {
    const totp = await confirmedTotp(ctx, user.id)
    const step = totp && verifyTotp(await totpSecret(ctx, totp), code, now)
    ok = typeof step === 'number' && (await ctx.store.mfa.acceptStep(user.id, step))
  } else if (user.password_hash !== null) {
    ok = await verifyPassword(user.password_hash, password)
  }
  if (!ok) {
    ctx.events.emit('mfa.failed', { user_id: user.id, reason: 'wrong_code' })
    await noteWrong(ctx, user, reservation.consecutive)
    return 'wrong'
  }
  await ctx.store.mfa.forgive(user.id)
  return 'ok'
}

export type AccountChange = { type: 'done'; recoveryCodes?: string[] } | { type: 'wrong' } | { type: 'throttled' } | { type: 'required' } | { type: 'not_enabled' }

export async function regenerateRecoveryCodes(ctx: LatchContext, user: UserRecord, proof: Proof): Promise<AccountChange> {
  if ((await confirmedTotp(ctx, user.id)) === null) return { type: 'not_enabled' }
  const proved = await proveHolder(ctx, user, proof)
  if (proved !== 'ok') return { type: proved }
  const recoveryCodes = await issueRecoveryCodes(ctx, user.id)
  ctx.events.emit('recovery_codes.regenerated', { user_id: user.id })
  return { type: 'done', recoveryCodes }
}

export async function disableTotp(ctx: LatchContext, user: UserRecord, proof: Proof): Promise<AccountChange> {
  if ((await confirmedTotp(ctx, user.id)) === null) return { type: 'not_enabled' }
  if (await policyRequires(ctx, user.id)) return { type: 'required' }
  const proved = await proveHolder(ctx, user, proof)
  if (proved !== 'ok') return { type: proved }
  if (await ctx.store.mfa.removeTotp(user.id)) ctx.events.emit('mfa.disabled', { user_id: user.id })
  return { type: 'done' }
}
