/**
 * Issue 13: the second-factor step of the interaction pages, without HTTP (docs/architecture.md
 * "MFA and step-up"). It runs in three places:
 * - `completeSignIn` (the end of every first factor): when a second factor is due (`secondFactorDue`)
 *   no session starts; a challenge is recorded on the interaction, bound to this browser
 *   (sessions/second-factor.ts), and the interaction page shows the second-factor form;
 * - the interaction page once the organization is known (`nextStep`, `decideConsent`): a session
 *   without `mfa` that now needs it (the organization's policy, `acr_values`) steps up: the same
 *   challenge for the session's user, then the session is renewed (same `sid`, new cookie value);
 * - the forms: a TOTP code or a recovery code (`passSecondFactor`), or, for a user who has no
 *   second factor yet while one is required, the enrolment with its first code (`confirmEnrolment`),
 *   after which the ten recovery codes are shown once.
 * A passkey with user verification (`amr` with `mfa`) and a remembered device skip the step. A
 * passkey is also a second factor (interaction/passkey-factor.ts): the step offers it to a user who
 * has one, and a user with a passkey but no TOTP is not made to enrol one.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (acr_values)
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
import type { LatchContext } from '../context.js'
import { ACR_MFA, requestedAcr, satisfies, withSecondFactor, type Acr } from '../rules/acr.js'
import { isAdminScope } from '../rules/admin-api.js'
import type { CookieChange, CookieJar } from '../sessions/idp-session.js'
import { rememberedDevice, rememberThisDevice } from '../sessions/remembered-device.js'
import {
  CHALLENGE_FAILURE_LIMIT,
  answerChallenge,
  confirmedTotp,
  encryptTotpSecret,
  lockIfSpent,
  passwordStamp,
  pendingChallenge,
  pendingCookieCleared,
  reserveSecondFactor,
  secondFactorRequired,
  startChallenge,
  totpSecret,
  type MailSpeaking,
  type SecondFactorAnswer,
} from '../sessions/second-factor.js'
import type { MfaChallengeRecord } from '../storage/store.js'
import type { ClientRecord, InteractionRecord, UserRecord } from '../storage/store.js'
import { newRecoveryCodes, recoveryCodeHash } from '../users/recovery-codes.js'
import { newTotpSecret, verifyTotp } from '../users/totp.js'
import { requestedOrganization } from './page-look.js'
import { seeOther, type Outcome } from './outcome.js'
import { finishSignIn } from './session-start.js'
import { endOtherSessions } from './account-strength.js'

/** OIDC Core §3.1.2.1: the weakest supported `acr` the authorization request asked, if any. */
export function requestedAcrOf(interaction: Pick<InteractionRecord, 'kind' | 'params'>): Acr | undefined {
  // The account kind asks it for a step-up (review H1, account-kind.ts).
  const value = interaction.kind === 'authorization' || interaction.kind === 'account' ? interaction.params.acr_values : undefined
  return requestedAcr(typeof value === 'string' ? value : undefined)
}

/** Whether a sign-in with `amr` must still pass a second factor for this request (and organization). */
export async function secondFactorDue(
  ctx: LatchContext,
  interaction: Pick<InteractionRecord, 'kind' | 'params'>,
  client: Pick<ClientRecord, 'client_id'>,
  userId: string,
  amr: readonly string[],
  organizationId: string | null,
  /** Issue 14: the scope the grant would carry: admin access under `admin.require_mfa` needs a second factor. */
  grantedScope: readonly string[] = [],
): Promise<boolean> {
  if (amr.includes('mfa')) return false
  const asked = requestedAcrOf(interaction)
  const acr = ctx.config.admin.require_mfa && grantedScope.some(isAdminScope) && (asked === undefined || !satisfies(asked, ACR_MFA)) ? ACR_MFA : asked
  return secondFactorRequired(ctx, { userId, clientId: client.client_id, organizationId, acr })
}

export type FirstFactorGate =
  | { type: 'proceed'; amr: string[] }
  | { type: 'challenge'; cookie: CookieChange }

/**
 * `completeSignIn`'s gate: proceed (no second factor due, or a remembered device counts as it:
 * `amr` gets `mfa`), or the challenge to record. The organization is the one the request names,
 * if any; one chosen later is decided at that step.
 */
