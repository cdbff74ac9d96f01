/**
 * `useAuth()`: the sign-in state and actions of the nearest `<AuthProvider>`.
 */
import { useContext } from 'react'
import { AuthContext, type AuthContextValue } from './auth-context.js'

/**
 * The sign-in state (`status`, `user`, `error`, `expiresAt`) and actions (`login`, `logout`,
 * `refresh`, `fetch`) of the nearest `<AuthProvider>`. Throws when there is none.
 *
 * @example
 * ```tsx
 * import { useAuth } from '@latch/react'
 *
 * export function Header() {
 *   const { status, user, login, logout } = useAuth()
 *   if (status === 'loading') return null
 *   return status === 'authenticated'
 *     ? <button onClick={() => logout()}>Sign out {user?.name}</button>
 *     : <button onClick={() => login()}>Sign in</button>
 * }
 * ```
 */
export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext)
  if (value === null) throw new Error('useAuth() must be called inside <AuthProvider>')
  return value
}
