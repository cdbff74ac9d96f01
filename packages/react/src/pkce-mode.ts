/**
 * PKCE mode: the browser is a public client (no secret) and signs in with the authorization code
 * flow and PKCE S256 (RFC 7636; RFC 9700 §2.1.1), through @latch/client. Tokens live in memory
 * only, in the token manager (a reload forgets them, by design: nothing for an injected script
 * to find in web storage, draft-ietf-oauth-browser-based-apps §6.2 and §8.4).
 *
 * What crosses the redirect is the authorization transaction (state, nonce, PKCE verifier and
 * returnTo: no token), kept in `sessionStorage` (this tab only) and removed at the callback
 * before the code is exchanged, so it is used at most once. The exchange itself runs once per
 * authorization response, however many times the callback is rendered: a second exchange of the
 * same code is refused, and RFC 6749 §4.1.2 lets the server revoke the first one's tokens.
 *
 * Organizations: `login({ organization })` signs in for one; `switchOrganization` exchanges the
 * tokens for another organization's in place (the token manager keeps each organization's set,
 * so switching back costs nothing). `organization` follows the token set, also across refreshes;
 * the ID token's `org_id`/`org_roles` are left out of `user`, which a switch does not change.
 * @see https://www.rfc-editor.org/rfc/rfc7636
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6.2
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2 (switching organizations)
 */
import { ClientValidationError, createAuthorizationCodeClient, createTokenManager, OAuthResponseError, type AuthorizationTransaction, type TokenSet } from '@latch/client'
import { AuthError } from './auth-error.js'
import { currentPath, safeReturnTo } from './return-to.js'
import { createSnapshotStore } from './snapshot-store.js'
import type { AuthMode, AuthUser, CallbackResult, LoginOptions } from './types.js'

/** Options of `<AuthProvider mode="pkce">`. */
export interface PkceOptions {
  /** The OpenID Provider, e.g. `https://id.example.com` (its metadata is discovered). */
  issuer: string
  /** A public client (`token_endpoint_auth_method: none`) registered at the provider. */
  clientId: string
  /** This app's callback URL, exactly as registered; render `<AuthCallback>` there. */
  redirectUri: string
  /** Default `openid profile email`. */
  scope?: string
  /** Where the provider sends the user after logout; must be registered for the client. */
  postLogoutRedirectUri?: string
  /** RFC 8707 resource indicator: the API the access token is for. */
  resource?: string
  /** Seconds before expiry at which the access token is refreshed (default 60). */
  refreshSkew?: number
  /** Where the transaction waits across the redirect. Default: `window.sessionStorage`. */
  transactionStorage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
}

const TRANSACTION_KEY = 'latch:pkce:transaction'

/** ID token claims that are about the token, not the user. */
const PROTOCOL_CLAIMS = new Set(['iss', 'aud', 'azp', 'exp', 'iat', 'nbf', 'jti', 'nonce', 'at_hash', 'c_hash', 's_hash', 'auth_time', 'sid', 'acr', 'amr'])
/**
 * Claims about the sign-in's organization: they describe the tokens of the moment (a switch
 * changes them), so they are `organization`, not part of `user`.
 */
const ORGANIZATION_CLAIMS = new Set(['org_id', 'org_roles'])

function userFrom(claims: Record<string, unknown>): AuthUser {
  return Object.fromEntries(Object.entries(claims).filter(([key]) => !PROTOCOL_CLAIMS.has(key) && !ORGANIZATION_CLAIMS.has(key))) as AuthUser
}

/** An `AuthError` for a failed callback: the OAuth code when the server sent one, else the client's. */
function callbackError(err: unknown): AuthError {
  if (err instanceof AuthError) return err
  if (err instanceof OAuthResponseError) return new AuthError(err.error, undefined, { cause: err })
  if (err instanceof ClientValidationError && err.code === 'request_failed') return new AuthError('network_error', undefined, { cause: err })
  return new AuthError('callback_failed', undefined, { cause: err })
}

