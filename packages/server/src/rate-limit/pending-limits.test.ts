import { describe, expect, it } from 'vitest'
import { LatchEvents, type LatchEventMap } from '../events.js'
import { ManualClock } from '../lib/clock.js'
import type { Store } from '../storage/store.js'
import { MemoryRateLimit } from './memory.js'
import { PendingLimits } from './pending-limits.js'

describe('PendingLimits', () => {
  it('issue 14: a per-source refusal (interactions, device codes) is said on the bus as throttle.engaged', async () => {
    const security = { pending_per_source: 1, pending_per_ipv6_56: 10, pending_per_ipv6_48: 10, pending_source_window: 600, max_pending_interactions: 100, max_pending_device_codes: 100 }
    // Only the global caps read the store: nothing is counted there.
    const store = { interactions: { countActive: async () => 0 }, deviceCodes: { countActive: async () => 0 } } as unknown as Store
    const events = new LatchEvents()
    const seen: LatchEventMap['throttle.engaged'][] = []
    events.on('throttle.engaged', (p) => seen.push(p))
    const limits = new PendingLimits({ security } as never, store, new MemoryRateLimit(), new ManualClock(), 'k'.repeat(40), events)
    await limits.admitInteraction('192.0.2.1')
    await expect(limits.admitInteraction('192.0.2.1')).rejects.toMatchObject({ status: 429 })
    await limits.admitDeviceCode('192.0.2.1')
    await expect(limits.admitDeviceCode('192.0.2.1')).rejects.toMatchObject({ status: 429 })
    expect(seen).toEqual([{ throttle: 'pending_interactions', ip: '192.0.2.1' }, { throttle: 'pending_device_codes', ip: '192.0.2.1' }])
  })
})
