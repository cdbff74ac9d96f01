/**
 * The in-memory store stays bounded and O(1) per hit whatever the number of keys (issue 8): a
 * spray of distinct accounts used to trigger a sweep of every key above 100,000, blocking the event
 * loop for hundreds of milliseconds on each hit. Timing-free: the store counts the counters it
 * looks at, and eviction order is checked directly.
 */
import { describe, expect, it } from 'vitest'
import { MemoryRateLimit } from './memory.js'

const WINDOW = 900

describe('MemoryRateLimit bounds (issue 8)', () => {
  /** @see issue 8 */
  it('OWASP brute force: 30,000 distinct keys keep the store at maxKeys, and no hit looks at more than a few counters', async () => {
    const store = new MemoryRateLimit({ maxKeys: 3_000 })
    let worst = 0
    let largest = 0
    let refused = 0
    for (let i = 0; i < 30_000; i++) {
      const before = store.visited
      const hit = await store.hit([{ key: `a:${i}`, max: 5 }, { key: `ip:${i % 50}`, max: 5_000 }], WINDOW, 1000)
      if (!hit.allowed) refused++
      worst = Math.max(worst, store.visited - before)
      largest = Math.max(largest, store.size)
    }
    expect(refused).toBe(0)
    expect(largest).toBe(3_000)
    // Two rules looked up, then at most the two oldest counters dropped and one kept: never a scan.
    expect(worst).toBeLessThanOrEqual(6)
  })

  /** @see issue 8 */
  it('issue 8: past maxKeys the least recently used key is evicted first; a key being hit stays', async () => {
    const store = new MemoryRateLimit({ maxKeys: 3 })
    for (const key of ['a', 'b', 'c']) await store.hit([{ key, max: 2 }], WINDOW, 1000)
    // `a` is hit again (its attacker keeps guessing): it becomes the most recent.
    await store.hit([{ key: 'a', max: 2 }], WINDOW, 1000)
    await store.hit([{ key: 'd', max: 2 }], WINDOW, 1000)
    expect(store.size).toBe(3)
    // `b` went (least recently used); `a` still holds its two hits and refuses a third.
    expect((await store.hit([{ key: 'a', max: 2 }], WINDOW, 1000)).allowed).toBe(false)
    expect((await store.hit([{ key: 'b', max: 1 }], WINDOW, 1000)).allowed).toBe(true)
  })

  /** @see issue 8 */
  it('issue 8: counters whose window is over are dropped as the next hits pass, without a sweep', async () => {
    const store = new MemoryRateLimit()
    for (let i = 0; i < 1000; i++) await store.hit([{ key: `old:${i}`, max: 5 }], WINDOW, 1000)
    expect(store.size).toBe(1000)
    // A window later, each new hit drops the expired counters at the old end of the order.
    await store.hit([{ key: 'new', max: 5 }], WINDOW, 1000 + WINDOW)
    expect(store.size).toBe(1)
  })

  it('issue 8: a reservation refused or busy counts nothing; release keeps a failure or takes it back', async () => {
    const store = new MemoryRateLimit()
    const rules = [{ key: 'k', max: 2 }]
    const one = await store.reserve(rules, WINDOW, 1000)
    const two = await store.reserve(rules, WINDOW, 1000)
    expect(await store.reserve(rules, WINDOW, 1000)).toEqual({ status: 'busy' })
    if (one.status !== 'reserved' || two.status !== 'reserved') throw new Error('expected reservations')
    await one.release({ remove: ['k'], clear: [] })
    await two.release({ remove: [], clear: [] })
    const three = await store.reserve(rules, WINDOW, 1000)
    if (three.status !== 'reserved') throw new Error('expected a reservation')
    await three.release({ remove: [], clear: [] })
    expect(await store.reserve(rules, WINDOW, 1010)).toEqual({ status: 'refused', retryAfter: 890 })
  })
})
