/**
 * Sliding-window counters in this process's memory: the rate-limit store without Redis, and the
 * fallback while Redis is unreachable (limits then hold per node, which beats none). Check and
 * count run synchronously in one call, so no other request interleaves: that is the atomic step
 * `RateLimitBackend.hit` and `reserve` ask for.
 *
 * Bounded whatever the number of keys, in O(1) per hit (issue 8): the counters are found through
 * a `Map` and chained in a doubly linked list in least-recently-used order (a touched counter is
 * relinked at the tail). After each count, counters at the head whose window is over are dropped,
 * and past `maxKeys` the least recently used one goes: each counter is dropped at most once per
 * insertion, so no hit ever scans the keys (sweeping every key above 100,000 blocked the event loop
 * for hundreds of ms). A list rather than the Map's own insertion order: a Map iterated from its
 * start walks over every entry deleted since its last rehash. The work per hit is bounded by the
 * rules' `max`, never by the number of keys.
 * A spray of more than `maxKeys` distinct keys inside one window evicts the least recently used
 * counters; a key under attack is touched by every guess, so it is the last to go.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 */
import { randomId } from '../lib/random.js'
import {
  RESERVATION_LEASE_SECONDS,
  type RateLimitBackend,
  type RateLimitHit,
  type RateLimitReservation,
  type RateLimitRule,
  type RateLimitUndo,
  type ReserveRule,
} from './backend.js'

interface Hit {
  at: number
  id: string
}

interface Counter {
  key: string
  /** Neighbours in least-recently-used order (`prev` is older). */
  prev: Counter | null
  next: Counter | null
  /** Oldest first. */
  hits: Hit[]
  /** Reservations in flight: hit id → end of its lease. */
  inFlight: Map<string, number>
  /** Paced rules: the next free turn, epoch seconds. */
  turn: number
  /** Paced rules with a `fairKey`: the next free turn of the newcomers' lane. */
  cleanTurn: number
  /** Nothing on this key matters after this time: it may be dropped. */
  expiresAt: number
}

/** Counters kept at most (about 200 bytes each with a few hits: some 20 MB). */
export const MAX_KEYS = 100_000

export interface MemoryRateLimitOptions {
  /** Counters kept at most; the least recently used go first. */
  maxKeys?: number
}

export class MemoryRateLimit implements RateLimitBackend {
  readonly #counters = new Map<string, Counter>()
  /** Least recently used first. */
  #head: Counter | null = null
  #tail: Counter | null = null
  readonly #maxKeys: number
  #visited = 0

  constructor(options: MemoryRateLimitOptions = {}) {
    this.#maxKeys = options.maxKeys ?? MAX_KEYS
  }

  /** Counters held now. */
  get size(): number {
    return this.#counters.size
  }

  /** Counters looked at so far, by any hit (tests: the work per hit does not grow with the number of keys). */
  get visited(): number {
    return this.#visited
  }

