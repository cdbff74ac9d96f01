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
 * Options are checked at construction by options.ts: a bad one throws a `TypeError` naming it.
 * Time is read from the `now` option (default `Date.now`), never from the system clock directly,
 * so every expiry, cache age and retry delay here can be tested by moving a clock.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
import type { JWTVerifyGetKey, JWTVerifyOptions } from 'jose'
import { bearerToken } from './bearer-token.js'
import { discoverWithMaxAge, type AuthorizationServerMetadata } from './discovery.js'
import { TemporarilyUnavailableError } from './errors.js'
import { createIntrospection, type Introspection } from './introspection.js'
import { checkVerifierOptions, type VerifierOptions } from './options.js'
import { createRemoteKeySet, FAILURE_RETRY } from './remote-key-set.js'
import { compileScopes, type RouteParams } from './scopes.js'
import { freshFor, UNAVAILABLE } from './upstream.js'
import { accessTokenVerifyOptions, verifyAccessToken, type AccessTokenClaims } from './verify-access-token.js'

export type { VerifierOptions } from './options.js'

/** Seconds discovered metadata is used before it is fetched again (or its answer's shorter `max-age`). */
const METADATA_MAX_AGE = 3600

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
  /** The verifier's clock in epoch milliseconds (the `now` option), for route checks of `auth_time` (RFC 9470). */
  readonly now?: () => number
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
  /** The injected clock, or `undefined` for the system clock. */
  readonly #injectedNow: (() => number) | undefined
  readonly #now: () => number
  readonly now: () => number
  #keys: JWTVerifyGetKey | undefined
  #keysUri: string | undefined
  #metadata: Promise<AuthorizationServerMetadata> | undefined
  #lastGoodMetadata: AuthorizationServerMetadata | undefined
  /** Epoch ms from which `discover()` fetches again (infinite while a discovery is in flight). */
  #rediscoverAt = 0

  constructor(options: VerifierOptions) {
    const checked = checkVerifierOptions(options)
    this.#issuer = checked.issuer
    this.#jwtOptions = accessTokenVerifyOptions({
      issuer: checked.issuer,
      audience: checked.audiences,
      algorithms: checked.algorithms,
      clockTolerance: checked.clockTolerance,
    })
    this.#jwksUri = checked.jwksUri
    this.#jwksCacheMaxAge = checked.jwksCacheMaxAge
    this.#cooldown = checked.jwksCooldown
    this.#staleIfError = checked.jwksStaleIfError
    this.#timeoutMs = checked.timeoutMs
    this.#retryMs = Math.min(this.#cooldown, FAILURE_RETRY) * 1000
    this.#injectedNow = checked.now
    this.#now = checked.now ?? Date.now
    this.now = this.#now
    this.realm = checked.realm
    const intro = checked.introspection
    if (intro !== undefined) {
      this.#introspection = createIntrospection(intro, () => this.#introspectionEndpoint(intro.endpoint), this.#timeoutMs, this.#injectedNow)
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
    const current = keys !== undefined && (this.#jwksUri !== undefined || this.#now() < this.#rediscoverAt)
    const claims = current ? verifyAccessToken(token, keys, this.#jwtOptionsNow()) : this.#keySet().then((k) => verifyAccessToken(token, k, this.#jwtOptionsNow()))
    return options?.introspect === true ? this.#introspect(token, claims) : claims
  }

  /**
   * The jose options for a verification now: the shared frozen object on the system clock (jose
   * reads `new Date()` itself), or a copy with `currentDate` from the injected clock.
   */
  #jwtOptionsNow(): JWTVerifyOptions {
    const now = this.#injectedNow
    return now === undefined ? this.#jwtOptions : { ...this.#jwtOptions, currentDate: new Date(now()) }
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
    if (this.#metadata === undefined || this.#now() >= this.#rediscoverAt) {
      const previous = this.#lastGoodMetadata
      this.#rediscoverAt = Number.POSITIVE_INFINITY // one discovery at a time
      this.#metadata = discoverWithMaxAge(this.#issuer, this.#timeoutMs).then(
        ({ metadata, maxAge }) => {
          this.#lastGoodMetadata = metadata
          this.#rediscoverAt = this.#now() + freshFor(METADATA_MAX_AGE, maxAge) * 1000
          return metadata
        },
        (err: unknown) => {
          // A failed discovery is retried sooner than a JWKS miss: an API started before its
          // authorization server should not answer 503 for a whole cooldown once it is up. A
          // failed re-discovery keeps the last good metadata (its keys have their own limits).
          this.#rediscoverAt = this.#now() + this.#retryMs
          if (previous !== undefined) return previous
          throw err
        },
      )
    }
    return this.#metadata
  }

  /** 503 for metadata that lacks what this request needs, discovered again after the retry delay. */
  #incomplete(member: string): never {
    this.#rediscoverAt = Math.min(this.#rediscoverAt, this.#now() + this.#retryMs)
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
        now: this.#now,
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
