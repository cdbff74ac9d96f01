/**
 * Issue 13: passkeys (WebAuthn) without HTTP: the options of a sign-in or a registration, and the
 * verification of what the browser answers, on `@simplewebauthn/server`.
 *
 * Every ceremony's challenge is made here and stored (`store.passkeys.insertChallenge`) bound to
 * the browser that asked (the hash of its CSRF cookie, which every one of these requests must
 * match) and to its interaction (sign-in) or user (registration); it lives five minutes and is
 * taken once (`takeChallenge`), before anything else is believed: the challenge in the posted
 * `clientDataJSON` only says which row to take. User verification is required both ways
 * (WebAuthn L3 §7.1 step 15, §7.2 step 17); sign-in asks for discoverable credentials with an
 * empty `allowCredentials` (no email first, so nothing says which accounts exist) and checks the
 * `userHandle` against the credential's user (§7.2 step 6). The signature counter is checked and
 * advanced in one conditional write (§6.1.1): a counter that did not go up is refused and reported
 * (`passkey.counter_regressed`). Every failure is one `failed` answer; which step refused goes to
 * the `passkey.failed` event only. One function verifies every assertion (`verifyAssertion`): this
 * sign-in's and the second factor's (interaction/passkey-factor.ts).
 * @see https://www.w3.org/TR/webauthn-3/#sctn-registering-a-new-credential
 * @see https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion
 * @see https://www.w3.org/TR/webauthn-3/#sctn-sign-counter
 */
import { provePassword } from './password-proof.js'
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server'
import type { LatchContext } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { requiredConnectionForEmail, requiredConnectionForMember } from '../federation/organization-rules.js'
import { hashHandle } from '../lib/random.js'
import { parseCredentialResponse, passkeyAmr, relyingPartyOf, type ParsedResponse } from '../rules/webauthn.js'
import { startSession, type ActiveSession, type CookieChange, type CookieJar } from '../sessions/idp-session.js'
import type { PasskeyChallengeRecord, PasskeyRecord, UserRecord } from '../storage/store.js'
import { connectionStartUrl } from './home-realm.js'
import type { Outcome } from './outcome.js'
import { completeSignIn, type LoadedInteraction } from './pages.js'
import { needsStrongSession } from './account-strength.js'

/** Seconds a ceremony's challenge can be answered. */
export const CHALLENGE_TTL = 300
/** Challenges kept per interaction (sign-in) or user (registration); the oldest goes first. */
export const CHALLENGE_CAP = 5
/** Passkeys one user may have: what a signed-in user can make the server store is bounded too. */
export const MAX_PASSKEYS_PER_USER = 20

/** COSE algorithm ids offered at registration (RFC 9053): EdDSA, ES256, RS256. */
const SUPPORTED_ALGORITHMS = [-8, -7, -257]

type Purpose = PasskeyChallengeRecord['purpose']
export type PasskeyFailure = 'unknown_challenge' | 'unknown_credential' | 'invalid_response' | 'taken'

/** The browser-binding value's stored form: a hash of the CSRF cookie, under a label of its own. */
export function browserHash(csrfCookie: string): string {
  return hashHandle(`latch/v1/passkey-browser:${csrfCookie}`)
}

export function assertPasskeys(ctx: LatchContext): void {
  if (!ctx.config.passkeys.enabled) throw new InvalidRequestError('Passkeys are turned off here.', { status: 404 })
}

export async function storeChallenge(ctx: LatchContext, challenge: string, purpose: Purpose, browser: string, owner: { interaction_id: string | null; user_id: string | null }) {
  const now = ctx.clock.now()
  await ctx.store.passkeys.insertChallenge(
    { challenge_hash: hashHandle(challenge), browser_hash: browserHash(browser), purpose, ...owner, created_at: now, expires_at: now + CHALLENGE_TTL },
    CHALLENGE_CAP,
  )
}

