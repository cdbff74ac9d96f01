/**
 * PKCE, Proof Key for Code Exchange (RFC 7636), in one place for both ends of the flow:
 * - the authorization request's `code_challenge` / `code_challenge_method` (§4.2, §4.3), under
 *   Latch's policy: S256 only unless `plain` is allowed, and PKCE required of public clients
 *   (RFC 9700 §2.1.1) and, when configured, of every client;
 * - the token request's `code_verifier` (§4.1) and its check against the stored challenge (§4.6).
 * The verifier and the challenge share one alphabet and length: 43–128 unreserved characters.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 */
import { createHash } from 'node:crypto'
import { InvalidRequestError } from '../errors.js'
import { constantTimeEqual } from '../lib/constant-time.js'

/** RFC 7636 §4.1 `code-verifier = 43*128unreserved`; §4.2 gives the challenge the same ABNF. */
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/
/** base64url of a SHA-256 digest, unpadded (RFC 7636 §4.2). */
const S256_LENGTH = 43

export type CodeChallengeMethod = 'S256' | 'plain'

/** What the deployment and the client demand of an authorization request. */
export interface PkcePolicy {
  /** The client has no secret (`token_endpoint_auth_method: none`): PKCE is its only binding. */
  publicClient: boolean
  /** `security.require_pkce`: every client must send a challenge. */
  requirePkce: boolean
  /** `security.allow_pkce_plain`: accept `plain` besides S256. */
  allowPlain: boolean
}

/** RFC 7636 §4.1: 43–128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`. */
export function isCodeVerifier(value: string): boolean {
  return PKCE_VALUE.test(value)
}

/** RFC 7636 §4.2: the challenge's syntax for its method (an S256 challenge is exactly 43 characters). */
export function isCodeChallenge(value: string, method: CodeChallengeMethod): boolean {
  return PKCE_VALUE.test(value) && (method !== 'S256' || value.length === S256_LENGTH)
}

/**
 * The authorization request's PKCE parameters, checked (RFC 7636 §4.3, §4.4.1): the challenge and
 * its effective method (an absent method means `plain`), or none when no challenge was sent and
 * the policy allows that.
 */
export function checkCodeChallenge(
  challenge: string | undefined,
  method: string | undefined,
  policy: PkcePolicy,
): { code_challenge?: string; code_challenge_method?: CodeChallengeMethod } {
  if (challenge === undefined) {
    if (method !== undefined) throw new InvalidRequestError('code_challenge_method without code_challenge')
    if (policy.publicClient) throw new InvalidRequestError('PKCE is required for public clients: send code_challenge with S256 (RFC 9700 §2.1.1)')
    if (policy.requirePkce) throw new InvalidRequestError('PKCE is required: send code_challenge with S256')
    return {}
  }
  // RFC 7636 §4.3: an absent method means plain.
  const effective = method ?? 'plain'
  if (effective !== 'S256' && !(effective === 'plain' && policy.allowPlain)) {
    throw new InvalidRequestError('code_challenge_method must be S256 (plain is not accepted, RFC 9700 §2.1.1)')
  }
  if (!isCodeChallenge(challenge, effective)) throw new InvalidRequestError('code_challenge is malformed (RFC 7636 §4.2)')
  return { code_challenge: challenge, code_challenge_method: effective }
}

/** RFC 7636 §4.6: does `verifier` answer `challenge`? (S256: BASE64URL(SHA256(verifier)); plain: equal.) */
export function verifyCodeVerifier(verifier: string, challenge: string, method: string): boolean {
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier
  return constantTimeEqual(computed, challenge)
}
