/**
 * The framework-free core: one verifier per API (per issuer and audience) that turns an
 * `Authorization` header into verified access-token claims, optionally confirms with the issuer
 * that the token is still active, and checks a route's scopes. It uses only `fetch` and
 * `crypto.subtle` (through jose), so it runs on Node, Deno, Bun and edge runtimes; the Express,
 * Fastify and Hono adapters are thin shells over it.
 *
 * Keys: the issuer's JWKS, found by discovery (RFC 8414, then OpenID Connect Discovery) unless
 * `jwksUri` is given, and cached by remote-key-set.ts: fresh for `jwksCacheMaxAge` (or the JWKS
 * answer's shorter `max-age`), refetched when a token names an unknown `kid` (a key rotation) at
 * most once per `jwksCooldown`, a failed fetch remembered for 5 s, and the last good set kept
 * for `jwksStaleIfError` past its max age while the JWKS cannot be fetched (RFC 7517 §5; OIDC
 * Core §10.1.1). Metadata is kept for an hour, or the shorter `max-age` of its answer, then
 * discovered again (a changed `jwks_uri` gets a new key set); while re-discovery fails the last
 * good metadata is used, and a failure with no metadata yet is remembered for 5 s (at most the
 * cooldown), so an outage is not hammered. Metadata that lacks an endpoint a request needs is a
 * 503 and is discovered again after 5 s, not kept until a restart.
 *
 * Options are checked at construction and a bad one throws a `TypeError` naming it (fail fast at
 * boot, STYLE.md "Configuration"): an algorithm allow-list with `none` or an HMAC algorithm is
 * refused outright, and so are limits that would switch a protection off (a JWKS cooldown or
 * cache age under 1 s, a cache size that is not a positive integer), and a `jwksUri` or
 * introspection endpoint that is plain `http:` under an `https:` issuer.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
import type { JWTVerifyGetKey, JWTVerifyOptions } from 'jose'
import { bearerToken } from './bearer-token.js'
import { discoverWithMaxAge, endpointAllowed, type AuthorizationServerMetadata } from './discovery.js'
import { TemporarilyUnavailableError } from './errors.js'
import { createIntrospection, type Introspection, type IntrospectionOptions } from './introspection.js'
import {
  createRemoteKeySet,
  DEFAULT_JWKS_CACHE_MAX_AGE,
  DEFAULT_JWKS_COOLDOWN,
  DEFAULT_JWKS_STALE_IF_ERROR,
  FAILURE_RETRY,
} from './remote-key-set.js'
import { compileScopes, type RouteParams } from './scopes.js'
import { freshFor, UNAVAILABLE } from './upstream.js'
import {
  accessTokenVerifyOptions,
  ASYMMETRIC_ALGORITHMS,
  DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE,
  verifyAccessToken,
  type AccessTokenClaims,
} from './verify-access-token.js'

/** Seconds discovered metadata is used before it is fetched again (or its answer's shorter `max-age`). */
const METADATA_MAX_AGE = 3600

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
}

export interface VerifyOptions {
  /** Also ask the issuer whether the token is still active (RFC 7662); needs `introspection`. */
  introspect?: boolean
  /** The request also carried an `access_token` query or body parameter (refused, RFC 6750 §2.3). */
  otherMethod?: boolean
}

/**
 * Verifies bearer tokens for one API.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@latch/resource-server'
 *
 * declare const request: Request
 * const verifier = createVerifier({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * const claims = await verifier.verify(request.headers.get('authorization'))
 * verifier.requireScopes(claims, ['read:organization:{orgId}'], { orgId: 'acme' })
 * ```
 */
