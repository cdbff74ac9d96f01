/**
 * Issue 13: the second factor of a sign-in, without HTTP. When a first factor (password,
 * connection, email) is done and a second is needed, no session starts: the interaction records a
 * challenge (`store.mfa` `mfa_challenges`: who, which `amr`, when) bound to this browser by a fresh
 * random cookie whose SHA-256 is stored, so a challenge cannot be answered from another browser
 * nor outlive its interaction. The challenge is taken (deleted) by the one right answer; a replayed
 * form finds nothing. Wrong answers are counted twice: on the challenge (after
 * `CHALLENGE_FAILURE_LIMIT` it is dropped and the sign-in starts again with the first factor) and
 * on the account (`ACCOUNT_FAILURE_LIMIT` per `ACCOUNT_FAILURE_WINDOW`, reserved before the check,
 * so parallel guesses cannot exceed it and a new first factor buys no new guesses). A window
 * refills, so on its own it allows 960 guesses a day: `MFA_LOCKOUT_AFTER` wrong answers in a row
 * (TOTP and recovery codes alike; a right one starts the count again) lock the second factor until
 * a password reset or `latch users reset-mfa` (NIST SP 800-63B §5.2.2), the user is mailed, and
 * wrong answers from one source over every account are bounded too (`LoginThrottle.secondFactor`).
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#throttle
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-5.2
 */
import type { LatchContext } from '../context.js'
import type { Look } from '../interaction/views/branding.js'
import type { Locale } from '../interaction/views/locales.js'
import { composeMail } from '../mail/message.js'
import { decryptJson, encryptJson } from '../keys/encryption-at-rest.js'
import { constantTimeEqual } from '../lib/constant-time.js'
import { hashHandle, randomHandle } from '../lib/random.js'
import { ACR_MFA, satisfies, type Acr } from '../rules/acr.js'
import type { MfaChallengeRecord, TotpRecord, UserRecord } from '../storage/store.js'
import { recoveryCodeHash } from '../users/recovery-codes.js'
import { verifyTotp } from '../users/totp.js'
import { cookieName, cookieOptions, type CookieChange, type CookieJar } from './idp-session.js'

export const MFA_PENDING_COOKIE = 'latch_mfa_pending'
/** Wrong answers to one challenge before it is dropped (the user starts again). */
export const CHALLENGE_FAILURE_LIMIT = 5
/** Wrong answers per account and window, whatever the challenge. */
export const ACCOUNT_FAILURE_LIMIT = 10
export const ACCOUNT_FAILURE_WINDOW = 15 * 60
/**
 * NIST SP 800-63B §5.2.2 (at most 100): wrong answers in a row, whatever the time, after which the
 * account's second factor is locked. 20 leaves a user who mistypes room and gives a guesser with
 * the password 20 × 3 / 10^6 (three codes valid at once): 0.006% per account, once.
 */
export const MFA_LOCKOUT_AFTER = 20
/** HKDF label of the TOTP secrets' encryption under LATCH_SECRET. */
export const TOTP_SECRET_INFO = 'latch/v1/totp-secret'

/** The confirmed TOTP authenticator of the user, or null. */
export async function confirmedTotp(ctx: LatchContext, userId: string): Promise<TotpRecord | null> {
  const totp = await ctx.store.mfa.totp(userId)
  return totp !== null && totp.confirmed_at !== null ? totp : null
}

export async function totpSecret(ctx: LatchContext, totp: Pick<TotpRecord, 'secret_encrypted'>): Promise<string> {
  return String(await decryptJson(totp.secret_encrypted, ctx.config.secret, TOTP_SECRET_INFO))
}

export async function encryptTotpSecret(ctx: LatchContext, secret: string): Promise<string> {
  return encryptJson(secret, ctx.config.secret, TOTP_SECRET_INFO)
}

/** What may require a second factor for this sign-in: the tenant, the client, the organization the grant acts for, `acr_values`. */
export interface SecondFactorPolicyInput {
  userId: string
  clientId: string
  organizationId: string | null
  /** OIDC Core §3.1.2.1: the weakest `acr` value the request asked, if any. */
  acr?: Acr | undefined
}

/**
 * Whether this sign-in must pass a second factor: the user has one (then it is always asked), or
 * the tenant, the client or the organization requires MFA, or the request asked for an `acr` of
 * two factors or more. A user without one is then enrolled (forced enrolment).
 */
