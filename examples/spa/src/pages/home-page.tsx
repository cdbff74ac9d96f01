/** The home page: who is signed in, and the Sign in / Sign out buttons. */
import { AuthCallback, useAuth } from '@latch/react'
import type { ReactNode } from 'react'
import { OrganizationSwitcher } from '../components/organization-switcher.js'
import { SessionExpiry } from '../components/session-expiry.js'
import { Link } from '../router.js'

export function HomePage({ base }: { base: string }): ReactNode {
  const { status, user, login, logout } = useAuth()
  if (status === 'loading') return <p role="status">Checking your session…</p>
  if (status === 'unauthenticated') {
    return (
      <>
        {/* Shows the error the BFF (or the PKCE callback) came back with, e.g. a denied consent. */}
        <AuthCallback />
        <p>You are signed out.</p>
        <button type="button" onClick={() => void login({ returnTo: `${base}/` })}>
          Sign in
        </button>
        <p>
          Or open the <Link to={`${base}/data`}>Protected data</Link> page: it signs you in first.
        </p>
      </>
    )
  }
  return (
    <>
      <p>
        Signed in as <strong>{user?.name ?? user?.email ?? user?.sub}</strong>
        {user?.email && user.name ? ` (${user.email})` : null}
      </p>
      <SessionExpiry />
      <OrganizationSwitcher />
      <nav>
        <Link to={`${base}/data`}>Protected data</Link>
      </nav>
      <button type="button" onClick={() => void logout()}>
        Sign out
      </button>
    </>
  )
}
