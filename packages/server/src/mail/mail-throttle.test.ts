/**
 * Security review M2: guesses at mailed codes are capped per source and per address over a day,
 * across every code (row) and every resend; only wrong guesses use the budget. Real memory
 * rate-limit store, manual clock.
 */
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../lib/clock.js'
import { MemoryRateLimit } from '../rate-limit/memory.js'
import { CODE_GUESS_WINDOW, CODE_GUESSES_PER_ADDRESS, CODE_GUESSES_PER_SOURCE, MailThrottle } from './mail-throttle.js'

const limits = { smtp_url: null, from: 'Latch <no-reply@localhost>', directory: null, development: false, max_per_address: 5, max_per_source: 20, throttle_window: 3600 }

function throttle(): { t: MailThrottle; clock: ManualClock; store: MemoryRateLimit } {
  const clock = new ManualClock(1_800_000_000)
  const store = new MemoryRateLimit()
  return { t: new MailThrottle(limits, clock, store, 'x'.repeat(32)), clock, store }
}

describe('mailed code guesses (security review M2)', () => {
  it(`NIST SP 800-63B §5.2.2: at most ${CODE_GUESSES_PER_SOURCE} guesses from one source per day, over any addresses; IPv6 by /64`, async () => {
    const { t, clock, store } = throttle()
    for (let i = 0; i < CODE_GUESSES_PER_SOURCE; i++) expect((await t.codeGuessFrom('2001:db8:1:2::7')).allowed).toBe(true)
    const refused = await t.codeGuessFrom('2001:db8:1:2::99')
    expect(refused).toMatchObject({ allowed: false })
    expect(refused.allowed === false && refused.retryAfter).toBeGreaterThan(3600)
    expect((await t.codeGuessFrom('203.0.113.9')).allowed).toBe(true)
    clock.advance(CODE_GUESS_WINDOW + 1)
    expect((await t.codeGuessFrom('2001:db8:1:2::7')).allowed).toBe(true)
    await store.close()
  })

  it(`NIST SP 800-63B §5.2.2: at most ${CODE_GUESSES_PER_ADDRESS} guesses per address per day, case-insensitively; a right guess is forgiven`, async () => {
    const { t, store } = throttle()
    const right = await t.codeGuessFor('ann@example.com')
    expect(right.allowed).toBe(true)
    if (right.allowed) await right.forgive()
    for (let i = 0; i < CODE_GUESSES_PER_ADDRESS; i++) expect((await t.codeGuessFor(i % 2 ? 'Ann@Example.com' : 'ann@example.com')).allowed).toBe(true)
    expect((await t.codeGuessFor('ann@example.com')).allowed).toBe(false)
    expect((await t.codeGuessFor('bob@example.com')).allowed).toBe(true)
    await store.close()
  })
})
