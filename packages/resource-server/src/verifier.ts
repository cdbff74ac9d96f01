/**
 * The framework-free core: one verifier per API (per issuer and audience) that turns an
 * `Authorization` header into verified access-token claims, optionally confirms with the issuer
 * that the token is still active, and checks a route's scopes. It uses only `fetch` and
 * `crypto.subtle` (through jose), so it runs on Node, Deno, Bun and edge runtimes; the Express,
 * Fastify and Hono adapters are thin shells over it.
 *
 * Keys: the issuer's JWKS, found by discovery (RFC 8414, then OpenID Connect Discovery) unless
 * `jwksUri` is given, fetched by jose's `createRemoteJWKSet`: cached for `jwksCacheMaxAge`, and
 * refetched when a token names an unknown `kid` (a key rotation), at most once per
 * `jwksCooldown`, so a stream of tokens with made-up `kid`s costs the issuer one request per
 * cooldown (RFC 7517 §5; OIDC Core §10.1.1). Discovery is fetched once and kept; a failure is
 * remembered for 5 s (at most the cooldown), so an outage is not hammered either.
 *
 * Options are checked at construction and a bad one throws a `TypeError` naming it (fail fast at
 * boot, STYLE.md "Configuration"): an algorithm allow-list with `none` or an HMAC algorithm is
 * refused outright.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose'
import { bearerToken } from './bearer-token.js'
import { discover, type AuthorizationServerMetadata } from './discovery.js'
import { TemporarilyUnavailableError } from './errors.js'
import { createIntrospection, type Introspection, type IntrospectionOptions } from './introspection.js'
import { compileScopes, type RouteParams } from './scopes.js'
import { jwksFetch } from './upstream.js'
import {
  accessTokenVerifyOptions,
  ASYMMETRIC_ALGORITHMS,
  DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE,
  verifyAccessToken,
  type AccessTokenClaims,
} from './verify-access-token.js'

/** Seconds before a failed discovery is tried again (at most the JWKS cooldown). */
const DISCOVERY_RETRY = 5

export interface VerifierOptions {
  /** The authorization server's issuer identifier, exactly as in its metadata and tokens' `iss`. */
  issuer: string
  /** The API's resource identifier(s): a token's `aud` must contain one (RFC 9068 §4, RFC 8707). */
  audience: string | readonly string[]
  /** Allowed JWS algorithms (default RS256, PS256, ES256, EdDSA). Asymmetric ones only. */
  algorithms?: readonly string[]
  /** Accepted clock skew for `exp`/`nbf`/`iat`, seconds (default 5, at most 300). */
  clockTolerance?: number
  /** The JWKS URL; default: `jwks_uri` from discovery. */
  jwksUri?: string
  /** Seconds a fetched JWKS is used before it is fetched again (default 600). */
  jwksCacheMaxAge?: number
  /** Minimum seconds between two JWKS fetches caused by unknown `kid`s (default 30). */
  jwksCooldown?: number
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
  /** The issuer's metadata (fetched once). Call at start-up to fail fast on a wrong issuer. */
  discover(): Promise<AuthorizationServerMetadata>
}

function fail(option: string, message: string): never {
  throw new TypeError(`createVerifier: ${option} ${message}`)
}

function seconds(option: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) fail(option, `must be a number of seconds between 0 and ${max}, got ${String(value)}`)
  return value
}

function httpUrl(option: string, value: string): string {
  if (typeof value !== 'string' || !URL.canParse(value)) fail(option, `must be an absolute URL, got ${JSON.stringify(value)}`)
  const url = new URL(value)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(option, `must be an http(s) URL, got ${JSON.stringify(value)}`)
  if (url.search !== '' || url.hash !== '') fail(option, 'must not have a query or fragment')
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
  readonly #timeoutMs: number
  readonly #introspection: Introspection | undefined
  #keys: JWTVerifyGetKey | undefined
  #metadata: Promise<AuthorizationServerMetadata> | undefined
  #metadataFailedAt = 0

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
      clockTolerance: seconds('clockTolerance', options.clockTolerance, DEFAULT_CLOCK_TOLERANCE, 300),
    })
    this.#jwksUri = options.jwksUri === undefined ? undefined : httpUrl('jwksUri', options.jwksUri)
    this.#jwksCacheMaxAge = seconds('jwksCacheMaxAge', options.jwksCacheMaxAge, 600)
    this.#cooldown = seconds('jwksCooldown', options.jwksCooldown, 30)
    this.#timeoutMs = Math.round(seconds('timeout', options.timeout, 5, 60) * 1000)
    this.realm = options.realm ?? (audiences[0] as string)
    const intro = options.introspection
    if (intro !== undefined) {
      if (typeof intro.clientId !== 'string' || intro.clientId === '') fail('introspection.clientId', 'must be a non-empty string')
      if (typeof intro.clientSecret !== 'string' || intro.clientSecret === '') fail('introspection.clientSecret', 'must be a non-empty string')
      if (intro.endpoint !== undefined) httpUrl('introspection.endpoint', intro.endpoint)
      seconds('introspection.cacheTtl', intro.cacheTtl, 0)
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
    const claims = keys !== undefined ? verifyAccessToken(token, keys, this.#jwtOptions) : this.#keySet().then((k) => verifyAccessToken(token, k, this.#jwtOptions))
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
    // A failed discovery is retried sooner than a JWKS miss: an API started before its
    // authorization server should not answer 503 for a whole JWKS cooldown once the server is up.
    const cooledDown = Date.now() - this.#metadataFailedAt >= Math.min(this.#cooldown, DISCOVERY_RETRY) * 1000
    if (this.#metadata === undefined || (this.#metadataFailedAt !== 0 && cooledDown)) {
      this.#metadataFailedAt = 0
      const pending = discover(this.#issuer, this.#timeoutMs)
      pending.catch(() => {
        if (this.#metadata === pending) this.#metadataFailedAt = Date.now()
      })
      this.#metadata = pending
    }
    return this.#metadata
  }

  async #keySet(): Promise<JWTVerifyGetKey> {
    let uri = this.#jwksUri
    if (uri === undefined) {
      const metadata = await this.discover()
      if (metadata.jwks_uri === undefined) {
        throw new TemporarilyUnavailableError('the authorization server could not be reached to check the access token', { detail: 'discovery: the metadata has no jwks_uri' })
      }
      uri = metadata.jwks_uri
    }
    this.#keys ??= createRemoteJWKSet(new URL(uri), {
      cacheMaxAge: this.#jwksCacheMaxAge * 1000,
      cooldownDuration: this.#cooldown * 1000,
      timeoutDuration: this.#timeoutMs,
      [customFetch]: jwksFetch(this.#timeoutMs),
    })
    return this.#keys
  }

  async #introspectionEndpoint(configured: string | undefined): Promise<string> {
    if (configured !== undefined) return configured
    const endpoint = (await this.discover()).introspection_endpoint
    if (endpoint === undefined) {
      throw new TemporarilyUnavailableError('the authorization server could not be reached to check the access token', { detail: 'discovery: the metadata has no introspection_endpoint' })
    }
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
