/**
 * The protected page of PKCE mode: the browser holds the access token (in memory only) and calls
 * the OpenID Provider's UserInfo endpoint with it, found through discovery (Latch answers
 * UserInfo with CORS). `useAuth().fetch` adds `Authorization: Bearer …` and refreshes first when
 * the token is about to expire. The organization switcher exchanges the tokens for another
 * organization's in place: UserInfo then answers that organization's `org_id` and `org_roles`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
import { useAuth } from '@latch/react'
import { useState, type ReactNode } from 'react'
import { call, CallResult, type CallOutcome } from '../components/call-result.js'
import { OrganizationSwitcher } from '../components/organization-switcher.js'
import { SessionExpiry } from '../components/session-expiry.js'
import { Link } from '../router.js'

async function userinfoEndpoint(issuer: string): Promise<string> {
  const response = await window.fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
  const metadata = (await response.json()) as { userinfo_endpoint?: string }
  if (typeof metadata.userinfo_endpoint !== 'string') throw new Error('the provider has no userinfo_endpoint')
  return metadata.userinfo_endpoint
}

export function ProfilePage({ issuer }: { issuer: string }): ReactNode {
  const { user, fetch, logout } = useAuth()
  const [outcome, setOutcome] = useState<CallOutcome | null>(null)

  return (
    <>
      <h2>Protected data</h2>
      <p>
        Signed in as <strong>{user?.name ?? user?.sub}</strong>
      </p>
      <SessionExpiry />
      <OrganizationSwitcher />
      <div className="actions">
        <button type="button" onClick={() => void call('GET UserInfo', async () => fetch(await userinfoEndpoint(issuer))).then(setOutcome)}>
          Load profile
        </button>
      </div>
      <CallResult outcome={outcome} />
      <nav>
        <Link to="/pkce">Home</Link>
      </nav>
      <button type="button" onClick={() => void logout()}>
        Sign out
      </button>
    </>
  )
}
