/**
 * The client credentials grant for services calling APIs with their own identity. The token is
 * cached until `refreshSkew` seconds before it expires, and every caller that needs a new one
 * while a token request is in flight shares that request (single-flight), so a burst of 1,000
 * requests costs the authorization server one token request, not 1,000. No refresh token is
 * involved (RFC 6749 §4.4.3): a new token is simply requested.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2 (resource)
 */
import { clientCredentialsGrantRequest, processClientCredentialsResponse } from 'oauth4webapi'
import { bearerFetch } from './auth-fetch.js'
import { clientContext } from './client-context.js'
import type { TransportOptions } from './transport.js'
import { singleFlight } from './single-flight.js'
import { tokenSetFrom, type TokenSet } from './token-set.js'
import { typed } from './translate-error.js'

/** Options of `createClientCredentialsClient`. */
export interface ClientCredentialsClientOptions extends TransportOptions {
  issuer: string
  clientId: string
  clientSecret: string
  /** Scopes to ask for; default: whatever the server grants by default. */
  scope?: string
  /** RFC 8707 resource indicator: the API the token is for. */
  resource?: string
  /**
   * Tokens for this organization (Latch: the client must list it in its `organizations`; the
   * tokens then carry `org_id`). One client per organization; `tokens.organization` names it.
   */
  organization?: string
  clientAuthentication?: 'client_secret_basic' | 'client_secret_post'
  /**
   * Seconds before expiry at which a new token is fetched (default 30), capped at half the
   * token's lifetime.
   */
  refreshSkew?: number
  algorithm?: 'oidc' | 'oauth2'
}

/** A client credentials client. See `createClientCredentialsClient`. */
export interface ClientCredentialsClient {
  /** A valid access token: the cached one, or one new token request shared by all callers. */
  getToken(): Promise<string>
  /** Forgets the cached token (e.g. after an API refused it); the next call gets a new one. */
  invalidate(): void
  /** `fetch` with the token attached; a 401 gets one new token and one retry. */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>
  /** The cached token set, if any (for diagnostics; do not log `accessToken`). */
  readonly tokens: TokenSet | undefined
}

/**
 * A client credentials client with a cached, single-flight token.
 *
 * @example
 * ```ts
 * import { createClientCredentialsClient } from '@latch/client'
 *
 * const service = createClientCredentialsClient({
 *   issuer: 'http://localhost:9000',
 *   clientId: 'demo-service',
 *   clientSecret: process.env.CLIENT_SECRET!,
 *   scope: 'read:data',
 * })
 *
 * const res = await service.fetch('http://localhost:4000/api/data')
 * console.log(await res.json())
 * ```
 */
export function createClientCredentialsClient(options: ClientCredentialsClientOptions): ClientCredentialsClient {
  if (typeof options.clientSecret !== 'string' || options.clientSecret === '') throw new TypeError('clientSecret is required')
  if (options.organization !== undefined && (typeof options.organization !== 'string' || options.organization === '')) throw new TypeError('organization must be a non-empty organization id')
  const ctx = clientContext({ ...options, clientAuthentication: options.clientAuthentication ?? 'client_secret_basic' })
  const skew = options.refreshSkew ?? 30
  let cached: TokenSet | undefined
  // `refreshSkew` capped at half the cached token's lifetime: a token living shorter than the
  // skew is still reused for half its life instead of costing a request per call.
  let cachedSkew = skew
  // Bumped by invalidate(): a request that started before it must not repopulate the cache.
  let generation = 0

  const fresh = (tokens: TokenSet | undefined): tokens is TokenSet =>
    tokens !== undefined && (tokens.expiresAt === undefined || Date.now() / 1000 < tokens.expiresAt - cachedSkew)

  const request = singleFlight(async () => {
    const started = generation
    const tokens = await typed(async () => {
      const as = await ctx.metadata()
      const parameters: Record<string, string> = {}
      if (options.scope !== undefined) parameters.scope = options.scope
      if (options.resource !== undefined) parameters.resource = options.resource
      if (options.organization !== undefined) parameters.organization = options.organization
      const response = await clientCredentialsGrantRequest(as, ctx.client, ctx.auth, parameters, ctx.http)
      const tokens = await tokenSetFrom(as, response, await processClientCredentialsResponse(as, ctx.client, response), ctx.http)
      // Issued for the organization asked for, or refused (`invalid_target`): there is no ID token to say so.
      if (options.organization !== undefined) tokens.organization = options.organization
      return tokens
    })
    if (started === generation) {
      cached = tokens
      cachedSkew = tokens.expiresAt === undefined ? skew : Math.min(skew, Math.max(0, (tokens.expiresAt - Date.now() / 1000) / 2))
    }
    return tokens
  })

  const getToken = async (): Promise<string> => {
    if (fresh(cached)) return cached.accessToken
    return (await request()).accessToken
  }
  const invalidate = (): void => {
    cached = undefined
    generation++
  }
  const authorized = bearerFetch(
    {
      getToken,
      async renew(refused) {
        // Many requests may fail with the same token at once: only the first one invalidates it.
        if (cached?.accessToken === refused) invalidate()
      },
    },
    options,
  )

  return {
    getToken,
    invalidate,
    fetch: authorized,
    get tokens() {
      return cached
    },
  }
}
