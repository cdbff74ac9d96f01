/**
 * A visible indicator of the access token's expiry (`useAuth().expiresAt`), ticking every second,
 * with a button that refreshes it now. In BFF mode the BFF also refreshes on its own when an API
 * call needs it, and @latch/react then reads the new expiry.
 */
import { useAuth } from '@latch/react'
import { useEffect, useState, type ReactNode } from 'react'

function useNow(): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [])
  return now
}

export function SessionExpiry(): ReactNode {
  const { expiresAt, refresh } = useAuth()
  const now = useNow()
  if (expiresAt === null) return <p>Access token expiry: unknown</p>
  const left = Math.ceil(expiresAt - now / 1000)
  const at = new Date(expiresAt * 1000).toLocaleTimeString()
  return (
    <section aria-label="Session" className="session">
      <p data-expires-at={expiresAt}>
        {left > 0 ? `Access token expires in ${left} s (at ${at})` : `Access token expired at ${at}: the next API call refreshes it`}
      </p>
      <button type="button" onClick={() => void refresh()}>
        Refresh session
      </button>
    </section>
  )
}
