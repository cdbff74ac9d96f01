/**
 * Throttles password and code guessing: attempts are counted per account and per client IP over
 * a sliding window; past the limit, attempts are refused until the oldest one leaves the window,
 * and the page says when to retry. Counting is per process here; issue #4 shares it through
 * Redis.
 *
 * An attempt is counted *before* its (slow, awaited) verification and only forgiven when it
 * succeeds: counting after the check would let every request already in flight through, so an
 * attacker sending 40 guesses at once would have all 40 checked.
 * A success forgives the account's failures and its own IP entry, not the IP's other failures
 * (one valid account must not launder an attacker's IP).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 * @see https://owasp.org/www-community/controls/Blocking_Brute_Force_Attacks
 */
import type { Clock } from '../lib/clock.js'

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
   * not a guess, and must not lock every user out once the database is back.
   */
  | { allowed: true; succeeded(): void; notChecked(): void }

/**
 * For `.catch()` on the lookup the attempt depends on (the user, the device code): when the lookup
 * throws, no credential was checked, so the attempt is taken back and the error rethrown; a store
 * outage then answers 503 without spending anyone's budget.
 */
export function notChecked(attempt: { notChecked(): void }): (error: unknown) => never {
  return (error) => {
    attempt.notChecked()
    throw error
  }
}

export class LoginThrottle {
  readonly #attempts = new Map<string, number[]>()
  constructor(private readonly limits: ThrottleLimits, private readonly clock: Clock) {}

  attempt(account: string, ip: string): ThrottleAttempt {
    const now = this.clock.now()
    const accountKey = `a:${account}`
    const ipKey = `i:${ip}`
    const retryAfter = Math.max(this.#wait(accountKey, this.limits.maxPerAccount, now), this.#wait(ipKey, this.limits.maxPerIp, now))
    if (retryAfter > 0) return { allowed: false, retryAfter }
    this.#push(accountKey, now)
    this.#push(ipKey, now)
    if (this.#attempts.size > 100_000) this.#prune(now)
    return {
      allowed: true,
      succeeded: () => {
        this.#attempts.delete(accountKey)
        this.#remove(ipKey, now)
      },
      notChecked: () => {
        this.#remove(accountKey, now)
        this.#remove(ipKey, now)
      },
    }
  }

  /** Takes back one attempt made at `now`. */
  #remove(key: string, now: number): void {
    const list = this.#attempts.get(key)
    const i = list?.lastIndexOf(now) ?? -1
    if (list && i >= 0) list.splice(i, 1)
  }

  #push(key: string, now: number): void {
    const list = this.#recent(key, now)
    list.push(now)
    this.#attempts.set(key, list)
  }

  #recent(key: string, now: number): number[] {
    return (this.#attempts.get(key) ?? []).filter((t) => t > now - this.limits.windowSeconds)
  }

  #wait(key: string, max: number, now: number): number {
    const list = this.#recent(key, now)
    if (list.length < max) return 0
    const oldestCounted = list[list.length - max] ?? now
    return Math.max(1, oldestCounted + this.limits.windowSeconds - now)
  }

  #prune(now: number): void {
    for (const key of this.#attempts.keys()) {
      if (this.#recent(key, now).length === 0) this.#attempts.delete(key)
    }
  }
}