export interface Verifier {
  /** `realm` for `WWW-Authenticate`. */
  readonly realm: string
  /** Whether introspection credentials were configured. */
  readonly canIntrospect: boolean
  /**
   * Extracts the bearer token from an `Authorization` header value (an array when the header
   * was repeated), verifies it and returns its claims. Throws `InvalidRequestError`,
   * `InvalidTokenError` or `TemporarilyUnavailableError`.
   */
  verify(authorization: string | readonly string[] | null | undefined, options?: VerifyOptions): Promise<AccessTokenClaims>
  /** Verifies a bare token (no header parsing). */
  verifyToken(token: string, options?: Pick<VerifyOptions, 'introspect'>): Promise<AccessTokenClaims>
  /** Throws `InsufficientScopeError` unless the token has every scope in `required` (templates resolved from `params`). */
  requireScopes(claims: Pick<AccessTokenClaims, 'scope'>, required: readonly string[], params?: RouteParams): void
  /** The issuer's metadata (cached for up to an hour). Call at start-up to fail fast on a wrong issuer. */
  discover(): Promise<AuthorizationServerMetadata>
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

function checkAlgorithms(algorithms: readonly string[]): readonly string[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) fail('algorithms', 'must be a non-empty array')
  for (const alg of algorithms) {
    if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
      fail('algorithms', `may only name asymmetric JWS algorithms (${[...ASYMMETRIC_ALGORITHMS].join(', ')}); ${JSON.stringify(alg)} is refused (RFC 8725 §3.1)`)
    }
  }
  return Object.freeze([...algorithms])
}

class AccessTokenVerifier implements Verifier {
  readonly realm: string
  readonly canIntrospect: boolean
  readonly #issuer: string
  readonly #jwtOptions: JWTVerifyOptions
  readonly #jwksUri: string | undefined
  readonly #jwksCacheMaxAge: number
  readonly #cooldown: number
  readonly #staleIfError: number
  readonly #timeoutMs: number
  /** Milliseconds a failed fetch of the issuer is remembered: 5 s, at most the JWKS cooldown. */
  readonly #retryMs: number
  readonly #introspection: Introspection | undefined
  #keys: JWTVerifyGetKey | undefined
  #keysUri: string | undefined
  #metadata: Promise<AuthorizationServerMetadata> | undefined
  #lastGoodMetadata: AuthorizationServerMetadata | undefined
  /** Epoch ms from which `discover()` fetches again (infinite while a discovery is in flight). */
  #rediscoverAt = 0

