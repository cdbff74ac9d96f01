/**
 * `store.keys` in memory, for keystore and token tests that need no database, with the store
 * contract's semantics: `list` drops expired keys and sorts by generation; `add` refuses a taken
 * generation (of main keys), adds a companion in the same step, and retires the other unretired keys when the new one activates. The same contract
 * runs against SQLite and PostgreSQL in storage/store.case.test.ts.
 */
import type { SigningKeyRecord, Store } from '../../src/storage/store.js'

export function memoryKeys(): Pick<Store, 'keys'> & { rows: SigningKeyRecord[] } {
  const rows: SigningKeyRecord[] = []
  return {
    rows,
    keys: {
      async list(now) {
        return rows
          .filter((r) => r.expires_at === null || r.expires_at > now)
          .sort((a, b) => b.generation - a.generation)
          .map((r) => structuredClone(r))
      },
      async latestGeneration() {
        return Math.max(0, ...rows.map((r) => r.generation))
      },
      async add(key, retiredExpiresAt, companion) {
        if (rows.some((r) => r.generation === key.generation && r.companion_of === null)) return false
        for (const r of rows) if (r.retired_at === null || r.retired_at > key.activates_at) Object.assign(r, { retired_at: key.activates_at, expires_at: retiredExpiresAt })
        rows.push(structuredClone(key))
        if (companion) rows.push(structuredClone(companion))
        return true
      },
      async addCompanion(companion) {
        if (rows.some((r) => r.companion_of === companion.companion_of)) return false
        rows.push(structuredClone(companion))
        return true
      },
    },
  }
}
