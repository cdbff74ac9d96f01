/**
 * The throttle's rules, once per store: this process's memory and Redis (skipped, with a line
 * saying so, when 127.0.0.1:6379 does not answer). Both must behave identically, so the same
 * cases run over both (STYLE.md `*.case.test.ts` idea, in one file).
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../lib/clock.js'
import type { RateLimitBackend } from '../rate-limit/backend.js'
import { MemoryRateLimit } from '../rate-limit/memory.js'
import { RedisRateLimit } from '../rate-limit/redis.js'
import { LoginThrottle } from './login-throttle.js'

const limits = { maxPerAccount: 3, maxPerIp: 5, windowSeconds: 900 }
const REDIS_URL = process.env.LATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

async function redisOrNull(): Promise<Redis | null> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    await redis.ping()
    return redis
  } catch {
    redis.disconnect()
    return null
  }
}

const redis = await redisOrNull()
if (!redis) console.log('skipped: redis unreachable (the Redis cases of login-throttle.test.ts)')
const prefix = `latch-test-${randomUUID()}:`
afterAll(async () => {
  if (!redis) return
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  redis.disconnect()
})

const STORES: { name: string; make(): RateLimitBackend; skip: boolean }[] = [
  { name: 'memory', make: () => new MemoryRateLimit(), skip: false },
  // A fresh sub-prefix per throttle: cases never share counters.
  { name: 'redis', make: () => new RedisRateLimit(redis as Redis, `${prefix}${randomUUID()}:`), skip: redis === null },
]

for (const store of STORES) {
  describe.skipIf(store.skip)(`LoginThrottle on ${store.name}`, () => {
    const throttle = (clock = new ManualClock(1000)) => new LoginThrottle(limits, clock, { store: store.make(), keySecret: 'k'.repeat(32) })

    it('RFC 6749 §4.3.2: attempts count before their check, so concurrent guesses are bounded', async () => {
      const t = throttle()
      const results = await Promise.all(Array.from({ length: 10 }, () => t.attempt('alice', '192.0.2.1')))
      expect(results.filter((r) => r.allowed)).toHaveLength(3)
    })

    it('a success forgives the account but not the IP\'s other failures', async () => {
      const t = throttle()
      await t.attempt('alice', 'ip')
      await t.attempt('alice', 'ip')
      const third = await t.attempt('alice', 'ip')
      if (!third.allowed) throw new Error('expected allowed')
      await third.succeeded()
      expect((await t.attempt('alice', 'ip')).allowed).toBe(true)
      // IP budget: 2 failures + 1 forgiven success + 1 more = 3 counted; two more allowed, then refused.
      expect((await t.attempt('bob', 'ip')).allowed).toBe(true)
      expect((await t.attempt('carol', 'ip')).allowed).toBe(true)
      expect((await t.attempt('dave', 'ip')).allowed).toBe(false)
    })

    /** @see issue "Production storage and scale-out": a database outage locked alice out for 15 minutes */
    it('RFC 6749 §4.3.2: an attempt whose credentials could not be looked up (store unavailable) is not counted', async () => {
      const t = throttle()
      for (let i = 0; i < 10; i++) {
        const attempt = await t.attempt('alice', 'ip')
        if (!attempt.allowed) throw new Error(`attempt ${i} refused`)
        await attempt.notChecked()
      }
      // The account's and the IP's budgets are whole: three real failures are still allowed.
      const answers = []
      for (let i = 0; i < 4; i++) answers.push((await t.attempt('alice', 'ip')).allowed)
      expect(answers).toEqual([true, true, true, false])
    })

    it('the wait ends when the oldest counted attempt leaves the window', async () => {
      const clock = new ManualClock(1000)
      const t = throttle(clock)
      for (let i = 0; i < 3; i++) await t.attempt('alice', `ip${i}`)
      const refused = await t.attempt('alice', 'ip9')
      expect(refused).toEqual({ allowed: false, retryAfter: 900 })
      clock.advance(899)
      expect(await t.attempt('alice', 'ip9')).toEqual({ allowed: false, retryAfter: 1 })
      clock.advance(1)
      expect((await t.attempt('alice', 'ip9')).allowed).toBe(true)
    })

    it('OWASP brute force: the per-IP budget spans accounts, and the wait is the one of the fullest rule', async () => {
      const clock = new ManualClock(1000)
      const t = throttle(clock)
      for (let i = 0; i < 5; i++) {
        expect((await t.attempt(`user${i}`, 'ip')).allowed).toBe(true)
        clock.advance(10)
      }
      // Five failures from one IP at t=1000..1040: the first leaves the window at 1900.
      expect(await t.attempt('someone-else', 'ip')).toEqual({ allowed: false, retryAfter: 1900 - 1050 })
      expect((await t.attempt('someone-else', 'another-ip')).allowed).toBe(true)
    })
  })
}

describe.skipIf(redis === null)('LoginThrottle counter keys in Redis', () => {
  it('issue 4: keys are prefixed, hold keyed digests (no email or IP in clear) and expire with the window', async () => {
    const r = redis as Redis
    const own = `${prefix}${randomUUID()}:`
    const t = new LoginThrottle(limits, new ManualClock(1000), { store: new RedisRateLimit(r, own), keySecret: 'k'.repeat(32) })
    await t.attempt('alice@example.com', '192.0.2.77')
    const keys = (await r.keys(`${own}*`)).sort()
    expect(keys).toHaveLength(2)
    expect(keys[0]).toMatch(new RegExp(`^${own}throttle:a:[A-Za-z0-9_-]{43}$`))
    expect(keys[1]).toMatch(new RegExp(`^${own}throttle:i:[A-Za-z0-9_-]{43}$`))
    for (const key of keys) {
      expect(key).not.toMatch(/alice|example|192\.0\.2/)
      const ttl = await r.ttl(key)
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(limits.windowSeconds)
    }
    // Another LATCH_SECRET gives other keys: the digests are keyed, not a plain hash anyone can recompute.
    const other = new LoginThrottle(limits, new ManualClock(1000), { store: new RedisRateLimit(r, own), keySecret: 'z'.repeat(32) })
    await other.attempt('alice@example.com', '192.0.2.77')
    expect(await r.keys(`${own}*`)).toHaveLength(4)
  })
})
