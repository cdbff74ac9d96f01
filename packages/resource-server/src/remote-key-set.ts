/**
 * The issuer's JWK Set (RFC 7517 §5) as a jose key-set function: fetched from `jwks_uri` through
 * upstream.ts, cached here, and handed to jose's `createLocalJWKSet`, which selects the key by
 * `kid`, `kty` and `alg` and imports it. It replaces jose's `createRemoteJWKSet` because an API
 * must behave well while its issuer is down, and that one starts its cooldown only after a
 * successful fetch:
 * - **fresh** for `maxAge` seconds (default 300, the `max-age` of Latch's JWKS), or for the
 *   shorter `Cache-Control: max-age` the JWKS response states (RFC 9111 §5.2.2.1), so a key the
 *   issuer withdraws stops verifying here within that time;
 * - an **unknown `kid`** fetches again (a key rotation, OIDC Core §10.1.1), at most once per
 *   `cooldown` seconds after the last successful fetch, so made-up `kid`s cost the issuer one
 *   request per cooldown;
 * - a **failed fetch** (network, timeout, non-200, not a JWK Set) is remembered for
 *   min(`cooldown`, 5) seconds and rethrown without fetching, so an outage is not hammered by
 *   every request, junk tokens included;
 * - **stale if error** (RFC 5861 §4's idea): once the set is past its max age and fetching it
 *   fails, the last good set keeps verifying for at most `staleIfError` seconds more (default
 *   3600), so an issuer outage does not turn every valid token into a 503. Past that: 503.
 * Concurrent fetches are shared. Time is injected (`now`, epoch milliseconds) for tests.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.1
 * @see https://www.rfc-editor.org/rfc/rfc5861#section-4
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose'
import { TemporarilyUnavailableError } from './errors.js'
import { fetchJsonAnswer, freshFor, UNAVAILABLE } from './upstream.js'

/** Default seconds a fetched JWKS is used (Latch's JWKS says `max-age=300`). */
export const DEFAULT_JWKS_CACHE_MAX_AGE = 300
/** Default minimum seconds between two fetches caused by unknown `kid`s. */
export const DEFAULT_JWKS_COOLDOWN = 30
/** Default seconds past its max age that the last good JWKS is used while it cannot be fetched. */
export const DEFAULT_JWKS_STALE_IF_ERROR = 3600
/** Seconds a failed fetch of the issuer (JWKS or discovery) is remembered, at most the cooldown. */
export const FAILURE_RETRY = 5

export interface RemoteKeySetOptions {
  /** Seconds a fetched set is fresh (default 300); a shorter `Cache-Control: max-age` wins. */
  maxAge?: number
  /** Minimum seconds between a successful fetch and a refetch for an unknown `kid` (default 30). */
  cooldown?: number
  /** Seconds past its max age the last good set is used while fetching fails (default 3600; 0: never). */
  staleIfError?: number
  /** Timeout of one fetch, milliseconds (default 5000). */
  timeoutMs?: number
  /** The clock, epoch milliseconds (default `Date.now`). */
  now?: () => number
}

interface Failure {
  readonly error: unknown
  readonly at: number
}

/**
 * A jose key-set function for the JWKS at `url`, for `jwtVerify`. A fetch failure rejects with
 * {@link TemporarilyUnavailableError}.
 *
 * @example
 * ```ts
 * import { jwtVerify } from 'jose'
 * import { createRemoteKeySet } from '@latch/resource-server'
 *
 * declare const token: string // the bearer token of a request
 * const keys = createRemoteKeySet('https://auth.example.com/jwks', { maxAge: 300, cooldown: 30 })
 * const { payload } = await jwtVerify(token, keys, { issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * ```
 */
export function createRemoteKeySet(url: string, options: RemoteKeySetOptions = {}): JWTVerifyGetKey {
  const maxAge = (options.maxAge ?? DEFAULT_JWKS_CACHE_MAX_AGE) * 1000
  const cooldown = (options.cooldown ?? DEFAULT_JWKS_COOLDOWN) * 1000
  const staleIfError = (options.staleIfError ?? DEFAULT_JWKS_STALE_IF_ERROR) * 1000
  const retry = Math.min(cooldown, FAILURE_RETRY * 1000)
  const timeoutMs = options.timeoutMs ?? 5000
  const now = options.now ?? Date.now
  const init: RequestInit = { headers: { accept: 'application/json, application/jwk-set+json' } }

  let local: JWTVerifyGetKey | undefined
  let fetchedAt = Number.NEGATIVE_INFINITY
  let freshUntil = Number.NEGATIVE_INFINITY
  let failure: Failure | undefined
  let pending: Promise<void> | undefined

  async function fetchKeySet(): Promise<void> {
    const { body, maxAge: answered } = await fetchJsonAnswer(url, init, timeoutMs, 'jwks_uri')
    let next: JWTVerifyGetKey
    try {
      next = createLocalJWKSet(body as unknown as JSONWebKeySet)
    } catch (cause) {
      throw new TemporarilyUnavailableError(UNAVAILABLE, { detail: `jwks_uri (${url}) answered JSON that is not a JWK Set`, cause })
    }
    local = next
    fetchedAt = now()
    freshUntil = fetchedAt + freshFor(maxAge / 1000, answered) * 1000
    failure = undefined
  }

  /** One fetch at a time; a failure is rethrown, without fetching, for `retry` ms. */
  function refresh(): Promise<void> {
    if (pending !== undefined) return pending
    if (failure !== undefined && now() < failure.at + retry) return Promise.reject(failure.error)
    const current = fetchKeySet().then(
      () => {
        pending = undefined
      },
      (err: unknown) => {
        pending = undefined
        failure = { error: err, at: now() }
        throw err
      },
    )
    pending = current
    return current
  }

  return async function remoteKeySet(protectedHeader, token) {
    if (local === undefined || now() >= freshUntil) {
      try {
        await refresh()
      } catch (err) {
        // Stale if error: the last good keys, for a bounded time past their max age.
        if (local === undefined || now() >= freshUntil + staleIfError) throw err
      }
    }
    try {
      return await (local as JWTVerifyGetKey)(protectedHeader, token)
    } catch (err) {
      // An unknown kid may be a new key: fetch again, unless inside the cooldown. If that fetch
      // fails the token cannot be judged (503), whatever the cached set says.
      if (err instanceof errors.JWKSNoMatchingKey && now() >= fetchedAt + cooldown) {
        await refresh()
        return (local as JWTVerifyGetKey)(protectedHeader, token)
      }
      throw err
    }
  }
}