function isTransaction(value: unknown): value is AuthorizationTransaction {
  const t = value as AuthorizationTransaction | null
  return t !== null && typeof t === 'object' && typeof t.state === 'string' && typeof t.codeVerifier === 'string' && typeof t.redirectUri === 'string'
}

export function createPkceMode(options: PkceOptions): AuthMode {
  const client = createAuthorizationCodeClient({
    issuer: options.issuer,
    clientId: options.clientId,
    redirectUri: options.redirectUri,
    scope: options.scope ?? 'openid profile email',
    ...(options.resource !== undefined && { resource: options.resource }),
  })
  const store = createSnapshotStore({ status: 'loading', user: null, expiresAt: null, organization: null, error: null })
  const manager = createTokenManager({
    client,
    ...(options.refreshSkew !== undefined && { refreshSkew: options.refreshSkew }),
    onTokens: (tokens) => store.set({ expiresAt: tokens.expiresAt ?? null, organization: tokens.organization ?? null }),
    onSessionExpired: () => store.set({ status: 'unauthenticated', user: null, expiresAt: null, organization: null, error: { code: 'login_required' } }),
  })
  const storage = () => options.transactionStorage ?? window.sessionStorage
  let idToken: string | undefined
  let callback: { url: string; result: Promise<CallbackResult> } | null = null
  let navigating = false

  /** Whether `url` is the redirect URI with an authorization response on it. */
  function atCallback(url: string = window.location.href): boolean {
    const here = new URL(url)
    const redirect = new URL(options.redirectUri)
    return here.origin === redirect.origin && here.pathname === redirect.pathname && (here.searchParams.has('state') || here.searchParams.has('error'))
  }

  async function exchange(url: string): Promise<CallbackResult> {
    const raw = storage().getItem(TRANSACTION_KEY)
    // One use: gone before the code is exchanged, whatever the outcome.
    storage().removeItem(TRANSACTION_KEY)
    let transaction: unknown = null
    try {
      transaction = raw === null ? null : JSON.parse(raw)
    } catch {
      // a corrupted entry is no transaction
    }
    if (!isTransaction(transaction)) throw new AuthError('callback_failed', 'no sign-in was started in this tab')
    const tokens: TokenSet = await client.handleCallback(url, transaction)
    let user: AuthUser = tokens.claims ? userFrom(tokens.claims as Record<string, unknown>) : { sub: '' }
    if (tokens.claims?.sub) {
      // UserInfo may know more claims than the ID token carries; its `sub` must match (OIDC Core §5.3.4).
      try {
        user = { ...user, ...userFrom(await client.userinfo(tokens.accessToken, tokens.claims.sub)), sub: tokens.claims.sub }
      } catch {
        // the ID token's claims are enough to go on
      }
    }
    idToken = tokens.idToken
    await manager.setTokens(tokens)
    store.set({ status: 'authenticated', user, expiresAt: tokens.expiresAt ?? null, organization: tokens.organization ?? null, error: null })
    return { returnTo: safeReturnTo(transaction.returnTo) }
  }

  /** Restored from the back-forward cache mid-navigation (Back from the OP): sign-in must work again. */
  function onPageShow(event: PageTransitionEvent): void {
    if (event.persisted) navigating = false
  }

  const mode: AuthMode = {
    kind: 'pkce',
    snapshot: store.get,
    subscribe: store.subscribe,

    async start() {
      window.addEventListener('pageshow', onPageShow)
      if (store.get().status !== 'loading') return
      // A reload loses the in-memory tokens: signed out, unless this page is completing a sign-in.
      if (!atCallback()) store.set({ status: 'unauthenticated' })
    },

    async login(loginOptions: LoginOptions = {}) {
      if (navigating) return
      navigating = true
      try {
        const { url, transaction } = await client.authorizationUrl({
          returnTo: safeReturnTo(loginOptions.returnTo ?? currentPath()),
          ...(loginOptions.organization !== undefined && { organization: loginOptions.organization }),
        })
        storage().setItem(TRANSACTION_KEY, JSON.stringify(transaction))
        window.location.assign(url.href)
      } catch (err) {
        navigating = false
        const error = callbackError(err)
        store.set({ error: { code: error.code } })
        throw error
      }
    },

    async logout() {
      const hint = idToken
      idToken = undefined
      // The page is about to leave for the OP: a <ProtectedRoute> must not start a sign-in meanwhile.
      navigating = true
      // Revoke the refresh and access tokens (RFC 7009), best effort: the user is leaving either way.
      await manager.revoke().catch(() => manager.clear())
      let url: URL | null = null
      try {
        url = await client.logoutUrl({
          ...(hint !== undefined && { idTokenHint: hint }),
          ...(options.postLogoutRedirectUri !== undefined && { postLogoutRedirectUri: options.postLogoutRedirectUri }),
        })
      } catch {
        // no end_session_endpoint (or the OP is unreachable): signed out of this app only
      }
      if (url !== null) {
        window.location.assign(url.href)
        return
      }
      navigating = false
      store.set({ status: 'unauthenticated', user: null, expiresAt: null, organization: null, error: null })
    },

    async refresh() {
      try {
        const tokens = await manager.refresh()
        store.set({ expiresAt: tokens.expiresAt ?? null, error: null })
      } catch (err) {
        // onSessionExpired already signed the user out when the grant is gone.
        const error = callbackError(err)
        if (store.get().status === 'authenticated') store.set({ error: { code: error.code === 'callback_failed' ? 'login_required' : error.code } })
      }
    },

    async switchOrganization(orgId) {
      try {
        const tokens = await manager.switchOrganization(orgId)
        store.set({ expiresAt: tokens.expiresAt ?? null, organization: tokens.organization ?? null, error: null })
      } catch (err) {
        if (err instanceof ClientValidationError && err.code === 'no_session') {
          store.set({ status: 'unauthenticated', user: null, expiresAt: null, organization: null, error: { code: 'login_required' } })
          throw new AuthError('login_required', 'sign in first', { cause: err })
        }
        // A third-party app gets another organization only with the user's consent (Latch answers
        // `invalid_scope` to the exchange): ask for it, once, on Latch's consent page.
        if (err instanceof OAuthResponseError && err.error === 'invalid_scope') {
          await mode.login({ organization: orgId })
          return
        }
        // Still signed in, in the organization as before; `invalid_target`: not a member.
        const error = callbackError(err)
        store.set({ error: { code: error.code } })
        throw error
      }
    },

    async fetch(input, init) {
      // The token manager takes a URL and init; a Request is taken apart (its body read once).
      let url: URL
      let requestInit = init
      if (input instanceof Request) {
        url = new URL(input.url)
        const body = input.method === 'GET' || input.method === 'HEAD' ? undefined : await input.arrayBuffer()
        requestInit = { method: input.method, headers: input.headers, ...(body !== undefined && { body }), ...init }
      } else {
        url = new URL(input, window.location.href)
      }
      try {
        return await manager.authFetch(url, requestInit)
      } catch (err) {
        if (err instanceof ClientValidationError && (err.code === 'no_session' || err.code === 'no_refresh_token')) {
          store.set({ status: 'unauthenticated', user: null, expiresAt: null, organization: null, error: { code: 'login_required' } })
          throw new AuthError('login_required', 'sign in first', { cause: err })
        }
        throw err
      }
    },

    isCallback(currentUrl) {
      return atCallback(currentUrl)
    },

    completeCallback(currentUrl) {
      if (callback?.url !== currentUrl) {
        const result = exchange(currentUrl).catch((err: unknown) => {
          const error = callbackError(err)
          store.set({ status: 'unauthenticated', user: null, expiresAt: null, organization: null, error: { code: error.code } })
          throw error
        })
        callback = { url: currentUrl, result }
      }
      return callback.result
    },

    stop() {
      window.removeEventListener('pageshow', onPageShow)
      manager.stop()
    },
  }
  return mode
}