export async function secondFactorRequired(ctx: LatchContext, input: SecondFactorPolicyInput): Promise<boolean> {
  if (ctx.config.mfa.required) return true
  if (input.acr !== undefined && satisfies(input.acr, ACR_MFA)) return true
  // Three primary-key reads, at once: this runs on every single sign-on of a session without `mfa`.
  const [client, organization, totp] = await Promise.all([
    ctx.store.mfa.required('client', input.clientId),
    input.organizationId === null ? false : ctx.store.mfa.required('organization', input.organizationId),
    confirmedTotp(ctx, input.userId),
  ])
  return client || organization || totp !== null
}

/** Whether policy alone (not the user's own choice) requires MFA of this user (turning TOTP off is then refused). */
export async function policyRequires(ctx: LatchContext, userId: string): Promise<boolean> {
  if (ctx.config.mfa.required) return true
  const memberships = await ctx.store.organizations.membershipsOf(userId, 200)
  return ctx.store.mfa.anyRequired('organization', memberships.map((m) => m.organization.id))
}

/** What the challenge keeps of the password the first factor was checked against: a later change voids it. */
export function passwordStamp(user: Pick<UserRecord, 'password_hash'>): string {
  return user.password_hash === null ? '' : hashHandle(user.password_hash)
}

/** Records the pending first factor on the interaction; the cookie that binds it to this browser. */
export async function startChallenge(ctx: LatchContext, interactionId: string, user: UserRecord, amr: readonly string[], authTime: number): Promise<CookieChange> {
  const value = randomHandle()
  const now = ctx.clock.now()
  await ctx.store.mfa.putChallenge({
    interaction_id: interactionId,
    user_id: user.id,
    browser_hash: hashHandle(value),
    amr: [...amr],
    auth_time: Math.min(now, authTime),
    password_stamp: passwordStamp(user),
    failures: 0,
    created_at: now,
  })
  return { name: cookieName(ctx, MFA_PENDING_COOKIE), value, options: { ...cookieOptions(ctx), maxAge: ctx.config.sessions.interaction_ttl } }
}

function browserHash(ctx: LatchContext, cookies: CookieJar): string | null {
  const value = cookies[cookieName(ctx, MFA_PENDING_COOKIE)]
  return value !== undefined && value.length > 0 && value.length <= 100 ? hashHandle(value) : null
}

/** The interaction's challenge, if this browser is the one it is bound to. */
export async function pendingChallenge(ctx: LatchContext, interactionId: string, cookies: CookieJar): Promise<MfaChallengeRecord | null> {
  const hash = browserHash(ctx, cookies)
  if (hash === null) return null
  const challenge = await ctx.store.mfa.getChallenge(interactionId)
  return challenge !== null && constantTimeEqual(challenge.browser_hash, hash) ? challenge : null
}

/** The language and look of the page that asked: a lock's mail speaks them. */
export interface MailSpeaking {
  locale: Locale
  look: Look
}

export type SecondFactorAnswer = {
  code?: string | undefined
  recovery_code?: string | undefined
  /** The client address (`request.ip`): wrong answers per source over every account are bounded. */
  source: string
  speaking: MailSpeaking
}

export type Reservation = { type: 'reserved'; consecutive: number } | { type: 'throttled' } | { type: 'locked' }

/**
 * Reserves one answer of the account's budget before it is checked (the window's, and the
 * consecutive count's): refused when the window is spent (`throttled`, for a while) or the second
 * factor is locked (`locked`, until a password reset or `latch users reset-mfa`).
 */
export async function reserveSecondFactor(ctx: LatchContext, userId: string): Promise<Reservation> {
  const consecutive = await ctx.store.mfa.reserveAttempt(userId, ctx.clock.now(), ACCOUNT_FAILURE_WINDOW, ACCOUNT_FAILURE_LIMIT, MFA_LOCKOUT_AFTER)
  if (consecutive !== null) return { type: 'reserved', consecutive }
  const totp = await ctx.store.mfa.totp(userId)
  const locked = totp !== null && totp.consecutive_failures >= MFA_LOCKOUT_AFTER
  ctx.events.emit('mfa.failed', { user_id: userId, reason: locked ? 'locked' : 'throttled' })
  return { type: locked ? 'locked' : 'throttled' }
}

/**
 * After a wrong answer on a reservation: when it was the last the count allows, the lock engages
 * now: `mfa.locked`, and the user hears of it by mail (after the response), with the way back.
 * True when it did.
 */