export async function gateFirstFactor(
  ctx: LatchContext,
  interaction: InteractionRecord,
  client: ClientRecord,
  user: UserRecord,
  amr: string[],
  cookies: CookieJar,
  authTime: number | undefined,
): Promise<FirstFactorGate> {
  if (!(await secondFactorDue(ctx, interaction, client, user.id, amr, requestedOrganization(interaction) ?? null))) return { type: 'proceed', amr }
  const totp = await confirmedTotp(ctx, user.id)
  if (totp !== null && rememberedDevice(ctx, cookies, user, totp)) {
    ctx.events.emit('mfa.verified', { user_id: user.id, method: 'remembered_device' })
    return { type: 'proceed', amr: [...new Set([...amr, 'mfa'])] }
  }
  return { type: 'challenge', cookie: await startChallenge(ctx, interaction.id, user, amr, authTime ?? ctx.clock.now()) }
}

/**
 * Seconds since the session's sign-in within which a user without a second factor may enrol one
 * without signing in again: a stolen session cookie alone must not let its thief register their own
 * authenticator (and be shown the recovery codes). As `LINK_MAX_AUTH_AGE` for linking accounts.
 */
export const ENROL_MAX_AUTH_AGE = 600

/**
 * Step-up: a challenge for the session's user, whose first factor is the session's own; null when
 * the user has no second factor yet and signed in too long ago to enrol one now (they sign in
 * again first, and `completeSignIn` then asks for the enrolment).
 */
export async function startStepUp(ctx: LatchContext, interaction: InteractionRecord, user: UserRecord, amr: readonly string[], authTime: number): Promise<CookieChange | null> {
  if (ctx.clock.now() - authTime > ENROL_MAX_AUTH_AGE && (await confirmedTotp(ctx, user.id)) === null && !(await hasPasskey(ctx, user.id))) return null
  return startChallenge(ctx, interaction.id, user, amr, authTime)
}

/** What the second-factor page shows: the code form, or (no factor yet) the enrolment with its QR code. */
export interface SecondFactorForm {
  type: 'second_factor_form'
  user: UserRecord
  /** The secret of the enrolment under way (the page draws its QR code, named after the product). */
  enrol: { secret: string } | null
  /** The user has a TOTP authenticator: the code and recovery code forms. */
  totp: boolean
  /** The user has a passkey (and `passkeys.enabled`): **Use a passkey** (interaction/passkey-factor.ts). */
  passkey: boolean
}

/** Whether the user has a passkey that may serve as their second factor (`passkeys.enabled`). */
export async function hasPasskey(ctx: LatchContext, userId: string): Promise<boolean> {
  return ctx.config.passkeys.enabled && (await ctx.store.passkeys.listForUser(userId)).length > 0
}

/**
 * The form of this browser's pending challenge on the interaction, or null when there is none. A
 * user with a passkey but no TOTP is offered the passkey alone, never the enrolment: the passkey is
 * their second factor, and an enrolment the password alone could start would go around it.
 */
export async function secondFactorForm(ctx: LatchContext, interaction: InteractionRecord, cookies: CookieJar): Promise<SecondFactorForm | null> {
  const challenge = await pendingChallenge(ctx, interaction.id, cookies)
  if (challenge === null) return null
  const user = await ctx.store.users.getById(challenge.user_id)
  if (user === null) return null
  const [totp, passkey] = await Promise.all([confirmedTotp(ctx, user.id), hasPasskey(ctx, user.id)])
  const form = { type: 'second_factor_form' as const, user, enrol: null, totp: totp !== null, passkey }
  if (totp !== null || passkey) return form
  // Security review L3: the secret of this challenge (this pending sign-in and its browser) only.
  const secret = await challengeEnrolmentSecret(ctx, challenge)
  // Null: an authenticator was confirmed meanwhile (elsewhere); its code form.
  return secret === null ? { ...form, totp: true } : { ...form, enrol: { secret } }
}

/**
 * A forced enrolment's secret belongs to its challenge (security review L3): each pending sign-in
 * (its interaction and the browser bound to it) gets its own, kept across its page loads, so the
 * secret a victim confirms was never shown to another browser, say that of someone who also holds
 * the password. The user's `mfa_totp` row, created unconfirmed, only carries the wrong-answer budget.
 */
