/**
 * The authorization code grant for web servers (confidential clients) and SPAs or native apps
 * (public clients), always with PKCE S256, `state` and, for OpenID Connect, `nonce`. The
 * transaction (state, nonce, code verifier) is returned to the caller to keep (a cookie, the
 * server-side session, `sessionStorage`) and handed back at the callback, where oauth4webapi
 * checks state, the RFC 9207 `iss` parameter, exchanges the code and validates the ID token
 * (iss, aud, azp, exp, iat, nonce; the signature against the issuer's JWKS in token-set.ts).
 * An `organization` asks Latch for tokens of one organization; `switchOrganization` moves a
 * signed-in user to another by token exchange (token-exchange.ts).
 * Also UserInfo with the `sub` check (userinfo.ts), refresh (with the same-`sub` check of OIDC Core
 * §12.2 when the caller names the user), revocation and the RP-Initiated Logout URL.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4 (PKCE)
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4 (iss in the authorization response)
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse (§5.3.4: sub check)
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse (§12.2: same sub)
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2 (revocation)
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
import {
  authorizationCodeGrantRequest,
  calculatePKCECodeChallenge,
  expectNoNonce,
  generateRandomCodeVerifier,
  generateRandomNonce,
  generateRandomState,
  processAuthorizationCodeResponse,
  processRefreshTokenResponse,
  processRevocationResponse,
  refreshTokenGrantRequest,
  revocationRequest,
  skipAuthTimeCheck,
  validateAuthResponse,
} from 'oauth4webapi'
import { clientContext, type ClientContextOptions } from './client-context.js'
import { ClientValidationError } from './errors.js'
import { safeReturnTo } from './return-to.js'
import { tokenSetFrom, type TokenSet } from './token-set.js'
import { switchOrganizationWith, type SwitchOrganizationOptions } from './token-exchange.js'
import { typed } from './translate-error.js'
import { userinfoWith } from './userinfo.js'

/**
 * One authorization request in flight: what the callback needs to check the response. Keep it
 * where only this user agent's next request can find it (an HttpOnly cookie or the server-side
 * session for web servers, `sessionStorage` for SPAs) and use it once.
 */
export interface AuthorizationTransaction {
  state: string
  /** Present when `openid` was requested. */
  nonce?: string
  codeVerifier: string
  redirectUri: string
  /** A same-origin path to return to after sign-in (checked with `safeReturnTo`). */
  returnTo?: string
  /** The `max_age` that was requested, so the callback checks `auth_time` (OIDC Core §3.1.2.1). */
  maxAge?: number
}

/** Options of `createAuthorizationCodeClient`. */
export interface AuthorizationCodeClientOptions extends ClientContextOptions {
  /** Must be one of the client's registered redirect URIs, exactly. */
  redirectUri: string
  /** Default `openid`. Add `offline_access` for a refresh token. */
  scope?: string
  /** RFC 8707 resource indicator: the API the access token is for. */
  resource?: string
}

/** Parameters of one authorization request. */
export interface AuthorizationUrlParams {
  scope?: string
  /** `none`, `login`, `consent`, `select_account` (OIDC Core §3.1.2.1). */
  prompt?: string
  loginHint?: string
  /** Maximum seconds since the user last authenticated; `auth_time` is then checked. */
  maxAge?: number
  resource?: string
  /** A same-origin path, returned in the transaction for the callback to redirect to. */
  returnTo?: string
  /**
   * Sign in for this organization (Latch's `organization` parameter). The user must be a member;
   * otherwise Latch shows its organization picker or ends with `access_denied`. The token set's
   * `organization` says which one the tokens are for.
   */
  organization?: string
  /**
   * More authorization request parameters (`ui_locales`, `acr_values`, …). Not the ones the
   * client owns (`state`, `nonce`, `code_challenge`, …) nor those with their own option
   * (`max_age`, `scope`, `resource`, `prompt`): a `TypeError` says which option to use.
   */
  extra?: Record<string, string>
}

