/**
 * Issue 12: the authentication methods an upstream reported (`amr`) that a federated session may
 * carry on, after `fed`: only values of the RFC 8176 registry, deduplicated, at most 8, so an
 * upstream can neither invent a method nor grow the session's tokens.
 * @see https://www.rfc-editor.org/rfc/rfc8176#section-2
 */
export const AMR_VALUES = new Set([
  'face', 'fpt', 'geo', 'hwk', 'iris', 'kba', 'mca', 'mfa', 'otp', 'pin', 'pop', 'pwd', 'rba', 'retina', 'sc', 'sms', 'swk', 'tel', 'user', 'vbm', 'wia',
])

/** The session's `amr` after a sign-in through a connection: `fed` and the upstream's registered values. */
export function federatedAmr(upstream: readonly unknown[]): string[] {
  const kept = [...new Set(upstream.filter((v): v is string => typeof v === 'string' && AMR_VALUES.has(v)))].slice(0, 8)
  return ['fed', ...kept]
}
