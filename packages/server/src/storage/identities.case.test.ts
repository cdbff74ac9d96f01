/**
 * Issue 12: the Store contract of connections, identities and pending upstream logins, once per
 * dialect (SQLite always; PostgreSQL when it answers), as store.case.test.ts does. The concurrency
 * test fires 20 first sign-ins of one upstream account at once: provisioning must end with one
 * user and one identity, whichever wins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, postgresReachable, type TestDatabase, type TestDialect } from '../../test/support/database.js'
import { createStore } from './kysely-store.js'
import type { ConnectionRecord, Store, UpstreamLoginRecord } from './store.js'

const T = 1_700_000_000
const pgUp = await postgresReachable()
const DIALECTS: TestDialect[] = pgUp ? ['sqlite', 'postgres'] : ['sqlite']
if (!pgUp) console.log('skipped: postgres unreachable (identities.case.test.ts runs on sqlite only)')

const connection = (id: string, digest = 'd1'): Omit<ConnectionRecord, 'created_at' | 'updated_at'> => ({
  id, type: 'oidc', display_name: 'Upstream', organization_id: null, required: false, settings: { id, scope: 'openid' }, secrets_encrypted: 'jwe', source: 'config', digest,
})
const login = (state: string, over: Partial<UpstreamLoginRecord> = {}): UpstreamLoginRecord => ({
  state_hash: state, browser_hash: 'browser-a', connection_id: 'up', purpose: 'sign_in', interaction_id: 'i1', user_id: null, session_id: null,
  response_params: null, created_at: T, expires_at: T + 600, ...over,
})

for (const dialect of DIALECTS) {
  describe(`connections, identities and upstream logins (${dialect})`, () => {
    let db: TestDatabase
    let store: Store
    beforeAll(async () => {
      db = await createTestDatabase(dialect)
      store = await createStore(db.url)
      await store.connections.upsert(connection('up'), T)
    })
    afterAll(async () => {
      await store.close()
      await db.dispose()
    })

    it('seeding: an unchanged digest writes nothing; a changed one replaces the row; per tenant', async () => {
      const first = await store.connections.upsert(connection('seeded'), T)
      expect((await store.connections.upsert({ ...connection('seeded'), display_name: 'Other' }, T + 50)).updated_at).toBe(first.updated_at)
      const changed = await store.connections.upsert({ ...connection('seeded', 'd2'), display_name: 'Other' }, T + 60)
      expect(changed).toMatchObject({ display_name: 'Other', updated_at: T + 60, created_at: T, digest: 'd2' })
      expect(await store.forTenant('acme').connections.get('seeded')).toBeNull()
      expect((await store.connections.list()).map((c) => c.id)).toEqual(['seeded', 'up'])
    })

    it('provision: 20 concurrent first sign-ins of one upstream account make one user and one identity', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () =>
        store.identities.provision({ email: 'Race@Example.com', email_verified: true, claims: { name: 'Race' } }, { connection_id: 'up', subject: 'race', email: 'race@example.com', email_verified: true }, T)))
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1)
      const ids = new Set(results.map((r) => (r.outcome === 'email_taken' ? 'none' : r.user.id)))
      expect(ids.size).toBe(1)
      expect((await store.users.list()).filter((u) => u.email === 'race@example.com')).toHaveLength(1)
      const found = await store.identities.find('up', 'race')
      expect(found?.user.email).toBe('race@example.com')
      expect(found?.identity).toMatchObject({ email: 'race@example.com', email_verified: true, created_at: T })
    })

    it('provision never touches an existing user with that email (email_taken; password and claims kept)', async () => {
      const local = await store.users.upsert({ email: 'kept@example.com', email_verified: false, password_hash: '$argon2id$kept', claims: { name: 'Kept' } }, T)
      const result = await store.identities.provision({ email: 'kept@example.com', email_verified: true, claims: { name: 'Intruder' } }, { connection_id: 'up', subject: 'intruder', email: 'kept@example.com', email_verified: true }, T + 1)
      expect(result).toEqual({ outcome: 'email_taken' })
      expect(await store.users.getById(local.id)).toEqual(local)
      expect(await store.identities.find('up', 'intruder')).toBeNull()
    })

    it('link: linked once, again idempotent; another user\'s identity is taken; touch records the last use', async () => {
      const a = await store.users.upsert({ email: 'a@example.com', email_verified: true, password_hash: null, claims: {} }, T)
      const b = await store.users.upsert({ email: 'b@example.com', email_verified: true, password_hash: null, claims: {} }, T)
      const identity = { connection_id: 'up', subject: 'sa', user_id: a.id, email: 'a@example.com', email_verified: true }
      expect(await store.identities.link(identity, T)).toBe('linked')
      expect(await store.identities.link(identity, T + 1)).toBe('linked')
      expect(await store.identities.link({ ...identity, user_id: b.id }, T + 2)).toBe('taken')
      await store.identities.touch('up', 'sa', { email: 'A2@example.com', email_verified: false }, T + 9)
      expect(await store.identities.listForUser(a.id)).toEqual([{ connection_id: 'up', subject: 'sa', user_id: a.id, email: 'a2@example.com', email_verified: false, created_at: T, last_used_at: T + 9 }])
      expect(await store.identities.listForUser(b.id)).toEqual([])
    })

    it('unlink keeps the last way to sign in: refused without a password or another identity', async () => {
      await store.connections.upsert(connection('up2'), T)
      const u = await store.users.upsert({ email: 'only@example.com', email_verified: true, password_hash: null, claims: {} }, T)
      await store.identities.link({ connection_id: 'up', subject: 'o1', user_id: u.id, email: null, email_verified: false }, T)
      expect(await store.identities.unlink(u.id, 'up', T)).toBe('last_method')
      await store.identities.link({ connection_id: 'up2', subject: 'o2', user_id: u.id, email: null, email_verified: false }, T)
      expect(await store.identities.unlink(u.id, 'up', T)).toBe('unlinked')
      expect(await store.identities.unlink(u.id, 'up', T)).toBe('not_linked')
      expect(await store.identities.unlink(u.id, 'up2', T)).toBe('last_method')
      await store.users.setPasswordHash(u.id, '$argon2id$x', T)
      expect(await store.identities.unlink(u.id, 'up2', T)).toBe('unlinked')
    })

    it('security review L3: unlink counts only the ways the caller says are usable (a password where password sign-in is allowed, identities of usable connections)', async () => {
      await store.connections.upsert(connection('up2'), T)
      const u = await store.users.upsert({ email: 'usable@example.com', email_verified: true, password_hash: '$argon2id$x', claims: {} }, T)
      await store.identities.link({ connection_id: 'up', subject: 'u1', user_id: u.id, email: null, email_verified: false }, T)
      await store.identities.link({ connection_id: 'up2', subject: 'u2', user_id: u.id, email: null, email_verified: false }, T)
      // The password does not count (sign_in.password off) and up2 is disabled: up is the last usable way.
      expect(await store.identities.unlink(u.id, 'up', T, { password: false, connections: ['up'] })).toBe('last_method')
      // up2 usable: up may go.
      expect(await store.identities.unlink(u.id, 'up', T, { password: false, connections: ['up', 'up2'] })).toBe('unlinked')
      // Only the password left usable: up2 may go.
      expect(await store.identities.unlink(u.id, 'up2', T, { password: true, connections: [] })).toBe('unlinked')
    })

    it('RFC 6749 §10.12: an upstream login is taken once, only with its browser\'s hash, only unexpired', async () => {
      await store.upstreamLogins.insert(login('s1'), 5)
      expect(await store.upstreamLogins.take('s1', 'browser-b', T)).toBeNull()
      expect(await store.upstreamLogins.take('s1', 'browser-a', T + 600)).toBeNull()
      expect(await store.upstreamLogins.take('s1', 'browser-a', T + 1)).toMatchObject({ state_hash: 's1', interaction_id: 'i1', purpose: 'sign_in' })
      expect(await store.upstreamLogins.take('s1', 'browser-a', T + 1)).toBeNull()
    })

    it('form_post stash: once, only under its own connection, unexpired; take returns the stashed parameters', async () => {
      await store.upstreamLogins.insert(login('s2'), 5)
      expect(await store.upstreamLogins.stash('s2', 'another', { code: 'c', state: 'x' }, T + 1)).toBe(false)
      expect(await store.upstreamLogins.stash('s2', 'up', { code: 'c', state: 'x' }, T + 600)).toBe(false)
      expect(await store.upstreamLogins.stash('s2', 'up', { code: 'c', state: 'x' }, T + 1)).toBe(true)
      expect(await store.upstreamLogins.stash('s2', 'up', { code: 'other' }, T + 1)).toBe(false)
      expect(await store.upstreamLogins.stash('nope', 'up', { code: 'c' }, T + 1)).toBe(false)
      expect((await store.upstreamLogins.take('s2', 'browser-a', T + 2))?.response_params).toEqual({ code: 'c', state: 'x' })
    })

    it('bounded: at most `cap` pending logins per interaction (the oldest go); swept at expiry; deleting a connection takes its rows', async () => {
      for (let i = 0; i < 8; i++) await store.upstreamLogins.insert(login(`cap-${i}`, { interaction_id: 'capped', created_at: T + i }), 5)
      const kept = []
      for (let i = 0; i < 8; i++) if (await store.upstreamLogins.take(`cap-${i}`, 'browser-a', T + 10)) kept.push(i)
      expect(kept).toEqual([3, 4, 5, 6, 7])
      await store.upstreamLogins.insert(login('old', { expires_at: T + 5 }), 5)
      expect((await store.sweep(T + 5)).upstream_logins).toBe(1)

      await store.connections.upsert(connection('gone'), T)
      const u = await store.users.upsert({ email: 'gone@example.com', email_verified: true, password_hash: null, claims: {} }, T)
      await store.identities.link({ connection_id: 'gone', subject: 'g', user_id: u.id, email: null, email_verified: false }, T)
      await store.upstreamLogins.insert(login('g1', { connection_id: 'gone' }), 5)
      expect(await store.connections.delete('gone', T)).toBe(true)
      expect(await store.identities.find('gone', 'g')).toBeNull()
      expect(await store.upstreamLogins.take('g1', 'browser-a', T)).toBeNull()
      expect(await store.users.getById(u.id)).not.toBeNull()
    })

    it('upstream sessions (federated logout): one per session, replaced on a later sign-in; gone with the session (logout, user deleted); swept at expiry; per tenant', async () => {
      const u = await store.users.upsert({ email: 'fed@example.com', email_verified: true, password_hash: null, claims: {} }, T)
      const session = (id: string, expires = T + 3600) => ({ session_hash: `h-${id}`, id, user_id: u.id, auth_time: T, amr: ['fed'], created_at: T, expires_at: expires })
      const row = (id: string, over = {}) => ({ session_id: id, connection_id: 'up', id_token_encrypted: 'jwe-1', created_at: T, expires_at: T + 3600, ...over })
      await store.sessions.insert(session('s-fed'))
      await store.upstreamSessions.put(row('s-fed'))
      await store.upstreamSessions.put(row('s-fed', { id_token_encrypted: 'jwe-2', expires_at: T + 7200 }))
      expect(await store.upstreamSessions.get('s-fed', T)).toEqual(row('s-fed', { id_token_encrypted: 'jwe-2', expires_at: T + 7200 }))
      expect(await store.forTenant('other').upstreamSessions.get('s-fed', T)).toBeNull()
      expect(await store.upstreamSessions.get('s-fed', T + 7200)).toBeNull()
      expect(await store.sessions.end('h-s-fed', T + 1)).not.toBeNull()
      expect(await store.upstreamSessions.get('s-fed', T + 1)).toBeNull()

      await store.sessions.insert(session('s-user'))
      await store.upstreamSessions.put(row('s-user'))
      await store.sessions.insert(session('s-swept', T + 10_000))
      await store.upstreamSessions.put(row('s-swept', { expires_at: T + 10 }))
      expect((await store.sweep(T + 10)).upstream_sessions).toBe(1)
      expect(await store.users.delete(u.id, T + 11)).toBe(true)
      expect(await store.upstreamSessions.get('s-user', T + 11)).toBeNull()
    })

    it('tenant delete removes its connections, identities and pending logins; other tenants keep theirs', async () => {
      await store.tenants.upsert({ id: 'acme', issuer: 'https://acme.example', settings: {} }, T)
      const acme = store.forTenant('acme')
      await acme.connections.upsert(connection('up'), T)
      const r = await acme.identities.provision({ email: 'x@acme.example', email_verified: true, claims: {} }, { connection_id: 'up', subject: 'x', email: null, email_verified: false }, T)
      expect(r.outcome).toBe('created')
      await acme.upstreamLogins.insert(login('acme-1'), 5)
      await acme.sessions.insert({ session_hash: 'acme-h', id: 'acme-s', user_id: (r as { user: { id: string } }).user.id, auth_time: T, amr: ['fed'], created_at: T, expires_at: T + 3600 })
      await acme.upstreamSessions.put({ session_id: 'acme-s', connection_id: 'up', id_token_encrypted: 'jwe', created_at: T, expires_at: T + 3600 })
      expect(await store.identities.find('up', 'x')).toBeNull()
      expect(await store.tenants.delete('acme', T)).toBe(true)
      expect(await acme.connections.list()).toEqual([])
      expect(await acme.upstreamSessions.get('acme-s', T)).toBeNull()
      expect(await store.connections.get('up')).not.toBeNull()
    })
  })
}
