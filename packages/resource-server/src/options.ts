/**
 * The verifier's options and their checking, apart from the verifier itself (verifier.ts) so the
 * rules can be read, and tested, as one table of what is accepted.
 *
 * Options are checked at construction and a bad one throws a `TypeError` naming it (fail fast at
 * boot, STYLE.md "Configuration"): an algorithm allow-list with `none` or an HMAC algorithm is
 * refused outright, and so are limits that would switch a protection off (a JWKS cooldown or
 * cache age under 1 s, a cache size that is not a positive integer), and a `jwksUri` or
 * introspection endpoint that is plain `http:` under an `https:` issuer (keys anyone on the path
 * can swap, a client secret in clear text).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
import { endpointAllowed } from './discovery.js'
import type { IntrospectionOptions } from './introspection.js'
import { DEFAULT_JWKS_CACHE_MAX_AGE, DEFAULT_JWKS_COOLDOWN, DEFAULT_JWKS_STALE_IF_ERROR } from './remote-key-set.js'
import { ASYMMETRIC_ALGORITHMS, DEFAULT_ALGORITHMS, DEFAULT_CLOCK_TOLERANCE } from './verify-access-token.js'

/** Default timeout of every request to the authorization server, seconds. */
export const DEFAULT_TIMEOUT = 5

export interface VerifierOptions {
  /** The authorization server's issuer identifier, exactly as in its metadata and tokens' `iss`. */
  issuer: string
  /** The API's resource identifier(s): a token's `aud` must contain one (RFC 9068 §4, RFC 8707). */
  audience: string | readonly string[]
  /** Allowed JWS algorithms (default RS256, PS256, ES256, EdDSA). Asymmetric ones only. */
  algorithms?: readonly string[]
  /** Accepted clock skew for `exp`/`nbf`/`iat`, seconds (default 5, at most 300). */
  clockTolerance?: number
  /** The JWKS URL; default: `jwks_uri` from discovery. `https:`, or `http:` only under an `http:` issuer. */
  jwksUri?: string
  /**
   * Seconds a fetched JWKS is used before it is fetched again (default 300, at least 1); the JWKS
   * answer's shorter `Cache-Control: max-age` wins. A key withdrawn at the issuer verifies here
   * until then.
   */
  jwksCacheMaxAge?: number
  /** Minimum seconds between two JWKS fetches caused by unknown `kid`s (default 30, at least 1). */
  jwksCooldown?: number
  /**
   * Seconds past its max age that the last good JWKS keeps verifying while it cannot be fetched
   * (default 3600; 0 makes an outage a 503 as soon as the cache is stale).
   */
  jwksStaleIfError?: number
  /** Timeout of every request to the authorization server, seconds (default 5). */
  timeout?: number
  /** `realm` of the `WWW-Authenticate` challenge (default: the first audience). */
  realm?: string
  /** Client credentials for RFC 7662 introspection, needed by routes that ask for it. */
  introspection?: IntrospectionOptions
  /**
   * The clock, epoch milliseconds (default: the system clock, `Date.now`). Every time-based
   * decision reads it: a token's `exp`/`nbf`/`iat` (jose's `currentDate`), the JWKS, metadata and
   * introspection caches, and the retry delay after a failed fetch. Tests move it instead of
   * sleeping; an application has no reason to set it.
   */
  now?: () => number
}

/** The options after checking, with every default filled in. */
export interface CheckedVerifierOptions {
  readonly issuer: string
  readonly audiences: readonly string[]
  readonly algorithms: readonly string[]
  readonly clockTolerance: number
  readonly jwksUri: string | undefined
  readonly jwksCacheMaxAge: number
  readonly jwksCooldown: number
  readonly jwksStaleIfError: number
  /** `timeout` in milliseconds. */
  readonly timeoutMs: number
  readonly realm: string
  readonly introspection: IntrospectionOptions | undefined
  /** The injected clock, or `undefined` for the system clock (jose then reads it itself). */
  readonly now: (() => number) | undefined
}

function fail(option: string, message: string): never {
  throw new TypeError(`createVerifier: ${option} ${message}`)
}

function seconds(option: string, value: number | undefined, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(option, `must be a number of seconds between ${min} and ${max}, got ${String(value)}`)
  return value
}

