/**
 * The demo's pages, for either mode: `/` (or `/pkce`) is the home page, `/data` (or `/pkce/data`)
 * is protected, and in PKCE mode `/callback` is the public client's redirect URI.
 */
import { AuthCallback, ProtectedRoute, useAuth } from '@latch/react'
import type { ReactNode } from 'react'
import { DataPage } from './pages/data-page.js'
import { HomePage } from './pages/home-page.js'
import { ProfilePage } from './pages/profile-page.js'
import { usePath } from './router.js'

export type AppProps = { variant: 'bff' } | { variant: 'pkce'; issuer: string }

function Page(props: AppProps): ReactNode {
  const path = usePath().replace(/\/+$/, '') || '/'
  const base = props.variant === 'pkce' ? '/pkce' : ''
  if (props.variant === 'pkce' && path === '/callback') return <AuthCallback />
  if (path === `${base}/data`) {
    return (
      <ProtectedRoute fallback={<p role="status">Signing you in…</p>}>
        {props.variant === 'pkce' ? <ProfilePage issuer={props.issuer} /> : <DataPage />}
      </ProtectedRoute>
    )
  }
  return <HomePage base={base} />
}

export function App(props: AppProps): ReactNode {
  const { mode } = useAuth()
  return (
    <main>
      <header>
        <h1>Latch SPA demo</h1>
        <p className="mode">
          {mode === 'bff'
            ? 'BFF mode: the tokens stay on the server; this page holds only an HttpOnly session cookie.'
            : 'PKCE mode: a public client; the tokens live in this page’s memory only, so a reload signs you out.'}
        </p>
      </header>
      <Page {...props} />
    </main>
  )
}