/** The stored ceremony `parsed` names, taken (single use), if it is this browser's, of this purpose and unexpired. */
export async function takeChallenge(ctx: LatchContext, parsed: ParsedResponse, purpose: Purpose, browser: string): Promise<PasskeyChallengeRecord | null> {
  return ctx.store.passkeys.takeChallenge(hashHandle(parsed.challenge), browserHash(browser), purpose, ctx.clock.now())
}

export function failed(ctx: LatchContext, purpose: Purpose, reason: PasskeyFailure, ip: string): { type: 'failed'; reason: PasskeyFailure } {
  ctx.events.emit('passkey.failed', { purpose, reason, ip })
  return { type: 'failed', reason }
}

/** Sign-in: options for `navigator.credentials.get` (discoverable credentials only, user verification required). */
export async function authenticationOptions(ctx: LatchContext, l: LoadedInteraction, browser: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  assertPasskeys(ctx)
  const rp = relyingPartyOf(ctx.config.issuer)
  const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required', timeout: CHALLENGE_TTL * 1000 })
  await storeChallenge(ctx, options.challenge, 'authenticate', browser, { interaction_id: l.interaction.id, user_id: null })
  return options
}

/** A verified assertion: the credential, its owner, whether the authenticator verified the user, and whether it is a synced passkey. */
export interface VerifiedAssertion {
  passkey: PasskeyRecord
  user: UserRecord
  userVerified: boolean
  synced: boolean
}

/**
 * WebAuthn L3 §7.2 for an assertion whose ceremony was already taken (single use, this browser's):
 * the credential in this tenant; its owner, who must be `owner` when the user was identified
 * before the ceremony (a second factor: step 6's first case) and otherwise the `userHandle`'s
 * (step 6's second case: a discoverable credential; a handle, when present, must always name the
 * owner); the signature, origin, RP ID and flags (`@simplewebauthn/server`); then the counter,
 * checked and advanced in one conditional write (§6.1.1). Every caller's assertion goes through
 * here: the sign-in (first factor) and the second factor. A failure is its reason, for the event.
 */
export async function verifyAssertion(
  ctx: LatchContext,
  parsed: ParsedResponse,
  rules: { owner: string | null; requireUserVerification: boolean },
): Promise<VerifiedAssertion | PasskeyFailure> {
  const found = await ctx.store.passkeys.find(parsed.json.id)
  if (found === null) return 'unknown_credential'
  const { passkey, user } = found
  if (rules.owner !== null && user.id !== rules.owner) return 'unknown_credential'
  const userHandle = parsed.json.response.userHandle
  const handleRequired = rules.owner === null
  if (userHandle === undefined || userHandle === null || userHandle === '') {
    if (handleRequired) return 'invalid_response'
  } else if (typeof userHandle !== 'string' || Buffer.from(userHandle, 'base64url').toString('utf8') !== user.id) {
    return 'invalid_response'
  }
  const rp = relyingPartyOf(ctx.config.issuer)
  let verification
  try {
    verification = await verifyAuthenticationResponse({
      response: parsed.json as never,
      expectedChallenge: parsed.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      // The counter is checked by `recordUse`, in the same statement that advances it.
      credential: { id: passkey.credential_id, publicKey: Buffer.from(passkey.public_key, 'base64url'), counter: 0, transports: passkey.transports as never },
      requireUserVerification: rules.requireUserVerification,
    })
  } catch {
    return 'invalid_response'
  }
  if (!verification.verified) return 'invalid_response'
  const info = verification.authenticationInfo
  const use = await ctx.store.passkeys.recordUse(passkey.credential_id, info.newCounter, info.credentialBackedUp, ctx.clock.now())
  if (use === 'counter_regressed') {
    ctx.events.emit('passkey.counter_regressed', { user_id: user.id, credential_id: passkey.credential_id, stored: passkey.sign_count, received: info.newCounter })
    return 'invalid_response'
  }
  if (use === 'unknown') return 'unknown_credential'
  return { passkey, user, userVerified: info.userVerified, synced: passkey.backup_eligible || info.credentialDeviceType === 'multiDevice' }
}

