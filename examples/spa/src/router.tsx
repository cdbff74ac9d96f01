/**
 * The smallest router that does the job: the current path from `window.location`, updated on
 * `popstate` (back/forward, and the event `<AuthCallback>` dispatches after replacing the
 * callback URL), and links that push history entries. @latch/react needs no router; a real app
 * would use its own.
 */
import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react'

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange)
  return () => window.removeEventListener('popstate', onChange)
}

/** The current pathname; re-renders on navigation. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname)
}

export function navigate(to: string): void {
  window.history.pushState(null, '', to)
  window.dispatchEvent(new PopStateEvent('popstate', { state: null }))
}

export function Link({ to, children }: { to: string; children: ReactNode }): ReactNode {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(to)
  }
  return (
    <a href={to} onClick={onClick}>
      {children}
    </a>
  )
}