async function challengeEnrolmentSecret(ctx: LatchContext, challenge: MfaChallengeRecord): Promise<string | null> {
  if (typeof challenge.enrol_secret_encrypted === 'string') return enrolSecretOf(ctx, challenge.enrol_secret_encrypted)
  if ((await ctx.store.mfa.totp(challenge.user_id)) === null && !(await ctx.store.mfa.beginTotp(challenge.user_id, await encryptTotpSecret(ctx, newTotpSecret()), ctx.clock.now()))) return null
  const secret = newTotpSecret()
  if (await ctx.store.mfa.setEnrolSecret(challenge.interaction_id, challenge.browser_hash, await encryptTotpSecret(ctx, secret))) return secret
  // Another load of the same page won the race: its secret is the challenge's.
  const now = await ctx.store.mfa.getChallenge(challenge.interaction_id)
  return now !== null && now.browser_hash === challenge.browser_hash && typeof now.enrol_secret_encrypted === 'string' ? enrolSecretOf(ctx, now.enrol_secret_encrypted) : null
}

async function enrolSecretOf(ctx: LatchContext, encrypted: string): Promise<string> {
  return totpSecret(ctx, { secret_encrypted: encrypted })
}

/**
 * The account page's enrolment secret (stored encrypted in `mfa_totp`, unconfirmed): a new one at
 * every **Set up**, so a secret someone else was shown earlier is never the one confirmed (a
 * sign-in's forced enrolment uses its challenge's own secret instead: `challengeEnrolmentSecret`).
 * Null when a confirmed authenticator exists (enrolled meanwhile, elsewhere).
 */
export async function enrolmentSecret(ctx: LatchContext, userId: string): Promise<string | null> {
  const existing = await ctx.store.mfa.totp(userId)
  if (existing !== null && existing.confirmed_at !== null) return null
  const secret = newTotpSecret()
  return (await ctx.store.mfa.beginTotp(userId, await encryptTotpSecret(ctx, secret), ctx.clock.now())) ? secret : null
}

export type PassResult =
  | { type: 'signed_in'; cookies: CookieChange[]; outcome: Outcome }
  /** The enrolment: the session's cookies, the recovery codes to show once, and where to continue. */
  | { type: 'enrolled'; cookies: CookieChange[]; outcome: Outcome; recoveryCodes: string[] }
  | { type: 'wrong'; method: 'totp' | 'recovery_code' }
  | { type: 'throttled' }
  /** Too many wrong answers in a row: the second factor is locked (NIST SP 800-63B §5.2.2). */
  | { type: 'locked' }
  /** Start again: the interaction page (the sign-in form, when the challenge was dropped). */
  | { type: 'gone'; cookies: CookieChange[]; outcome: Outcome }

function gone(ctx: LatchContext, interaction: InteractionRecord): PassResult {
  return { type: 'gone', cookies: [pendingCookieCleared(ctx)], outcome: seeOther(`${ctx.urls.interaction}/${interaction.id}`) }
}

/** The answer on the second-factor form: a TOTP code or a recovery code; `remember`: this device (when enabled). */
export async function passSecondFactor(ctx: LatchContext, interaction: InteractionRecord, cookies: CookieJar, answer: SecondFactorAnswer, remember: boolean): Promise<PassResult> {
  const result = await answerChallenge(ctx, interaction.id, cookies, answer)
  if (result.type === 'gone') return gone(ctx, interaction)
  if (result.type !== 'passed') return result
  const { user, challenge } = result
  const done = await finishSignIn(ctx, interaction, user, withSecondFactor(challenge.amr, 'otp'), cookies, challenge.auth_time)
  if (done === null) return gone(ctx, interaction)
  const device = remember ? rememberThisDevice(ctx, user, await confirmedTotp(ctx, user.id)) : null
  return { type: 'signed_in', cookies: [...done.cookies, pendingCookieCleared(ctx), ...(device ? [device] : [])], outcome: done.outcome }
}

/** For a second factor verified elsewhere (lane C: a passkey): the user of this browser's pending challenge, or null. */
export async function pendingSecondFactorUser(ctx: LatchContext, interaction: InteractionRecord, cookies: CookieJar): Promise<UserRecord | null> {
  const challenge = await pendingChallenge(ctx, interaction.id, cookies)
  const user = challenge && (await ctx.store.users.getById(challenge.user_id))
  return user && challenge && passwordStamp(user) === challenge.password_stamp ? user : null
}

/**
 * A second factor verified elsewhere for `userId` (lane C: a passkey assertion, `methods` e.g.
 * `['hwk', 'user']`): takes this browser's challenge (single use) and starts the session with the
 * first factor's `amr`, `methods` and `mfa`. Gone when the challenge is not this browser's or not this user's.
 */
