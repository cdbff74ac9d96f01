/**
 * Issue 12: the back-channel logout queue of the Store, on every dialect (SQLite always, PostgreSQL
 * when it answers; see store.case.test.ts). Which clients a session's end notifies (OIDC
 * Back-Channel Logout 1.0 §2.5: the RPs the session issued tokens to), in the transaction that ends
 * it; and the queue's lease, retry and completion.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_POSTGRES_URL, postgresReachable } from '../../test/support/database.js'
import { createStore } from './kysely-store.js'
import { LOGOUT_DELIVERY_RETENTION } from './repositories/sweep.js'
import type { AuthorizationCodeRecord, ClientRecord, GrantRecord, Store } from './store.js'

const T = 1_700_000_000
const id = () => randomUUID()

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
      dir = mkdtempSync(join(tmpdir(), 'latch-bcl-'))
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

function client(client_id: string, backchannel_logout_uri: string | null): ClientRecord {
  return {
    client_id, client_name: client_id, client_secret_hash: 'c2VjcmV0LWhhc2g', token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['https://rp.example/cb'], post_logout_redirect_uris: [], scope: 'openid',
    resources: null, skip_consent: false, auth_method_pinned: true, id_token_signed_response_alg: null, jwks: null, organization_required: false,
    organizations: null, backchannel_logout_uri, backchannel_logout_session_required: false,
  }
}

function grant(client_id: string, user_id: string, session_id: string | null, scope = 'openid'): GrantRecord {
  return { id: id(), client_id, user_id, scope, resource: null, auth_time: T, session_id, organization_id: null, family_id: null, created_at: T, revoked_at: null }
}

function code(client_id: string, user_id: string, session_id: string | null, scope = 'openid'): AuthorizationCodeRecord {
  return {
    code_hash: id(), grant_id: id(), client_id, user_id, redirect_uri: 'https://rp.example/cb', scope, resource: null, nonce: null,
    code_challenge: 'c', code_challenge_method: 'S256', auth_time: T, session_id, amr: ['pwd'], organization_id: null, created_at: T,
    expires_at: T + 60, consumed_at: null,
  }
}

for (const dialect of DIALECTS) {
  if (!dialect.available) console.log(`skipped: ${dialect.name} unreachable`)
  const suite = dialect.available ? describe : describe.skip

  suite(`logoutDeliveries on ${dialect.name}`, () => {
    let root: Store
    let tenant = 0
    /** A fresh tenant per test: the queue's claim is deployment-wide, so tests keep apart by tenant and by time. */
    const fresh = async () => {
      const t = `bcl-${++tenant}-${randomBytes(3).toString('hex')}`
      await root.tenants.upsert({ id: t, issuer: `https://${t}.example`, settings: {} }, T)
      return { id: t, store: root.forTenant(t) }
    }
    /** A user and a live session of theirs. */
    const signIn = async (store: Store, email = `${id()}@example.com`) => {
      const user = await store.users.upsert({ email, email_verified: true, password_hash: 'h', claims: {} }, T)
      const session = { session_hash: id(), id: id(), user_id: user.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 1_000_000 }
      await store.sessions.insert(session)
      return { user, session }
    }
    /** Rows of every tenant claimed now, then freed again (so other assertions can claim them). */
    const drain = async (now: number) => root.logoutDeliveries.claim(now, 1000, 10_000_000)

    beforeAll(async () => {
      root = await createStore(await dialect.setup())
    })
    afterAll(async () => {
      await root?.close()
      await dialect.teardown()
    })

    it('OIDC Back-Channel Logout §2.5: ending a session queues one delivery per participating client with a URI (grants and codes, redeemed or not), none for a client without one', async () => {
      const { store } = await fresh()
      for (const c of [client('rp-a', 'https://a.example/bcl'), client('rp-b', 'https://b.example/bcl'), client('rp-c', null), client('rp-d', 'https://d.example/bcl')]) {
        await store.clients.upsert(c, T)
      }
      const { user, session } = await signIn(store)
      const other = await signIn(store)
      await store.grants.open(grant('rp-a', user.id, session.id), null)
      await store.grants.open(grant('rp-a', user.id, session.id), null) // a second grant of the same client: still one token
      await store.authorizationCodes.insert(code('rp-a', user.id, session.id))
      await store.authorizationCodes.insert(code('rp-b', user.id, session.id, 'openid offline_access')) // unredeemed, offline
      await store.grants.open(grant('rp-c', user.id, session.id), null) // no URI
      await store.grants.open(grant('rp-d', other.user.id, other.session.id), null) // another session

      expect(await store.sessions.end(session.session_hash, T + 10)).not.toBeNull()
      const rows = await store.logoutDeliveries.list()
      expect(rows.map((r) => [r.client_id, r.sid, r.sub]).sort()).toEqual([
        ['rp-a', session.id, user.id],
        ['rp-b', session.id, user.id],
      ])
      expect(rows[0]).toMatchObject({ created_at: T + 10, attempts: 0, next_attempt_at: T + 10, leased_until: null })
    })

    it('OIDC Back-Channel Logout §2.5: an expired session ends without a delivery (expiry is not a logout), and a second end queues nothing more', async () => {
      const { store } = await fresh()
      await store.clients.upsert(client('rp-a', 'https://a.example/bcl'), T)
      const { user, session } = await signIn(store)
      await store.grants.open(grant('rp-a', user.id, session.id), null)
      expect(await store.sessions.end(session.session_hash, T + 1_000_000)).toBeNull()
      expect(await store.logoutDeliveries.list()).toEqual([])
    })

    it('issue 11: a session of tenant A notifies only tenant A\'s clients, even when tenant B has a client of the same id', async () => {
      const a = await fresh()
      const b = await fresh()
      await a.store.clients.upsert(client('shared', 'https://a.example/bcl'), T)
      await b.store.clients.upsert(client('shared', 'https://b.example/bcl'), T)
      const { user, session } = await signIn(a.store)
      await a.store.grants.open(grant('shared', user.id, session.id), null)
      await a.store.sessions.end(session.session_hash, T + 1)
      expect((await a.store.logoutDeliveries.list()).map((r) => r.client_id)).toEqual(['shared'])
      expect(await b.store.logoutDeliveries.list()).toEqual([])
    })

    it('OIDC Back-Channel Logout §2.5: users.setPasswordHash with signOut queues for every live session of the user; without signOut, nothing', async () => {
      const { store } = await fresh()
      await store.clients.upsert(client('rp-a', 'https://a.example/bcl'), T)
      const { user, session } = await signIn(store, 'pw@example.com')
      const second = { session_hash: id(), id: id(), user_id: user.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 3600 }
      const expired = { ...second, session_hash: id(), id: id(), expires_at: T + 5 }
      await store.sessions.insert(second)
      await store.sessions.insert(expired)
      for (const s of [session, second, expired]) await store.grants.open(grant('rp-a', user.id, s.id), null)

      expect(await store.users.setPasswordHash(user.id, 'h2', T + 10)).toBe(true)
      expect(await store.logoutDeliveries.list()).toEqual([])
      expect(await store.users.setPasswordHash(user.id, 'h3', T + 10, { signOut: true })).toBe(true)
      expect((await store.logoutDeliveries.list()).map((r) => r.sid).sort()).toEqual([session.id, second.id].sort())
    })

    it('OIDC Back-Channel Logout §2.5: users.delete queues for the user\'s live sessions before they go, with the user as sub', async () => {
      const { store } = await fresh()
      await store.clients.upsert(client('rp-a', 'https://a.example/bcl'), T)
      const { user, session } = await signIn(store)
      await store.authorizationCodes.insert(code('rp-a', user.id, session.id))
      expect(await store.users.delete(user.id, T + 10)).toBe(true)
      expect(await store.logoutDeliveries.list()).toMatchObject([{ client_id: 'rp-a', sid: session.id, sub: user.id }])
    })

    it('claim leases rows: concurrent claims never return the same row, a leased row is not claimed again until its lease runs out', async () => {
      const { id: tenantId, store } = await fresh()
      const at = T + 100_000 // later than every other test's rows: only this test's are due before
      await store.clients.upsert(client('rp-a', 'https://a.example/bcl'), T)
      const sids: string[] = []
      for (let i = 0; i < 12; i++) {
        const { user, session } = await signIn(store)
        await store.grants.open(grant('rp-a', user.id, session.id), null)
        await store.sessions.end(session.session_hash, at)
        sids.push(session.id)
      }
      await drain(at - 1) // earlier tests' rows out of the way (leased far beyond this test)
      const claims = await Promise.all(Array.from({ length: 12 }, () => root.logoutDeliveries.claim(at, 2, 30)))
      const mine = claims.flat().filter((r) => r.tenant_id === tenantId)
      expect(mine.map((r) => r.sid).sort()).toEqual([...sids].sort())
      expect(new Set(mine.map((r) => r.sid)).size).toBe(12)
      expect(mine[0]).toMatchObject({ leased_until: at + 30, tenant_id: tenantId })
      expect((await root.logoutDeliveries.claim(at + 29, 100, 30)).filter((r) => r.tenant_id === tenantId)).toEqual([])
      expect((await root.logoutDeliveries.claim(at + 30, 100, 30)).filter((r) => r.tenant_id === tenantId)).toHaveLength(12)
    })

    it('retry counts the attempt, frees the lease and defers the row; complete removes it; tenants.delete and the sweep clear what is left', async () => {
      const { id: tenantId, store } = await fresh()
      const at = T + 200_000
      await store.clients.upsert(client('rp-a', 'https://a.example/bcl'), T)
      const { user, session } = await signIn(store)
      await store.grants.open(grant('rp-a', user.id, session.id), null)
      await store.sessions.end(session.session_hash, at)
      await drain(at - 1)
      const [row] = (await root.logoutDeliveries.claim(at, 100, 30)).filter((r) => r.tenant_id === tenantId)
      expect(row).toBeDefined()
      await store.logoutDeliveries.retry('rp-a', session.id, at + 5)
      expect(await store.logoutDeliveries.list()).toMatchObject([{ attempts: 1, next_attempt_at: at + 5, leased_until: null }])
      expect((await root.logoutDeliveries.claim(at + 4, 100, 30)).filter((r) => r.tenant_id === tenantId)).toEqual([])
      expect((await root.logoutDeliveries.claim(at + 5, 100, 30)).filter((r) => r.tenant_id === tenantId)).toHaveLength(1)
      await store.logoutDeliveries.complete('rp-a', session.id)
      expect(await store.logoutDeliveries.list()).toEqual([])

      // A tenant's deletion takes its queued rows with it.
      const other = await signIn(store)
      await store.grants.open(grant('rp-a', other.user.id, other.session.id), null)
      await store.sessions.end(other.session.session_hash, at)
      expect(await store.logoutDeliveries.list()).toHaveLength(1)
      await root.tenants.delete(tenantId, at)
      expect(await store.logoutDeliveries.list()).toEqual([])
    })

    it('the sweep removes queued rows older than the longest retry window, and only those', async () => {
      const { store } = await fresh()
      await store.clients.upsert(client('rp-a', 'https://a.example/bcl'), T)
      const old = await signIn(store)
      const recent = await signIn(store)
      for (const s of [old, recent]) await store.grants.open(grant('rp-a', s.user.id, s.session.id), null)
      await store.sessions.end(old.session.session_hash, T + 1)
      await store.sessions.end(recent.session.session_hash, T + 2)
      const result = await root.sweep(T + 1 + LOGOUT_DELIVERY_RETENTION)
      expect(result.logout_deliveries).toBeGreaterThanOrEqual(1)
      expect((await store.logoutDeliveries.list()).map((r) => r.sid)).toEqual([recent.session.id])
    })
  })
}
