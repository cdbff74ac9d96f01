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
import { LoginThrottle, type SignInAttempt } from './login-throttle.js'

/** A check that takes a moment (argon2), then settles the attempt. */
async function settle(attempt: SignInAttempt, correct: boolean): Promise<boolean> {
  if (!attempt.allowed) return false
  await new Promise((r) => setTimeout(r, 2))
  await (correct ? attempt.succeeded() : attempt.failed())
  return true
}

const limits = { maxPerAccount: 3, maxPerIp: 5, windowSeconds: 900, accountSlowdownAfter: 6, accountSlowdownStep: 3 }
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

    /** @see issue 8 */
    it('RFC 8628 §5.1: user-code guesses count per IPv6 /64 (and /48) and per IPv4 address however written, and in total over every source', async () => {
      const clock = new ManualClock(1000)
      const t = new LoginThrottle({ ...limits, maxWrongUserCodes: 12 }, clock, { store: store.make(), keySecret: 'k'.repeat(32) })
      for (let i = 0; i < limits.maxPerIp; i++) expect((await t.attempt(`code${i}`, `2001:db8:1:2::${i + 1}`)).allowed).toBe(true)
      expect((await t.attempt('another', '2001:db8:1:2:ffff::9')).allowed).toBe(false)
      expect((await t.attempt('another', '2001:db8:1:99::9')).allowed).toBe(false)
      for (let i = 0; i < limits.maxPerIp; i++) expect((await t.attempt(`v4code${i}`, '192.0.2.44')).allowed).toBe(true)
      expect((await t.attempt('another', '::ffff:192.0.2.44')).allowed).toBe(false)
      // A right code is taken back from the global count too.
      const right = await t.attempt('right', '198.51.100.1')
      if (!right.allowed) throw new Error('expected allowed')
      await right.succeeded()
      // 10 wrong codes so far; two more from fresh networks fill the global bound, then every network is refused.
      expect((await t.attempt('x', '198.51.100.2')).allowed).toBe(true)
      expect((await t.attempt('y', '2001:db8:9::1')).allowed).toBe(true)
      expect(await t.attempt('z', '203.0.113.3')).toEqual({ allowed: false, retryAfter: 900 })
      clock.advance(900)
      expect((await t.attempt('z', '203.0.113.3')).allowed).toBe(true)
    })

    it('security review M4: second-factor answers count per source over every account (IPv6 /64 and /48, IPv4 however written); a right answer is taken back; password failures are a separate budget', async () => {
      const clock = new ManualClock(1000)
      const t = throttle(clock)
      const right = await t.secondFactor('2001:db8:1:2::1')
      if (!right.allowed) throw new Error('expected allowed')
      await right.succeeded()
      for (let i = 0; i < limits.maxPerIp; i++) expect((await t.secondFactor(`2001:db8:1:2::${i + 1}`)).allowed).toBe(true)
      expect((await t.secondFactor('2001:db8:1:2:ffff::9')).allowed).toBe(false)
      expect((await t.secondFactor('2001:db8:1:99::9')).allowed).toBe(false)
      for (let i = 0; i < limits.maxPerIp; i++) expect((await t.secondFactor('192.0.2.44')).allowed).toBe(true)
      expect(await t.secondFactor('::ffff:192.0.2.44')).toEqual({ allowed: false, retryAfter: 900 })
      expect((await t.attempt('code', '192.0.2.44')).allowed).toBe(true)
      clock.advance(900)
      expect((await t.secondFactor('192.0.2.44')).allowed).toBe(true)
    })

    /** @see issue 8 */
    describe('sign-in (issue 8)', () => {
      /** A throttle whose paced turns move the manual clock instead of sleeping; `slept` records each wait. */
      const signIns = (clock = new ManualClock(1000)) => {
        const slept: number[] = []
        const t = new LoginThrottle(limits, clock, {
          store: store.make(),
          keySecret: 'k'.repeat(32),
          sleep: async (ms) => {
            slept.push(ms)
            clock.advance(ms / 1000)
          },
        })
        return { t, clock, slept }
      }
      const fail = async (t: LoginThrottle, account: string, ip: string, device?: string) => settle(await t.signIn({ account, ip, device: device ?? null }), false)

      it('OWASP ASVS 2.2.1: wrong guesses from one address refuse that address for the account, not the real user elsewhere', async () => {
        const { t } = signIns()
        for (let i = 0; i < limits.maxPerAccount; i++) expect(await fail(t, 'alice', '192.0.2.1')).toBe(true)
        const refused = await t.signIn({ account: 'alice', ip: '192.0.2.1' })
        expect(refused).toEqual({ allowed: false, retryAfter: 900 })
        // Another address (the real user) is not refused, and not even slowed below the slowdown threshold.
        const elsewhere = await t.signIn({ account: 'alice', ip: '203.0.113.9' })
        expect(elsewhere.allowed).toBe(true)
        // The attacker's address is still free to fail on other accounts (up to the per-source budget).
        expect((await t.signIn({ account: 'bob', ip: '192.0.2.1' })).allowed).toBe(true)
      })

      it('RFC 6819 §5.1.4.2.3: 50 concurrent correct sign-ins of one account from one address all go through', async () => {
        const { t } = signIns()
        const results = await Promise.all(Array.from({ length: 50 }, async () => settle(await t.signIn({ account: 'alice', ip: '192.0.2.1' }), true)))
        expect(results.every(Boolean)).toBe(true)
      })

      it('RFC 6819 §5.1.4.2.3: 50 users behind one address (a NAT) signing in at once all go through', async () => {
        const { t } = signIns()
        const results = await Promise.all(Array.from({ length: 50 }, async (_, i) => settle(await t.signIn({ account: `user${i}`, ip: '192.0.2.1' }), true)))
        expect(results.every(Boolean)).toBe(true)
      })

      it('RFC 6749 §4.3.2: 40 parallel wrong guesses on one account from one address get at most max checks', async () => {
        const { t } = signIns()
        const checked = await Promise.all(Array.from({ length: 40 }, async () => fail(t, 'alice', '192.0.2.1')))
        expect(checked.filter(Boolean)).toHaveLength(limits.maxPerAccount)
      })

      it('OWASP brute force: 40 parallel wrong guesses on one account from 40 addresses get at most accountSlowdownAfter checks at once, then turns', async () => {
        const { t, slept } = signIns()
        const checked = await Promise.all(Array.from({ length: 40 }, async (_, i) => fail(t, 'alice', `198.51.100.${i}`)))
        // The first accountSlowdownAfter run at once; of the rest, those whose turn is within two steps wait for it, the others are asked to retry.
        expect(checked.filter(Boolean).length).toBeLessThanOrEqual(limits.accountSlowdownAfter + 3)
        expect(checked.filter(Boolean).length).toBeGreaterThanOrEqual(limits.accountSlowdownAfter)
        expect(slept.every((ms) => ms <= 2 * limits.accountSlowdownStep * 1000)).toBe(true)
      })

      it('OWASP brute force: an account attacked from many addresses is slowed, never locked, and its guesses per window are bounded', async () => {
        const { t, clock, slept } = signIns()
        for (let i = 0; i < limits.accountSlowdownAfter; i++) expect(await fail(t, 'alice', `198.51.100.${i}`)).toBe(true)
        // Past the threshold a fresh address is not refused: its check waits for its turn.
        const waitsBefore = slept.length
        expect(await fail(t, 'alice', '198.51.100.200')).toBe(true)
        expect(slept.length).toBe(waitsBefore)
        // The attacker's network again: the next turn of its lane, two steps on (issue 8: two lanes).
        expect(await fail(t, 'alice', '198.51.100.201')).toBe(true)
        expect(slept.at(-1)).toBe(2 * limits.accountSlowdownStep * 1000)
        // A network with no failure on the account takes the newcomers' lane: no wait.
        const waits = slept.length
        const next = await t.signIn({ account: 'alice', ip: '203.0.113.7' })
        expect(next.allowed).toBe(true)
        expect(slept.length).toBe(waits)
        if (next.allowed) await next.succeeded()
        // Bounded: a window of guesses from fresh addresses, sequentially, gets about threshold + window / step checks.
        const start = clock.now()
        let checks = 0
        for (let i = 0; clock.now() < start + limits.windowSeconds; i++) {
          const a = await t.signIn({ account: 'carol', ip: `10.${i >> 8}.${i & 255}.1` })
          if (a.allowed) {
            checks++
            await a.failed()
          } else clock.advance(a.retryAfter)
        }
        expect(checks).toBeLessThanOrEqual(limits.accountSlowdownAfter + limits.windowSeconds / limits.accountSlowdownStep + 1)
      })

      /** @see issue 8 (review: the user got 0 of 180 tries while an attacker polling from many sources got 612 checks) */
      it('OWASP brute force: an attacker polling from 400 IPv6 /64s many times a second neither keeps a user who has not failed out nor gets more checks than the slowdown allows', async () => {
        const clock = new ManualClock(1000)
        // A request granted a later turn is checked then; the simulation moves the clock itself.
        const t = new LoginThrottle(limits, clock, { store: store.make(), keySecret: 'k'.repeat(32), sleep: async () => {} })
        // 400 /64s in 4 /48s (one /48 is 65,536 /64s), polled round robin, 4 requests a second.
        const attackers = Array.from({ length: 400 }, (_, i) => `2001:db8:${i % 4}:${(i >> 2).toString(16)}::1`)
        let attackerChecks = 0
        let userTries = 0
        let userChecks = 0
        let firstThrough = 0
        let refusedInARow = 0
        let worstRun = 0
        const checksPerWindow: number[] = []
        for (let tick = 0; tick < 4 * 1800; tick++) {
          const a = await t.signIn({ account: 'alice', ip: attackers[tick % attackers.length] as string })
          if (a.allowed) {
            attackerChecks++
            checksPerWindow.push(clock.now())
            await a.failed()
          }
          // The user, from a clean IPv4 address, every 10 seconds, with the right password.
          if (tick % 40 === 0) {
            userTries++
            const u = await t.signIn({ account: 'alice', ip: '192.0.2.77' })
            if (!u.allowed) refusedInARow++
            else refusedInARow = 0
            worstRun = Math.max(worstRun, refusedInARow)
            if (u.allowed) {
              userChecks++
              checksPerWindow.push(clock.now())
              if (firstThrough === 0) firstThrough = userTries
              await u.succeeded()
            }
          }
          clock.advance(0.25)
        }
        // The user gets through at once, and then on all but a try or two: when a window turns, the
        // attacker's four /48s are newcomers again and may take two newcomer turns just before the
        // user comes; the next try, 10 s on, goes through. First come, first served gave 0 of 180.
        expect(firstThrough).toBe(1)
        expect(userTries).toBe(180)
        expect(userChecks).toBeGreaterThanOrEqual(userTries - 2)
        expect(worstRun).toBeLessThanOrEqual(1)
        // Checks of the account in any window stay within the slowdown's bound (threshold + window / step, plus the two lanes' first turns).
        const bound = limits.accountSlowdownAfter + limits.windowSeconds / limits.accountSlowdownStep + 2
        const worst = Math.max(...checksPerWindow.map((at) => checksPerWindow.filter((b) => b >= at && b < at + limits.windowSeconds).length))
        expect(worst).toBeLessThanOrEqual(bound)
        expect(attackerChecks).toBeGreaterThan(0)
      }, 60_000)

      it('OWASP device cookies: a browser with the account\'s device cookie is neither refused nor slowed by an attack from elsewhere', async () => {
        const { t, slept } = signIns()
        for (let i = 0; i < limits.accountSlowdownAfter + 2; i++) await fail(t, 'alice', `198.51.100.${i % 4}`)
        for (let i = 0; i < limits.maxPerIp; i++) await fail(t, `spray${i}`, '192.0.2.50')
        const waits = slept.length
        // Same NAT address as the attacker's spray, and the account is slowed: the device cookie browser goes straight through.
        const trusted = await t.signIn({ account: 'alice', ip: '192.0.2.50', device: 'device-1' })
        expect(trusted.allowed).toBe(true)
        expect(slept.length).toBe(waits)
        if (trusted.allowed) await trusted.succeeded()
        // Without the cookie, that address is refused.
        expect((await t.signIn({ account: 'alice', ip: '192.0.2.50' })).allowed).toBe(false)
        // A device cookie still has a failure budget of its own.
        for (let i = 0; i < limits.maxPerAccount; i++) expect(await fail(t, 'alice', '192.0.2.50', 'stolen')).toBe(true)
        expect((await t.signIn({ account: 'alice', ip: '192.0.2.50', device: 'stolen' })).allowed).toBe(false)
      })

      it('issue 8: IPv6 addresses of one /64 share a budget; IPv4-mapped addresses count as IPv4', async () => {
        const { t } = signIns()
        for (let i = 0; i < limits.maxPerAccount; i++) expect(await fail(t, 'alice', `2001:db8:1:2::${i + 1}`)).toBe(true)
        expect((await t.signIn({ account: 'alice', ip: '2001:db8:1:2:ffff:1:2:3' })).allowed).toBe(false)
        expect((await t.signIn({ account: 'alice', ip: '2001:db8:1:3::1' })).allowed).toBe(true)
        for (let i = 0; i < limits.maxPerAccount; i++) expect(await fail(t, 'bob', '192.0.2.8')).toBe(true)
        expect((await t.signIn({ account: 'bob', ip: '::ffff:192.0.2.8' })).allowed).toBe(false)
      })

      it('a success forgives its own address\'s failures for the account', async () => {
        const { t } = signIns()
        for (let i = 0; i < limits.maxPerAccount - 1; i++) await fail(t, 'alice', 'ip')
        expect(await settle(await t.signIn({ account: 'alice', ip: 'ip' }), true)).toBe(true)
        for (let i = 0; i < limits.maxPerAccount; i++) expect(await fail(t, 'alice', 'ip')).toBe(true)
        expect((await t.signIn({ account: 'alice', ip: 'ip' })).allowed).toBe(false)
      })

      it('RFC 6749 §4.3.2: a sign-in whose lookup failed (store outage) is taken back from every rule', async () => {
        const { t } = signIns()
        for (let i = 0; i < 10; i++) {
          const a = await t.signIn({ account: 'alice', ip: 'ip' })
          if (!a.allowed) throw new Error(`attempt ${i} refused`)
          await a.notChecked()
        }
        for (let i = 0; i < limits.maxPerAccount; i++) expect(await fail(t, 'alice', 'ip')).toBe(true)
      })

      it('issue 8: a reservation never settled (its node died mid-check) counts as a failure once its lease runs out', async () => {
        const { t, clock } = signIns()
        for (let i = 0; i < limits.maxPerAccount; i++) expect((await t.signIn({ account: 'alice', ip: 'ip' })).allowed).toBe(true)
        clock.advance(31)
        expect(await t.signIn({ account: 'alice', ip: 'ip' })).toEqual({ allowed: false, retryAfter: 900 - 31 })
      })
    })
  })
}