  // Nothing below awaits: the whole check-and-count runs before any other request's.
  async hit(rules: readonly RateLimitRule[], windowSeconds: number, now: number): Promise<RateLimitHit> {
    const counters = rules.map((rule) => this.#load(rule.key, windowSeconds, now))
    const retryAfter = Math.max(0, ...rules.map((rule, i) => wait(counters[i]?.hits ?? [], rule.max, windowSeconds, now)))
    if (retryAfter > 0) return { allowed: false, retryAfter }
    const id = randomId()
    const keys = rules.map((rule) => rule.key)
    for (const key of keys) this.#count(key, id, windowSeconds, now)
    this.#evict(now)
    return {
      allowed: true,
      undo: async (change: RateLimitUndo) => this.#undo(id, [], change),
    }
  }

  async reserve(rules: readonly ReserveRule[], windowSeconds: number, now: number): Promise<RateLimitReservation> {
    const counters = rules.map((rule) => this.#load(rule.key, windowSeconds, now))
    let retryAfter = 0
    let busy = false
    let at = now
    const turns = rules.map((rule, i): { turn: number; clean: boolean } | null => {
      const counter = counters[i]
      const total = counter?.hits.length ?? 0
      const settled = total - (counter?.inFlight.size ?? 0)
      if (counter && settled >= rule.max) {
        if (!rule.pace) {
          retryAfter = Math.max(retryAfter, wait(counter.hits.filter((h) => !counter.inFlight.has(h.id)), rule.max, windowSeconds, now))
          return null
        }
        let turn = Math.max(now, counter.turn)
        let clean = false
        const fair = rule.pace.fairKey === undefined ? -1 : rules.findIndex((r) => r.key === rule.pace?.fairKey)
        // A newcomer (no hit of its network in the window) may take the newcomers' lane when it comes sooner.
        if (fair >= 0 && (counters[fair]?.hits.length ?? 0) === 0 && Math.max(now, counter.cleanTurn) <= turn) {
          turn = Math.max(now, counter.cleanTurn)
          clean = true
        }
        if (turn - now > rule.pace.maxWait) {
          retryAfter = Math.max(retryAfter, turn - now - rule.pace.maxWait)
          return null
        }
        at = Math.max(at, turn)
        return { turn, clean }
      }
      if (total >= rule.max) busy = true
      return null
    })
    if (retryAfter > 0) return { status: 'refused', retryAfter }
    if (busy) return { status: 'busy' }
    const id = randomId()
    const keys = rules.map((rule) => rule.key)
    rules.forEach((rule, i) => {
      const counter = this.#count(rule.key, id, windowSeconds, now)
      counter.inFlight.set(id, now + RESERVATION_LEASE_SECONDS)
      const turn = turns[i]
      if (turn != null && rule.pace) {
        const spacing = rule.pace.fairKey === undefined ? rule.pace.step : 2 * rule.pace.step
        if (turn.clean) counter.cleanTurn = turn.turn + spacing
        else counter.turn = turn.turn + spacing
      }
    })
    this.#evict(now)
    return { status: 'reserved', at, release: async (change: RateLimitUndo) => this.#undo(id, keys, change) }
  }

  async close(): Promise<void> {
    this.#counters.clear()
    this.#head = this.#tail = null
  }

  /** The live counter of `key` (moved to the recent end), or undefined when nothing on it counts any more. */
  #load(key: string, windowSeconds: number, now: number): Counter | undefined {
    const counter = this.#counters.get(key)
    this.#visited++
    if (!counter) return undefined
    // Oldest first, so only the front can have left the window: the loop ends at the first live hit.
    while (counter.hits.length > 0 && (counter.hits[0] as Hit).at <= now - windowSeconds) {
      counter.inFlight.delete((counter.hits.shift() as Hit).id)
    }
    // A lease ran out: its node never answered, so the hit stays, settled as a failure.
    for (const [id, until] of counter.inFlight) if (until <= now) counter.inFlight.delete(id)
    if (counter.hits.length === 0 && counter.turn <= now && counter.cleanTurn <= now) {
      this.#drop(counter)
      return undefined
    }
    this.#unlink(counter)
    this.#append(counter)
    return counter
  }

  #count(key: string, id: string, windowSeconds: number, now: number): Counter {
    let counter = this.#counters.get(key)
    if (!counter) {
      counter = { key, prev: null, next: null, hits: [], inFlight: new Map(), turn: 0, cleanTurn: 0, expiresAt: 0 }
      this.#counters.set(key, counter)
      this.#append(counter)
    }
    counter.hits.push({ at: now, id })
    counter.expiresAt = Math.max(counter.expiresAt, now + windowSeconds)
    return counter
  }

  /** Drops expired counters at the least recently used end, then the oldest ones past `maxKeys`. */
  #evict(now: number): void {
    while (this.#head) {
      this.#visited++
      if (this.#head.expiresAt > now && this.#counters.size <= this.#maxKeys) break
      this.#drop(this.#head)
    }
  }

  #append(counter: Counter): void {
    counter.prev = this.#tail
    counter.next = null
    if (this.#tail) this.#tail.next = counter
    else this.#head = counter
    this.#tail = counter
  }

  #unlink(counter: Counter): void {
    if (counter.prev) counter.prev.next = counter.next
    else if (this.#head === counter) this.#head = counter.next
    if (counter.next) counter.next.prev = counter.prev
    else if (this.#tail === counter) this.#tail = counter.prev
    counter.prev = counter.next = null
  }

  #drop(counter: Counter): void {
    this.#unlink(counter)
    this.#counters.delete(counter.key)
  }

  #undo(id: string, inFlight: readonly string[], change: RateLimitUndo): void {
    for (const key of inFlight) this.#counters.get(key)?.inFlight.delete(id)
    for (const key of change.clear) {
      const counter = this.#counters.get(key)
      if (counter) this.#drop(counter)
    }
    for (const key of change.remove) {
      const counter = this.#counters.get(key)
      const i = counter?.hits.findIndex((h) => h.id === id) ?? -1
      if (counter && i >= 0) counter.hits.splice(i, 1)
    }
  }
}

/** Seconds until `hits` (oldest first) fall under `max` at `now`; 0 = room now. */
function wait(hits: readonly Hit[], max: number, windowSeconds: number, now: number): number {
  if (hits.length < max) return 0
  const oldestCounted = hits[hits.length - max]?.at ?? now
  return Math.max(1, oldestCounted + windowSeconds - now)
}
