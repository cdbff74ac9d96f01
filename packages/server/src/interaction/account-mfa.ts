/**
 * Issue 13: what the account's two-step verification page (`/account/mfa`) decides, without HTTP:
 * enrol a TOTP authenticator (confirmed by its first code, then ten recovery codes shown once),
 * count the recovery codes left, regenerate them, and turn TOTP off unless policy requires it.
 * Regenerating and turning off need a session of two factors (account-strength.ts) and a fresh
 * proof of the second factor (a TOTP code for a later time step than any used, or a recovery code;
 * never the password alone, review H1): a session left open on a shared computer is not enough.
 * Every wrong proof spends the account's budget of wrong codes and counts toward its lock
 * (sessions/second-factor.ts).
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec6 (authenticator lifecycle)
 */
import type { LatchContext } from '../context.js'
import {
  MFA_LOCKOUT_AFTER,
  confirmedTotp,
  lockIfSpent,
  policyRequires,
  reserveSecondFactor,
  totpSecret,
} from '../sessions/second-factor.js'
import type { ActiveSession, CookieJar } from '../sessions/idp-session.js'
import type { UserRecord } from '../storage/store.js'
import { recoveryCodeHash } from '../users/recovery-codes.js'
import { verifyTotp } from '../users/totp.js'
import { DEFAULT_LOCALE } from './views/locales.js'
import { lookFor } from './page-look.js'
import { endOtherSessions, hasSecondFactor, mailboxProven, signedInStrongly, stepUpNeeded } from './account-strength.js'
import { provePassword } from './password-proof.js'
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
 * Review H1: setting up TOTP from a one-factor session when the user has a passkey would add a
 * second factor that session never had to show. A user with no factor at all (whom a policy may
 * cover) sets it up as before: it is how they meet the policy.
 */
export async function enrolmentNeedsStepUp(ctx: LatchContext, active: ActiveSession): Promise<boolean> {
  return !signedInStrongly(active) && (await hasSecondFactor(ctx, active.user.id))
}

export type StartedEnrolment = { type: 'secret'; secret: string } | { type: 'on' } | { type: 'wrong' } | { type: 'throttled'; retryAfter: number } | { type: 'step_up' } | { type: 'unverified' }

/**
 * The secret of the enrolment the account page shows; `on` when TOTP is on already. Review M3: not
 * on an account whose email was never verified. Review H1: a user with a passkey sets it up from a
 * session of two factors only (`step_up`). A session signed in more than
 * `ENROL_MAX_AUTH_AGE` ago gives the current password first (review L4: checked before any secret
 * is made or replaced): a stolen session cookie alone must not register its thief's authenticator.
 */
export async function startAccountEnrolment(ctx: LatchContext, active: ActiveSession, input: { password: string | undefined; ip: string; cookies: CookieJar }): Promise<StartedEnrolment> {
  const { user } = active
  if ((await confirmedTotp(ctx, user.id)) !== null) return { type: 'on' }
  if (!mailboxProven(user)) return { type: 'unverified' }
  if (await enrolmentNeedsStepUp(ctx, active)) return { type: 'step_up' }
  if (enrolmentNeedsPassword(ctx, active.session.auth_time)) {
    const proved = await provePassword(ctx, user, input)
    if (proved.type !== 'ok') return proved
  }
  const secret = await enrolmentSecret(ctx, user.id)
  return secret === null ? { type: 'on' } : { type: 'secret', secret }
}


export type AccountEnrolment = { type: 'enrolled'; recoveryCodes: string[] } | { type: 'wrong'; secret: string } | { type: 'throttled'; secret: string } | { type: 'gone' }

/** RFC 6238: the first code proves the app holds the secret; then the ten recovery codes. */
export async function confirmAccountEnrolment(ctx: LatchContext, userId: string, sessionId: string, code: string | undefined): Promise<AccountEnrolment> {
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
  // Review H1: a session signed in elsewhere before two-step verification was on does not outlive it.
  await endOtherSessions(ctx, userId, sessionId)
  return { type: 'enrolled', recoveryCodes }
}

/** Review H1: a second factor, not the password: a TOTP code (a time step later than any used) or a recovery code (once). */
export type Proof = { code?: string | undefined; recovery_code?: string | undefined }

/**
 * A fresh proof of the second factor: a TOTP code (accepted once, as at sign-in) or an unused
 * recovery code; `throttled` when the account's budget of wrong answers is spent.
 */
export async function proveHolder(ctx: LatchContext, user: UserRecord, proof: Proof): Promise<'ok' | 'wrong' | 'throttled'> {
  const code = (proof.code ?? '').trim()
  const recovery = (proof.recovery_code ?? '').trim()
  if (code === '' && recovery === '') return 'wrong'
  const now = ctx.clock.now()
  const reservation = await reserveSecondFactor(ctx, user.id)
  if (reservation.type !== 'reserved') return 'throttled'
  let ok = false
  if (code !== '') {
    const totp = await confirmedTotp(ctx, user.id)
    const step = totp && verifyTotp(await totpSecret(ctx, totp), code, now)
    ok = typeof step === 'number' && (await ctx.store.mfa.acceptStep(user.id, step))
  } else {
    const hash = recoveryCodeHash(recovery)
    ok = hash !== null && (await ctx.store.mfa.useRecoveryCode(user.id, hash, now))
    if (ok) ctx.events.emit('recovery_code.used', { user_id: user.id, remaining: await ctx.store.mfa.recoveryCodesLeft(user.id) })
  }
  if (!ok) {
    ctx.events.emit('mfa.failed', { user_id: user.id, reason: 'wrong_code' })
    await noteWrong(ctx, user, reservation.consecutive)
    return 'wrong'
  }
  await ctx.store.mfa.forgive(user.id)
  return 'ok'
}

export type AccountChange = { type: 'done'; recoveryCodes?: string[] } | { type: 'wrong' } | { type: 'throttled' } | { type: 'required' } | { type: 'not_enabled' } | { type: 'step_up' }

/** Review H1: from a session of two factors only, and with a code (never the password alone). */
export async function regenerateRecoveryCodes(ctx: LatchContext, active: ActiveSession, proof: Proof): Promise<AccountChange> {
  const { user } = active
  if ((await confirmedTotp(ctx, user.id)) === null) return { type: 'not_enabled' }
  if (await stepUpNeeded(ctx, active)) return { type: 'step_up' }
  const proved = await proveHolder(ctx, user, proof)
  if (proved !== 'ok') return { type: proved }
  const recoveryCodes = await issueRecoveryCodes(ctx, user.id)
  ctx.events.emit('recovery_codes.regenerated', { user_id: user.id })
  return { type: 'done', recoveryCodes }
}

export async function disableTotp(ctx: LatchContext, active: ActiveSession, proof: Proof): Promise<AccountChange> {
  const { user } = active
  if ((await confirmedTotp(ctx, user.id)) === null) return { type: 'not_enabled' }
  if (await policyRequires(ctx, user.id)) return { type: 'required' }
  if (await stepUpNeeded(ctx, active)) return { type: 'step_up' }
  const proved = await proveHolder(ctx, user, proof)
  if (proved !== 'ok') return { type: proved }
  if (await ctx.store.mfa.removeTotp(user.id)) ctx.events.emit('mfa.disabled', { user_id: user.id })
  return { type: 'done' }
}
