/**
 * BFF mode (recommended): the browser holds no token at all, only the BFF's HttpOnly session
 * cookie. Tokens live on the app's own server (`@latch/client/bff`), which signs in as a
 * confidential client and proxies API calls with the access token (the "token handler" /
 * backend-for-frontend pattern of OAuth 2.0 for Browser-Based Applications §6.1).
 *
 * The HTTP contract used here: `GET {basePath}/me` (state, user, expiry and the CSRF token),
 * `GET {basePath}/login?returnTo=&organization=`, `POST {basePath}/refresh`, `POST {basePath}/logout` (answers
 * the OP's end-session URL, OIDC RP-Initiated Logout §2), `ANY {apiPrefix}/*` (proxied with the
 * access token). Every state-changing request carries `x-latch-csrf`, the token bound to the
 * session, because SameSite=Lax alone does not stop same-site forgeries (RFC 9700 §4.4.1.1).
 * The CSRF token is sent only to the BFF's own paths on the page's own origin.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6.1
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.4.1.1
 */
import { AuthError, errorCode } from './auth-error.js'
import { currentPath, safeReturnTo } from './return-to.js'
import { createSnapshotStore } from './snapshot-store.js'
import type { AuthMode, AuthUser, CallbackResult, LoginOptions } from './types.js'

/** Options of `<AuthProvider mode="bff">`. */
export interface BffOptions {
  /** Where the BFF's `/login`, `/callback`, `/me`, `/refresh`, `/logout` are mounted. Default `/auth`. */
  basePath?: string
  /** The BFF's API proxy prefix: requests under it get the CSRF header. Default `/api`. */
  apiPrefix?: string
  /** Query parameter the BFF redirects with after a failed sign-in. Default `auth_error`. */
  errorParam?: string
}

/** The JSON of `GET {basePath}/me`. */
interface MeBody {
  authenticated?: boolean
  user?: AuthUser
  expiresAt?: number
  csrfToken?: string
}

const CSRF_HEADER = 'x-latch-csrf'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** `/auth/` → `/auth`; the contract's paths are joined with one slash. */
function trimSlash(path: string): string {
  return path.replace(/\/+$/, '')
}