export async function passVerifiedSecondFactor(ctx: LatchContext, interaction: InteractionRecord, cookies: CookieJar, userId: string, methods: readonly string[]): Promise<PassResult> {
  const challenge = await pendingChallenge(ctx, interaction.id, cookies)
  const user = challenge !== null && challenge.user_id === userId ? await ctx.store.users.getById(userId) : null
  if (!challenge || !user || passwordStamp(user) !== challenge.password_stamp) return gone(ctx, interaction)
  if ((await ctx.store.mfa.takeChallenge(interaction.id, challenge.browser_hash)) === null) return gone(ctx, interaction)
  ctx.events.emit('mfa.verified', { user_id: user.id, method: 'passkey' })
  const done = await finishSignIn(ctx, interaction, user, [...new Set([...challenge.amr, ...methods, 'mfa'])], cookies, challenge.auth_time)
  if (done === null) return gone(ctx, interaction)
  return { type: 'signed_in', cookies: [...done.cookies, pendingCookieCleared(ctx)], outcome: done.outcome }
}

/** New recovery codes for the user: the ten to show once; only their hashes are stored. */
export async function issueRecoveryCodes(ctx: LatchContext, userId: string): Promise<string[]> {
  const codes = newRecoveryCodes()
  await ctx.store.mfa.replaceRecoveryCodes(userId, codes.map((c) => recoveryCodeHash(c) as string), ctx.clock.now())
  return codes
}

/**
 * Confirms an enrolment with its first code (RFC 6238: the code proves the app holds the secret),
 * then the session starts with `otp` and `mfa`: the user has just used the second factor.
 */
export async function confirmEnrolment(ctx: LatchContext, interaction: InteractionRecord, cookies: CookieJar, code: string | undefined, from: { source: string; speaking: MailSpeaking }): Promise<PassResult> {
  const challenge = await pendingChallenge(ctx, interaction.id, cookies)
  const user = challenge && (await ctx.store.users.getById(challenge.user_id))
  const totp = user && (await ctx.store.mfa.totp(user.id))
  if (!challenge || !user || !totp || totp.confirmed_at !== null || passwordStamp(user) !== challenge.password_stamp) return gone(ctx, interaction)
  // A passkey is this user's second factor: no enrolment around it (the page never offers one).
  if (await hasPasskey(ctx, user.id)) return gone(ctx, interaction)
  // Only the secret this challenge showed (L3); none shown yet: the page first.
  if (typeof challenge.enrol_secret_encrypted !== 'string') return gone(ctx, interaction)
  const now = ctx.clock.now()
  const fromSource = await ctx.throttle.secondFactor(from.source)
  if (!fromSource.allowed) {
    ctx.events.emit('throttle.engaged', { throttle: 'second_factor', ip: from.source })
    return { type: 'throttled' }
  }
  const reservation = await reserveSecondFactor(ctx, user.id)
  if (reservation.type !== 'reserved') {
    await fromSource.notChecked()
    return reservation
  }
  const step = verifyTotp(await enrolSecretOf(ctx, challenge.enrol_secret_encrypted), code ?? '', now)
  if (step === null) {
    const failures = await ctx.store.mfa.failChallenge(interaction.id, CHALLENGE_FAILURE_LIMIT)
    if (lockIfSpent(ctx, user, reservation.consecutive, from.speaking)) return { type: 'locked' }
    return failures === null || failures >= CHALLENGE_FAILURE_LIMIT ? gone(ctx, interaction) : { type: 'wrong', method: 'totp' }
  }
  await fromSource.succeeded()
  // The claim first (a double-submitted form finds nothing), then the one confirmation, with this challenge's secret.
  if ((await ctx.store.mfa.takeChallenge(interaction.id, challenge.browser_hash)) === null) return gone(ctx, interaction)
  if (!(await ctx.store.mfa.confirmTotpWith(user.id, challenge.enrol_secret_encrypted, step, now))) return gone(ctx, interaction)
  const recoveryCodes = await issueRecoveryCodes(ctx, user.id)
  ctx.events.emit('mfa.enrolled', { user_id: user.id, where: 'sign_in' })
  const done = await finishSignIn(ctx, interaction, user, withSecondFactor(challenge.amr, 'otp'), cookies, challenge.auth_time)
  if (done === null) return gone(ctx, interaction)
  // Review H1: a session signed in before two-step verification was on does not outlive it.
  await endOtherSessions(ctx, user.id, done.session.id)
  return { type: 'enrolled', cookies: [...done.cookies, pendingCookieCleared(ctx)], outcome: done.outcome, recoveryCodes }
}
