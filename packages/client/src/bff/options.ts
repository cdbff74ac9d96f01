/**
 * The options of the `latchBff` plugin, checked once at registration so a misconfiguration stops
 * the app at boot with a message naming the option, never at the first sign-in. The app's origin
 * comes from configuration (by default the origin of `redirectUri`), never from the request's
 * `Host` header, which a client or a misconfigured proxy controls: every absolute URL the BFF
 * builds, and the `Origin` check of csrf.ts, rely on it.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
 */
import { safeReturnTo } from './return-to.js'
import { MemorySessionStore, type SessionStore } from './session-store.js'

/**
 * Options of `latchBff` (the README has the table with every default).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { latchBff, type LatchBffOptions, type SessionStore } from '@latch/client/bff'
 *
 * declare const redisStore: SessionStore // a shared store: see `SessionStore`
 * const app = Fastify()
 * const options: LatchBffOptions = {
 *   issuer: 'https://auth.example.com',
 *   clientId: 'shop-bff',
 *   clientSecret: process.env.CLIENT_SECRET!,
 *   redirectUri: 'https://shop.example.com/auth/callback',
 *   resource: 'https://api.example.com',
 *   api: { upstream: 'https://api.internal:8443/v1' },
 *   sessionStore: redisStore,
 * }
 * await app.register(latchBff, options)
 * ```
 */
export interface LatchBffOptions {
  /** The authorization server's issuer identifier, e.g. `http://localhost:9000`. */
  issuer: string
  clientId: string
  /** The BFF is a confidential client: it authenticates with this secret (`client_secret_basic`). */
  clientSecret: string
  /** Absolute callback URL on the app's origin, registered at the OP: `<appOrigin><prefix>/callback`. */
  redirectUri: string
  /** Where the OP sends the user after logout; default `<appOrigin>/`. Must be registered at the OP. */
  postLogoutRedirectUri?: string
  /**
   * Default `openid profile email offline_access` (`openid` is required: the session is a user's).
   * A value with `{org_id}` (`read:organization:{org_id}`, a Latch scope template) is asked for
   * only by a sign-in for an organization (`/login?organization=acme`), with the id in its place.
   */
  scope?: string
  /** RFC 8707 resource indicator: the API the access tokens are for. */
  resource?: string
  /** The app's origin, e.g. `https://app.example.com`; default: the origin of `redirectUri`. */
  appOrigin?: string
  /** Path prefix of the auth routes, default `/auth`. */
  prefix?: string
  /**
   * The API proxy: `ANY <prefix>/*` is forwarded to `upstream` with the session's access token.
   * Off when absent. `timeout` (ms, default 30 000) also bounds `request.latchSession.fetch()`.
   */
  api?: { prefix?: string; upstream: string; timeout?: number }
  /** Where sessions (and, unless `transactionStore` is set, sign-in transactions) live; default an in-process `MemorySessionStore`. */
  sessionStore?: SessionStore
  /**
   * Where sign-in transactions live; default `sessionStore`. Anyone can create one
   * (`GET /auth/login`): with a shared store that evicts under memory pressure, give them their own
   * (another Redis database with its own memory limit) so they can never push sessions out.
   * `MemorySessionStore` already caps them apart.
   */
  transactionStore?: SessionStore
  /** Absolute session lifetime in seconds, default 28 800 (8 hours). */
  sessionTtl?: number
  /** Lifetime of a sign-in transaction (the time to sign in at the OP), seconds, default 600. */
  transactionTtl?: number
  /** Base name of the cookies, default `latch_bff` (`__Host-latch_bff` on https). */
  cookieName?: string
  /** Seconds before expiry at which an access token is refreshed before use, default 30. */
  refreshSkew?: number
  /** Same-origin path the callback redirects to on failure, with `auth_error=<code>`; default `/`. */
  errorPath?: string
  /** Fetch the UserInfo claims at sign-in (default true); without it the profile is the ID token's claims. */
  userinfo?: boolean
  /** Milliseconds before a request to the OP is abandoned, default 10 000. */
  timeout?: number
  /** `fetch` for the requests to the OP and the API (default: the global fetch). */
  fetch?: typeof fetch
}

/** The options after defaults and checks. */
export interface ResolvedBffOptions {
  issuer: string
  clientId: string
  clientSecret: string
  redirectUri: string
  postLogoutRedirectUri: string
  scope: string
  resource: string | undefined
  appOrigin: string
  prefix: string
  callbackPath: string
  api: { prefix: string; upstream: URL; timeout: number } | null
  /** Milliseconds before a `latchSession.fetch()` without its own signal is abandoned (`api.timeout`). */
  apiTimeout: number
  sessionStore: SessionStore
  transactionStore: SessionStore
  sessionTtl: number
  transactionTtl: number
  cookieName: string
  refreshSkew: number
  errorPath: string
  userinfo: boolean
  timeout: number
  fetch: typeof fetch
}

const DEFAULT_API_TIMEOUT = 30_000

function fail(option: string, message: string): never {
  throw new TypeError(`latchBff: ${option} ${message}`)
}

