/**
 * Where the BFF keeps its server-side state: the sign-in transactions (state, nonce, PKCE
 * verifier) between `/auth/login` and `/auth/callback`, and the sessions that hold each user's
 * tokens. The browser only ever holds a random id in an HttpOnly cookie; everything that is a
 * secret stays here (OAuth 2.0 for Browser-Based Apps §6.1, the "token-mediating backend").
 *
 * `SessionStore` is the pluggable part: three operations on JSON-serialisable values with a
 * lifetime, so Redis, a database table or a cluster cache can back it with `SET key value EX ttl`.
 * `MemorySessionStore` is the default: one process, entries expire on their own, and a cap on
 * the number of entries bounds the memory an anonymous client can make it hold (every
 * `GET /auth/login` stores a transaction).
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#name-backend-for-frontend-bff
 */

/**
 * A key-value store with expiry for the BFF's sessions and sign-in transactions. Values are
 * plain JSON (objects, strings, numbers); keys are `session:<id>` and `tx:<id>` with 256-bit
 * random ids. Implementations may be asynchronous; every method is awaited.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * import type { SessionStore } from '@latch/client/bff'
 *
 * const redis = new Redis(process.env.REDIS_URL!)
 * const redisStore: SessionStore = {
 *   async get(key) {
 *     const json = await redis.get(`bff:${key}`)
 *     return json === null ? undefined : JSON.parse(json)
 *   },
 *   async set(key, value, ttlSeconds) {
 *     await redis.set(`bff:${key}`, JSON.stringify(value), 'EX', ttlSeconds)
 *   },
 *   async delete(key) {
 *     await redis.del(`bff:${key}`)
 *   },
 * }
 * app.register(latchBff, { ...options, sessionStore: redisStore })
 * ```
 */
export interface SessionStore {
  /** The value stored under `key`, or `undefined` when there is none or it expired. */
  get(key: string): Promise<unknown> | unknown
  /** Stores `value` under `key` for `ttlSeconds` seconds, replacing any previous value. */
  set(key: string, value: unknown, ttlSeconds: number): Promise<void> | void
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void> | void
}

/** Options of `MemorySessionStore`. */
export interface MemorySessionStoreOptions {
  /**
   * Most entries kept at once (default 100 000). When full, the entry stored longest ago is
   * dropped first, so a flood of abandoned sign-ins cannot exhaust the process's memory.
   */
  maxEntries?: number
  /** Current time in epoch milliseconds (default `Date.now`); tests pass a frozen clock. */
  now?: () => number
}

interface Entry {
  json: string
  expiresAt: number
}

/**
 * The default `SessionStore`: an in-process map with per-entry expiry. Values are stored as JSON
 * text, so a caller can never mutate a stored session by accident and a value that would not
 * survive a shared store (a function, a Date) fails here first. One process only: behind a load
 * balancer, give every node the same shared store instead.
 *
 * @example
 * ```ts
 * import { latchBff, MemorySessionStore } from '@latch/client/bff'
 *
 * app.register(latchBff, { ...options, sessionStore: new MemorySessionStore({ maxEntries: 10_000 }) })
 * ```
 */
export class MemorySessionStore implements SessionStore {
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number
  readonly #now: () => number
  #writes = 0

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000
    if (!Number.isInteger(this.#maxEntries) || this.#maxEntries < 1) throw new TypeError('MemorySessionStore: maxEntries must be a positive integer')
    this.#now = options.now ?? Date.now
  }

  /** How many entries are held, expired ones not yet swept included. */
  get size(): number {
    return this.#entries.size
  }

  get(key: string): unknown {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key)
      return undefined
    }
    return JSON.parse(entry.json) as unknown
  }

  set(key: string, value: unknown, ttlSeconds: number): void {
    if (!(ttlSeconds > 0)) {
      this.#entries.delete(key)
      return
    }
    // Re-inserting moves the key to the end of the map's order: the eviction order is "oldest write first".
    this.#entries.delete(key)
    this.#entries.set(key, { json: JSON.stringify(value), expiresAt: this.#now() + ttlSeconds * 1000 })
    if (++this.#writes % 1000 === 0) this.#sweep()
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next()
      if (oldest.done) break
      this.#entries.delete(oldest.value)
    }
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  /** Drops every expired entry (also done every 1000 writes, so no timer keeps the process alive). */
  #sweep(): void {
    const now = this.#now()
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key)
  }
}
