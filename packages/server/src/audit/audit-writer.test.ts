/**
 * Issue 14: the audit log's batch writer: one append per batch (never per event), a batch as soon
 * as `batchSize` events wait, a bounded buffer (drops counted and warned), retries of a failed
 * write without streaming twice, the JSON-lines stream, and `close` writing everything left.
 */
import { describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/support/database.js'
import { createStore } from '../storage/kysely-store.js'
import { requestContext, RequestContext } from '../lib/request-context.js'
import { storedUserAgent } from '../rules/user-agent.js'
import type { AuditRecord } from './audit-record.js'
import { AUDIT_REFUSALS_PER_MINUTE, AUDIT_REFUSALS_PER_SOURCE, AUDIT_SPLIT_AFTER, AuditWriter } from './audit-writer.js'

function harness(options: { batchSize?: number; maxBuffered?: number; failures?: number; nowMs?: () => number } = {}) {
  const batches: AuditRecord[][] = []
  const warnings: unknown[] = []
  const lines: string[] = []
  let failures = options.failures ?? 0
  const writer = new AuditWriter({
    store: {
      async append(records) {
        if (failures-- > 0) throw new Error('database away')
        batches.push([...records])
      },
    },
    log: { warn: (o: unknown) => void warnings.push(o), error: (o: unknown) => void warnings.push(o) } as never,
    stream: { write: (chunk) => lines.push(chunk) },
    flushIntervalMs: 60_000,
    ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
    ...(options.maxBuffered !== undefined && { maxBuffered: options.maxBuffered }),
    ...(options.nowMs !== undefined && { nowMs: options.nowMs }),
  })
  return { writer, batches, warnings, lines }
}

describe('AuditWriter (issue 14)', () => {
  it('issue 14: events wait in memory and are written as one batch; each streamed as one JSON line', async () => {
    const { writer, batches, lines } = harness()
    for (let i = 0; i < 20; i++) writer.record('key.rotated', { kid: `k${i}`, alg: 'ES256' })
    expect(batches).toEqual([])
    await writer.flush()
    expect(batches).toHaveLength(1)
    expect(batches[0]!.map((r) => r.subject?.id)).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`))
    expect(lines).toHaveLength(20)
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true)
    expect(JSON.parse(lines[0]!)).toEqual(batches[0]![0])
    await writer.close()
  })

  it('issue 14: a full batch is written without waiting for the interval', async () => {
    const { writer, batches } = harness({ batchSize: 10 })
    for (let i = 0; i < 10; i++) writer.record('key.rotated', { kid: `k${i}`, alg: 'ES256' })
    await new Promise((r) => setImmediate(r))
    await writer.flush()
    expect(batches[0]).toHaveLength(10)
    await writer.close()
  })

  it('issue 14: the buffer is bounded: beyond maxBuffered events are dropped, counted and warned once', async () => {
    const { writer, batches, warnings } = harness({ maxBuffered: 100, batchSize: 1000 })
    for (let i = 0; i < 150; i++) writer.record('key.rotated', { kid: `k${i}`, alg: 'ES256' })
    expect(writer.stats).toEqual({ pending: 100, dropped: 50 })
    await writer.flush()
    expect(batches[0]).toHaveLength(100)
    expect(warnings).toEqual([expect.objectContaining({ dropped: 50, max_buffered: 100 })])
    await writer.close()
  })

  it(`issue 14: anonymous refusals are bounded per source (${AUDIT_REFUSALS_PER_SOURCE} per minute, an IPv6 /64 counting as one) and per minute (${AUDIT_REFUSALS_PER_MINUTE}); the rest are counted and warned when the minute ends; other events are never held back`, async () => {
    let now = Date.UTC(2026, 11, 7, 12, 0, 0)
    const { writer, batches, warnings } = harness({ nowMs: () => now, maxBuffered: 100_000, batchSize: 100_000 })
    const fail = (ip: string) => writer.record('login.failed', { reason: 'bad_credentials', ip, account_hash: 'h'.repeat(22) })
    // One /64, many addresses: one source.
    for (let i = 0; i < AUDIT_REFUSALS_PER_SOURCE + 40; i++) fail(`2001:db8:0:1::${(i + 1).toString(16)}`)
    // Many sources: the per-minute bound.
    for (let i = 0; i < AUDIT_REFUSALS_PER_MINUTE; i++) fail(`198.51.${Math.floor(i / 250)}.${i % 250}`)
    writer.record('key.rotated', { kid: 'always', alg: 'ES256' })
    await writer.flush()
    const written = batches.flat()
    expect(written.filter((r) => r.type === 'login.failed')).toHaveLength(AUDIT_REFUSALS_PER_MINUTE)
    expect(written.filter((r) => r.type === 'login.failed' && r.ip?.startsWith('2001:db8:0:1:'))).toHaveLength(AUDIT_REFUSALS_PER_SOURCE)
    expect(written.some((r) => r.type === 'key.rotated')).toBe(true)
    expect(warnings).toEqual([])
    now += 60_000
    fail('2001:db8:0:1::1')
    await writer.flush()
    expect(warnings).toEqual([{ suppressed: 40 + AUDIT_REFUSALS_PER_SOURCE }])
    expect(batches.flat().filter((r) => r.type === 'login.failed')).toHaveLength(AUDIT_REFUSALS_PER_MINUTE + 1)
    await writer.close()
  })

  it('issue 14: a failed write is retried at the next flush, and streamed once', async () => {
    const { writer, batches, lines, warnings } = harness({ failures: 1 })
    writer.record('key.rotated', { kid: 'a', alg: 'ES256' })
    await writer.flush()
    expect(batches).toEqual([])
    expect(warnings).toHaveLength(1)
    writer.record('key.rotated', { kid: 'b', alg: 'ES256' })
    await writer.close()
    expect(batches.flat().map((r) => r.subject?.id)).toEqual(['a', 'b'])
    expect(lines).toHaveLength(2)
  })

  it('issue 14: an event emitted inside a request carries its address and User-Agent (cut to 256); outside, the payload\'s ip or null', async () => {
    const { writer, batches } = harness()
    const request = { ip: '2001:db8::1', headers: { 'user-agent': `Mozilla/5.0 ${'x'.repeat(1000)}` } }
    requestContext.run(new RequestContext(request, storedUserAgent), () => writer.record('token.issued', { grant_type: 'client_credentials', client_id: 'svc', sub: null, jti: 'j' }))
    writer.record('login.failed', { reason: 'throttled', ip: '192.0.2.9', account_hash: 'h' })
    writer.record('key.rotated', { kid: 'k', alg: 'ES256' })
    await writer.close()
    const [inside, fromPayload, outside] = batches[0]!
    expect(inside).toMatchObject({ ip: '2001:db8::1' })
    expect(inside!.user_agent).toHaveLength(256)
    expect(fromPayload).toMatchObject({ ip: '192.0.2.9', user_agent: null })
    expect(outside).toMatchObject({ ip: null, user_agent: null })
  })

  it('issue 14: after close, events are dropped (counted), not written into a closed store', async () => {
    const { writer, batches } = harness()
    await writer.close()
    writer.record('key.rotated', { kid: 'late', alg: 'ES256' })
    expect(writer.stats.dropped).toBe(1)
    expect(batches).toEqual([])
  })

  it('security review M2: a write that fails after its first chunk committed is retried without a duplicate-key failure (real SQLite store); the log goes on', async () => {
    const db = await createTestDatabase('sqlite')
    const store = await createStore(db.url)
    try {
      let failOnce = true
      const warnings: unknown[] = []
      const writer = new AuditWriter({
        store: {
          // The first write commits its first 50-row statement, then the connection fails.
          async append(records) {
            if (failOnce) {
              failOnce = false
              await store.audit.append(records.slice(0, 50))
              throw new Error('connection lost after the first chunk')
            }
            await store.audit.append(records)
          },
        },
        log: { warn: (o: unknown) => void warnings.push(o), error: (o: unknown) => void warnings.push(o) } as never,
        flushIntervalMs: 60_000,
      })
      for (let i = 0; i < 120; i++) writer.record('key.rotated', { kid: `k${i}`, alg: 'ES256' })
      await writer.flush()
      expect(warnings).toHaveLength(1)
      expect(writer.stats.pending).toBe(120)
      writer.record('key.rotated', { kid: 'later', alg: 'ES256' })
      await writer.flush()
      expect(writer.stats).toEqual({ pending: 0, dropped: 0 })
      await writer.close()
      const stored = (await store.audit.list({ types: ['key.rotated'], limit: 1000 })).records.map((r) => r.subject?.id)
      expect(stored).toHaveLength(121)
      expect(new Set(stored).size).toBe(121)
    } finally {
      await store.close()
      await db.dispose()
    }
  })

  it(`security review M2: after ${AUDIT_SPLIT_AFTER} failed writes the batch is split: the rows that go in are written, the one the store keeps refusing is dropped with a counted warning, and later events are written`, async () => {
    const batches: AuditRecord[][] = []
    const warnings: Record<string, unknown>[] = []
    const writer = new AuditWriter({
      store: {
        async append(records) {
          if (records.some((r) => r.subject?.id === 'poison')) throw new Error('invalid byte sequence')
          batches.push([...records])
        },
      },
      log: { warn: (o: Record<string, unknown>) => void warnings.push(o), error: (o: Record<string, unknown>) => void warnings.push(o) } as never,
      flushIntervalMs: 60_000,
    })
    for (let i = 0; i < 40; i++) writer.record('key.rotated', { kid: i === 17 ? 'poison' : `k${i}`, alg: 'ES256' })
    for (let i = 0; i < AUDIT_SPLIT_AFTER; i++) await writer.flush()
    expect(batches).toEqual([])
    expect(writer.stats.pending).toBe(40)
    await writer.flush()
    expect(batches.flat().map((r) => r.subject?.id).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `k${i}`).filter((k) => k !== 'k17').sort())
    expect(warnings.at(-1)).toMatchObject({ rejected: 1, written: 39 })
    expect(writer.stats).toEqual({ pending: 0, dropped: 0 })
    writer.record('key.rotated', { kid: 'after', alg: 'ES256' })
    await writer.close()
    expect(batches.at(-1)!.map((r) => r.subject?.id)).toEqual(['after'])
  })

  it('security review M2: a store that refuses everything (database away) is not split row by row: the batch is kept, bounded attempts per flush', async () => {
    let calls = 0
    const writer = new AuditWriter({
      store: { async append() { calls++; throw new Error('database away') } },
      log: { warn: () => {}, error: () => {} } as never,
      flushIntervalMs: 60_000,
    })
    for (let i = 0; i < 1000; i++) writer.record('key.rotated', { kid: `k${i}`, alg: 'ES256' })
    for (let i = 0; i < AUDIT_SPLIT_AFTER; i++) await writer.flush()
    calls = 0
    await writer.flush()
    expect(calls).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(1001)) + 2)
    expect(writer.stats.pending).toBe(1000)
  })

  it('security review L3: the flush a full batch schedules runs outside the request that filled it', async () => {
    let during: unknown = 'unset'
    const writer = new AuditWriter({
      store: { async append() { during = requestContext.getStore() } },
      log: { warn: () => {}, error: () => {} } as never,
      flushIntervalMs: 60_000,
      batchSize: 2,
    })
    requestContext.run(new RequestContext({ ip: '203.0.113.9', headers: {} }, storedUserAgent), () => {
      writer.record('key.rotated', { kid: 'a', alg: 'ES256' })
      writer.record('key.rotated', { kid: 'b', alg: 'ES256' })
    })
    await new Promise((r) => setImmediate(r))
    await writer.close()
    expect(during).toBeUndefined()
  })
})
