/**
 * @latch/react: React bindings for Latch. `<AuthProvider>` in BFF mode (recommended: tokens stay
 * on your server, `@latch/client/bff`) or in-memory PKCE mode; `useAuth()`, `<ProtectedRoute>`,
 * `<AuthCallback>`. Public surface only (re-exports). Uses only fetch, crypto.subtle and DOM APIs.
 */
export { AuthProvider, type AuthProviderProps } from './auth-provider.js'
export { useAuth } from './use-auth.js'
export type { AuthContextValue } from './auth-context.js'
export { ProtectedRoute, type ProtectedRouteProps } from './protected-route.js'
export { AuthCallback, type AuthCallbackProps } from './auth-callback.js'
export { AuthError, describeAuthError } from './auth-error.js'
export { safeReturnTo } from './return-to.js'
export type { BffOptions } from './bff-mode.js'
export type { PkceOptions } from './pkce-mode.js'
export type { AuthStatus, AuthUser, AuthErrorInfo, LoginOptions, CallbackResult } from './types.js'