/** A client of the authorization code grant. See `createAuthorizationCodeClient`. */
export interface AuthorizationCodeClient {
  /** The URL to send the user to, and the transaction to keep until the callback. */
  authorizationUrl(params?: AuthorizationUrlParams): Promise<{ url: URL; transaction: AuthorizationTransaction }>
  /** Validates the authorization response at the redirect URI and exchanges the code. */
  handleCallback(currentUrl: string | URL, transaction: AuthorizationTransaction): Promise<TokenSet>
  /** UserInfo claims; `expectedSubject` is the ID token's `sub` (OIDC Core §5.3.4). */
  userinfo(accessToken: string, expectedSubject: string): Promise<Record<string, unknown>>
  /**
   * A refresh token grant (RFC 6749 §6). Keeps the old refresh token if none was issued. Pass
   * `expectedSubject` (the signed-in user's `sub`) and a refreshed ID token about anyone else is
   * refused with `subject_mismatch` (OIDC Core §12.2).
   */
  refresh(refreshToken: string, params?: { scope?: string; resource?: string; expectedSubject?: string }): Promise<TokenSet>
  /** Revokes a token at the revocation endpoint (RFC 7009). */
  revoke(token: string, tokenTypeHint?: 'access_token' | 'refresh_token'): Promise<void>
  /**
   * Tokens for organization `orgId` in exchange for `tokens` (RFC 8693 token exchange; the client
   * must have the grant type registered). Subject: the refresh token when `tokens` has one (a
   * refresh token is asked for back), else the access token. The result's `organization` is `orgId`.
   * Not a member: `OAuthResponseError` `invalid_target`.
   */
  switchOrganization(tokens: TokenSet, orgId: string, params?: SwitchOrganizationOptions): Promise<TokenSet>
  /** The end-session URL to send the user to (OpenID Connect RP-Initiated Logout 1.0). */
  logoutUrl(params: { idTokenHint?: string; postLogoutRedirectUri?: string; state?: string }): Promise<URL>
}

// Parameters `extra` may not set: they carry the protections this client is responsible for, or
// have their own option, which does more than set them (`maxAge` makes the callback check
// `auth_time`, OIDC Core §3.1.2.1; `scope` decides whether a nonce is sent; `resource` has a default).
const RESERVED = new Map<string, string>([
  ...['client_id', 'redirect_uri', 'response_type', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'request', 'request_uri'].map((k): [string, string] => [k, 'the client sets it']),
  ['max_age', 'use the maxAge option, so auth_time is checked at the callback'],
  ['scope', 'use the scope option'],
  ['resource', 'use the resource option'],
  ['prompt', 'use the prompt option'],
  ['organization', 'use the organization option'],
])

/**
 * A client of the authorization code grant with PKCE, for a web server (pass `clientSecret`) or a
 * browser or native app (no secret: a public client). Discovery happens on first use.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { createAuthorizationCodeClient, type AuthorizationTransaction } from '@latch/client'
 *
 * const client = createAuthorizationCodeClient({
 *   issuer: 'http://localhost:9000',
 *   clientId: 'demo-web',
 *   clientSecret: process.env.CLIENT_SECRET,
 *   redirectUri: 'http://localhost:3000/auth/callback',
 *   scope: 'openid profile email offline_access',
 * })
 *
 * declare const session: { transaction?: AuthorizationTransaction } // the user's server-side session
 * const app = Fastify()
 *
 * app.get('/login', async (request, reply) => {
 *   const { url, transaction } = await client.authorizationUrl({ returnTo: '/account' })
 *   session.transaction = transaction // server-side session or an encrypted HttpOnly cookie
 *   return reply.redirect(url.href)
 * })
 *
 * app.get('/auth/callback', async (request, reply) => {
 *   if (!session.transaction) return reply.redirect('/login')
 *   const tokens = await client.handleCallback(`http://localhost:3000${request.url}`, session.transaction)
 *   delete session.transaction // one use
 *   return client.userinfo(tokens.accessToken, tokens.claims!.sub) // the user's profile, as JSON
 * })
 * ```
 */
