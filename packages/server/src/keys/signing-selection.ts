/**
 * Which stored key signs at a given time, and which are kept ready: pure functions over the
 * `signing_keys` rows, so every node of a deployment picks the same key from the same rows.
 */
import type { SigningKeyRecord } from '../storage/store.js'

/** Newest generation first, as `store.keys.list` returns them. */
export function byNewest(a: SigningKeyRecord, b: SigningKeyRecord): number {
  return b.generation - a.generation
}

/**
 * The key that signs at `now`: active, not yet retired, newest generation, whatever its alg. Not
 * filtered by the configured alg: nodes of one deployment must sign with the same key even while
 * a change of `signing_alg` rolls through them, or each would sign with a kid the others do not
 * publish yet, and replace the others' key at every reload.
 */
export function signingRecord(records: readonly SigningKeyRecord[], now: number): SigningKeyRecord | undefined {
  return records.filter((r) => r.companion_of === null && r.activates_at <= now && (r.retired_at === null || r.retired_at > now)).sort(byNewest)[0]
}

/** Keys that sign now or will once their `activates_at` comes: their private keys are kept ready. */
export function signingCandidates(records: readonly SigningKeyRecord[], now: number): SigningKeyRecord[] {
  return records.filter((r) => r.companion_of === null && (r.retired_at === null || (r.retired_at > now && r.retired_at > r.activates_at)))
}

/** `mains` and the companions of those of them in `records`. */
export function withCompanions(records: readonly SigningKeyRecord[], mains: readonly SigningKeyRecord[]): SigningKeyRecord[] {
  const kids = new Set(mains.map((m) => m.kid))
  return [...mains, ...records.filter((r) => r.companion_of !== null && kids.has(r.companion_of))]
}
