/**
 * The protected page of BFF mode: calls the example API through the BFF's `/api` proxy with
 * `useAuth().fetch`. The browser sends only its session cookie (and, on the POST, the CSRF
 * header, added by @latch/react); the BFF adds the access token, refreshing it when it expired.
 */
import { useAuth } from '@latch/react'
import { useState, type ReactNode } from 'react'
import { call, CallResult, type CallOutcome } from '../components/call-result.js'
import { SessionExpiry } from '../components/session-expiry.js'
import { Link } from '../router.js'

export function DataPage(): ReactNode {
  const { user, fetch, logout } = useAuth()
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
