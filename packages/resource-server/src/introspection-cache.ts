/**
 * A short-lived memory of introspection answers (RFC 7662 §4: "the protected resource MAY cache
 * the response … to avoid unnecessary round trips", trading revocation latency for load).
 * - Keys are the SHA-256 of the token (base64url), never the token itself, so a heap dump holds
 *   no usable credential.
 * - An entry lives `ttl` seconds but never past the token's `exp`: an expired token is never
 *   answered from memory.
 * - The size is bounded: at `maxEntries` the oldest entry goes (Map insertion order), so a flood
 *   of distinct tokens costs bounded memory. Only tokens whose signature verified get here.
 * - Time is injected (`now`, epoch milliseconds, so a 1 s TTL is 1 s and not "until the next
 *   whole second") and expiry is tested without sleeping.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-4
 */
import { base64url } from 'jose'

const ENCODER = new TextEncoder()

interface Entry {
  readonly active: boolean
  readonly until: number
}

/**
 * The cache behind introspection, exported for custom integrations.
 *
 * @example
 * ```ts
 * import { IntrospectionCache, tokenKey, type AccessTokenClaims } from '@latch/resource-server'
 *
 * declare const token: string // a verified access token
 * declare const claims: AccessTokenClaims // its claims
 * const cache = new IntrospectionCache(30, 10_000)
 * const key = await tokenKey(token)
 * cache.set(key, true, claims.exp)
 * cache.get(key) // true, for at most 30 s and never past exp
 * ```
 */
export class IntrospectionCache {
  readonly #entries = new Map<string, Entry>()
  readonly #ttl: number
  readonly #maxEntries: number
  readonly #now: () => number

  /** `ttl` seconds (0 disables the cache), at most `maxEntries` tokens (a positive integer), `now()` in epoch milliseconds. */
  constructor(ttl: number, maxEntries: number, now: () => number = Date.now) {
    // NaN or 0 would never evict (`size >= NaN` is false): the bound on memory would be gone.
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new TypeError(`IntrospectionCache: maxEntries must be a positive integer, got ${String(maxEntries)}`)
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) throw new TypeError(`IntrospectionCache: ttl must be a number of seconds >= 0, got ${String(ttl)}`)
    this.#ttl = ttl * 1000
    this.#maxEntries = maxEntries
    this.#now = now
  }

  get size(): number {
    return this.#entries.size
  }

  /** The remembered `active` for this token hash, or `undefined`. */
  get(key: string): boolean | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (this.#now() >= entry.until) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.active
  }

  /** Remembers `active` for at most `ttl` seconds and never at or past `exp` (epoch seconds). */
  set(key: string, active: boolean, exp: number): void {
    const until = Math.min(this.#now() + this.#ttl, exp * 1000)
    if (this.#ttl <= 0 || until <= this.#now()) return
    this.#entries.delete(key)
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    this.#entries.set(key, { active, until })
  }
}

/**
 * The cache key of a token: base64url(SHA-256(token)), by WebCrypto.
 *
 * @example
 * ```ts
 * import { tokenKey } from '@latch/resource-server'
 *
 * const key = await tokenKey('eyJhbGciOi…') // 43 base64url characters
 * ```
 */
export async function tokenKey(token: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', ENCODER.encode(token))))
}
