/**
 * Issue 13: a passkey as the second factor of a sign-in (after a password, or a step-up that
 * `acr_values` asked for), without HTTP. The first factor already named the user, so the request
 * options list that user's credentials (`allowCredentials`: the browser offers only theirs, and a
 * security key that holds no discoverable credential still works) and the credential that answers
 * must be one of them (WebAuthn L3 §7.2 step 6, the identified-user case).
 *
 * User verification is `preferred`, not required: the password (or the session's first factor) is
 * already the knowledge factor, and the passkey adds possession; asking every user for their PIN
 * or biometric again would add nothing the policy asked for (the issue requires user verification
 * for first-factor use only). When the authenticator did verify the user, `amr` says so (`user`)
 * and `acrOf` gives `urn:latch:acr:phr`; otherwise `urn:latch:acr:mfa`. A request that asks for
 * `urn:latch:acr:phr` gets `required`, so the step can reach what was asked.
 *
 * The challenge is made and taken exactly as the first factor's (interaction/passkeys.ts): bound to
 * this browser (its CSRF cookie's hash) and to this interaction, and here also to the pending user;
 * five minutes, single use. A first-factor ceremony (no user) cannot answer this step, nor this
 * step's ceremony the sign-in. Success takes the second-factor challenge through
 * `passVerifiedSecondFactor` (single use too) and starts the session with `amr` + `hwk`/`swk`
 * (+ `user`) + `mfa`. A refused assertion is not a guess at a secret, so it does not spend the
 * challenge's or the account's budget of wrong codes.
 * @see https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion
 * @see https://www.w3.org/TR/webauthn-3/#enum-userVerificationRequirement
 */
import { generateAuthenticationOptions, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import type { LatchContext } from '../context.js'
import { ACR_PHR, satisfies } from '../rules/acr.js'
import { parseCredentialResponse, relyingPartyOf } from '../rules/webauthn.js'
import type { CookieJar } from '../sessions/idp-session.js'
import type { InteractionRecord } from '../storage/store.js'
import { assertPasskeys, CHALLENGE_TTL, failed, storeChallenge, takeChallenge, verifyAssertion, type PasskeyFailure } from './passkeys.js'
import { passVerifiedSecondFactor, pendingSecondFactorUser, requestedAcrOf, type PassResult } from './second-factor.js'

/** `required` when the request asked for a phishing-resistant sign-in (only user verification reaches it), else `preferred`. */
export function secondFactorUserVerification(interaction: Pick<InteractionRecord, 'kind' | 'params'>): 'required' | 'preferred' {
  const asked = requestedAcrOf(interaction)
  return asked !== undefined && satisfies(asked, ACR_PHR) ? 'required' : 'preferred'
}

/** Options for `navigator.credentials.get` listing the pending user's passkeys; null when nothing is pending here or they have none. */
export async function secondFactorPasskeyOptions(
  ctx: LatchContext,
  interaction: InteractionRecord,
  cookies: CookieJar,
  browser: string,
): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
  assertPasskeys(ctx)
  const user = await pendingSecondFactorUser(ctx, interaction, cookies)
  const passkeys = user === null ? [] : await ctx.store.passkeys.listForUser(user.id)
  if (user === null || passkeys.length === 0) return null
  const options = await generateAuthenticationOptions({
    rpID: relyingPartyOf(ctx.config.issuer).id,
    allowCredentials: passkeys.map((p) => ({ id: p.credential_id, transports: p.transports as never })),
    userVerification: secondFactorUserVerification(interaction),
    timeout: CHALLENGE_TTL * 1000,
  })
  await storeChallenge(ctx, options.challenge, 'authenticate', browser, { interaction_id: interaction.id, user_id: user.id })
  return options
}

export type PasskeyFactorResult = PassResult | { type: 'failed'; reason: PasskeyFailure }

/** The assertion posted on the second-factor step: verified against the pending user's passkeys, then the step passes. */
export async function passkeySecondFactor(
  ctx: LatchContext,
  interaction: InteractionRecord,
  input: { response: string | undefined; browser: string; ip: string; cookies: CookieJar },
): Promise<PasskeyFactorResult> {
  assertPasskeys(ctx)
  const user = await pendingSecondFactorUser(ctx, interaction, input.cookies)
  const parsed = parseCredentialResponse(input.response)
  if (parsed === null) return failed(ctx, 'authenticate', 'invalid_response', input.ip)
  const ceremony = await takeChallenge(ctx, parsed, 'authenticate', input.browser)
  if (ceremony === null || user === null || ceremony.interaction_id !== interaction.id || ceremony.user_id !== user.id) {
    return failed(ctx, 'authenticate', 'unknown_challenge', input.ip)
  }
  const verified = await verifyAssertion(ctx, parsed, { owner: user.id, requireUserVerification: secondFactorUserVerification(interaction) === 'required' })
  if (typeof verified === 'string') return failed(ctx, 'authenticate', verified, input.ip)
  const methods = [verified.synced ? 'swk' : 'hwk', ...(verified.userVerified ? ['user'] : [])]
  const result = await passVerifiedSecondFactor(ctx, interaction, input.cookies, user.id, methods)
  if (result.type === 'signed_in') ctx.events.emit('passkey.used', { user_id: user.id, credential_id: verified.passkey.credential_id })
  return result
}
