/**
 * `<AuthProvider>`: runs one sign-in mode for the tree below it and publishes its state through
 * `useAuth()`.
 * - `mode="bff"` (recommended): the app's own server keeps the tokens (`@latch/client/bff`); the
 *   browser holds an HttpOnly cookie only (OAuth 2.0 for Browser-Based Applications §6.1).
 * - `mode="pkce"`: a public client in the browser, authorization code with PKCE S256 (RFC 7636,
 *   RFC 9700 §2.1.1); tokens only in memory, so a reload signs the user out of the app.
 * The options are read once, when the provider mounts.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6.1
 * @see https://www.rfc-editor.org/rfc/rfc7636
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react'
import { AuthContext, AuthModeContext, type AuthContextValue } from './auth-context.js'
import { createBffMode, type BffOptions } from './bff-mode.js'
import { createPkceMode, type PkceOptions } from './pkce-mode.js'
import type { AuthMode, LoginOptions } from './types.js'

/** Props of `<AuthProvider>`: `mode="bff"` (the default) with `BffOptions`, or `mode="pkce"` with `PkceOptions`. */
export type AuthProviderProps = { children?: ReactNode } & (({ mode?: 'bff' } & BffOptions) | ({ mode: 'pkce' } & PkceOptions))

function createMode(props: AuthProviderProps): AuthMode {
  return props.mode === 'pkce' ? createPkceMode(props) : createBffMode(props)
}

/**
 * Provides `useAuth()` to its children.
 *
 * @example
 * ```tsx
 * import { createRoot } from 'react-dom/client'
 * import { AuthProvider, useAuth } from '@latch/react'
 *
 * function App() {
 *   const { status, user } = useAuth()
 *   return <p>{status === 'authenticated' ? `Hello, ${String(user?.name)}` : status}</p>
 * }
 *
 * // Recommended: behind the BFF (`@latch/client/bff` on the same origin).
 * createRoot(document.getElementById('root')!).render(
 *   <AuthProvider mode="bff" basePath="/auth" apiPrefix="/api">
 *     <App />
 *   </AuthProvider>,
 * )
 *
 * // Or a public client with in-memory tokens.
 * export const pkceApp = (
 *   <AuthProvider mode="pkce" issuer="https://id.example.com" clientId="my-spa"
 *     redirectUri="https://app.example.com/callback" scope="openid profile read:data"
 *     postLogoutRedirectUri="https://app.example.com/">
 *     <App />
 *   </AuthProvider>
 * )
 * ```
 */
export function AuthProvider(props: AuthProviderProps): ReactNode {
  const [mode] = useState(() => createMode(props))
  const snapshot = useSyncExternalStore(mode.subscribe, mode.snapshot, mode.snapshot)
  const mounted = useRef(0)

  useEffect(() => {
    mounted.current += 1
    void mode.start()
    return () => {
      mounted.current -= 1
      // StrictMode unmounts and mounts again at once: stop only when the provider really left.
      setTimeout(() => {
        if (mounted.current === 0) mode.stop()
      }, 0)
    }
  }, [mode])

  // Stable functions: effects that depend on `login` (ProtectedRoute) do not rerun on every change.
  const actions = useMemo(
    () => ({
      login: (options?: LoginOptions) => mode.login(options),
      logout: () => mode.logout(),
      refresh: () => mode.refresh(),
      switchOrganization: (orgId: string) => mode.switchOrganization(orgId),
      fetch: (input: RequestInfo | URL, init?: RequestInit) => mode.fetch(input, init),
    }),
    [mode],
  )
  const value = useMemo<AuthContextValue>(
    () => ({ mode: mode.kind, status: snapshot.status, user: snapshot.user, error: snapshot.error, expiresAt: snapshot.expiresAt, organization: snapshot.organization, ...actions }),
    [mode, snapshot, actions],
  )

  return (
    <AuthModeContext.Provider value={mode}>
      <AuthContext.Provider value={value}>{props.children}</AuthContext.Provider>
    </AuthModeContext.Provider>
  )
}
