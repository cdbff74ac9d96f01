/**
 * `<AuthCallback>`: the page the authorization server sends the user back to.
 * - PKCE mode, on the redirect URI with an authorization response: completes the authorization code exchange (state, PKCE verifier and nonce checked
 *   by @latch/client, RFC 6749 §4.1.2, RFC 7636 §4.5, OIDC Core §3.1.3.7) exactly once, even when
 *   React StrictMode runs effects twice (a second exchange of the same code would fail and, by
 *   RFC 6749 §4.1.2, revoke the tokens of the first), then replaces the callback URL (its `code`
 *   and `state` must not stay in the history) with the path the sign-in started from.
 * - Anywhere else (BFF mode; PKCE mode on any other page): shows the sign-in error the mode holds
 *   (BFF: the `auth_error` it redirected with), if any, and nothing otherwise.
 * Error texts come from a fixed table: nothing from the URL is shown as text.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthResponseValidation
 */
import { useContext, useEffect, useRef, useState, type ReactNode } from 'react'
import { AuthModeContext } from './auth-context.js'
import { AuthError, describeAuthError } from './auth-error.js'
import type { CallbackResult } from './types.js'
import { useAuth } from './use-auth.js'

/** Props of `<AuthCallback>`. */
export interface AuthCallbackProps {
  /**
   * Called after a PKCE sign-in completed and the URL was replaced with `result.returnTo`. Use it
   * to tell your router (`navigate(result.returnTo, { replace: true })`). Without it, a
   * `popstate` event is dispatched, which most routers listen to.
   */
  onSuccess?: (result: CallbackResult) => void
  /** Called once with the failure (PKCE exchange failed, or the BFF redirected with `auth_error`). */
  onError?: (error: AuthError) => void
  /** Rendered while the PKCE exchange runs. Default: a "Signing you in…" status line. */
  children?: ReactNode
}

/**
 * Completes the sign-in (PKCE mode) or shows the BFF's sign-in error (BFF mode).
 *
 * @example
 * ```tsx
 * import { AuthCallback } from '@latch/react'
 *
 * export function Routes() {
 *   // PKCE mode: render it at the path of your redirectUri.
 *   if (location.pathname === '/callback') return <AuthCallback onError={(e) => console.warn(e.code)} />
 *   // BFF mode: render it where the BFF sends errors (errorPath, default `/`).
 *   return <AuthCallback />
 * }
 * ```
 */
export function AuthCallback({ onSuccess, onError, children }: AuthCallbackProps): ReactNode {
  const mode = useContext(AuthModeContext)
  if (mode === null) throw new Error('<AuthCallback> must be rendered inside <AuthProvider>')
  const { error: contextError } = useAuth()
  const [callbackError, setCallbackError] = useState<AuthError | null>(null)
  // Only a page that carries an authorization response completes one: rendered anywhere else
  // (a home page showing sign-in errors, as in BFF mode) it must not try, nor report that no
  // sign-in was started. Decided once: completing replaces the URL.
  const [completing] = useState(() => typeof window !== 'undefined' && mode.isCallback(window.location.href))
  const [pending, setPending] = useState(completing)
  // The latest callbacks, without re-running the effect when a parent passes new closures.
  const handlers = useRef({ onSuccess, onError })
  handlers.current = { onSuccess, onError }
  const reported = useRef<unknown>(null)

  useEffect(() => {
    if (!completing) return
    let active = true
    // The mode itself guarantees one exchange per authorization response; this effect may run twice.
    mode.completeCallback(window.location.href).then(
      (result) => {
        window.history.replaceState(null, '', result.returnTo)
        if (!active) return
        setPending(false)
        if (handlers.current.onSuccess) handlers.current.onSuccess(result)
        else window.dispatchEvent(new PopStateEvent('popstate', { state: null }))
      },
      (err: unknown) => {
        const error = err instanceof AuthError ? err : new AuthError('callback_failed', undefined, { cause: err })
        // Drop `code` and `state` from the address bar even when the exchange failed.
        window.history.replaceState(null, '', window.location.pathname)
        if (!active) return
        setPending(false)
        setCallbackError(error)
      },
    )
    return () => {
      active = false
    }
  }, [mode, completing])

  const shown = callbackError ?? (contextError ? new AuthError(contextError.code) : null)
  useEffect(() => {
    if (shown === null || reported.current === shown.code) return
    reported.current = shown.code
    handlers.current.onError?.(shown)
  }, [shown])

  if (shown) return <p role="alert">{describeAuthError(shown)}</p>
  if (pending) return children ?? <p role="status">Signing you in…</p>
  return null
}
