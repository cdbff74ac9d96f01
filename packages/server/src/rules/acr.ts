/**
 * Issue 13: Authentication Context Class References (`acr`, OIDC Core §2) derived from what the
 * session did (`amr`, RFC 8176), in one ordered list, weakest first: a stronger value satisfies a
 * request for a weaker one (docs/architecture.md "MFA and step-up").
 * - `urn:latch:acr:1fa`: one factor (a password, an email link or code, an upstream sign-in without a trusted `mfa`);
 * - `urn:latch:acr:mfa`: two factors (`amr` has `mfa`);
 * - `urn:latch:acr:phr`: phishing-resistant, a passkey with user verification (`amr` has `hwk` or `swk`, and `user`).
 * `acr_values` (OIDC Core §3.1.2.1) is voluntary: unknown values are ignored, and the weakest
 * supported value asked is what the session must reach (step-up), RFC 9470 §4.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */

/** The supported values, weakest first (discovery's `acr_values_supported`). */
export const ACR_VALUES = ['urn:latch:acr:1fa', 'urn:latch:acr:mfa', 'urn:latch:acr:phr'] as const
export type Acr = (typeof ACR_VALUES)[number]

export const ACR_1FA: Acr = 'urn:latch:acr:1fa'
export const ACR_MFA: Acr = 'urn:latch:acr:mfa'
export const ACR_PHR: Acr = 'urn:latch:acr:phr'

/** The class a session with these authentication methods reached. */
export function acrOf(amr: readonly string[]): Acr {
  if (amr.includes('user') && (amr.includes('hwk') || amr.includes('swk'))) return ACR_PHR
  if (amr.includes('mfa')) return ACR_MFA
  return ACR_1FA
}

/** Whether `have` is at least as strong as `wanted`. */
export function satisfies(have: Acr, wanted: Acr): boolean {
  return ACR_VALUES.indexOf(have) >= ACR_VALUES.indexOf(wanted)
}

/** Whether `value` is one of the supported values. */
export function isAcr(value: string): value is Acr {
  return (ACR_VALUES as readonly string[]).includes(value)
}

/**
 * OIDC Core §3.1.2.1 `acr_values`: space-separated, in order of preference. The weakest supported
 * value asked (any of them would do), or undefined when none is supported (the request is then
 * served as if it had none: the parameter is voluntary). At most 16 values are read.
 */
export function requestedAcr(acrValues: string | undefined): Acr | undefined {
  if (acrValues === undefined) return undefined
  const asked = acrValues.split(' ').filter(Boolean).slice(0, 16).filter(isAcr)
  if (asked.length === 0) return undefined
  return asked.reduce((weakest, v) => (satisfies(weakest, v) ? v : weakest))
}

/** The `amr` after a second factor: the first factor's methods, `otp` (or what was used) and `mfa`, each once. */
export function withSecondFactor(amr: readonly string[], method: string): string[] {
  return [...new Set([...amr, method, 'mfa'])]
}