export function lockIfSpent(ctx: LatchContext, user: Pick<UserRecord, 'id' | 'email'>, consecutive: number, speaking: MailSpeaking): boolean {
  if (consecutive < MFA_LOCKOUT_AFTER) return false
  ctx.events.emit('mfa.locked', { user_id: user.id, failures: consecutive })
  ctx.background.run('mfa lock note', ctx.log, () => ctx.mailer.send(composeMail(user.email, { kind: 'mfa_locked' }, speaking)))
  return true
}

export type SecondFactorResult =
  /** Passed: the user, and the challenge's first factor. */
  | { type: 'passed'; user: UserRecord; challenge: MfaChallengeRecord; method: 'totp' | 'recovery_code' }
  /** Wrong: the form again. */
  | { type: 'wrong'; method: 'totp' | 'recovery_code' }
  /** The account's budget of wrong codes is spent for now (or this source's, over every account). */
  | { type: 'throttled' }
  /** Too many wrong answers in a row: the second factor is locked until a password reset or `latch users reset-mfa`. */
  | { type: 'locked' }
  /** No challenge (any more) for this browser: too many wrong answers, used already, or another browser's. */
  | { type: 'gone' }

/**
 * Checks the answer to the interaction's challenge. A TOTP code counts only for a time step later
 * than the last accepted (RFC 6238 §5.2), a recovery code only once; both by one conditional UPDATE.
 */
export async function answerChallenge(ctx: LatchContext, interactionId: string, cookies: CookieJar, answer: SecondFactorAnswer): Promise<SecondFactorResult> {
  const challenge = await pendingChallenge(ctx, interactionId, cookies)
  if (challenge === null) return { type: 'gone' }
  const user = await ctx.store.users.getById(challenge.user_id)
  const totp = user && (await confirmedTotp(ctx, user.id))
  if (!user || !totp || passwordStamp(user) !== challenge.password_stamp) {
    await ctx.store.mfa.takeChallenge(interactionId, challenge.browser_hash)
    return { type: 'gone' }
  }
  const method = answer.recovery_code !== undefined ? 'recovery_code' : 'totp'
  const now = ctx.clock.now()
  const fromSource = await ctx.throttle.secondFactor(answer.source)
  if (!fromSource.allowed) {
    ctx.events.emit('mfa.failed', { user_id: user.id, reason: 'throttled' })
    return { type: 'throttled' }
  }
  const reservation = await reserveSecondFactor(ctx, user.id)
  if (reservation.type !== 'reserved') {
    await fromSource.notChecked()
    return reservation
  }
  let ok = false
  if (method === 'totp') {
    const step = verifyTotp(await totpSecret(ctx, totp), answer.code ?? '', now)
    ok = step !== null && (await ctx.store.mfa.acceptStep(user.id, step))
  } else {
    const hash = recoveryCodeHash(answer.recovery_code ?? '')
    ok = hash !== null && (await ctx.store.mfa.useRecoveryCode(user.id, hash, now))
  }
  if (!ok) {
    const failures = await ctx.store.mfa.failChallenge(interactionId, CHALLENGE_FAILURE_LIMIT)
    const restarted = failures === null || failures >= CHALLENGE_FAILURE_LIMIT
    ctx.events.emit('mfa.failed', { user_id: user.id, reason: restarted ? 'restarted' : 'wrong_code' })
    if (lockIfSpent(ctx, user, reservation.consecutive, answer.speaking)) return { type: 'locked' }
    return restarted ? { type: 'gone' } : { type: 'wrong', method }
  }
  await fromSource.succeeded()
  await ctx.store.mfa.forgive(user.id)
  // The one claim of the challenge: a second tab or a replayed form finds nothing here.
  const taken = await ctx.store.mfa.takeChallenge(interactionId, challenge.browser_hash)
  if (taken === null) return { type: 'gone' }
  if (method === 'recovery_code') ctx.events.emit('recovery_code.used', { user_id: user.id, remaining: await ctx.store.mfa.recoveryCodesLeft(user.id) })
  ctx.events.emit('mfa.verified', { user_id: user.id, method })
  return { type: 'passed', user, challenge: taken, method }
}

/** The change that removes the pending cookie once its challenge is done. */
export function pendingCookieCleared(ctx: LatchContext): CookieChange {
  return { name: cookieName(ctx, MFA_PENDING_COOKIE), clear: true, options: cookieOptions(ctx) }
}
