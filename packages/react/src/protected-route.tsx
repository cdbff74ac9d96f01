/**
 * `<ProtectedRoute>`: renders its children only for a signed-in user and otherwise starts the
 * sign-in, coming back to the current path. Router-agnostic: it reads `window.location`, so it
 * works with any router or none.
 *
 * It starts a sign-in by itself only while there is no error. A failed sign-in comes back as an
 * error (in BFF mode a redirect to the BFF's `errorPath` with `auth_error`), and when that page is
 * itself protected, signing in again automatically would loop for as long as the authorization
 * server is down or keeps refusing, as fast as the browser can redirect. So once `error` is set,
 * the error is shown with a "Sign in" button: the next attempt is the user's.
 */
import { useEffect, type ReactNode } from 'react'
import { describeAuthError } from './auth-error.js'
import { currentPath } from './return-to.js'
import { useAuth } from './use-auth.js'

/** Props of `<ProtectedRoute>`. */
export interface ProtectedRouteProps {
  children?: ReactNode
  /** Rendered while the state is loading and while the sign-in redirect starts. Default: nothing. */
  fallback?: ReactNode
  /**
   * Rendered instead of starting a sign-in when the last one failed or the session ended
   * (`useAuth().error` is set); read the error with `useAuth()` and offer `login()`. Default: the
   * error's sentence (`describeAuthError`) in a `role="alert"` paragraph and a "Sign in" button.
   */
  errorFallback?: ReactNode
  /** Where to come back after sign-in. Default: the current path, query and hash. */
  returnTo?: string
}

/**
 * Shows `children` when signed in, `fallback` while loading, and otherwise calls
 * `login({ returnTo })`, unless a sign-in already failed: then `errorFallback` (no automatic
 * retry, so a failing sign-in cannot loop).
 *
 * @example
 * ```tsx
 * import { ProtectedRoute } from '@latch/react'
 *
 * function Orders() {
 *   return <h1>Your orders</h1>
 * }
 *
 * export const page = (
 *   <ProtectedRoute fallback={<p>Loading…</p>}>
 *     <Orders />
 *   </ProtectedRoute>
 * )
 * ```
 */
export function ProtectedRoute({ children, fallback = null, errorFallback, returnTo }: ProtectedRouteProps): ReactNode {
  const { status, error, login } = useAuth()
  // A failed login() reports itself in `error` (which ends the automatic attempts): nothing to rethrow.
  const signIn = () => login({ returnTo: returnTo ?? currentPath() }).catch(() => {})
  const automatic = status === 'unauthenticated' && error === null
  useEffect(() => {
    if (automatic) void login({ returnTo: returnTo ?? currentPath() }).catch(() => {})
  }, [automatic, login, returnTo])
  if (status === 'authenticated') return children
  if (status === 'unauthenticated' && error !== null) {
    if (errorFallback !== undefined) return errorFallback
    return (
      <>
        <p role="alert">{describeAuthError(error)}</p>
        <button type="button" onClick={() => void signIn()}>
          Sign in
        </button>
      </>
    )
  }
  return fallback
}
