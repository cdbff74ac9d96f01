/**
 * The React contexts behind `useAuth()`: the public value, and (internal) the mode object that
 * `<AuthCallback>` completes the sign-in with. Kept apart from the provider so hooks and
 * components import no JSX module.
 */
import { createContext } from 'react'
import type { AuthErrorInfo, AuthMode, AuthStatus, AuthUser, LoginOptions } from './types.js'

/** What `useAuth()` returns. */
export interface AuthContextValue {
  /** The mode the provider runs in. */
  mode: 'bff' | 'pkce'
  status: AuthStatus
  /** The signed-in user's claims, or `null`. */
  user: AuthUser | null
  /** The last failure (a denied sign-in, an ended session), or `null`. */
  error: AuthErrorInfo | null
  /** Epoch seconds at which the current access token expires, when known. */
  expiresAt: number | null
  /**
   * The organization the current tokens speak for (Latch's `org_id`), or `null` when they are for
   * none. PKCE mode: from the token set (ID token at sign-in, the organization switched to);
   * BFF mode: the signed-in user's `org_id` claim.
   */
  organization: string | null
  /**
   * Moves to organization `orgId`. PKCE mode: an RFC 8693 token exchange in place (the previous
   * organization's tokens are kept for a switch back; the client must be registered with the
   * token-exchange grant); a refusal sets `error` (`invalid_target`: not a member) and rejects
   * with an `AuthError`. BFF mode: `login({ organization: orgId })`, a navigation that is silent
   * while the user has a single sign-on session.
   */
  switchOrganization(orgId: string): Promise<void>
  /** Navigates to the authorization server (through the BFF in BFF mode). */
  login(options?: LoginOptions): Promise<void>
  /** Ends the session here and at the authorization server (RP-Initiated Logout). */
  logout(): Promise<void>
  /** Gets a fresh access token now (it is also refreshed on demand). */
  refresh(): Promise<void>
  /**
   * `fetch` for your API. BFF mode: same-origin credentials, the CSRF header on state-changing
   * requests to the BFF, and `status` becomes `unauthenticated` on a 401 `login_required`.
   * PKCE mode: adds `Authorization: Bearer <access token>`, refreshing it first when needed.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
}

export const AuthContext = createContext<AuthContextValue | null>(null)
AuthContext.displayName = 'LatchAuth'

/** @internal The running mode, for `<AuthCallback>`. */
export const AuthModeContext = createContext<AuthMode | null>(null)
AuthModeContext.displayName = 'LatchAuthMode'
