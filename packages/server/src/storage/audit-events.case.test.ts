/**
 * Issue 14: the audit log of the Store (`store.audit`), on every dialect (SQLite always,
 * PostgreSQL when it answers; see store.case.test.ts): batched append, the newest-first listing with
 * its filters and cursor pagination, the tenant boundary, and retention pruning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, postgresReachable, type TestDatabase } from '../../test/support/database.js'
import { sortableId } from '../lib/sortable-id.js'
import { createStore } from './kysely-store.js'
import { AUDIT_LIST_MAX } from './repositories/audit-events.js'
import type { AuditRecord, Store } from './store.js'

const T0 = Date.UTC(2026, 0, 1)
const POSTGRES = await postgresReachable()
if (!POSTGRES) console.log('audit-events.case.test.ts: skipped: postgres unreachable')

function record(over: Partial<AuditRecord> & { ms: number }): AuditRecord {
  const { ms, ...rest } = over
  return {
    id: sortableId(ms),
    type: 'token.issued',
    version: 1,
    time: new Date(ms).toISOString(),
    tenant: 'default',
    actor: { type: 'client', id: 'svc' },
    subject: { type: 'client', id: 'svc' },
    client_id: 'svc',
    ip: '192.0.2.1',
    user_agent: 'curl/8',
    outcome: 'success',
    data: { grant_type: 'client_credentials', jti: 'g.1' },
    ...rest,
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !POSTGRES)(`store.audit (${dialect})`, () => {
    let db: TestDatabase
    let store: Store
    beforeAll(async () => {
      db = await createTestDatabase(dialect)
      store = await createStore(db.url)
      await store.tenants.upsert({ id: 'acme', issuer: 'https://acme.example', settings: {} }, 1)
    })
    afterAll(async () => {
      await store?.close()
      await db?.dispose()
    })

    it('issue 14: append in one batch, list newest first, every field as written', async () => {
      const base = T0
      const batch = Array.from({ length: 1200 }, (_, i) => record({ ms: base + i, data: { i } }))
      await store.audit.append(batch)
      const page = await store.audit.list({ since: base, until: base + 1200, limit: 5 })
      expect(page.records.map((r) => r.data.i)).toEqual([1199, 1198, 1197, 1196, 1195])
      expect(page.records[0]).toEqual(batch[1199])
      expect(page.next).toBe(page.records[4]!.id)
    })

    it('issue 14: cursor pagination walks every record once, newest first, and ends with next: null', async () => {
      const base = T0 + 10_000_000
      await store.audit.append(Array.from({ length: 25 }, (_, i) => record({ ms: base + i * 1000, type: 'login.succeeded', data: { i } })))
      const seen: number[] = []
      let cursor: string | undefined
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.audit.list({ since: base, types: ['login.succeeded'], limit: 10, ...(cursor !== undefined && { cursor }) })
        seen.push(...page.records.map((r) => r.data.i as number))
        if (page.next === null) break
        cursor = page.next
      }
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i))
    })

    it('issue 14: since is inclusive, until exclusive; types, subject, actor, client and outcome filter; --user matches actor or subject', async () => {
      const base = T0 + 20_000_000
      await store.audit.append([
        record({ ms: base, type: 'login.failed', actor: { type: 'anonymous', id: null }, subject: { type: 'account', id: 'hash-a' }, client_id: null, outcome: 'failure', data: { reason: 'bad_credentials' } }),
        record({ ms: base + 1, type: 'login.succeeded', actor: { type: 'user', id: 'u1' }, subject: { type: 'session', id: 's1' }, client_id: null }),
        record({ ms: base + 2, type: 'token.issued', actor: { type: 'client', id: 'web' }, subject: { type: 'user', id: 'u1' }, client_id: 'web' }),
        record({ ms: base + 3, type: 'token.issued', actor: { type: 'client', id: 'web' }, subject: { type: 'user', id: 'u2' }, client_id: 'web' }),
      ])
      const types = async (filter: Parameters<Store['audit']['list']>[0]) => (await store.audit.list({ since: base, until: base + 4, ...filter })).records.map((r) => `${r.type}:${r.subject?.id}`)
      expect(await types({})).toEqual(['token.issued:u2', 'token.issued:u1', 'login.succeeded:s1', 'login.failed:hash-a'])
      expect(await types({ since: base + 1, until: base + 3 })).toEqual(['token.issued:u1', 'login.succeeded:s1'])
      expect(await types({ types: ['login.failed', 'login.succeeded'] })).toEqual(['login.succeeded:s1', 'login.failed:hash-a'])
      expect(await types({ outcome: 'failure' })).toEqual(['login.failed:hash-a'])
      expect(await types({ clientId: 'web', subjects: [{ type: 'user', id: 'u1' }] })).toEqual(['token.issued:u1'])
      expect(await types({ actor: { type: 'user', id: 'u1' } })).toEqual(['login.succeeded:s1'])
      expect(await types({ subjects: [{ type: 'user', id: 'u1' }, { type: 'account', id: 'hash-a' }], actor: { type: 'user', id: 'u1' }, subjectOrActor: true })).toEqual(['token.issued:u1', 'login.succeeded:s1', 'login.failed:hash-a'])
    })

    it('security review (audit list --user): subjects and the actor match by type and id, not by id alone', async () => {
      const base = T0 + 25_000_000
      await store.audit.append([
        record({ ms: base, type: 'token.issued', actor: { type: 'client', id: 'web' }, subject: { type: 'user', id: 'same' } }),
        record({ ms: base + 1, type: 'token.revoked', actor: { type: 'client', id: 'same' }, subject: { type: 'client', id: 'same' } }),
        record({ ms: base + 2, type: 'key.rotated', actor: { type: 'system', id: null }, subject: { type: 'key', id: 'same' } }),
        record({ ms: base + 3, type: 'login.succeeded', actor: { type: 'user', id: 'same' }, subject: { type: 'session', id: 's9' } }),
      ])
      const ids = async (filter: Parameters<Store['audit']['list']>[0]) => (await store.audit.list({ since: base, until: base + 4, ...filter })).records.map((r) => r.type)
      expect(await ids({ subjects: [{ type: 'user', id: 'same' }] })).toEqual(['token.issued'])
      expect(await ids({ actor: { type: 'user', id: 'same' } })).toEqual(['login.succeeded'])
      expect(await ids({ subjects: [{ type: 'user', id: 'same' }, { type: 'account', id: 'same' }], actor: { type: 'user', id: 'same' }, subjectOrActor: true })).toEqual(['login.succeeded', 'token.issued'])
    })

    it('security review M2: append is idempotent: the same records twice (a retry after a partial write) raise no error and are stored once', async () => {
      const base = T0 + 40_000_000
      const batch = Array.from({ length: 120 }, (_, i) => record({ ms: base + i, type: 'session.ended', data: { i } }))
      await store.audit.append(batch.slice(0, 50))
      await store.audit.append(batch)
      await store.audit.append(batch)
      const page = await store.audit.list({ since: base, until: base + 120, limit: 1000 })
      expect(page.records).toHaveLength(120)
      expect(page.records.map((r) => r.data.i)).toEqual(Array.from({ length: 120 }, (_, i) => 119 - i))
    })

    it('issue 11 and 14: a tenant lists only its own records; append takes records of any tenant', async () => {
      const base = T0 + 30_000_000
      await store.forTenant('acme').audit.append([record({ ms: base, tenant: 'acme', type: 'key.rotated' }), record({ ms: base + 1, type: 'key.rotated' })])
      const acme = await store.forTenant('acme').audit.list({ since: base })
      expect(acme.records.map((r) => r.tenant)).toEqual(['acme'])
      expect((await store.audit.list({ since: base, types: ['key.rotated'] })).records.map((r) => r.tenant)).toEqual(['default'])
    })

    it('issue 14: limit is bounded (at most AUDIT_LIST_MAX, at least 1)', async () => {
      expect((await store.audit.list({ limit: 1_000_000 })).records.length).toBeLessThanOrEqual(AUDIT_LIST_MAX)
      expect((await store.audit.list({ limit: 0 })).records).toHaveLength(1)
    })

    it('issue 14: prune(before) deletes every record older than before, of every tenant, in batches, and keeps the rest', async () => {
      const before = T0 + 5_000
      const older = (await store.audit.list({ until: before, limit: 1000 })).records.length
      expect(older).toBe(1000)
      const deleted = await store.audit.prune(before)
      expect(deleted).toBe(1200)
      expect((await store.audit.list({ until: before })).records).toEqual([])
      expect((await store.audit.list({ since: T0 + 10_000_000, until: T0 + 10_000_001 })).records).toHaveLength(1)
      expect(await store.audit.prune(before)).toBe(0)
    })

    it('issue 11: deleting a tenant deletes its audit records', async () => {
      await store.tenants.delete('acme', 2)
      expect((await store.forTenant('acme').audit.list()).records).toEqual([])
    })
  })
}
