/**
 * Token introspection (RFC 7662) for revocation-sensitive routes: after the JWT verified locally,
 * the API asks the authorization server whether the token is still active, so a token revoked at
 * `/revoke` (RFC 7009) stops working here before its `exp`.
 * - The request is `POST` `token=…&token_type_hint=access_token` (§2.1), authenticated with the
 *   API's own client credentials by `client_secret_basic` (RFC 6749 §2.3.1: id and secret are
 *   form-urlencoded before base64). With Latch, the API registers as a client whose `client_id`
 *   is its resource identifier: Latch answers a client about a token whose `aud` names it.
 * - `active: false` (§2.2) means `invalid_token`; anything but a 200 JSON object with a boolean
 *   `active` means the answer is unknown: 503, never a guess either way.
 * - Answers are cached for `cacheTtl` seconds, never past the token's `exp`, keyed by the token's
 *   SHA-256 (introspection-cache.ts); concurrent checks of one token share one request.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-4
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
import { InvalidTokenError, TemporarilyUnavailableError } from './errors.js'
import { IntrospectionCache, tokenKey } from './introspection-cache.js'
import { fetchJson } from './upstream.js'

export interface IntrospectionOptions {
  /** The API's client_id at the authorization server (with Latch: its resource identifier). */
  clientId: string
  /** The API's client secret. Kept in memory only, sent only in the `Authorization` header. */
  clientSecret: string
  /** The introspection endpoint; default: `introspection_endpoint` from discovery. `https:`, or `http:` only under an `http:` issuer. */
  endpoint?: string
  /** Seconds an answer is remembered (default 30; 0 asks every time). Never past the token's `exp`. */
  cacheTtl?: number
  /** Most tokens remembered at once (default 10,000; a positive integer). */
  cacheMaxEntries?: number
}

export interface Introspection {
  /** Resolves when the token is active; throws `InvalidTokenError` when not, `TemporarilyUnavailableError` when unknown. */
  check(token: string, exp: number): Promise<void>
}

/** Default seconds an introspection answer is remembered. */
export const DEFAULT_INTROSPECTION_CACHE_TTL = 30
const DEFAULT_CACHE_MAX_ENTRIES = 10_000

/** RFC 6749 §2.3.1 / Appendix B: form-urlencoding, then base64. */
function basicCredentials(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+')
  return `Basic ${btoa(`${enc(clientId)}:${enc(clientSecret)}`)}`
}

/**
 * An introspection client. `endpoint()` resolves the endpoint URL (from discovery unless
 * configured); `now()` is epoch milliseconds, injected by tests. Most code uses the verifier's
 * `introspection` option instead.
 *
 * @example
 * ```ts
 * import { createIntrospection, type AccessTokenClaims } from '@latch/resource-server'
 *
 * declare const token: string // a verified access token
 * declare const claims: AccessTokenClaims // its claims
 * const introspection = createIntrospection(
 *   { clientId: 'https://api.example.com', clientSecret: process.env.API_CLIENT_SECRET! },
 *   async () => 'https://auth.example.com/introspect',
 *   5000,
 * )
 * await introspection.check(token, claims.exp) // throws InvalidTokenError when inactive
 * ```
 */
export function createIntrospection(
  options: IntrospectionOptions,
  endpoint: () => Promise<string>,
  timeoutMs: number,
  now?: () => number,
): Introspection {
  const cache = new IntrospectionCache(options.cacheTtl ?? DEFAULT_INTROSPECTION_CACHE_TTL, options.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES, now)
  const authorization = basicCredentials(options.clientId, options.clientSecret)
  const inFlight = new Map<string, Promise<boolean>>()

  async function ask(token: string): Promise<boolean> {
    const url = await endpoint()
    const body = await fetchJson(
      url,
      {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      },
      timeoutMs,
      'introspection_endpoint',
    )
    if (typeof body.active !== 'boolean') {
      throw new TemporarilyUnavailableError('the authorization server could not be reached to check the access token', {
        detail: `introspection_endpoint (${url}) answered without a boolean "active" (RFC 7662 §2.2)`,
      })
    }
    return body.active
  }

  return {
    async check(token, exp) {
      const key = await tokenKey(token)
      let active = cache.get(key)
      if (active === undefined) {
        let pending = inFlight.get(key)
        if (pending === undefined) {
          pending = ask(token).finally(() => inFlight.delete(key))
          inFlight.set(key, pending)
        }
        active = await pending
        cache.set(key, active, exp)
      }
      if (!active) throw new InvalidTokenError('the access token is no longer active', { detail: 'introspection: active=false' })
    },
  }
}