export type PasskeySignInResult =
  | { type: 'signed_in'; cookies: CookieChange[]; outcome: Outcome }
  | { type: 'failed'; reason: PasskeyFailure }
  /** Issue 12's required SSO: this member signs in through their organization's connection only. */
  | { type: 'connection_required'; connection: { name: string; href: string } }

/** Sign-in with a passkey as the first factor: verified, then `completeSignIn` with `amr` `hwk`/`swk`, `user`, `mfa`. */
export async function passkeySignIn(
  ctx: LatchContext,
  l: LoadedInteraction,
  input: { response: string | undefined; browser: string; ip: string; cookies: CookieJar },
): Promise<PasskeySignInResult> {
  assertPasskeys(ctx)
  const parsed = parseCredentialResponse(input.response)
  if (parsed === null) return failed(ctx, 'authenticate', 'invalid_response', input.ip)
  const ceremony = await takeChallenge(ctx, parsed, 'authenticate', input.browser)
  // A first-factor ceremony names no user (a second factor's does: interaction/passkey-factor.ts).
  if (ceremony === null || ceremony.interaction_id !== l.interaction.id || ceremony.user_id !== null) return failed(ctx, 'authenticate', 'unknown_challenge', input.ip)
  const verified = await verifyAssertion(ctx, parsed, { owner: null, requireUserVerification: true })
  if (typeof verified === 'string') return failed(ctx, 'authenticate', verified, input.ip)
  const { passkey, user } = verified
  // Issue 12 (security review M1): by the email's domain as well as by membership, as for a password.
  const required = (await requiredConnectionForEmail(ctx, user.email)) ?? (await requiredConnectionForMember(ctx, user.id))
  if (required !== null) {
    return { type: 'connection_required', connection: { name: required.display_name, href: connectionStartUrl(ctx, required.id, l.interaction.id) } }
  }
  const done = await completeSignIn(ctx, l, user, passkeyAmr(verified.synced), input.cookies)
  if (done === null) return failed(ctx, 'authenticate', 'invalid_response', input.ip)
  ctx.events.emit('passkey.used', { user_id: user.id, credential_id: passkey.credential_id })
  return { type: 'signed_in', cookies: done.cookies, outcome: done.outcome }
}

/** Whether the session signed in recently enough to change the user's passkeys (`passkeys.reauthentication_max_age`). */
export function recentlyAuthenticated(ctx: LatchContext, active: ActiveSession): boolean {
  return ctx.clock.now() - active.session.auth_time <= ctx.config.passkeys.reauthentication_max_age
}

/**
 * Registration: options for `navigator.credentials.create` (a discoverable credential with user
 * verification, the user's passkeys excluded); `too_many` at `MAX_PASSKEYS_PER_USER`.
 */
