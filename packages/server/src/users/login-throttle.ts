/**
 * Throttles password guessing: failures are counted per account and per client IP over a sliding
 * window; past the limit, sign-in is refused until the oldest failure leaves the window, and the
 * page says when to retry. Counting is per process here; issue #4 shares it through Redis.
 * A success clears the account's failures, not the IP's (one valid account must not launder an
 * attacker's IP).
 * @see https://owasp.org/www-community/controls/Blocking_Brute_Force_Attacks
 */
import type { Clock } from '../lib/clock.js'

export interface ThrottleLimits {
  maxPerAccount: number
  maxPerIp: number
  windowSeconds: number
}

export class LoginThrottle {
  readonly #failures = new Map<string, number[]>()
  constructor(private readonly limits: ThrottleLimits, private readonly clock: Clock) {}

  /** Seconds until the next attempt is allowed, or 0 when it is allowed now. */
  retryAfter(account: string, ip: string): number {
    const now = this.clock.now()
    return Math.max(
      this.#wait(`a:${account}`, this.limits.maxPerAccount, now),
      this.#wait(`i:${ip}`, this.limits.maxPerIp, now),
    )
  }

  recordFailure(account: string, ip: string): void {
    const now = this.clock.now()
    for (const key of [`a:${account}`, `i:${ip}`]) {
      const list = this.#recent(key, now)
      list.push(now)
      this.#failures.set(key, list)
    }
    if (this.#failures.size > 100_000) this.#prune(now)
  }

  recordSuccess(account: string): void {
    this.#failures.delete(`a:${account}`)
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((t) => t > now - this.limits.windowSeconds)
  }

  #wait(key: string, max: number, now: number): number {
    const list = this.#recent(key, now)
    if (list.length < max) return 0
    const oldestCounted = list[list.length - max] ?? now
    return Math.max(1, oldestCounted + this.limits.windowSeconds - now)
  }

  #prune(now: number): void {
    for (const key of this.#failures.keys()) {
      if (this.#recent(key, now).length === 0) this.#failures.delete(key)
    }
  }
}
