/**
 * The types shared by the two modes of @latch/react: what `useAuth()` returns and what each mode
 * (BFF session or in-memory PKCE) reports to the provider. Wire names (the BFF's `/auth/me`
 * JSON, ID token claims) stay as they are on the wire; the rest is camelCase.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 */

/** Where the sign-in stands: `loading` until the first answer (BFF `/auth/me`, or the PKCE callback). */
export type AuthStatus = 'loading' | 'authenticated' | 'unauthenticated'

/**
 * The signed-in user: the OpenID Connect claims the BFF (ID token and UserInfo) or the PKCE
 * callback (ID token) made known. Only `sub` is always present.
 */
export interface AuthUser {
  sub: string
  name?: string
  given_name?: string
  family_name?: string
  email?: string
  email_verified?: boolean
  [claim: string]: unknown
}

/** Options of `login()`. */
export interface LoginOptions {
  /**
   * Same-origin path to come back to after sign-in (`/orders?page=2`). Anything else (an absolute
   * URL, `//evil.example`, `/\evil.example`) is replaced by `/`: never an open redirect.
   * Defaults to the current path, query and hash.
   */
  returnTo?: string
  /**
   * Sign in for this organization (Latch's `organization` parameter): the user must be a member,
   * or Latch shows its organization picker. With a single sign-on session this is silent.
   */
  organization?: string
}

/** A failure the provider reports in `useAuth().error`, with a stable `code` to switch on. */
export interface AuthErrorInfo {
  /** An OAuth error code (`access_denied`, `login_required`, …) or a Latch code (`callback_failed`, `network_error`). */
  code: string
  /** Text that is safe to show: never a token or secret. */
  description?: string
}

/** What a mode knows at a point in time. */
export interface AuthSnapshot {
  status: AuthStatus
  user: AuthUser | null
  /** Epoch seconds at which the current access token expires, when known. */
  expiresAt: number | null
  /** The organization the tokens speak for (Latch's `org_id`), or `null`. */
  organization: string | null
  error: AuthErrorInfo | null
}

/** The result of completing a sign-in callback. */
export interface CallbackResult {
  /** The same-origin path the sign-in started from (see `LoginOptions.returnTo`). */
  returnTo: string
}

/**
 * One way of being signed in (BFF session or in-memory PKCE): the provider renders its
 * snapshots and forwards the `useAuth()` calls to it.
 */
export interface AuthMode {
  readonly kind: 'bff' | 'pkce'
  /** The current snapshot. */
  snapshot(): AuthSnapshot
  /** Calls `listener` on every change of the snapshot; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void
  /** Finds out the initial state (BFF: `GET /auth/me`). Safe to call more than once. */
  start(): Promise<void>
  login(options?: LoginOptions): Promise<void>
  logout(): Promise<void>
  refresh(): Promise<void>
  /** PKCE: token exchange in place. BFF: a sign-in for that organization (a navigation). */
  switchOrganization(orgId: string): Promise<void>
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
  /**
   * Whether `currentUrl` carries an authorization response for this page to complete (PKCE: the
   * redirect URI with `state` or `error`). BFF: never, the BFF completed it on the server.
   */
  isCallback(currentUrl: string): boolean
  /** Completes the redirect back from the authorization server; at most once per response. */
  completeCallback(currentUrl: string): Promise<CallbackResult>
  /** Releases timers (the PKCE token manager); the mode is not used afterwards. */
  stop(): void
}