function httpUrl(option: string, value: string): string {
  if (typeof value !== 'string' || !URL.canParse(value)) fail(option, `must be an absolute URL, got ${JSON.stringify(value)}`)
  const url = new URL(value)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(option, `must be an http(s) URL, got ${JSON.stringify(value)}`)
  if (url.search !== '' || url.hash !== '') fail(option, 'must not have a query or fragment')
  return value
}

/** An endpoint of the issuer: https, or http under an http issuer (see discovery.ts). */
function endpointUrl(option: string, value: string, issuer: string): string {
  httpUrl(option, value)
  if (!endpointAllowed(issuer, value)) fail(option, `must be an https: URL when the issuer is https:, got ${JSON.stringify(value)}`)
  return value
}

function checkAudiences(audience: string | readonly string[]): readonly string[] {
  const audiences = typeof audience === 'string' ? [audience] : audience
  if (!Array.isArray(audiences) || audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a === '')) {
    fail('audience', 'must be a non-empty string or array of strings')
  }
  return Object.freeze([...audiences])
}

function checkAlgorithms(algorithms: readonly string[]): readonly string[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) fail('algorithms', 'must be a non-empty array')
  for (const alg of algorithms) {
    if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
      fail('algorithms', `may only name asymmetric JWS algorithms (${[...ASYMMETRIC_ALGORITHMS].join(', ')}); ${JSON.stringify(alg)} is refused (RFC 8725 §3.1)`)
    }
  }
  return Object.freeze([...algorithms])
}

function checkIntrospection(intro: IntrospectionOptions | undefined, issuer: string): IntrospectionOptions | undefined {
  if (intro === undefined) return undefined
  if (typeof intro !== 'object' || intro === null) fail('introspection', 'must be an object')
  if (typeof intro.clientId !== 'string' || intro.clientId === '') fail('introspection.clientId', 'must be a non-empty string')
  if (typeof intro.clientSecret !== 'string' || intro.clientSecret === '') fail('introspection.clientSecret', 'must be a non-empty string')
  if (intro.endpoint !== undefined) endpointUrl('introspection.endpoint', intro.endpoint, issuer)
  seconds('introspection.cacheTtl', intro.cacheTtl, 0)
  const max = intro.cacheMaxEntries
  if (max !== undefined && (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1)) {
    fail('introspection.cacheMaxEntries', `must be a positive integer, got ${String(max)}`)
  }
  return intro
}

/**
 * Checks the verifier's options and fills in the defaults. Throws a `TypeError` naming the first
 * bad option (`createVerifier: jwksCooldown must be …`).
 */
export function checkVerifierOptions(options: VerifierOptions): CheckedVerifierOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object')
  const issuer = httpUrl('issuer', options.issuer)
  const audiences = checkAudiences(options.audience)
  if (options.now !== undefined && typeof options.now !== 'function') fail('now', 'must be a function returning epoch milliseconds')
  return Object.freeze({
    issuer,
    audiences,
    algorithms: checkAlgorithms(options.algorithms ?? DEFAULT_ALGORITHMS),
    clockTolerance: seconds('clockTolerance', options.clockTolerance, DEFAULT_CLOCK_TOLERANCE, { max: 300 }),
    jwksUri: options.jwksUri === undefined ? undefined : endpointUrl('jwksUri', options.jwksUri, issuer),
    // Under 1 s, a cache age or cooldown is a fetch per request: the limits would be off.
    jwksCacheMaxAge: seconds('jwksCacheMaxAge', options.jwksCacheMaxAge, DEFAULT_JWKS_CACHE_MAX_AGE, { min: 1 }),
    jwksCooldown: seconds('jwksCooldown', options.jwksCooldown, DEFAULT_JWKS_COOLDOWN, { min: 1 }),
    jwksStaleIfError: seconds('jwksStaleIfError', options.jwksStaleIfError, DEFAULT_JWKS_STALE_IF_ERROR),
    timeoutMs: Math.round(seconds('timeout', options.timeout, DEFAULT_TIMEOUT, { max: 60 }) * 1000),
    realm: options.realm ?? (audiences[0] as string),
    introspection: checkIntrospection(options.introspection, issuer),
    now: options.now,
  })
}
