/**
 * Issue 14: the alert delivery queue of the Store (`alert_deliveries`), on every dialect (SQLite
 * always, PostgreSQL when it answers; see store.case.test.ts): bounded enqueue, a lease per claimed
 * row (`FOR UPDATE SKIP LOCKED` on PostgreSQL, as the back-channel logout queue), retry and completion.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { TEST_POSTGRES_URL, postgresReachable } from '../../test/support/database.js'
import { createStore } from './kysely-store.js'
import type { Store } from './store.js'

const T = 1_700_000_000

interface TestDialect {
  name: string
  available: boolean
  setup(): Promise<string>
  teardown(): Promise<void>
}

function sqliteDialect(): TestDialect {
  let dir = ''
  return {
    name: 'sqlite',
    available: true,
    async setup() {
      dir = mkdtempSync(join(tmpdir(), 'latch-alerts-'))
      return `sqlite:${join(dir, 'latch.db')}`
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function postgresDialect(available: boolean): TestDialect {
  const schema = `latch_test_${randomBytes(6).toString('hex')}`
  return {
    name: 'postgres',
    available,
    async setup() {
      const url = new URL(TEST_POSTGRES_URL)
      url.searchParams.set('schema', schema)
      return url.toString()
    },
    async teardown() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    },
  }
}

const DIALECTS: TestDialect[] = [sqliteDialect(), postgresDialect(await postgresReachable())]

const alert = (webhook = 'w1', id = randomUUID()) => ({ id, webhook_id: webhook, tenant: 'default', type: 'threshold.crossed', body: JSON.stringify({ id }) })

for (const dialect of DIALECTS) {
  if (!dialect.available) console.log(`skipped: ${dialect.name} unreachable`)
  const suite = dialect.available ? describe : describe.skip

  suite(`alertDeliveries on ${dialect.name}`, () => {
    let store: Store
    beforeAll(async () => {
      store = await createStore(await dialect.setup())
    })
    afterAll(async () => {
      await store?.close()
      await dialect.teardown()
    })
    beforeEach(async () => {
      // Empty the queue: claim everything far ahead and complete it.
      for (const r of await store.alertDeliveries.claim(T + 10_000_000, 100_000, 1)) await store.alertDeliveries.complete(r.id, r.webhook_id)
    })

    it('issue 14: enqueue writes one row per (alert, webhook), due at once with no attempt; a duplicate stays as it was', async () => {
      const a = alert('w1')
      expect(await store.alertDeliveries.enqueue([a, { ...a, webhook_id: 'w2' }], T, 100)).toBe(2)
      await store.alertDeliveries.enqueue([{ ...a, body: 'other' }], T + 5, 100)
      const rows = await store.alertDeliveries.list()
      expect(rows).toHaveLength(2)
      expect(rows[0]).toEqual({ ...a, created_at: T, attempts: 0, next_attempt_at: T, leased_until: null, last_status: null })
    })

    it('issue 14: the queue is bounded: past queue_limit rows nothing more is written', async () => {
      expect(await store.alertDeliveries.enqueue([alert(), alert(), alert()], T, 3)).toBe(3)
      expect(await store.alertDeliveries.enqueue([alert()], T, 3)).toBe(0)
      expect(await store.alertDeliveries.list()).toHaveLength(3)
    })

    it('security review M3: a share caps the rows of the given types (counted no further than it); other types may still fill the whole queue', async () => {
      const share = { types: ['login.throttled', 'threshold.crossed'], limit: 2 }
      const noisy = () => ({ ...alert(), type: 'login.throttled' })
      const theft = () => ({ ...alert(), type: 'authorization_code.reused' })
      expect(await store.alertDeliveries.enqueue([noisy()], T, 4, share)).toBe(1)
      expect(await store.alertDeliveries.enqueue([alert()], T, 4, share)).toBe(1)
      // The share is full (2 of the given types): no third, though the queue has room.
      expect(await store.alertDeliveries.enqueue([noisy()], T, 4, share)).toBe(0)
      // Without a share (theft) the rest of the queue is there.
      expect(await store.alertDeliveries.enqueue([theft()], T, 4)).toBe(1)
      expect(await store.alertDeliveries.enqueue([theft()], T, 4)).toBe(1)
      expect(await store.alertDeliveries.enqueue([theft()], T, 4)).toBe(0)
      expect((await store.alertDeliveries.list()).map((r) => r.type).sort()).toEqual(['authorization_code.reused', 'authorization_code.reused', 'login.throttled', 'threshold.crossed'])
    })

    it('issue 14 (as the logout queue): a claimed row is leased: not claimed again until its lease ends; retry frees it, counts the attempt and keeps the status', async () => {
      const a = alert()
      await store.alertDeliveries.enqueue([a], T, 100)
      const [claimed] = await store.alertDeliveries.claim(T, 10, 60)
      expect(claimed).toMatchObject({ id: a.id, leased_until: T + 60, attempts: 0 })
      expect(await store.alertDeliveries.claim(T + 30, 10, 60)).toEqual([])
      expect(await store.alertDeliveries.claim(T + 60, 10, 60)).toHaveLength(1)
      await store.alertDeliveries.retry(a.id, a.webhook_id, T + 100, 503)
      expect(await store.alertDeliveries.claim(T + 99, 10, 60)).toEqual([])
      const [again] = await store.alertDeliveries.claim(T + 100, 10, 60)
      expect(again).toMatchObject({ attempts: 1, last_status: 503, next_attempt_at: T + 100 })
      await store.alertDeliveries.complete(a.id, a.webhook_id)
      expect(await store.alertDeliveries.list()).toEqual([])
    })

    it('issue 14: concurrent claims (two nodes) take disjoint rows, every row once', async () => {
      const rows = Array.from({ length: 40 }, () => alert())
      await store.alertDeliveries.enqueue(rows, T, 1000)
      const claims = await Promise.all(Array.from({ length: 5 }, () => store.alertDeliveries.claim(T, 16, 60)))
      const ids = claims.flat().map((r) => r.id)
      expect(new Set(ids).size).toBe(ids.length)
      const rest = await store.alertDeliveries.claim(T, 1000, 60)
      expect(ids.length + rest.length).toBe(40)
    })
  })
}