async function jsonOf(response: Response): Promise<Record<string, unknown> | null> {
  try {
    const body: unknown = await response.json()
    return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** Whether a 403 is the BFF's CSRF refusal (`invalid_request`, "csrf check failed: …"). */
async function isCsrfRefusal(response: Response): Promise<boolean> {
  const body = await jsonOf(response.clone())
  return body?.error === 'invalid_request' && typeof body.error_description === 'string' && /csrf/i.test(body.error_description)
}

export function createBffMode(options: BffOptions = {}): AuthMode {
  const basePath = trimSlash(options.basePath ?? '/auth')
  const apiPrefix = trimSlash(options.apiPrefix ?? '/api')
  const errorParam = options.errorParam ?? 'auth_error'
  const store = createSnapshotStore({ status: 'loading', user: null, expiresAt: null, organization: null, error: null })
  let csrfToken: string | null = null
  let loading: Promise<void> | null = null
  let navigating = false

  /** The error the BFF redirected back with (`/?auth_error=access_denied`), removed from the address bar. */
  function takeRedirectError(): void {
    const url = new URL(window.location.href)
    const raw = url.searchParams.get(errorParam)
    if (raw === null) return
    url.searchParams.delete(errorParam)
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
    store.set({ error: { code: errorCode(raw) ?? 'callback_failed' } })
  }

  /** Reads `/me`: the only source of the signed-in state and of the CSRF token. */
  async function loadMe(): Promise<void> {
    let response: Response
    try {
      response = await window.fetch(`${basePath}/me`, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
    } catch {
      csrfToken = null
      store.set({ status: 'unauthenticated', user: null, expiresAt: null, organization: null, error: { code: 'network_error' } })
      return
    }
    const body = (await jsonOf(response)) as MeBody | null
    if (!response.ok || body === null) {
      csrfToken = null
      store.set({ status: 'unauthenticated', user: null, expiresAt: null, organization: null, error: { code: 'server_error' } })
      return
    }
    if (body.authenticated === true && body.user && typeof body.user.sub === 'string') {
      csrfToken = typeof body.csrfToken === 'string' ? body.csrfToken : null
      store.set({ status: 'authenticated', user: body.user, expiresAt: typeof body.expiresAt === 'number' ? body.expiresAt : null, organization: typeof body.user.org_id === 'string' ? body.user.org_id : null })
    } else {
      csrfToken = null
      store.set({ status: 'unauthenticated', user: null, expiresAt: null, organization: null })
    }
  }

  function reload(): Promise<void> {
    loading ??= loadMe().finally(() => (loading = null))
    return loading
  }

  function signedOut(code?: string): void {
    csrfToken = null
    store.set({ status: 'unauthenticated', user: null, expiresAt: null, organization: null, ...(code !== undefined && { error: { code } }) })
  }

  /** Whether `url` is one of the BFF's own routes on this origin: only those see the CSRF token. */
  function isBffUrl(url: URL): boolean {
    if (url.origin !== window.location.origin) return false
    const under = (prefix: string) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)
    return under(apiPrefix) || under(basePath)
  }

  /** A POST to one of the BFF's own routes with the CSRF header. */
  async function post(path: string): Promise<Response> {
    if (loading) await loading
    return window.fetch(`${basePath}${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(csrfToken !== null && { [CSRF_HEADER]: csrfToken }) },
    })
  }

  /**
   * Back from the OP with the Back button, the page may be restored from the back-forward cache
   * exactly as it was left, mid-navigation: sign-in must work again and the state may be stale.
   */
  function onPageShow(event: PageTransitionEvent): void {
    if (!event.persisted) return
    navigating = false
    void reload()
  }

  async function login(loginOptions: LoginOptions = {}): Promise<void> {
    if (navigating) return
    navigating = true
    const returnTo = safeReturnTo(loginOptions.returnTo ?? currentPath())
    const organization = loginOptions.organization === undefined ? '' : `&organization=${encodeURIComponent(loginOptions.organization)}`
    window.location.assign(`${basePath}/login?returnTo=${encodeURIComponent(returnTo)}${organization}`)
  }

  return {
    kind: 'bff',
    snapshot: store.get,
    subscribe: store.subscribe,

    async start() {
      window.addEventListener('pageshow', onPageShow)
      takeRedirectError()
      await reload()
    },

    login,

    async switchOrganization(orgId) {
      // The BFF holds the tokens: a new sign-in for that organization replaces its session
      // (silent with a single sign-on session; Latch's picker or an error when not a member).
      await login({ organization: orgId })
    },

    async logout() {
      if (loading) await loading
      if (csrfToken === null) {
        signedOut()
        return
      }
      let response: Response
      try {
        response = await post('/logout')
      } catch {
        store.set({ error: { code: 'network_error' } })
        return
      }
      const body = await jsonOf(response)
      csrfToken = null
      // The BFF answers the OP's end-session URL: going there ends the single sign-on session too.
      const logoutUrl = response.ok && typeof body?.logoutUrl === 'string' ? body.logoutUrl : null
      if (logoutUrl !== null && /^https?:\/\//i.test(logoutUrl)) {
        // The page is leaving: no state change, or a <ProtectedRoute> would start a sign-in whose
        // navigation replaces this one (and the OP session would survive).
        navigating = true
        window.location.assign(logoutUrl)
        return
      }
      signedOut()
    },

    async refresh() {
      let response: Response
      try {
        response = await post('/refresh')
      } catch {
        store.set({ error: { code: 'network_error' } })
        return
      }
      const body = await jsonOf(response)
      if (response.status === 401) return signedOut('login_required')
      if (!response.ok) {
        store.set({ error: { code: errorCode(typeof body?.error === 'string' ? body.error : null) ?? 'server_error' } })
        return
      }
      store.set({ expiresAt: typeof body?.expiresAt === 'number' ? body.expiresAt : null, error: null })
    },

    async fetch(input, init) {
      const request = new Request(input, { ...init, credentials: init?.credentials ?? 'same-origin' })
      const url = new URL(request.url)
      const bff = isBffUrl(url)
      const unsafe = bff && !SAFE_METHODS.has(request.method.toUpperCase())
      let retry: Request | null = null
      if (unsafe) {
        // The CSRF token comes from /me: wait for the first answer rather than send none.
        if (loading) await loading
        if (csrfToken !== null) request.headers.set(CSRF_HEADER, csrfToken)
        retry = request.clone()
      }
      let response = await window.fetch(request)
      if (retry !== null && response.status === 403 && (await isCsrfRefusal(response))) {
        // The session was replaced meanwhile (signed out and in again in another tab): the BFF
        // refused the request without acting on it, so it is sent once more with the new token.
        const stale = csrfToken
        await reload()
        if (csrfToken !== null && csrfToken !== stale) {
          retry.headers.set(CSRF_HEADER, csrfToken)
          response = await window.fetch(retry)
        }
      }
      if (bff && response.status === 401) {
        const body = await jsonOf(response.clone())
        if (body?.error === 'login_required') signedOut('login_required')
      } else if (bff && response.ok) {
        // The BFF refreshes the access token as it proxies; read the new expiry once the old one passed.
        const { expiresAt } = store.get()
        if (expiresAt !== null && expiresAt * 1000 <= Date.now()) void reload()
      }
      return response
    },

    isCallback() {
      return false
    },

    async completeCallback(): Promise<CallbackResult> {
      // The BFF completed the code exchange on the server; all that reaches the page is an error code.
      await reload()
      const { error } = store.get()
      if (error) throw new AuthError(error.code)
      return { returnTo: currentPath() }
    },

    stop() {
      window.removeEventListener('pageshow', onPageShow)
    },
  }
}
