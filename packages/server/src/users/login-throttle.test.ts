import { describe, expect, it } from 'vitest'
import { ManualClock } from '../lib/clock.js'
import { LoginThrottle } from './login-throttle.js'

const limits = { maxPerAccount: 3, maxPerIp: 5, windowSeconds: 900 }

describe('LoginThrottle', () => {
  it('RFC 6749 §4.3.2: attempts count before their check, so concurrent guesses are bounded', () => {
    const t = new LoginThrottle(limits, new ManualClock(1000))
    const results = Array.from({ length: 10 }, () => t.attempt('alice', '192.0.2.1'))
    expect(results.filter((r) => r.allowed)).toHaveLength(3)
  })

  it('a success forgives the account but not the IP\'s other failures', () => {
    const t = new LoginThrottle(limits, new ManualClock(1000))
    t.attempt('alice', 'ip')
    t.attempt('alice', 'ip')
    const third = t.attempt('alice', 'ip')
    if (!third.allowed) throw new Error('expected allowed')
    third.succeeded()
    expect(t.attempt('alice', 'ip').allowed).toBe(true)
    // IP budget: 2 failures + 1 forgiven success + 1 more = 3 counted; two more allowed, then refused.
    expect(t.attempt('bob', 'ip').allowed).toBe(true)
    expect(t.attempt('carol', 'ip').allowed).toBe(true)
    expect(t.attempt('dave', 'ip').allowed).toBe(false)
  })

  /** @see issue "Production storage and scale-out": a database outage locked alice out for 15 minutes */
  it('RFC 6749 §4.3.2: an attempt whose credentials could not be looked up (store unavailable) is not counted', () => {
    const t = new LoginThrottle(limits, new ManualClock(1000))
    for (let i = 0; i < 10; i++) {
      const attempt = t.attempt('alice', 'ip')
      if (!attempt.allowed) throw new Error(`attempt ${i} refused`)
      attempt.notChecked()
    }
    // The account's and the IP's budgets are whole: three real failures are still allowed.
    expect([1, 2, 3, 4].map(() => t.attempt('alice', 'ip').allowed)).toEqual([true, true, true, false])
  })

  it('the wait ends when the oldest counted attempt leaves the window', () => {
    const clock = new ManualClock(1000)
    const t = new LoginThrottle(limits, clock)
    for (let i = 0; i < 3; i++) t.attempt('alice', `ip${i}`)
    const refused = t.attempt('alice', 'ip9')
    expect(refused).toEqual({ allowed: false, retryAfter: 900 })
    clock.advance(900)
    expect(t.attempt('alice', 'ip9').allowed).toBe(true)
  })
})
