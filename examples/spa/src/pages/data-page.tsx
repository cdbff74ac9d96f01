/**
 * The protected page of BFF mode: calls the example API through the BFF's `/api` proxy with
 * `useAuth().fetch`. The browser sends only its session cookie (and, on the POST, the CSRF
 * header, added by @latch/react); the BFF adds the access token, refreshing it when it expired.
 * **Load organization data** reads `/api/orgs/<current organization>/data`, which the API grants
 * only to a token of that organization with `read:organization:<id>`.
 */
import { useAuth } from '@latch/react'
import { useState, type ReactNode } from 'react'
import { call, CallResult, type CallOutcome } from '../components/call-result.js'
import { OrganizationSwitcher } from '../components/organization-switcher.js'
import { SessionExpiry } from '../components/session-expiry.js'
import { Link } from '../router.js'

export function DataPage(): ReactNode {
  const { user, organization, fetch, logout } = useAuth()
  const [outcome, setOutcome] = useState<CallOutcome | null>(null)
  const [busy, setBusy] = useState(false)

  async function run(label: string, send: () => Promise<Response>) {
    setBusy(true)
    setOutcome(await call(label, send))
    setBusy(false)
  }

  return (
    <>
      <h2>Protected data</h2>
      <p>
        Signed in as <strong>{user?.name ?? user?.sub}</strong>
      </p>
      <SessionExpiry />
      <OrganizationSwitcher />
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => void run('GET /api/data', () => fetch('/api/data'))}>
          Load data
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run('POST /api/data', () =>
              fetch('/api/data', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: `saved at ${new Date().toISOString()}` }) }),
            )
          }
        >
          Save data
        </button>
        <button
          type="button"
          disabled={busy || organization === null}
          onClick={() => void run(`GET /api/orgs/${organization}/data`, () => fetch(`/api/orgs/${encodeURIComponent(organization ?? '')}/data`))}
        >
          Load organization data
        </button>
      </div>
      <CallResult outcome={outcome} />
      <nav>
        <Link to="/">Home</Link>
      </nav>
      <button type="button" onClick={() => void logout()}>
        Sign out
      </button>
    </>
  )
}