  constructor(options: VerifierOptions) {
    if (typeof options !== 'object' || options === null) fail('options', 'must be an object')
    this.#issuer = httpUrl('issuer', options.issuer)
    const audiences = typeof options.audience === 'string' ? [options.audience] : options.audience
    if (!Array.isArray(audiences) || audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a === '')) {
      fail('audience', 'must be a non-empty string or array of strings')
    }
    this.#jwtOptions = accessTokenVerifyOptions({
      issuer: this.#issuer,
      audience: audiences,
      algorithms: checkAlgorithms(options.algorithms ?? DEFAULT_ALGORITHMS),
      clockTolerance: seconds('clockTolerance', options.clockTolerance, DEFAULT_CLOCK_TOLERANCE, { max: 300 }),
    })
    this.#jwksUri = options.jwksUri === undefined ? undefined : endpointUrl('jwksUri', options.jwksUri, this.#issuer)
    // Under 1 s, a cache age or cooldown is a fetch per request: the limits would be off.
    this.#jwksCacheMaxAge = seconds('jwksCacheMaxAge', options.jwksCacheMaxAge, DEFAULT_JWKS_CACHE_MAX_AGE, { min: 1 })
    this.#cooldown = seconds('jwksCooldown', options.jwksCooldown, DEFAULT_JWKS_COOLDOWN, { min: 1 })
    this.#staleIfError = seconds('jwksStaleIfError', options.jwksStaleIfError, DEFAULT_JWKS_STALE_IF_ERROR)
    this.#timeoutMs = Math.round(seconds('timeout', options.timeout, 5, { max: 60 }) * 1000)
    this.#retryMs = Math.min(this.#cooldown, FAILURE_RETRY) * 1000
    this.realm = options.realm ?? (audiences[0] as string)
    const intro = options.introspection
    if (intro !== undefined) {
      if (typeof intro.clientId !== 'string' || intro.clientId === '') fail('introspection.clientId', 'must be a non-empty string')
      if (typeof intro.clientSecret !== 'string' || intro.clientSecret === '') fail('introspection.clientSecret', 'must be a non-empty string')
      if (intro.endpoint !== undefined) endpointUrl('introspection.endpoint', intro.endpoint, this.#issuer)
      seconds('introspection.cacheTtl', intro.cacheTtl, 0)
      const max = intro.cacheMaxEntries
      if (max !== undefined && (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1)) {
        fail('introspection.cacheMaxEntries', `must be a positive integer, got ${String(max)}`)
      }
      this.#introspection = createIntrospection(intro, () => this.#introspectionEndpoint(intro.endpoint), this.#timeoutMs)
    }
    this.canIntrospect = this.#introspection !== undefined
  }

  // Not `async`: on the hot path (keys loaded, no introspection) the caller gets the promise of
  // verifyAccessToken directly, one async frame instead of three (bench/resource-server).
  verify(authorization: string | readonly string[] | null | undefined, options?: VerifyOptions): Promise<AccessTokenClaims> {
    let token: string
    try {
      token = bearerToken(authorization, options?.otherMethod === true)
    } catch (err) {
      return Promise.reject(err)
    }
    return this.verifyToken(token, options)
  }

  verifyToken(token: string, options?: Pick<VerifyOptions, 'introspect'>): Promise<AccessTokenClaims> {
    const keys = this.#keys
    // The key set is used directly unless the metadata it came from is due for re-discovery.
    const current = keys !== undefined && (this.#jwksUri !== undefined || Date.now() < this.#rediscoverAt)
    const claims = current ? verifyAccessToken(token, keys, this.#jwtOptions) : this.#keySet().then((k) => verifyAccessToken(token, k, this.#jwtOptions))
    return options?.introspect === true ? this.#introspect(token, claims) : claims
  }

  async #introspect(token: string, verified: Promise<AccessTokenClaims>): Promise<AccessTokenClaims> {
    const claims = await verified // the JWT first: a forged token never reaches the issuer
    if (this.#introspection === undefined) throw new TypeError('verify: introspect requires the verifier\'s "introspection" option')
    await this.#introspection.check(token, claims.exp)
    return claims
  }

  requireScopes(claims: Pick<AccessTokenClaims, 'scope'>, required: readonly string[], params?: RouteParams): void {
    compileScopes(required).check(claims.scope, params)
  }

  discover(): Promise<AuthorizationServerMetadata> {
    if (this.#metadata === undefined || Date.now() >= this.#rediscoverAt) {
      const previous = this.#lastGoodMetadata
      this.#rediscoverAt = Number.POSITIVE_INFINITY // one discovery at a time
      this.#metadata = discoverWithMaxAge(this.#issuer, this.#timeoutMs).then(
        ({ metadata, maxAge }) => {
          this.#lastGoodMetadata = metadata
          this.#rediscoverAt = Date.now() + freshFor(METADATA_MAX_AGE, maxAge) * 1000
          return metadata
        },
        (err: unknown) => {
          // A failed discovery is retried sooner than a JWKS miss: an API started before its
          // authorization server should not answer 503 for a whole cooldown once it is up. A
          // failed re-discovery keeps the last good metadata (its keys have their own limits).
          this.#rediscoverAt = Date.now() + this.#retryMs
          if (previous !== undefined) return previous
          throw err
        },
      )
    }
    return this.#metadata
  }

  /** 503 for metadata that lacks what this request needs, discovered again after the retry delay. */
  #incomplete(member: string): never {
    this.#rediscoverAt = Math.min(this.#rediscoverAt, Date.now() + this.#retryMs)
    throw new TemporarilyUnavailableError(UNAVAILABLE, { detail: `discovery: the metadata has no ${member}` })
  }

  async #keySet(): Promise<JWTVerifyGetKey> {
    let uri = this.#jwksUri
    if (uri === undefined) {
      uri = (await this.discover()).jwks_uri
      if (uri === undefined) this.#incomplete('jwks_uri')
    }
    if (this.#keys === undefined || this.#keysUri !== uri) {
      this.#keys = createRemoteKeySet(uri, {
        maxAge: this.#jwksCacheMaxAge,
        cooldown: this.#cooldown,
        staleIfError: this.#staleIfError,
        timeoutMs: this.#timeoutMs,
      })
      this.#keysUri = uri
    }
    return this.#keys
  }

  async #introspectionEndpoint(configured: string | undefined): Promise<string> {
    if (configured !== undefined) return configured
    const endpoint = (await this.discover()).introspection_endpoint
    if (endpoint === undefined) this.#incomplete('introspection_endpoint')
    return endpoint
  }
}

/**
 * Creates the verifier of one API. Throws a `TypeError` naming the option when one is invalid.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@latch/resource-server'
 *
 * const verifier = createVerifier({
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://api.example.com',
 *   introspection: { clientId: 'https://api.example.com', clientSecret: process.env.API_SECRET! },
 * })
 * const claims = await verifier.verify('Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9…', { introspect: true })
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  return new AccessTokenVerifier(options)
}
