/**
 * A tiny external store for `useSyncExternalStore`: one immutable snapshot, replaced on every
 * change, so React compares by identity and never tears between renders.
 * @see https://react.dev/reference/react/useSyncExternalStore
 */
import type { AuthSnapshot } from './types.js'

export interface SnapshotStore {
  get(): AuthSnapshot
  /** Replaces the fields in `patch`; listeners run only when something changed. */
  set(patch: Partial<AuthSnapshot>): void
  subscribe(listener: () => void): () => void
}

export function createSnapshotStore(initial: AuthSnapshot): SnapshotStore {
  let current = initial
  const listeners = new Set<() => void>()
  return {
    get: () => current,
    set(patch) {
      const next = { ...current, ...patch }
      if ((Object.keys(next) as (keyof AuthSnapshot)[]).every((k) => next[k] === current[k])) return
      current = next
      for (const listener of [...listeners]) listener()
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