export function createAuthorizationCodeClient(options: AuthorizationCodeClientOptions): AuthorizationCodeClient {
  const ctx = clientContext(options)
  const { client, auth, http } = ctx
  if (typeof options.redirectUri !== 'string') throw new TypeError('redirectUri is required')
  const defaultScope = options.scope ?? 'openid'

  return {
    async authorizationUrl(params = {}) {
      const as = await ctx.metadata()
      if (!as.authorization_endpoint) throw new ClientValidationError('missing_server_metadata', 'the authorization server has no authorization_endpoint')
      const scope = params.scope ?? defaultScope
      const url = new URL(as.authorization_endpoint)
      for (const [key, value] of Object.entries(params.extra ?? {})) {
        const reserved = RESERVED.get(key)
        if (reserved !== undefined) throw new TypeError(`extra may not set ${key}: ${reserved}`)
        url.searchParams.set(key, value)
      }
      const state = generateRandomState()
      const codeVerifier = generateRandomCodeVerifier()
      const transaction: AuthorizationTransaction = { state, codeVerifier, redirectUri: options.redirectUri }
      url.searchParams.set('client_id', client.client_id)
      url.searchParams.set('redirect_uri', options.redirectUri)
      url.searchParams.set('response_type', 'code')
      url.searchParams.set('scope', scope)
      url.searchParams.set('state', state)
      // PKCE S256 always, confidential clients too (RFC 9700 §2.1.1), plain never.
      url.searchParams.set('code_challenge', await calculatePKCECodeChallenge(codeVerifier))
      url.searchParams.set('code_challenge_method', 'S256')
      if (scope.split(' ').includes('openid')) {
        transaction.nonce = generateRandomNonce()
        url.searchParams.set('nonce', transaction.nonce)
      }
      if (params.prompt !== undefined) url.searchParams.set('prompt', params.prompt)
      if (params.loginHint !== undefined) url.searchParams.set('login_hint', params.loginHint)
      if (params.maxAge !== undefined) {
        if (!Number.isInteger(params.maxAge) || params.maxAge < 0) throw new TypeError('maxAge must be a non-negative integer number of seconds')
        url.searchParams.set('max_age', String(params.maxAge))
        transaction.maxAge = params.maxAge
      }
      const resource = params.resource ?? options.resource
      if (resource !== undefined) url.searchParams.set('resource', resource)
      if (params.organization !== undefined) {
        if (typeof params.organization !== 'string' || params.organization === '') throw new TypeError('organization must be a non-empty organization id')
        url.searchParams.set('organization', params.organization)
      }
      if (params.returnTo !== undefined) {
        const returnTo = safeReturnTo(params.returnTo)
        if (returnTo === undefined) throw new TypeError('returnTo must be a same-origin path such as /account')
        transaction.returnTo = returnTo
      }
      return { url, transaction }
    },

    async handleCallback(currentUrl, transaction) {
      return typed(async () => {
        const as = await ctx.metadata()
        const callback = new URL(currentUrl)
        // state (CSRF), then iss (RFC 9207 mix-up defence), then `error`: in that order, so a
        // forged error response is rejected as forged.
        const params = validateAuthResponse(as, client, callback.searchParams, transaction.state)
        const response = await authorizationCodeGrantRequest(as, client, auth, params, transaction.redirectUri, transaction.codeVerifier, http)
        const body = await processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: transaction.nonce ?? expectNoNonce,
          maxAge: transaction.maxAge ?? skipAuthTimeCheck,
          requireIdToken: transaction.nonce !== undefined,
        })
        return tokenSetFrom(as, response, body, http)
      })
    },

    async userinfo(accessToken, expectedSubject) {
      return userinfoWith(ctx, accessToken, expectedSubject)
    },

    async refresh(refreshToken, params = {}) {
      return typed(async () => {
        const as = await ctx.metadata()
        const additionalParameters: Record<string, string> = {}
        if (params.scope !== undefined) additionalParameters.scope = params.scope
        const resource = params.resource ?? options.resource
        if (resource !== undefined) additionalParameters.resource = resource
        const response = await refreshTokenGrantRequest(as, client, auth, refreshToken, { ...http, additionalParameters })
        const body = await processRefreshTokenResponse(as, client, response)
        const tokens = await tokenSetFrom(as, response, body, http)
        // OIDC Core §12.2: a refreshed ID token's sub must be the one of the original sign-in.
        if (params.expectedSubject !== undefined && tokens.claims !== undefined && tokens.claims.sub !== params.expectedSubject) {
          throw new ClientValidationError('subject_mismatch', 'subject_mismatch: the refreshed ID token names another user')
        }
        // RFC 6749 §6: without a new refresh token the old one stays valid.
        tokens.refreshToken ??= refreshToken
        return tokens
      })
    },

    async revoke(token, tokenTypeHint) {
      return typed(async () => {
        const as = await ctx.metadata()
        const additionalParameters: Record<string, string> = {}
        if (tokenTypeHint) additionalParameters.token_type_hint = tokenTypeHint
        await processRevocationResponse(await revocationRequest(as, client, auth, token, { ...http, additionalParameters }))
      })
    },

    async switchOrganization(tokens, orgId, params = {}) {
      return switchOrganizationWith(ctx, tokens, orgId, params.resource ?? options.resource)
    },

    async logoutUrl(params) {
      const as = await ctx.metadata()
      if (typeof as.end_session_endpoint !== 'string') throw new ClientValidationError('missing_server_metadata', 'the authorization server has no end_session_endpoint')
      const url = new URL(as.end_session_endpoint)
      if (params.idTokenHint !== undefined) url.searchParams.set('id_token_hint', params.idTokenHint)
      // client_id lets the OP check post_logout_redirect_uri even without (or with an expired) id_token_hint.
      url.searchParams.set('client_id', client.client_id)
      if (params.postLogoutRedirectUri !== undefined) url.searchParams.set('post_logout_redirect_uri', params.postLogoutRedirectUri)
      if (params.state !== undefined) url.searchParams.set('state', params.state)
      return url
    },
  }
}
