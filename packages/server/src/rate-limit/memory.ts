/**
 * Sliding-window counters in this process's memory: the rate-limit store without Redis, and the
 * fallback while Redis is unreachable (limits then hold per node, which beats none). Check and
 * count run synchronously in one call, so no other request interleaves: that is the atomic step
 * `RateLimitBackend.hit` asks for.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 */
import { randomId } from '../lib/random.js'
import type { RateLimitBackend, RateLimitHit, RateLimitRule, RateLimitUndo } from './backend.js'

interface Hit {
  at: number
  id: string
}

/** Past this many keys, keys whose hits all left the window are swept (bounds memory under a spray of accounts). */
const PRUNE_ABOVE = 100_000

export class MemoryRateLimit implements RateLimitBackend {
  readonly #hits = new Map<string, Hit[]>()

  // Nothing below awaits: the whole check-and-count runs before any other request's.
  async hit(rules: readonly RateLimitRule[], windowSeconds: number, now: number): Promise<RateLimitHit> {
    const recent = rules.map((rule) => this.#recent(rule.key, windowSeconds, now))
    const retryAfter = Math.max(0, ...rules.map((rule, i) => wait(recent[i] ?? [], rule.max, windowSeconds, now)))
    if (retryAfter > 0) return { allowed: false, retryAfter }
    const id = randomId()
    rules.forEach((rule, i) => this.#hits.set(rule.key, [...(recent[i] ?? []), { at: now, id }]))
    if (this.#hits.size > PRUNE_ABOVE) this.#prune(windowSeconds, now)
    return {
      allowed: true,
      undo: async (change: RateLimitUndo) => {
        for (const key of change.clear) this.#hits.delete(key)
        for (const key of change.remove) {
          const list = this.#hits.get(key)
          const i = list?.findIndex((h) => h.id === id) ?? -1
          if (list && i >= 0) list.splice(i, 1)
        }
      },
    }
  }

  async close(): Promise<void> {
    this.#hits.clear()
  }

  #recent(key: string, windowSeconds: number, now: number): Hit[] {
    return (this.#hits.get(key) ?? []).filter((h) => h.at > now - windowSeconds)
  }

  #prune(windowSeconds: number, now: number): void {
    for (const key of this.#hits.keys()) {
      if (this.#recent(key, windowSeconds, now).length === 0) this.#hits.delete(key)
    }
  }
}

/** Seconds until `hits` (oldest first) fall under `max` at `now`; 0 = room now. */
function wait(hits: readonly Hit[], max: number, windowSeconds: number, now: number): number {
  if (hits.length < max) return 0
  const oldestCounted = hits[hits.length - max]?.at ?? now
  return Math.max(1, oldestCounted + windowSeconds - now)
}
