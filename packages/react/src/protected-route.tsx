/**
 * `<ProtectedRoute>`: renders its children only for a signed-in user and otherwise starts the
 * sign-in, coming back to the current path. Router-agnostic: it reads `window.location`, so it
 * works with any router or none.
 */
import { useEffect, type ReactNode } from 'react'
import { currentPath } from './return-to.js'
import { useAuth } from './use-auth.js'

/** Props of `<ProtectedRoute>`. */
export interface ProtectedRouteProps {
  children?: ReactNode
  /** Rendered while the state is loading and while the sign-in redirect starts. Default: nothing. */
  fallback?: ReactNode
  /** Where to come back after sign-in. Default: the current path, query and hash. */
  returnTo?: string
}

/**
 * Shows `children` when signed in, `fallback` while loading, and otherwise calls
 * `login({ returnTo })`.
 *
 * @example
 * ```tsx
 * <ProtectedRoute fallback={<p>Loading…</p>}>
 *   <Orders />
 * </ProtectedRoute>
 * ```
 */
export function ProtectedRoute({ children, fallback = null, returnTo }: ProtectedRouteProps): ReactNode {
  const { status, login } = useAuth()
  useEffect(() => {
    if (status === 'unauthenticated') void login({ returnTo: returnTo ?? currentPath() })
  }, [status, login, returnTo])
  return status === 'authenticated' ? children : fallback
}
