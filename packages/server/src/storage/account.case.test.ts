/**
 * Issue 13: the Store contract behind the account page, once per dialect (SQLite always;
 * PostgreSQL when it answers), as store.case.test.ts does: a user's sessions listed and one ended
 * by id (never another user's), consents listed per client and revoked with the client's grants in
 * the same transaction, and a password change that keeps one session under a new cookie hash and
 * ends the rest, conditional on the checked hash.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, postgresReachable, type TestDatabase, type TestDialect } from '../../test/support/database.js'
import { createStore } from './kysely-store.js'
import type { AuthorizationCodeRecord, GrantRecord, RefreshTokenRecord, SessionRecord, Store, UserRecord } from './store.js'

const T = 1_700_000_000
const pgUp = await postgresReachable()
const DIALECTS: TestDialect[] = pgUp ? ['sqlite', 'postgres'] : ['sqlite']
if (!pgUp) console.log('skipped: postgres unreachable (account.case.test.ts runs on sqlite only)')

const id = () => randomUUID()
const session = (user: UserRecord, over: Partial<SessionRecord> = {}): SessionRecord =>
  ({ session_hash: id(), id: id(), user_id: user.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 1000, ...over })
const grant = (over: Partial<GrantRecord>): GrantRecord =>
  ({ id: id(), client_id: 'rp', user_id: null, scope: 'openid', resource: null, auth_time: T, session_id: null, organization_id: null, family_id: null, created_at: T, revoked_at: null, ...over })
const refresh = (g: GrantRecord): RefreshTokenRecord =>
  ({ token_hash: id(), grant_id: g.id, client_id: g.client_id, user_id: g.user_id, scope: g.scope, resource: null, auth_time: T, session_id: g.session_id, created_at: T, expires_at: T + 3600, rotated_at: null, revoked_at: null })
const code = (g: GrantRecord): AuthorizationCodeRecord => ({
  code_hash: id(), grant_id: id(), client_id: g.client_id, user_id: g.user_id!, redirect_uri: null, scope: g.scope, resource: null, nonce: null,
  code_challenge: null, code_challenge_method: null, auth_time: T, session_id: g.session_id, amr: ['pwd'], organization_id: null, created_at: T, expires_at: T + 60, consumed_at: null,
})

for (const dialect of DIALECTS) {
  describe(`account store (${dialect})`, () => {
    let db: TestDatabase
    let store: Store
    const user = (name: string) => store.users.upsert({ email: `${name}.${id()}@example.com`, email_verified: true, password_hash: 'h1', claims: {} }, T)
    beforeAll(async () => {
      db = await createTestDatabase(dialect)
      store = await createStore(db.url)
    })
    afterAll(async () => {
      await store.close()
      await db.dispose()
    })

    it('sessions.listForUser: the user\'s live sessions, newest first, with the stored User-Agent, at most `limit`', async () => {
      const a = await user('list')
      const b = await user('other')
      const older = session(a, { created_at: T - 10, user_agent: 'Firefox/1' })
      const newer = session(a)
      const expired = session(a, { expires_at: T + 5 })
      for (const s of [older, newer, expired, session(b)]) await store.sessions.insert(s)
      expect(await store.sessions.listForUser(a.id, T + 10, 50)).toEqual([newer, older])
      expect(await store.sessions.listForUser(a.id, T + 10, 1)).toEqual([newer])
      expect(await store.forTenant('acme').sessions.listForUser(a.id, T + 10, 50)).toEqual([])
    })

    it('OIDC Back-Channel Logout §2.5: sessions.endById ends only the user\'s own live session, revokes what was issued within it but offline_access, and queues its logout', async () => {
      const a = await user('end')
      const b = await user('victim')
      const mine = session(a)
      const theirs = session(b)
      for (const s of [mine, theirs]) await store.sessions.insert(s)
      const online = grant({ user_id: a.id, session_id: mine.id, client_id: 'bcl' })
      const offline = grant({ user_id: a.id, session_id: mine.id, scope: 'openid offline_access' })
      const rt = refresh(online)
      expect(await store.grants.open(online, rt)).toBe(true)
      expect(await store.grants.open(offline, null)).toBe(true)
      await store.clients.upsert({
        client_id: 'bcl', client_name: 'BCL', client_secret_hash: null, token_endpoint_auth_method: 'none', auth_method_pinned: true, id_token_signed_response_alg: null,
        grant_types: ['authorization_code'], redirect_uris: ['https://rp.example/cb'], post_logout_redirect_uris: [], scope: 'openid', resources: null, skip_consent: true, jwks: null,
        organization_required: false, organizations: null, backchannel_logout_uri: 'https://rp.example/bcl', backchannel_logout_session_required: false,
      }, T)
      // Another user's session id, through this user: nothing.
      expect(await store.sessions.endById(theirs.id, a.id, T + 1)).toBeNull()
      expect(await store.sessions.getById(theirs.id, T + 1)).not.toBeNull()
      expect(await store.sessions.endById(mine.id, a.id, T + 2)).toMatchObject({ id: mine.id, user_id: a.id })
      expect(await store.sessions.getById(mine.id, T + 2)).toBeNull()
      expect((await store.grants.get(online.id))?.revoked_at).toBe(T + 2)
      expect((await store.refreshTokens.get(rt.token_hash))?.revoked_at).toBe(T + 2)
      expect((await store.grants.get(offline.id))?.revoked_at).toBeNull()
      expect((await store.logoutDeliveries.list()).map((d) => [d.client_id, d.sid])).toContainEqual(['bcl', mine.id])
      expect(await store.sessions.endById(mine.id, a.id, T + 3)).toBeNull()
    })

    it('consents.listForUser groups per client and resource with the first grant time; consents.revoke forgets them and revokes the client\'s grants, tokens and codes in one go', async () => {
      const a = await user('apps')
      const b = await user('else')
      await store.consents.grant(a.id, 'photos', null, ['openid', 'profile'], T)
      await store.consents.grant(a.id, 'photos', null, ['offline_access'], T + 5)
      await store.consents.grant(a.id, 'photos', 'https://api.example', ['read:data'], T + 7)
      await store.consents.grant(a.id, 'notes', null, ['openid'], T + 9)
      await store.consents.grant(b.id, 'photos', null, ['openid'], T)
      const listed = await store.consents.listForUser(a.id)
      expect(listed.map((c) => [c.client_id, c.resource, [...c.scopes].sort(), c.granted_at, c.updated_at])).toEqual([
        ['notes', null, ['openid'], T + 9, T + 9],
        ['photos', null, ['offline_access', 'openid', 'profile'], T, T + 5],
        ['photos', 'https://api.example', ['read:data'], T + 7, T + 7],
      ])
      const offline = grant({ user_id: a.id, client_id: 'photos', scope: 'openid offline_access' })
      const other = grant({ user_id: a.id, client_id: 'notes' })
      const theirs = grant({ user_id: b.id, client_id: 'photos' })
      const rt = refresh(offline)
      expect(await store.grants.open(offline, rt)).toBe(true)
      for (const g of [other, theirs]) expect(await store.grants.open(g, null)).toBe(true)
      const pending = code(offline)
      await store.authorizationCodes.insert(pending)

      expect(await store.consents.revoke(a.id, 'photos', T + 20)).toBe(true)
      expect((await store.consents.listForUser(a.id)).map((c) => c.client_id)).toEqual(['notes'])
      expect(await store.consents.get(a.id, 'photos', 'https://api.example')).toBeNull()
      expect((await store.grants.get(offline.id))?.revoked_at).toBe(T + 20)
      expect((await store.refreshTokens.get(rt.token_hash))?.revoked_at).toBe(T + 20)
      expect((await store.authorizationCodes.consume(pending.code_hash, T + 21)).record).toBeNull()
      // The grant the code would have opened is taken by a revoked tombstone.
      expect((await store.grants.get(pending.grant_id))?.revoked_at).toBe(T + 20)
      expect((await store.grants.get(other.id))?.revoked_at).toBeNull()
      expect((await store.grants.get(theirs.id))?.revoked_at).toBeNull()
      expect(await store.consents.get(b.id, 'photos', null)).not.toBeNull()
      expect(await store.consents.revoke(a.id, 'photos', T + 22)).toBe(false)
    })

    it('users.changePassword: only while the checked hash is stored; keeps one session under a new cookie hash, ends the others, revokes every grant of the user', async () => {
      const a = await user('pw')
      const b = await user('bystander')
      const kept = session(a)
      const ended = session(a)
      const theirs = session(b)
      for (const s of [kept, ended, theirs]) await store.sessions.insert(s)
      const here = grant({ user_id: a.id, session_id: kept.id, scope: 'openid offline_access' })
      const there = grant({ user_id: a.id, session_id: ended.id })
      for (const g of [here, there]) expect(await store.grants.open(g, null)).toBe(true)
      const rotated = id()
      // A stale expected hash (the password changed meanwhile): nothing written.
      expect(await store.users.changePassword(a.id, 'h0', 'h2', { sessionId: kept.id, rotatedSessionHash: rotated }, T + 1)).toBeNull()
      expect(await store.sessions.getById(ended.id, T + 1)).not.toBeNull()
      expect(await store.users.changePassword(a.id, 'h1', 'h2', { sessionId: kept.id, rotatedSessionHash: rotated }, T + 2)).toEqual({ endedSessionIds: [ended.id] })
      expect((await store.users.getById(a.id))?.password_hash).toBe('h2')
      expect(await store.sessions.get(kept.session_hash, T + 2)).toBeNull()
      expect(await store.sessions.get(rotated, T + 2)).toMatchObject({ id: kept.id, user_id: a.id })
      expect(await store.sessions.getById(ended.id, T + 2)).toBeNull()
      for (const g of [here, there]) expect((await store.grants.get(g.id))?.revoked_at).toBe(T + 2)
      expect(await store.sessions.getById(theirs.id, T + 2)).not.toBeNull()
    })

    it('users.update replaces the claims when given, and leaves them when not', async () => {
      const a = await user('claims')
      expect(await store.users.update(a.id, { claims: { name: 'Ada', family_name: 'L' } }, T + 1)).toBe(true)
      expect((await store.users.getById(a.id))?.claims).toEqual({ name: 'Ada', family_name: 'L' })
      expect(await store.users.update(a.id, { roles: ['x'] }, T + 2)).toBe(true)
      expect((await store.users.getById(a.id))?.claims).toEqual({ name: 'Ada', family_name: 'L' })
    })

    it('review L7: consents.liveGrantsOf lists grants without consent that are live (an unexpired refresh token, or made within the access token lifetime), per client, resource and scope', async () => {
      const a = await user('grants')
      const withRefresh = grant({ user_id: a.id, client_id: 'trusted', scope: 'openid offline_access', created_at: T - 5000 })
      const recent = grant({ user_id: a.id, client_id: 'fresh', created_at: T - 10 })
      const stale = grant({ user_id: a.id, client_id: 'stale', created_at: T - 5000 })
      const revoked = grant({ user_id: a.id, client_id: 'gone', created_at: T - 10 })
      expect(await store.grants.open(withRefresh, refresh(withRefresh))).toBe(true)
      for (const g of [recent, stale, revoked]) expect(await store.grants.open(g, null)).toBe(true)
      await store.grants.revoke(revoked.id, T)
      const live = await store.consents.liveGrantsOf(a.id, T - 600, T)
      expect(live.map((g) => g.client_id).sort()).toEqual(['fresh', 'trusted'])
      expect(live.find((g) => g.client_id === 'trusted')).toEqual({ client_id: 'trusted', resource: null, scope: 'openid offline_access', created_at: T - 5000 })
      // Later: the refresh token expired and no access token can still be valid: nothing is live.
      expect((await store.consents.liveGrantsOf(a.id, T + 7200 - 600, T + 7200)).map((g) => g.client_id)).toEqual([])
    })

    it('review M3: signUps.proveMailbox verifies a never-verified email and removes its passkeys, TOTP, recovery codes and identities in one go; nothing for a verified one', async () => {
      const a = await store.users.upsert({ email: `premade.${id()}@example.com`, email_verified: false, password_hash: 'h1', claims: {} }, T)
      await store.passkeys.insert({ credential_id: id(), user_id: a.id, public_key: 'AA', sign_count: 0, transports: [], backup_eligible: false, backed_up: false, aaguid: '00000000-0000-0000-0000-000000000000', name: 'k', created_at: T, last_used_at: null })
      expect(await store.mfa.beginTotp(a.id, 'sealed', T)).toBe(true)
      expect(await store.mfa.confirmTotp(a.id, 1, T)).toBe(true)
      await store.mfa.replaceRecoveryCodes(a.id, ['c1', 'c2'], T)
      await store.connections.upsert({ id: 'up', type: 'oidc', display_name: 'Up', organization_id: null, required: false, settings: {}, secrets_encrypted: null, source: 'cli', digest: 'd' }, T)
      expect(await store.identities.link({ connection_id: 'up', subject: id(), user_id: a.id, email: null, email_verified: false }, T)).toBe('linked')
      expect(await store.signUps.proveMailbox(a.id, T + 1)).toEqual({ passkeys: 1, totp: true, identities: 1 })
      expect((await store.users.getById(a.id))?.email_verified).toBe(true)
      expect(await store.passkeys.listForUser(a.id)).toEqual([])
      expect(await store.mfa.totp(a.id)).toBeNull()
      expect(await store.mfa.recoveryCodesLeft(a.id)).toBe(0)
      expect(await store.identities.listForUser(a.id)).toEqual([])
      expect(await store.signUps.proveMailbox(a.id, T + 2)).toBeNull()
      const verified = await user('verified')
      expect(await store.mfa.beginTotp(verified.id, 'sealed', T)).toBe(true)
      expect(await store.signUps.proveMailbox(verified.id, T + 1)).toBeNull()
      expect(await store.mfa.totp(verified.id)).not.toBeNull()
    })
  })
}