describe('waiting for attempts in flight', () => {
  const one = { ...limits, maxPerAccount: 1 }
  const request = { account: 'queue@example.com', ip: '198.51.100.7', device: null }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

  it('issue 8: a queue that keeps moving is never refused, however long it is in all', async () => {
    const throttle = new LoginThrottle(one, new ManualClock(1_000), { busyTimeoutMs: 150 })
    // One check in flight at a time, each taking 100 ms: the last of four waits 300 ms, twice the bound.
    const check = async (pending: Promise<SignInAttempt>) => {
      const attempt = await pending
      if (attempt.allowed) {
        await sleep(100)
        await attempt.succeeded()
      }
      return attempt.allowed
    }
    expect(await Promise.all([0, 1, 2, 3].map(() => check(throttle.signIn(request))))).toEqual([true, true, true, true])
  })

  it('issue 8: a request that sees nothing settle for the bound is refused with a short Retry-After (a crashed attempt, a stuck store)', async () => {
    const throttle = new LoginThrottle(one, new ManualClock(1_000), { busyTimeoutMs: 150 })
    const stuck = await throttle.signIn(request)
    expect(stuck.allowed).toBe(true)
    const started = performance.now()
    expect(await throttle.signIn(request)).toEqual({ allowed: false, retryAfter: 1 })
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
  })
})

describe('login.failed account hash', () => {
  it('issue 8: login.failed names the account by a keyed hash: stable, never the email, another per LATCH_SECRET', () => {
    const clock = new ManualClock(1000)
    const a = new LoginThrottle(limits, clock, { keySecret: 'k'.repeat(32) })
    const b = new LoginThrottle(limits, clock, { keySecret: 'z'.repeat(32) })
    const tag = a.accountTag('alice@example.com')
    expect(tag).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(a.accountTag('alice@example.com')).toBe(tag)
    expect(a.accountTag('bob@example.com')).not.toBe(tag)
    expect(b.accountTag('alice@example.com')).not.toBe(tag)
  })
})

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
