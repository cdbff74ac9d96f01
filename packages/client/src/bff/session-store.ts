/**
 * Where the BFF keeps its server-side state: the sign-in transactions (state, nonce, PKCE
 * verifier) between `/auth/login` and `/auth/callback`, and the sessions that hold each user's
 * tokens. The browser only ever holds a random id in an HttpOnly cookie; everything that is a
 * secret stays here (OAuth 2.0 for Browser-Based Apps §6.1, the "token-mediating backend").
 *
 * `SessionStore` is the pluggable part: three operations on JSON-serialisable values with a
 * lifetime, so Redis, a database table or a cluster cache can back it with `SET key value EX ttl`.
 * `MemorySessionStore` is the default: one process, entries expire on their own, and caps on
 * the number of entries bound the memory an anonymous client can make it hold (every
 * `GET /auth/login` stores a transaction). Transactions have their own cap, so that flood can
 * only evict other transactions, never a session.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#name-backend-for-frontend-bff
 */

/**
 * A key-value store with expiry for the BFF's sessions and sign-in transactions. Values are
 * plain JSON (objects, strings, numbers); keys are `session:<id>` and `tx:<browser id>:<state>`
 * with 256-bit random ids. Implementations may be asynchronous; every method is awaited. Anyone
 * can create transactions (`GET /auth/login`): a store that evicts under memory pressure must not
 * let them push sessions out (keep them apart, e.g. with the `transactionStore` option).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { Redis } from 'ioredis'
 * import { latchBff, type LatchBffOptions, type SessionStore } from '@latch/client/bff'
 *
 * declare const options: LatchBffOptions // issuer, clientId, clientSecret, redirectUri, …
 * const app = Fastify()
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
 * await app.register(latchBff, { ...options, sessionStore: redisStore })
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
   * Most sessions (and other non-transaction entries) kept at once (default 100 000). When full,
   * the one stored longest ago is dropped first, so memory stays bounded.
   */
  maxEntries?: number
  /**
   * Most sign-in transactions (`tx:` keys) kept at once (default 20 000, about 10 MB). They are
   * capped apart from the sessions: anyone can store one with `GET /auth/login`, so a flood of
   * abandoned sign-ins evicts only other pending sign-ins, never a signed-in user's session.
   */
  maxTransactions?: number
  /** Current time in epoch milliseconds (default `Date.now`); tests pass a frozen clock. */
  now?: () => number
}

interface Entry {
  json: string
  expiresAt: number
}

/** The key prefix of sign-in transactions (see `SessionStore`). */
const TRANSACTION_PREFIX = 'tx:'

function positiveInteger(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`MemorySessionStore: ${option} must be a positive integer`)
  return value
}

/** Entries with expiry and a cap; the eviction order is "oldest write first". */
class CappedMap {
  readonly entries = new Map<string, Entry>()
  constructor(readonly max: number) {}

  set(key: string, entry: Entry): void {
    // Re-inserting moves the key to the end of the map's order.
    this.entries.delete(key)
    this.entries.set(key, entry)
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next()
      if (oldest.done) break
      this.entries.delete(oldest.value)
    }
  }

  sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key)
  }
}

/**
 * The default `SessionStore`: an in-process map with per-entry expiry. Values are stored as JSON
 * text, so a caller can never mutate a stored session by accident and a value that would not
 * survive a shared store (a function, a Date) fails here first. Sessions and sign-in
 * transactions are capped separately (`maxEntries`, `maxTransactions`), so anonymous sign-in
 * attempts can never push a session out. One process only: behind a load balancer, give every
 * node the same shared store instead.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { latchBff, MemorySessionStore, type LatchBffOptions } from '@latch/client/bff'
 *
 * declare const options: LatchBffOptions // issuer, clientId, clientSecret, redirectUri, …
 * const app = Fastify()
 * await app.register(latchBff, { ...options, sessionStore: new MemorySessionStore({ maxEntries: 10_000, maxTransactions: 5_000 }) })
 * ```
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions: CappedMap
  readonly #transactions: CappedMap
  readonly #now: () => number
  #writes = 0

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#sessions = new CappedMap(positiveInteger('maxEntries', options.maxEntries ?? 100_000))
    this.#transactions = new CappedMap(positiveInteger('maxTransactions', options.maxTransactions ?? 20_000))
    this.#now = options.now ?? Date.now
  }

  /** How many entries are held (sessions and transactions), expired ones not yet swept included. */
  get size(): number {
    return this.#sessions.entries.size + this.#transactions.entries.size
  }

  #bucket(key: string): CappedMap {
    return key.startsWith(TRANSACTION_PREFIX) ? this.#transactions : this.#sessions
  }

  get(key: string): unknown {
    const { entries } = this.#bucket(key)
    const entry = entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= this.#now()) {
      entries.delete(key)
      return undefined
    }
    return JSON.parse(entry.json) as unknown
  }

  set(key: string, value: unknown, ttlSeconds: number): void {
    const bucket = this.#bucket(key)
    if (!(ttlSeconds > 0)) {
      bucket.entries.delete(key)
      return
    }
    bucket.set(key, { json: JSON.stringify(value), expiresAt: this.#now() + ttlSeconds * 1000 })
    // Every 1000 writes, drop what expired (no timer keeps the process alive).
    if (++this.#writes % 1000 === 0) {
      const now = this.#now()
      this.#sessions.sweep(now)
      this.#transactions.sweep(now)
    }
  }

  delete(key: string): void {
    this.#bucket(key).entries.delete(key)
  }
}