export async function registrationOptions(
  ctx: LatchContext,
  active: ActiveSession,
  browser: string,
  rpName: string,
): Promise<PublicKeyCredentialCreationOptionsJSON | 'too_many'> {
  assertPasskeys(ctx)
  const existing = await ctx.store.passkeys.listForUser(active.user.id)
  if (existing.length >= MAX_PASSKEYS_PER_USER) return 'too_many'
  const rp = relyingPartyOf(ctx.config.issuer)
  const options = await generateRegistrationOptions({
    rpName: ctx.config.passkeys.rp_name ?? rpName,
    rpID: rp.id,
    userName: active.user.email,
    userDisplayName: active.user.email,
    // The user handle is the (random) user id: it names nobody outside Latch (WebAuthn L3 §14.6.1).
    userID: new TextEncoder().encode(active.user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: p.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    timeout: CHALLENGE_TTL * 1000,
    // EdDSA, ES256, RS256, named: the library's default probes Node for ML-DSA, an experimental API that warns in the log.
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  })
  await storeChallenge(ctx, options.challenge, 'register', browser, { interaction_id: null, user_id: active.user.id })
  return options
}

/** Registration's answer: verified (attestation `none`, user verified), then stored under `name`. */
export async function registerPasskey(
  ctx: LatchContext,
  active: ActiveSession,
  input: { response: string | undefined; name: string; browser: string; ip: string },
): Promise<{ type: 'registered'; credentialId: string } | { type: 'failed'; reason: PasskeyFailure }> {
  assertPasskeys(ctx)
  const parsed = parseCredentialResponse(input.response)
  if (parsed === null) return failed(ctx, 'register', 'invalid_response', input.ip)
  const ceremony = await takeChallenge(ctx, parsed, 'register', input.browser)
  if (ceremony === null || ceremony.user_id !== active.user.id) return failed(ctx, 'register', 'unknown_challenge', input.ip)
  const rp = relyingPartyOf(ctx.config.issuer)
  let verification
  try {
    verification = await verifyRegistrationResponse({
      response: parsed.json as never,
      expectedChallenge: parsed.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    })
  } catch {
    return failed(ctx, 'register', 'invalid_response', input.ip)
  }
  if (!verification.verified) return failed(ctx, 'register', 'invalid_response', input.ip)
  const info = verification.registrationInfo
  const credentialId = info.credential.id
  const backupEligible = info.credentialDeviceType === 'multiDevice'
  const inserted = await ctx.store.passkeys.insert({
    credential_id: credentialId,
    user_id: active.user.id,
    public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
    sign_count: info.credential.counter,
    transports: (info.credential.transports ?? []).filter((t) => typeof t === 'string').slice(0, 8),
    backup_eligible: backupEligible,
    backed_up: info.credentialBackedUp,
    aaguid: info.aaguid,
    name: input.name,
    created_at: ctx.clock.now(),
    last_used_at: null,
  })
  if (inserted === 'taken') return failed(ctx, 'register', 'taken', input.ip)
  ctx.events.emit('passkey.registered', { user_id: active.user.id, credential_id: credentialId, backup_eligible: backupEligible })
  return { type: 'registered', credentialId }
}

/** Whether `/account/passkeys` can ask this user for their password (else it says to sign in again). */
export function canConfirmWithPassword(ctx: LatchContext, active: ActiveSession): boolean {
  return ctx.config.sign_in.password && active.user.password_hash !== null
}

/**
 * Re-authentication for `/account/passkeys` of a user without a second factor (with one: `step_up`,
 * account-strength.ts): the user's password, throttled like a sign-in
 * (`login.failed` on a wrong one). Right: the session is renewed (same `sid`, a fresh cookie,
 * `auth_time` now, `pwd` added to its `amr`), as a re-authentication at the sign-in page renews it.
 */
export async function confirmPassword(
  ctx: LatchContext,
  active: ActiveSession,
  input: { password: string | undefined; ip: string; cookies: CookieJar },
): Promise<{ type: 'confirmed'; cookies: CookieChange[] } | { type: 'wrong' } | { type: 'throttled'; retryAfter: number } | { type: 'step_up' }> {
  const { user } = active
  if (!canConfirmWithPassword(ctx, active)) return { type: 'wrong' }
  // Review H1: the password adds nothing for a user with a second factor (or a policy): renewing
  // `auth_time` would make a one-factor session look freshly and fully signed in. They step up.
  if (await needsStrongSession(ctx, user.id)) return { type: 'step_up' }
  const proof = await provePassword(ctx, user, input)
  if (proof.type !== 'ok') return proof
  const renewed = await startSession(ctx, input.cookies, user, [...new Set([...active.session.amr, 'pwd'])])
  return renewed === null ? { type: 'wrong' } : { type: 'confirmed', cookies: [renewed.cookie] }
}