function absoluteUrl(option: string, value: unknown): URL {
  if (typeof value !== 'string' || value === '') fail(option, 'is required')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    fail(option, `must be an absolute URL, got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(option, 'must be an http(s) URL')
  return url
}

function pathPrefix(option: string, value: string): string {
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(value) || value.endsWith('/') || value.includes('//')) {
    fail(option, `must be a path such as /auth (a leading /, no trailing /), got ${JSON.stringify(value)}`)
  }
  return value
}

function seconds(option: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min) fail(option, `must be an integer number of seconds >= ${min}, got ${String(value)}`)
  return value
}

/** Applies the defaults and checks every option; throws a `TypeError` naming the option. */
export function resolveBffOptions(options: LatchBffOptions): ResolvedBffOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'are required')
  absoluteUrl('issuer', options.issuer)
  if (typeof options.clientId !== 'string' || options.clientId === '') fail('clientId', 'is required')
  if (typeof options.clientSecret !== 'string' || options.clientSecret === '') fail('clientSecret', 'is required (the BFF is a confidential client)')
  const redirect = absoluteUrl('redirectUri', options.redirectUri)
  if (redirect.search !== '' || redirect.hash !== '') fail('redirectUri', 'must have no query or fragment (RFC 6749 §3.1.2)')
  const appOrigin = options.appOrigin === undefined ? redirect.origin : absoluteUrl('appOrigin', options.appOrigin).origin
  if (options.appOrigin !== undefined && options.appOrigin.replace(/\/$/, '') !== appOrigin) fail('appOrigin', `must be an origin such as https://app.example.com, got ${JSON.stringify(options.appOrigin)}`)
  if (redirect.origin !== appOrigin) fail('redirectUri', `must be on the app origin ${appOrigin}: the sign-in cookie is only sent back there`)
  const prefix = pathPrefix('prefix', options.prefix ?? '/auth')
  const callbackPath = `${prefix}/callback`
  if (redirect.pathname !== callbackPath) fail('redirectUri', `must be ${appOrigin}${callbackPath} (the callback route of prefix ${prefix})`)
  const postLogout = options.postLogoutRedirectUri === undefined ? new URL('/', appOrigin) : absoluteUrl('postLogoutRedirectUri', options.postLogoutRedirectUri)
  const scope = options.scope ?? 'openid profile email offline_access'
  if (typeof scope !== 'string' || !scope.split(' ').includes('openid')) fail('scope', 'must include openid: a BFF session belongs to a signed-in user')
  if (options.resource !== undefined) absoluteUrl('resource', options.resource)

  let api: ResolvedBffOptions['api'] = null
  if (options.api !== undefined) {
    const upstream = absoluteUrl('api.upstream', options.api.upstream)
    if (upstream.search !== '' || upstream.hash !== '') fail('api.upstream', 'must have no query or fragment')
    const apiPrefix = pathPrefix('api.prefix', options.api.prefix ?? '/api')
    if (apiPrefix === prefix || apiPrefix.startsWith(`${prefix}/`) || prefix.startsWith(`${apiPrefix}/`)) fail('api.prefix', `must not overlap the auth prefix ${prefix}`)
    const timeout = options.api.timeout ?? DEFAULT_API_TIMEOUT
    if (!Number.isInteger(timeout) || timeout < 1) fail('api.timeout', 'must be a positive integer number of milliseconds')
    api = { prefix: apiPrefix, upstream, timeout }
  }

  const errorPath = options.errorPath ?? '/'
  if (safeReturnTo(errorPath, appOrigin, '') !== errorPath) fail('errorPath', `must be a same-origin path such as /, got ${JSON.stringify(errorPath)}`)
  const cookieName = options.cookieName ?? 'latch_bff'
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cookieName)) fail('cookieName', 'must be 1-64 letters, digits, _ or -')
  const timeout = options.timeout ?? 10_000
  if (!Number.isInteger(timeout) || timeout < 1) fail('timeout', 'must be a positive integer number of milliseconds')
  const sessionStore = options.sessionStore ?? new MemorySessionStore()
  for (const [option, store] of [['sessionStore', sessionStore], ['transactionStore', options.transactionStore ?? sessionStore]] as const) {
    if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.delete !== 'function') fail(option, 'must have get, set and delete methods')
  }

  return {
    // As given, not normalised: issuer and redirect_uri are compared as exact strings (RFC 8414 §3.3, RFC 6749 §3.1.2.3).
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: options.redirectUri,
    postLogoutRedirectUri: options.postLogoutRedirectUri ?? postLogout.href,
    scope,
    resource: options.resource,
    appOrigin,
    prefix,
    callbackPath,
    api,
    apiTimeout: api?.timeout ?? DEFAULT_API_TIMEOUT,
    sessionStore,
    transactionStore: options.transactionStore ?? sessionStore,
    sessionTtl: seconds('sessionTtl', options.sessionTtl, 8 * 3600),
    transactionTtl: seconds('transactionTtl', options.transactionTtl, 600),
    cookieName,
    refreshSkew: seconds('refreshSkew', options.refreshSkew, 30, 0),
    errorPath,
    userinfo: options.userinfo ?? true,
    timeout,
    fetch: options.fetch ?? globalThis.fetch,
  }
}
