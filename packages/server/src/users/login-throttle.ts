/**
 * Throttles password and code guessing: attempts are counted per account and per client IP over
 * a sliding window; past the limit, attempts are refused until the oldest one leaves the window,
 * and the page says when to retry. The counters live in a `RateLimitBackend`: this process's
 * memory, or Redis when `redis_url` is set, so every node of a deployment shares one budget per
 * account and per IP (issue 4); if Redis fails, counting falls back to memory (rate-limit/fail-open.ts).
 *
 * An attempt is counted *before* its (slow, awaited) verification and only forgiven when it
 * succeeds: counting after the check would let every request already in flight through, so an
 * attacker sending 40 guesses at once would have all 40 checked. The store checks and counts in
 * one atomic step for the same reason, across nodes too.
 * A success forgives the account's failures and its own IP entry, not the IP's other failures
 * (one valid account must not launder an attacker's IP).
 * Counter keys hold HMAC-SHA-256 digests of the account and IP, never the values: whoever reads
 * Redis learns neither who signs in nor from where (a plain SHA-256 of an IPv4 address or a known
 * email is one dictionary lookup away, a keyed one is not).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 * @see https://owasp.org/www-community/controls/Blocking_Brute_Force_Attacks
 */
import { createHash, createHmac } from 'node:crypto'
import type { Clock } from '../lib/clock.js'
import type { RateLimitBackend } from '../rate-limit/backend.js'
import { MemoryRateLimit } from '../rate-limit/memory.js'

export interface ThrottleLimits {
  maxPerAccount: number
  maxPerIp: number
  windowSeconds: number
}

export type ThrottleAttempt =
  /** Refused: retry after this many seconds. Nothing was counted. */
  | { allowed: false; retryAfter: number }
  /**
   * Counted as a failure until `succeeded()` is called. `notChecked()` takes this one attempt back
   * when the credentials could not be looked up at all (the store was unavailable): an outage is
   * not a guess, and must not lock every user out once the database is back. Neither rejects with
   * the stores Latch builds (memory, or Redis behind the fail-open fallback).
   */
  | { allowed: true; succeeded(): Promise<void>; notChecked(): Promise<void> }

export interface LoginThrottleOptions {
  /** Where attempts are counted (default: this process's memory). */
  store?: RateLimitBackend
  /**
   * Key for the HMAC of account and IP in counter keys; every node must use the same one (Latch
   * derives it from LATCH_SECRET). Without it, plain SHA-256.
   */
  keySecret?: string
}

/**
 * For `.catch()` on the lookup the attempt depends on (the user, the device code): when the lookup
 * throws, no credential was checked, so the attempt is taken back and the error rethrown; a store
 * outage then answers 503 without spending anyone's budget.
 */
export function notChecked(attempt: { notChecked(): Promise<void> }): (error: unknown) => Promise<never> {
  return async (error) => {
    await attempt.notChecked()
    throw error
  }
}

export class LoginThrottle {
  readonly #store: RateLimitBackend
  readonly #digest: (value: string) => string

  constructor(private readonly limits: ThrottleLimits, private readonly clock: Clock, options: LoginThrottleOptions = {}) {
    this.#store = options.store ?? new MemoryRateLimit()
    const hmacKey = options.keySecret === undefined ? undefined : createHash('sha256').update(`latch rate-limit keys\0${options.keySecret}`).digest()
    this.#digest = hmacKey
      ? (value) => createHmac('sha256', hmacKey).update(value).digest('base64url')
      : (value) => createHash('sha256').update(value).digest('base64url')
  }

  async attempt(account: string, ip: string): Promise<ThrottleAttempt> {
    const accountKey = `throttle:a:${this.#digest(account)}`
    const ipKey = `throttle:i:${this.#digest(ip)}`
    const hit = await this.#store.hit(
      [
        { key: accountKey, max: this.limits.maxPerAccount },
        { key: ipKey, max: this.limits.maxPerIp },
      ],
      this.limits.windowSeconds,
      this.clock.now(),
    )
    if (!hit.allowed) return hit
    return {
      allowed: true,
      succeeded: () => hit.undo({ clear: [accountKey], remove: [ipKey] }),
      notChecked: () => hit.undo({ clear: [], remove: [accountKey, ipKey] }),
    }
  }
}
