/**
 * Step-up authentication (RFC 9470): a route may require how the user authenticated, not only what
 * the token grants. `acr` names the authentication context classes the route accepts (RFC 9470
 * §3's `acr_values`); `maxAge` the most seconds since the user authenticated (`auth_time`). A
 * valid token that falls short is 401 `insufficient_user_authentication` with `acr_values` and/or
 * `max_age` in the challenge, so the client can ask the authorization server for a new token with
 * exactly those parameters (OIDC Core §3.1.2.1).
 *
 * Latch's values are ordered (docs/architecture.md "MFA and step-up": `urn:latch:acr:1fa` <
 * `urn:latch:acr:mfa` < `urn:latch:acr:phr`): a token with a stronger Latch value satisfies a
 * route that accepts a weaker one. Any other value is matched exactly.
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
import { InsufficientUserAuthenticationError } from './errors.js'

/** Latch's `acr` values, weakest first (the authorization server's `acr_values_supported`). */
export const LATCH_ACR_VALUES = ['urn:latch:acr:1fa', 'urn:latch:acr:mfa', 'urn:latch:acr:phr'] as const

export const ACR_NOT_SATISFIED = 'a stronger authentication of the user is required'
export const MAX_AGE_EXCEEDED = 'a more recent authentication of the user is required'

/** RFC 9470 §3 and RFC 6749 §3.3's NQCHAR: what an `acr` value may be to reach the challenge. */
const ACR_VALUE = /^[\x21\x23-\x5B\x5D-\x7E]{1,255}$/

export interface UserAuthenticationOptions {
  /** Accepted `acr` values (any one of them; a stronger Latch value also satisfies a weaker one). */
  acr?: string | readonly string[]
  /** Most seconds since the user authenticated (`auth_time`). */
  maxAge?: number
}

export interface UserAuthenticationRequirement {
  check(claims: { acr?: unknown; auth_time?: unknown }, nowSeconds: number): void
}

function rank(value: string): number {
  return (LATCH_ACR_VALUES as readonly string[]).indexOf(value)
}

/** The route's requirement, checked at definition (a `TypeError` for a bad value); null for none. */
export function compileUserAuthentication(options: UserAuthenticationOptions): UserAuthenticationRequirement | null {
  const accepted = options.acr === undefined ? [] : typeof options.acr === 'string' ? [options.acr] : [...options.acr]
  for (const value of accepted) if (!ACR_VALUE.test(value)) throw new TypeError(`requireAuth: acr value ${JSON.stringify(value)} is not a valid acr value`)
  if (options.maxAge !== undefined && (!Number.isInteger(options.maxAge) || options.maxAge < 0)) throw new TypeError('requireAuth: maxAge must be a whole number of seconds, 0 or more')
  if (accepted.length === 0 && options.maxAge === undefined) return null
  const acrValues = accepted.length > 0 ? accepted.join(' ') : undefined
  const weakestLatch = Math.min(...accepted.map(rank).filter((r) => r >= 0))
  const maxAge = options.maxAge
  return {
    check(claims, now) {
      if (acrValues !== undefined) {
        const acr = typeof claims.acr === 'string' ? claims.acr : undefined
        const ok = acr !== undefined && (accepted.includes(acr) || (rank(acr) >= 0 && rank(acr) >= weakestLatch))
        if (!ok) throw new InsufficientUserAuthenticationError(ACR_NOT_SATISFIED, { acrValues, ...(maxAge !== undefined && { maxAge }) })
      }
      if (maxAge !== undefined) {
        const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : undefined
        if (authTime === undefined || now - authTime > maxAge) {
          throw new InsufficientUserAuthenticationError(MAX_AGE_EXCEEDED, { maxAge, ...(acrValues !== undefined && { acrValues }) })
        }
      }
    },
  }
}
