/**
 * The Store contract, run once per dialect (kysely's `test-setup.ts` idea): SQLite always, on a
 * temp file; PostgreSQL when 127.0.0.1:5432 answers (override with LATCH_TEST_POSTGRES_URL), each
 * run in a fresh schema that is dropped afterwards. Titles name the rule each test proves; the
 * concurrency tests fire 50 callers at one row, because single use is only real under contention.
 */
import { sortableId } from '../lib/sortable-id.js'
import { TEST_POSTGRES_URL, postgresReachable } from '../../test/support/database.js'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Sqlite from 'better-sqlite3'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidTenantError, StorageUnavailableError, TenantIssuerTakenError } from '../errors.js'
import { postgresCapabilities } from './dialects/postgres.js'
import { sqliteCapabilities } from './dialects/sqlite.js'
import { createStore } from './kysely-store.js'
import type { AuthorizationCodeRecord, ClientRecord, EmailTokenRecord, DeviceCodeRecord, GrantRecord, RefreshTokenRecord, Store } from './store.js'

const PG_URL = TEST_POSTGRES_URL
const T = 1_700_000_000

interface TestDialect {
  name: string
  available: boolean
  /** A database URL of its own for this run. */
  setup(): Promise<string>
  teardown(): Promise<void>
}


function sqliteDialect(): TestDialect {
  let dir = ''
  return {
    name: 'sqlite',
    available: true,
    async setup() {
      dir = mkdtempSync(join(tmpdir(), 'latch-store-'))
      return `sqlite:${join(dir, 'nested', 'latch.db')}` // the store creates `nested/`
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
      const url = new URL(PG_URL)
      url.searchParams.set('schema', schema)
      return url.toString()
    },
    async teardown() {
      const client = new pg.Client({ connectionString: PG_URL })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    },
  }
}

const pgUp = await postgresReachable()
const DIALECTS: TestDialect[] = [sqliteDialect(), postgresDialect(pgUp)]

const id = () => randomUUID()

function client(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    client_id: `client-${id()}`,
    client_name: 'Test Client',
    client_secret_hash: 'c2VjcmV0LWhhc2g',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: ['https://rp.example/cb'],
    post_logout_redirect_uris: [],
    scope: 'openid profile',
    resources: null,
    skip_consent: false,
    auth_method_pinned: true,
    id_token_signed_response_alg: null,
    jwks: null,
    organization_required: false,
    organizations: null,
    backchannel_logout_uri: null,
    backchannel_logout_session_required: false,
    ...overrides,
  }
}

function grant(overrides: Partial<GrantRecord> = {}): GrantRecord {
  return { id: id(), client_id: 'rp', user_id: null, scope: 'openid', resource: null, auth_time: T, session_id: null, organization_id: null, family_id: null, created_at: T, revoked_at: null, ...overrides }
}

function code(grantId: string, overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
  return {
    code_hash: id(), grant_id: grantId, client_id: 'rp', user_id: 'u1', redirect_uri: 'https://rp.example/cb', scope: 'openid',
    resource: null, nonce: 'n', code_challenge: 'c', code_challenge_method: 'S256', auth_time: T, session_id: null,
    amr: ['pwd'], organization_id: null, created_at: T, expires_at: T + 60, consumed_at: null, ...overrides,
  }
}

function refresh(grantId: string, overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    token_hash: id(), grant_id: grantId, client_id: 'rp', user_id: null, scope: 'openid offline_access', resource: null,
    auth_time: T, session_id: null, created_at: T, expires_at: T + 3600, rotated_at: null, revoked_at: null, ...overrides,
  }
}

function device(overrides: Partial<DeviceCodeRecord> = {}): DeviceCodeRecord {
  return {
    device_code_hash: id(), user_code_hash: id(), client_id: 'tv', scope: 'openid', resource: null, interval: 5,
    created_at: T, expires_at: T + 600, last_polled_at: null, status: 'pending', user_id: null, auth_time: null,
    session_id: null, granted_scope: null, ...overrides,
  }
}

/** The grant a code opens when redeemed, as `grants/authorization-code.ts` builds it. */
function grantOf(c: AuthorizationCodeRecord, created_at = T): GrantRecord {
  const { grant_id: id, client_id, user_id, scope, resource, auth_time, session_id, organization_id, amr } = c
  return { id, client_id, user_id, scope, resource, auth_time, session_id, organization_id, family_id: null, amr, created_at, revoked_at: null }
}

const approve = { status: 'approved' as const, user_id: 'u1', auth_time: T, session_id: 's1', granted_scope: 'openid' }

for (const dialect of DIALECTS) {
  if (!dialect.available) console.log(`skipped: ${dialect.name} unreachable`)
  const suite = dialect.available ? describe : describe.skip

  suite(`Store contract on ${dialect.name}`, () => {
    let store: Store
    let url: string

    beforeAll(async () => {
      url = await dialect.setup()
      store = await createStore(url)
    })
    afterAll(async () => {
      await store?.close()
      await dialect.teardown()
    })

    it('Store: migrating an up-to-date database again is a no-op, and ping answers', async () => {
      const again = await createStore(url)
      await again.ping()
      await again.close()
      await store.ping()
    })

    it('RFC 7591 §2: clients.upsert is idempotent and round-trips every metadata field', async () => {
      const c = client({ jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] }, skip_consent: true, resources: ['https://api.example/a'] })
      await store.clients.upsert(c, T)
      await store.clients.upsert(c, T + 1)
      expect(await store.clients.get(c.client_id)).toEqual(c)
      await store.clients.upsert({ ...c, client_name: 'Renamed', redirect_uris: ['https://rp.example/2'] }, T + 2)
      expect(await store.clients.get(c.client_id)).toMatchObject({ client_name: 'Renamed', redirect_uris: ['https://rp.example/2'] })
      // RFC 8707: the registered resources round-trip, and "none named" (null) stays distinct from [].
      await store.clients.upsert({ ...c, resources: null }, T + 3)
      expect((await store.clients.get(c.client_id))?.resources).toBeNull()
      await store.clients.upsert({ ...c, resources: [] }, T + 4)
      expect((await store.clients.get(c.client_id))?.resources).toEqual([])
      // Issue 10 metadata is updated too (a changed config client must not keep its old organizations).
      await store.clients.upsert({ ...c, organization_required: true, organizations: ['acme'] }, T + 4)
      expect(await store.clients.get(c.client_id)).toMatchObject({ organization_required: true, organizations: ['acme'] })
      expect((await store.clients.list()).filter((x) => x.client_id === c.client_id)).toHaveLength(1)
      expect(await store.clients.delete(c.client_id, T + 5)).toBe(true)
      expect(await store.clients.delete(c.client_id, T + 5)).toBe(false)
      expect(await store.clients.get(c.client_id)).toBeNull()
    })

    it('issue 13: a client\'s sign_up override round-trips (absent: the tenant\'s)', async () => {
      const c = client()
      await store.clients.upsert({ ...c, sign_up: false }, T)
      expect((await store.clients.get(c.client_id))?.sign_up).toBe(false)
      await store.clients.upsert({ ...c, sign_up: true }, T + 1)
      expect((await store.clients.get(c.client_id))?.sign_up).toBe(true)
      await store.clients.upsert(c, T + 2)
      expect((await store.clients.get(c.client_id))?.sign_up).toBeUndefined()
    })

    it('issue 13: emailTokens: consume is single use and honours expiry; a code\'s attempts stop at the cap; insert keeps the newest unused rows per address', async () => {
      const email = `tok.${id()}@example.com`
      const row = (over: Partial<EmailTokenRecord> = {}): EmailTokenRecord => ({
        id: id(), purpose: 'reset_password', token_hash: id(), user_id: null, email, browser_hash: null, interaction_id: null, attempts: 0, created_at: T, expires_at: T + 60, used_at: null, ...over,
      })
      const a = row()
      await store.emailTokens.insert(a, 3)
      expect(await store.emailTokens.find('reset_password', a.token_hash, T)).toEqual(a)
      expect(await store.emailTokens.find('verify_email', a.token_hash, T)).toBeNull()
      expect(await store.emailTokens.consume('reset_password', a.token_hash, T + 60)).toBeNull()
      expect(await store.emailTokens.consume('reset_password', a.token_hash, T + 1)).toEqual({ ...a, used_at: T + 1 })
      expect(await store.emailTokens.consume('reset_password', a.token_hash, T + 2)).toBeNull()
      // Of two consumptions at once, one wins.
      const b = row()
      await store.emailTokens.insert(b, 3)
      const raced = await Promise.all([store.emailTokens.consume('reset_password', b.token_hash, T), store.emailTokens.consume('reset_password', b.token_hash, T)])
      expect(raced.filter((r) => r !== null)).toHaveLength(1)
      // A code: attempts counted up to the cap, then nothing.
      const c = row({ purpose: 'verify_email' })
      await store.emailTokens.insert(c, 3)
      const counted = await Promise.all([1, 2, 3, 4].map(() => store.emailTokens.countAttempt(c.id, 'verify_email', 3, T)))
      expect(counted.filter((r) => r !== null).map((r) => r!.attempts).sort()).toEqual([1, 2, 3])
      expect(await store.emailTokens.use(c.id, T)).toBe(true)
      expect(await store.emailTokens.use(c.id, T)).toBe(false)
      // The newest 3 unused rows per address and purpose stay.
      const many = [row({ created_at: T + 1 }), row({ created_at: T + 2 }), row({ created_at: T + 3 }), row({ created_at: T + 4 })]
      for (const r of many) await store.emailTokens.insert(r, 3)
      expect(await store.emailTokens.find('reset_password', many[0]!.token_hash, T)).toBeNull()
      for (const r of many.slice(1)) expect(await store.emailTokens.find('reset_password', r.token_hash, T)).not.toBeNull()
      await store.emailTokens.useAll('reset_password', email, T)
      for (const r of many) expect(await store.emailTokens.find('reset_password', r.token_hash, T)).toBeNull()
    })

    it('security review M2: emailTokens.newest is the newest row of a purpose and address, used or not (a resend keeps its binding)', async () => {
      const email = `newest.${id()}@example.com`
      const row = (over: Partial<EmailTokenRecord>): EmailTokenRecord => ({
        id: id(), purpose: 'verify_email', token_hash: id(), user_id: null, email, browser_hash: null, interaction_id: null, attempts: 0, created_at: T, expires_at: T + 60, used_at: null, ...over,
      })
      expect(await store.emailTokens.newest('verify_email', email)).toBeNull()
      const first = row({ browser_hash: 'b1', interaction_id: 'i1' })
      const second = row({ created_at: T + 5, browser_hash: 'b2' })
      await store.emailTokens.insert(first, 3)
      await store.emailTokens.insert(second, 3)
      await store.emailTokens.insert(row({ created_at: T + 9, purpose: 'reset_password' }), 3)
      expect(await store.emailTokens.newest('verify_email', email)).toEqual(second)
      expect(await store.emailTokens.use(second.id, T + 6)).toBe(true)
      expect(await store.emailTokens.newest('verify_email', email)).toEqual({ ...second, used_at: T + 6 })
      expect(await store.forTenant(`nw-${id().slice(0, 8)}`).emailTokens.newest('verify_email', email)).toBeNull()
    })

    it('issue 13: signUps.create never touches an existing user; verify clears verification_pending', async () => {
      const email = `Sign.${id()}@Example.com`
      const created = await store.signUps.create({ email, email_verified: false, claims: {}, password_hash: 'h1', verification_pending: true }, T)
      expect(created).toMatchObject({ email: email.toLowerCase(), email_verified: false, verification_pending: true, password_hash: 'h1' })
      expect(await store.signUps.create({ email, email_verified: true, claims: {}, password_hash: 'h2', verification_pending: false }, T + 1)).toBeNull()
      expect(await store.users.getByEmail(email)).toEqual(created)
      const tenant = store.forTenant(`su-${id().slice(0, 8)}`)
      expect(await tenant.signUps.countPending(10)).toBe(0)
      for (let i = 0; i < 3; i++) await tenant.signUps.create({ email: `p${i}.${id()}@example.com`, email_verified: false, claims: {}, password_hash: 'h', verification_pending: true }, T)
      await tenant.signUps.create({ email: `v.${id()}@example.com`, email_verified: false, claims: {}, password_hash: 'h', verification_pending: false }, T)
      expect(await tenant.signUps.countPending(10)).toBe(3)
      expect(await tenant.signUps.countPending(2)).toBe(2)
      expect(await store.signUps.verify(created!.id, T + 2)).toBe(true)
      expect(await store.users.getByEmail(email)).toMatchObject({ email_verified: true, verification_pending: false, password_hash: 'h1' })
      expect(await store.signUps.verify(id(), T)).toBe(false)
    })

    it('OIDC Core §5.7: users.upsert keys by lower-cased email and keeps a stable sub', async () => {
      const email = `Alice.${id()}@Example.com`
      const first = await store.users.upsert({ email, email_verified: true, password_hash: null, claims: { name: 'Alice' } }, T)
      const again = await store.users.upsert({ email: email.toUpperCase(), email_verified: false, password_hash: 'h', claims: { name: 'Alice B', address: { country: 'NL' } } }, T + 5)
      expect(again).toEqual({ ...first, email_verified: false, password_hash: 'h', claims: { name: 'Alice B', address: { country: 'NL' } }, updated_at: T + 5 })
      expect(first.email).toBe(email.toLowerCase())
      expect(typeof first.created_at).toBe('number')
      expect(await store.users.getByEmail(email)).toEqual(again)
      expect(await store.users.getById(first.id)).toEqual(again)
      expect(await store.users.setPasswordHash(first.id, 'h2', T + 6)).toBe(true)
      expect(await store.users.setPasswordHash(id(), 'h2', T + 6)).toBe(false)
      expect((await store.users.getById(first.id))?.password_hash).toBe('h2')
      const given = await store.users.upsert({ id: 'fixed-sub-' + id(), email: `b.${id()}@example.com`, email_verified: false, password_hash: null, claims: {} }, T)
      expect(given.id).toMatch(/^fixed-sub-/)
    })

    it('Store: deleting a user revokes its grants and ends its sessions', async () => {
      const user = await store.users.upsert({ email: `del.${id()}@example.com`, email_verified: true, password_hash: null, claims: {} }, T)
      const g = grant({ user_id: user.id })
      const rt = refresh(g.id, { user_id: user.id })
      expect(await store.grants.open(g, rt)).toBe(true)
      await store.sessions.insert({ session_hash: id(), id: id(), user_id: user.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 100 })
      expect(await store.users.delete(user.id, T + 1)).toBe(true)
      expect(await store.users.getById(user.id)).toBeNull()
      expect((await store.grants.get(g.id))?.revoked_at).not.toBeNull()
      expect((await store.refreshTokens.get(rt.token_hash))?.revoked_at).not.toBeNull()
      expect(await store.users.delete(user.id, T + 2)).toBe(false)
    })

    it('RFC 7517 §5: keys.add retires the other keys when the new one activates; list returns unexpired keys newest first', async () => {
      const base = T + 10_000_000 // apart from other tests' rows
      const key = (kid: string, generation: number, created_at: number) =>
        ({ kid, alg: 'ES256', public_jwk: { kty: 'EC', kid }, private_jwk_encrypted: 'jwe', created_at, activates_at: created_at + 5, generation, companion_of: null, retired_at: null, expires_at: null })
      const [a, b] = [`a-${id()}`, `b-${id()}`]
      const first = (await store.keys.latestGeneration()) + 1
      expect(await store.keys.add(key(a, first, base), base + 100)).toBe(true)
      expect(await store.keys.latestGeneration()).toBe(first)
      expect(await store.keys.add(key(b, first + 1, base + 1), base + 100)).toBe(true)
      const listed = (await store.keys.list(base + 2)).filter((k) => k.kid === a || k.kid === b)
      expect(listed.map((k) => k.kid)).toEqual([b, a])
      expect(listed[0]?.public_jwk).toEqual({ kty: 'EC', kid: b })
      // a keeps signing until b activates, then stays published until the grace ends.
      expect(listed.find((k) => k.kid === a)).toMatchObject({ retired_at: base + 6, expires_at: base + 100 })
      expect(listed.find((k) => k.kid === b)).toMatchObject({ activates_at: base + 6, generation: first + 1, retired_at: null, expires_at: null })
      expect((await store.keys.list(base + 100)).some((k) => k.kid === a)).toBe(false)
    })

    it('OIDC Core §10.1.1 (multi-node): of concurrent adds claiming one generation, exactly one writes', async () => {
      const base = T + 20_000_000
      const next = (await store.keys.latestGeneration()) + 1
      const kids = Array.from({ length: 10 }, () => `race-${id()}`)
      const results = await Promise.all(
        kids.map((kid) =>
          store.keys.add({ kid, alg: 'ES256', public_jwk: { kty: 'EC', kid }, private_jwk_encrypted: 'jwe', created_at: base, activates_at: base, generation: next, companion_of: null, retired_at: null, expires_at: null }, base + 100),
        ),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
      const winner = kids[results.indexOf(true)]
      const stored = (await store.keys.list(base)).filter((k) => kids.includes(k.kid))
      expect(stored.map((k) => k.kid)).toEqual([winner])
      expect(stored[0]).toMatchObject({ retired_at: null })
    })

    /** @see issue 8 */
    it('OIDC Core §15.1: an RS256 companion key shares its main key\'s generation, comes in the same commit, and is added at most once', async () => {
      const base = T + 30_000_000
      const next = (await store.keys.latestGeneration()) + 1
      const main = { kid: `main-${id()}`, alg: 'ES256', public_jwk: { kty: 'EC' }, private_jwk_encrypted: 'jwe', created_at: base, activates_at: base, generation: next, companion_of: null, retired_at: null, expires_at: null }
      const companion = { ...main, kid: `rsa-${id()}`, alg: 'RS256', public_jwk: { kty: 'RSA' }, companion_of: main.kid }
      expect(await store.keys.add(main, base + 100, companion)).toBe(true)
      // The generation lock counts main keys only.
      expect(await store.keys.latestGeneration()).toBe(next)
      const listed = (await store.keys.list(base)).filter((k) => k.kid === main.kid || k.kid === companion.kid)
      expect(listed.map((k) => [k.kid, k.companion_of, k.generation])).toEqual(expect.arrayContaining([[main.kid, null, next], [companion.kid, main.kid, next]]))
      // A second companion for the same main key is refused, concurrently or not.
      const others = Array.from({ length: 5 }, () => ({ ...companion, kid: `rsa-${id()}` }))
      expect(await Promise.all(others.map((c) => store.keys.addCompanion(c)))).toEqual([false, false, false, false, false])
      // A later main key retires the companion with its main key.
      const successor = { ...main, kid: `main-${id()}`, generation: next + 1, activates_at: base + 5 }
      expect(await store.keys.add(successor, base + 100)).toBe(true)
      const after = await store.keys.list(base)
      expect(after.find((k) => k.kid === companion.kid)).toMatchObject({ retired_at: base + 5, expires_at: base + 100 })
      // And a main key without one can get its companion afterwards, once.
      const late = { ...companion, kid: `rsa-${id()}`, companion_of: successor.kid, generation: successor.generation }
      expect(await store.keys.addCompanion(late)).toBe(true)
      expect(await store.keys.addCompanion({ ...late, kid: `rsa-${id()}` })).toBe(false)
    })

    it('RFC 6749 §4.1.2: a code is consumed exactly once by 50 concurrent consumers', async () => {
      const c = code(id()) // its grant is opened at redemption, not before
      await store.authorizationCodes.insert(c)
      const results = await Promise.all(Array.from({ length: 50 }, () => store.authorizationCodes.consume(c.code_hash, T + 1)))
      const winners = results.filter((r) => r.record !== null)
      expect(winners).toHaveLength(1)
      expect(winners[0]?.record).toEqual({ ...c, consumed_at: T + 1 })
      expect(results.filter((r) => r.replayed !== null)).toHaveLength(49)
      expect(results.every((r) => r.record === null || r.replayed === null)).toBe(true)
    })

    it('RFC 6749 §4.1.2: an expired or unknown code is not redeemed, and not reported as a replay', async () => {
      const c = code(id())
      await store.authorizationCodes.insert(c)
      expect(await store.authorizationCodes.consume(c.code_hash, c.expires_at)).toEqual({ record: null, replayed: null })
      expect(await store.authorizationCodes.consume(id(), T)).toEqual({ record: null, replayed: null })
    })

    it('RFC 6749 §4.1.2: authorizationCodes.redeem consumes the code and opens its grant with its refresh token, exactly once among 50 concurrent redemptions', async () => {
      const user = await store.users.upsert({ email: `r.${id()}@example.com`, email_verified: true, password_hash: null, claims: { name: 'R' } }, T)
      const c = code(id(), { user_id: user.id, scope: 'openid offline_access' })
      await store.authorizationCodes.insert(c)
      const found = await store.authorizationCodes.find(c.code_hash)
      expect(found).toEqual({ code: c, user })
      expect(await store.authorizationCodes.find(id())).toBeNull()
      const tokens = Array.from({ length: 50 }, () => refresh(c.grant_id, { user_id: user.id, session_id: 'not-the-code-s' }))
      const results = await Promise.all(tokens.map((rt) => store.authorizationCodes.redeem(c.code_hash, T + 1, rt)))
      const opened = results.flatMap((r, i) => (r.outcome === 'opened' ? [i] : []))
      expect(opened).toHaveLength(1)
      expect(results.filter((r) => r.outcome === 'replayed')).toHaveLength(49)
      expect(results[opened[0]!]).toEqual({ outcome: 'opened', code: { ...c, consumed_at: T + 1 } })
      // Every field of the grant comes from the code; the refresh token takes the code's session.
      expect(await store.grants.get(c.grant_id)).toEqual({ ...grantOf(c, T + 1) })
      expect(await store.refreshTokens.get(tokens[opened[0]!]!.token_hash)).toEqual({ ...tokens[opened[0]!]!, session_id: null })
      expect((await store.authorizationCodes.find(c.code_hash))?.code.consumed_at).toBe(T + 1)
      // Expired or unknown: nothing written, not a replay.
      const late = code(id(), { user_id: user.id })
      await store.authorizationCodes.insert(late)
      expect(await store.authorizationCodes.redeem(late.code_hash, late.expires_at, refresh(late.grant_id))).toEqual({ outcome: 'invalid' })
      expect(await store.grants.get(late.grant_id)).toBeNull()
      expect(await store.authorizationCodes.redeem(id(), T, null)).toEqual({ outcome: 'invalid' })
    })

    it('issue 8 + RFC 6749 §4.1.2: a redemption opens nothing when its session ended or its grant id is taken, and still consumes the code', async () => {
      const user = await store.users.upsert({ email: `r2.${id()}@example.com`, email_verified: true, password_hash: null, claims: {} }, T)
      const session = { session_hash: id(), id: id(), user_id: user.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 1000 }
      await store.sessions.insert(session)
      const live = code(id(), { user_id: user.id, session_id: session.id })
      const ended = code(id(), { user_id: user.id, session_id: 'gone-' + id() })
      const taken = code(id(), { user_id: user.id })
      for (const c of [live, ended, taken]) await store.authorizationCodes.insert(c)
      const rt = refresh(live.grant_id)
      expect((await store.authorizationCodes.redeem(live.code_hash, T + 1, rt)).outcome).toBe('opened')
      expect((await store.grants.get(live.grant_id))?.session_id).toBe(session.id)
      expect((await store.refreshTokens.get(rt.token_hash))?.session_id).toBe(session.id)
      expect((await store.authorizationCodes.redeem(ended.code_hash, T + 1, refresh(ended.grant_id))).outcome).toBe('refused')
      expect(await store.grants.get(ended.grant_id)).toBeNull()
      // A revoked row under the grant id (a revocation's tombstone that came first).
      expect(await store.grants.open({ ...grantOf(taken), revoked_at: T }, null)).toBe(true)
      const other = refresh(taken.grant_id)
      expect((await store.authorizationCodes.redeem(taken.code_hash, T + 1, other)).outcome).toBe('refused')
      expect(await store.refreshTokens.get(other.token_hash)).toBeNull()
      for (const c of [ended, taken]) expect((await store.authorizationCodes.redeem(c.code_hash, T + 2, null)).outcome).toBe('replayed')
    })

    it('RFC 9700 §4.14.2: refreshTokens.getForRefresh reads the token with its grant, its user and whether its session lives, in one statement', async () => {
      const user = await store.users.upsert({ email: `f.${id()}@example.com`, email_verified: true, password_hash: null, claims: { name: 'F' } }, T)
      const session = { session_hash: id(), id: id(), user_id: user.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 100 }
      await store.sessions.insert(session)
      const g = grant({ user_id: user.id, session_id: session.id })
      const rt = refresh(g.id, { user_id: user.id, session_id: session.id })
      await store.grants.open(g, rt)
      expect(await store.refreshTokens.getForRefresh(rt.token_hash, T + 99)).toEqual({ token: rt, grant: g, user, sessionAlive: true })
      expect((await store.refreshTokens.getForRefresh(rt.token_hash, T + 100))?.sessionAlive).toBe(false)
      expect(await store.refreshTokens.getForRefresh(id(), T)).toBeNull()
      await store.grants.revoke(g.id, T + 5)
      const revoked = await store.refreshTokens.getForRefresh(rt.token_hash, T + 6)
      expect(revoked?.token.revoked_at).toBe(T + 5)
      expect(revoked?.grant?.revoked_at).toBe(T + 5)
      expect(await store.users.delete(user.id, T + 7)).toBe(true)
      expect((await store.refreshTokens.getForRefresh(rt.token_hash, T + 8))?.user).toBeNull()
      const clientOnly = grant()
      const crt = refresh(clientOnly.id)
      await store.grants.open(clientOnly, crt)
      expect(await store.refreshTokens.getForRefresh(crt.token_hash, T)).toEqual({ token: crt, grant: clientOnly, user: null, sessionAlive: false })
    })

    it('OIDC Core §12.2 / RFC 9470 §6 (issue 13, 0018): a grant keeps its amr through open, get, the refresh read and a code\'s redemption; a device approval carries it to the poll; none reads as unknown', async () => {
      const g = grant({ amr: ['pwd', 'otp', 'mfa'] })
      const rt = refresh(g.id)
      expect(await store.grants.open(g, rt)).toBe(true)
      expect(await store.grants.get(g.id)).toEqual(g)
      expect((await store.refreshTokens.getForRefresh(rt.token_hash, T))?.grant?.amr).toEqual(['pwd', 'otp', 'mfa'])
      // Unknown (a grant of before 0018, client credentials): absent, not an empty list.
      const unknown = grant()
      await store.grants.open(unknown, null)
      expect(await store.grants.get(unknown.id)).not.toHaveProperty('amr')
      // The code's amr (the session's at /authorize) becomes its grant's.
      const c = code(id(), { amr: ['hwk', 'user', 'mfa'] })
      await store.authorizationCodes.insert(c)
      const crt = refresh(c.grant_id, { user_id: c.user_id })
      expect((await store.authorizationCodes.redeem(c.code_hash, T + 1, crt)).outcome).toBe('opened')
      expect(await store.grants.get(c.grant_id)).toEqual(grantOf(c, T + 1))
      expect((await store.refreshTokens.getForRefresh(crt.token_hash, T + 1))?.grant?.amr).toEqual(['hwk', 'user', 'mfa'])
      // A device approval records the approving session's amr; the redeemed code returns it.
      const d = device()
      await store.deviceCodes.insert(d)
      expect(await store.deviceCodes.decide(d.user_code_hash, { status: 'approved', user_id: 'u1', auth_time: T, session_id: null, granted_scope: 'openid', amr: ['pwd', 'otp', 'mfa'] }, T)).toBe(true)
      const polled = await store.deviceCodes.poll(d.device_code_hash, T + 1)
      expect(polled.outcome === 'approved' && polled.record.amr).toEqual(['pwd', 'otp', 'mfa'])
      const old = device()
      await store.deviceCodes.insert(old)
      expect(await store.deviceCodes.decide(old.user_code_hash, { status: 'approved', user_id: 'u1', auth_time: T, session_id: null, granted_scope: 'openid' }, T)).toBe(true)
      const oldPoll = await store.deviceCodes.poll(old.device_code_hash, T + 1)
      expect(oldPoll.outcome === 'approved' && oldPoll.record).not.toHaveProperty('amr')
    })

    it('RFC 9700 §4.14.2: 50 concurrent rotations of one refresh token: exactly one rotated, the rest reused', async () => {
      const g = grant()
      const rt = refresh(g.id)
      expect(await store.grants.open(g, rt)).toBe(true)
      const nexts = Array.from({ length: 50 }, () => refresh(g.id, { created_at: T + 1 }))
      const results = await Promise.all(nexts.map((next) => store.refreshTokens.rotate(rt.token_hash, next, T + 1)))
      expect(results.filter((r) => r.outcome === 'rotated')).toHaveLength(1)
      expect(results.filter((r) => r.outcome === 'reused')).toHaveLength(49)
      const winner = results.findIndex((r) => r.outcome === 'rotated')
      expect(results[winner]).toEqual({ outcome: 'rotated', previous: { ...rt, rotated_at: T + 1 } })
      const stored = await Promise.all(nexts.map((n) => store.refreshTokens.get(n.token_hash)))
      expect(stored.filter((s) => s !== null)).toEqual([nexts[winner]])
    })

    it('RFC 9700 §4.14.2: an unknown, expired, revoked or grant-revoked refresh token does not rotate', async () => {
      const g = grant()
      expect(await store.grants.open(g, null)).toBe(true)
      const [expired, revoked, live] = [refresh(g.id, { expires_at: T + 5 }), refresh(g.id), refresh(g.id)]
      for (const t of [expired, revoked, live]) await store.refreshTokens.insert(t)
      expect(await store.refreshTokens.revoke(revoked.token_hash, T + 1)).toBe(true)
      expect(await store.refreshTokens.revoke(revoked.token_hash, T + 2)).toBe(true)
      expect((await store.refreshTokens.get(revoked.token_hash))?.revoked_at).toBe(T + 1)
      expect(await store.refreshTokens.revoke(id(), T)).toBe(false)
      expect(await store.refreshTokens.rotate(id(), refresh(g.id), T + 5)).toEqual({ outcome: 'invalid' })
      expect(await store.refreshTokens.rotate(expired.token_hash, refresh(g.id), T + 5)).toEqual({ outcome: 'invalid' })
      expect(await store.refreshTokens.rotate(revoked.token_hash, refresh(g.id), T + 5)).toEqual({ outcome: 'invalid' })
      await store.grants.revoke(g.id, T + 6)
      expect(await store.refreshTokens.rotate(live.token_hash, refresh(g.id), T + 7)).toEqual({ outcome: 'invalid' })
    })

    it('RFC 7009 §2.1 / RFC 6749 §4.1.2: revoking a grant revokes its refresh tokens, codes and access tokens', async () => {
      const g = grant()
      const other = grant()
      const [rt, c, otherRt] = [refresh(g.id), code(g.id), refresh(other.id)]
      expect(await store.grants.open(g, rt)).toBe(true)
      expect(await store.grants.open(other, otherRt)).toBe(true)
      await store.authorizationCodes.insert(c)
      // Access tokens of a grant get no row: the jti names the grant (tokens/access-token.ts).
      const jti = `${g.id}.${id()}`
      expect(await store.accessTokens.isRevoked(jti)).toBe(false)

      await store.grants.revoke(g.id, T + 10)
      await store.grants.revoke(g.id, T + 20) // idempotent: the first time stands
      expect((await store.grants.get(g.id))?.revoked_at).toBe(T + 10)
      expect((await store.refreshTokens.get(rt.token_hash))?.revoked_at).toBe(T + 10)
      expect(await store.accessTokens.isRevoked(jti)).toBe(true)
      const redeemed = await store.authorizationCodes.consume(c.code_hash, T + 11)
      expect(redeemed.record).toBeNull()
      expect(redeemed.replayed?.code_hash).toBe(c.code_hash)
      // A token the revocation missed (a racing insert) still reads as revoked through its grant.
      const late = refresh(g.id)
      await store.refreshTokens.insert(late)
      expect((await store.refreshTokens.get(late.token_hash))?.revoked_at).toBe(T + 10)
      expect((await store.refreshTokens.get(otherRt.token_hash))?.revoked_at).toBeNull()
    })

    it('RFC 7009 §2.2: accessTokens.revoke records tokens never inserted and is idempotent', async () => {
      const jti = id()
      expect(await store.accessTokens.isRevoked(jti)).toBe(false)
      await store.accessTokens.revoke({ jti, client_id: 'svc', expires_at: T + 900 }, T + 1)
      await store.accessTokens.revoke({ jti, client_id: 'svc', expires_at: T + 900 }, T + 2)
      expect(await store.accessTokens.isRevoked(jti)).toBe(true)
      // A token of a live grant is revoked on its own, by jti (RFC 7009 §2.1), the grant untouched.
      const g = grant()
      expect(await store.grants.open(g, null)).toBe(true)
      const bound = `${g.id}.${id()}`
      await store.accessTokens.revoke({ jti: bound, client_id: 'rp', expires_at: T + 900 }, T + 3)
      expect(await store.accessTokens.isRevoked(bound)).toBe(true)
      expect(await store.accessTokens.isRevoked(`${g.id}.${id()}`)).toBe(false)
      expect((await store.grants.get(g.id))?.revoked_at).toBeNull()
    })

    it('RFC 6749 §4.1.2: grants.open stores a grant with its first refresh token once; a second open of the id writes nothing', async () => {
      const g = grant({ user_id: 'u1', scope: 'openid offline_access' })
      const rt = refresh(g.id)
      expect(await store.grants.open(g, rt)).toBe(true)
      expect(await store.grants.get(g.id)).toEqual(g)
      expect(await store.refreshTokens.get(rt.token_hash)).toEqual(rt)
      const again = refresh(g.id)
      expect(await store.grants.open({ ...g, scope: 'openid' }, again)).toBe(false)
      expect(await store.grants.open(g, null)).toBe(false)
      expect(await store.refreshTokens.get(again.token_hash)).toBeNull()
      expect((await store.grants.get(g.id))?.scope).toBe('openid offline_access')
      const bare = grant()
      expect(await store.grants.open(bare, null)).toBe(true)
      expect(await store.grants.get(bare.id)).toEqual(bare)
    })

    it('RFC 6749 §4.1.2: a replayed code revokes the grant even when the replay races the first redemption', async () => {
      // Replay first: the first redemption consumed the code but has not opened its grant yet.
      const c = code(id(), { user_id: 'u-race', client_id: 'rp-race', scope: 'openid offline_access', session_id: 'sid-r' })
      await store.authorizationCodes.insert(c)
      expect((await store.authorizationCodes.consume(c.code_hash, T + 1)).record).not.toBeNull()
      const replay = await store.authorizationCodes.consume(c.code_hash, T + 2)
      expect(replay.replayed?.grant_id).toBe(c.grant_id)
      await store.grants.revoke(c.grant_id, T + 2)
      // The revocation left a revoked grant in the id's place, with the code's fields...
      expect(await store.grants.get(c.grant_id)).toEqual({ ...grantOf(c, T + 2), revoked_at: T + 2 })
      // ... so the redemption cannot open it, and nothing it would issue is stored or valid.
      const rt = refresh(c.grant_id)
      expect(await store.grants.open(grantOf(c, T + 3), rt)).toBe(false)
      expect(await store.refreshTokens.get(rt.token_hash)).toBeNull()
      expect(await store.accessTokens.isRevoked(`${c.grant_id}.${id()}`)).toBe(true)

      // Redemption first: the replay's revocation reaches the opened grant and its tokens.
      const d = code(id())
      await store.authorizationCodes.insert(d)
      expect((await store.authorizationCodes.consume(d.code_hash, T + 1)).record).not.toBeNull()
      const drt = refresh(d.grant_id)
      expect(await store.grants.open(grantOf(d, T + 1), drt)).toBe(true)
      expect(await store.accessTokens.isRevoked(`${d.grant_id}.x`)).toBe(false)
      expect((await store.authorizationCodes.consume(d.code_hash, T + 2)).replayed?.grant_id).toBe(d.grant_id)
      await store.grants.revoke(d.grant_id, T + 2)
      expect((await store.grants.get(d.grant_id))?.revoked_at).toBe(T + 2)
      expect((await store.refreshTokens.get(drt.token_hash))?.revoked_at).toBe(T + 2)
      expect(await store.accessTokens.isRevoked(`${d.grant_id}.x`)).toBe(true)

      // Truly concurrent, 20 codes at once: whichever lands first, the grant ends revoked, and an
      // open that won left its refresh token revoked with it.
      const codes = Array.from({ length: 20 }, () => code(id()))
      for (const x of codes) await store.authorizationCodes.insert(x)
      const outcomes = await Promise.all(
        codes.map(async (x) => {
          const rt = refresh(x.grant_id)
          const [opened] = await Promise.all([store.grants.open(grantOf(x, T + 5), rt), store.grants.revoke(x.grant_id, T + 5)])
          return { x, rt, opened }
        }),
      )
      for (const { x, rt, opened } of outcomes) {
        expect((await store.grants.get(x.grant_id))?.revoked_at).toBe(T + 5)
        expect(await store.accessTokens.isRevoked(`${x.grant_id}.${id()}`)).toBe(true)
        const stored = await store.refreshTokens.get(rt.token_hash)
        if (opened) expect(stored?.revoked_at).toBe(T + 5)
        else expect(stored).toBeNull()
        // Revoking also spent the code: a later redemption reads as a replay.
        expect(await store.authorizationCodes.consume(x.code_hash, T + 6)).toMatchObject({ record: null, replayed: { grant_id: x.grant_id } })
      }
    })

    it('Store: deleting a user or a client also revokes the grants their outstanding codes would open', async () => {
      const user = await store.users.upsert({ email: `codes.${id()}@example.com`, email_verified: true, password_hash: null, claims: {} }, T)
      const pending = code(id(), { user_id: user.id })
      const redeeming = code(id(), { user_id: user.id })
      for (const x of [pending, redeeming]) await store.authorizationCodes.insert(x)
      expect((await store.authorizationCodes.consume(redeeming.code_hash, T + 1)).record).not.toBeNull()
      expect(await store.users.delete(user.id, T + 2)).toBe(true)
      expect((await store.authorizationCodes.consume(pending.code_hash, T + 2)).record).toBeNull()
      expect(await store.grants.open(grantOf(redeeming, T + 2), refresh(redeeming.grant_id))).toBe(false)
      expect((await store.grants.get(redeeming.grant_id))?.revoked_at).not.toBeNull()

      const c = client()
      await store.clients.upsert(c, T)
      const ofClient = code(id(), { client_id: c.client_id })
      await store.authorizationCodes.insert(ofClient)
      expect((await store.authorizationCodes.consume(ofClient.code_hash, T + 1)).record).not.toBeNull()
      expect(await store.clients.delete(c.client_id, T + 2)).toBe(true)
      expect(await store.grants.open(grantOf(ofClient, T + 2), null)).toBe(false)
      expect(await store.accessTokens.isRevoked(`${ofClient.grant_id}.x`)).toBe(true)
    })

    it('RFC 7009 §2.1: accessTokens.isRevoked follows the grant', async () => {
      const g = grant()
      const other = grant()
      expect(await store.grants.open(g, null)).toBe(true)
      expect(await store.grants.open(other, null)).toBe(true)
      const jti = `${g.id}.${id()}`
      expect(await store.accessTokens.isRevoked(jti)).toBe(false)
      // A jti naming no stored grant, a jti without a grant, and an empty prefix are not revoked.
      expect(await store.accessTokens.isRevoked(`${id()}.${id()}`)).toBe(false)
      expect(await store.accessTokens.isRevoked(id())).toBe(false)
      expect(await store.accessTokens.isRevoked(`.${g.id}`)).toBe(false)
      await store.grants.revoke(g.id, T + 1)
      expect(await store.accessTokens.isRevoked(jti)).toBe(true)
      expect(await store.accessTokens.isRevoked(`${g.id}.${id()}`)).toBe(true)
      // Only the text before the first '.' names the grant.
      expect(await store.accessTokens.isRevoked(`${other.id}.${g.id}`)).toBe(false)
      expect(await store.accessTokens.isRevoked(`${other.id}.x`)).toBe(false)
      // Revoked by jti alone, and by both: each suffices.
      const single = `${other.id}.${id()}`
      await store.accessTokens.revoke({ jti: single, client_id: 'rp', expires_at: T + 900 }, T + 2)
      expect(await store.accessTokens.isRevoked(single)).toBe(true)
      await store.accessTokens.revoke({ jti, client_id: 'rp', expires_at: T + 900 }, T + 2)
      expect(await store.accessTokens.isRevoked(jti)).toBe(true)
    })

    it('RFC 8628 §3.5: polling sooner than the interval answers slow_down and adds 5 seconds', async () => {
      const d = device({ interval: 5 })
      await store.deviceCodes.insert(d)
      expect(await store.deviceCodes.poll(d.device_code_hash, T)).toEqual({ outcome: 'pending' })
      expect(await store.deviceCodes.poll(d.device_code_hash, T + 2)).toEqual({ outcome: 'slow_down', interval: 10 })
      // The clock restarts at the slowed poll, so 9 s later is still too soon for 10 s.
      expect(await store.deviceCodes.poll(d.device_code_hash, T + 11)).toEqual({ outcome: 'slow_down', interval: 15 })
      expect(await store.deviceCodes.poll(d.device_code_hash, T + 26)).toEqual({ outcome: 'pending' })
      expect(await store.deviceCodes.poll(d.device_code_hash, T + 41)).toEqual({ outcome: 'pending' })
    })

    it('RFC 8628 §3.5: decide acts once on a pending, unexpired code; denied polls answer denied', async () => {
      const d = device()
      await store.deviceCodes.insert(d)
      expect(await store.deviceCodes.getByUserCode(d.user_code_hash, T)).toEqual(d)
      expect(await store.deviceCodes.decide(d.user_code_hash, { ...approve, status: 'denied' }, T + 1)).toBe(true)
      expect(await store.deviceCodes.decide(d.user_code_hash, approve, T + 2)).toBe(false)
      expect(await store.deviceCodes.poll(d.device_code_hash, T + 3)).toEqual({ outcome: 'denied' })
      const late = device({ expires_at: T + 10 })
      await store.deviceCodes.insert(late)
      expect(await store.deviceCodes.decide(late.user_code_hash, approve, T + 10)).toBe(false)
      expect(await store.deviceCodes.getByUserCode(late.user_code_hash, T + 10)).toBeNull()
    })

    it('RFC 8628 §3.5: an approved device code is redeemed exactly once by 50 concurrent pollers', async () => {
      const d = device()
      await store.deviceCodes.insert(d)
      expect(await store.deviceCodes.decide(d.user_code_hash, approve, T + 1)).toBe(true)
      const results = await Promise.all(Array.from({ length: 50 }, () => store.deviceCodes.poll(d.device_code_hash, T + 2)))
      const approved = results.filter((r) => r.outcome === 'approved')
      expect(approved).toHaveLength(1)
      expect(approved[0]).toMatchObject({ record: { user_id: 'u1', granted_scope: 'openid', session_id: 's1', status: 'consumed' } })
      expect(results.every((r) => r.outcome === 'approved' || r.outcome === 'slow_down' || r.outcome === 'invalid')).toBe(true)
      expect(await store.deviceCodes.poll(d.device_code_hash, T + 1000)).toEqual({ outcome: 'invalid' })
    })

    it('RFC 8628 §3.5: an expired device code answers expired; an unknown one invalid', async () => {
      const d = device({ expires_at: T + 10 })
      await store.deviceCodes.insert(d)
      expect(await store.deviceCodes.poll(d.device_code_hash, T + 10)).toEqual({ outcome: 'expired' })
      expect(await store.deviceCodes.poll(id(), T)).toEqual({ outcome: 'invalid' })
    })

    it('RFC 7523 §3 (jti): replay.record accepts a value once among 20 concurrent callers, again only after it expired', async () => {
      const key = `jti:${id()}`
      const results = await Promise.all(Array.from({ length: 20 }, () => store.replay.record(key, T + 60, T)))
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(await store.replay.record(key, T + 120, T + 59)).toBe(false)
      expect(await store.replay.record(key, T + 120, T + 60)).toBe(true)
      expect(await store.replay.record(key, T + 180, T + 61)).toBe(false)
    })

    it('OIDC Session §2: sessions are found by cookie hash (with their user) and by sid while unexpired', async () => {
      const user = await store.users.upsert({ email: `s.${id()}@example.com`, email_verified: true, password_hash: null, claims: {} }, T)
      const s = { session_hash: id(), id: id(), user_id: user.id, auth_time: T, amr: ['pwd', 'mfa'], created_at: T, expires_at: T + 100 }
      await store.sessions.insert(s)
      expect(await store.sessions.get(s.session_hash, T + 99)).toEqual(s)
      expect(await store.sessions.getById(s.id, T + 99)).toEqual(s)
      expect(await store.sessions.getWithUser(s.session_hash, T + 99)).toEqual({ session: s, user })
      expect(await store.sessions.get(s.session_hash, T + 100)).toBeNull()
      expect(await store.sessions.getWithUser(s.session_hash, T + 100)).toBeNull()
      await store.sessions.end(s.session_hash, T)
      expect(await store.sessions.getById(s.id, T)).toBeNull()
    })

    /** @see issue 8 */
    it('OIDC RP-Initiated Logout §2 + OIDC Core §11: grants.revokeBySession ends what the session issued and keeps offline_access, detaching its pending codes and device approvals', async () => {
      const sid = id()
      const online = grant({ session_id: sid, scope: 'openid profile' })
      const offline = grant({ session_id: sid, scope: 'openid offline_access' })
      // Scope tokens are exact and case-sensitive (RFC 6749 §3.3): these are not offline_access.
      const lookalikes = [grant({ session_id: sid, scope: 'openid offline_accessx' }), grant({ session_id: sid, scope: 'OFFLINE_ACCESS' })]
      const elsewhere = grant({ session_id: id(), scope: 'openid' })
      const tokens = new Map<string, RefreshTokenRecord>()
      for (const g of [online, offline, ...lookalikes, elsewhere]) {
        tokens.set(g.id, refresh(g.id))
        expect(await store.grants.open(g, tokens.get(g.id) as RefreshTokenRecord)).toBe(true)
      }
      const pending = code(id(), { session_id: sid, scope: 'openid' })
      const redeeming = code(id(), { session_id: sid, scope: 'openid' })
      const pendingOffline = code(id(), { session_id: sid, scope: 'openid offline_access' })
      for (const c of [pending, redeeming, pendingOffline]) await store.authorizationCodes.insert(c)
      expect((await store.authorizationCodes.consume(redeeming.code_hash, T + 1)).record).not.toBeNull()
      const approvedOnline = device()
      const approvedOffline = device({ scope: 'openid offline_access' })
      for (const d of [approvedOnline, approvedOffline]) await store.deviceCodes.insert(d)
      await store.deviceCodes.decide(approvedOnline.user_code_hash, { ...approve, session_id: sid }, T + 1)
      await store.deviceCodes.decide(approvedOffline.user_code_hash, { ...approve, session_id: sid, granted_scope: 'openid offline_access' }, T + 1)

      await store.grants.revokeBySession(sid, T + 5, { keepOfflineAccess: true })
      for (const g of [online, ...lookalikes]) {
        expect((await store.grants.get(g.id))?.revoked_at, g.scope).toBe(T + 5)
        expect((await store.refreshTokens.get(tokens.get(g.id)?.token_hash as string))?.revoked_at).toBe(T + 5)
        expect(await store.accessTokens.isRevoked(`${g.id}.${id()}`)).toBe(true)
      }
      for (const g of [offline, elsewhere]) {
        expect((await store.grants.get(g.id))?.revoked_at, g.scope).toBeNull()
        expect(await store.refreshTokens.rotate(tokens.get(g.id)?.token_hash as string, refresh(g.id), T + 6)).toMatchObject({ outcome: 'rotated' })
      }
      // The session's codes open nothing any more, also the one whose redemption was under way.
      expect((await store.authorizationCodes.consume(pending.code_hash, T + 6)).record).toBeNull()
      expect(await store.grants.open(grantOf(redeeming, T + 6), refresh(redeeming.grant_id))).toBe(false)
      // The offline_access code still opens its grant, no longer in the ended session.
      expect((await store.authorizationCodes.consume(pendingOffline.code_hash, T + 6)).record).toMatchObject({ session_id: null })
      expect(await store.deviceCodes.poll(approvedOnline.device_code_hash, T + 6)).toEqual({ outcome: 'denied' })
      expect(await store.deviceCodes.poll(approvedOffline.device_code_hash, T + 6)).toMatchObject({ outcome: 'approved', record: { session_id: null } })

      // Without keepOfflineAccess nothing of the session survives.
      const all = grant({ session_id: sid, scope: 'openid offline_access' })
      expect(await store.grants.open(all, null)).toBe(true)
      await store.grants.revokeBySession(sid, T + 7, { keepOfflineAccess: false })
      expect((await store.grants.get(all.id))?.revoked_at).toBe(T + 7)
      expect((await store.grants.get(offline.id))?.revoked_at).toBe(T + 7)
      expect((await store.grants.get(online.id))?.revoked_at).toBe(T + 5) // the first revocation stands
      expect((await store.grants.get(elsewhere.id))?.revoked_at).toBeNull()
    })

    /** @see issue 8 */
    it('OIDC RP-Initiated Logout §2: sessions.end deletes the session and revokes its grants but offline_access; renew keeps the sid for its own user only', async () => {
      const user = await store.users.upsert({ email: `end.${id()}@example.com`, email_verified: true, password_hash: null, claims: {} }, T)
      const sess = { session_hash: id(), id: id(), user_id: user.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 100 }
      await store.sessions.insert(sess)
      const renewed = { session_hash: id(), user_id: user.id, auth_time: T + 10, amr: ['pwd', 'otp'], expires_at: T + 200 }
      expect(await store.sessions.renew(sess.session_hash, { ...renewed, user_id: 'someone-else' }, T + 10)).toBeNull()
      expect(await store.sessions.renew(sess.session_hash, renewed, T + 100)).toBeNull() // expired
      expect(await store.sessions.renew(sess.session_hash, renewed, T + 10)).toEqual({ ...renewed, id: sess.id, created_at: T })
      expect(await store.sessions.get(sess.session_hash, T + 10)).toBeNull()

      const online = grant({ session_id: sess.id, user_id: user.id, scope: 'openid' })
      const offline = grant({ session_id: sess.id, user_id: user.id, scope: 'openid offline_access' })
      for (const g of [online, offline]) expect(await store.grants.open(g, null)).toBe(true)
      expect(await store.sessions.end(renewed.session_hash, T + 20)).toMatchObject({ id: sess.id, user_id: user.id })
      expect(await store.sessions.getById(sess.id, T + 20)).toBeNull()
      expect((await store.grants.get(online.id))?.revoked_at).toBe(T + 20)
      expect((await store.grants.get(offline.id))?.revoked_at).toBeNull()
      expect(await store.sessions.end(renewed.session_hash, T + 21)).toBeNull()
      // An expired session is deleted and revokes nothing: expiry is not a logout.
      const expired = { ...sess, session_hash: id(), id: id(), expires_at: T + 30 }
      await store.sessions.insert(expired)
      const its = grant({ session_id: expired.id, user_id: user.id, scope: 'openid' })
      expect(await store.grants.open(its, null)).toBe(true)
      expect(await store.sessions.end(expired.session_hash, T + 30)).toBeNull()
      expect(await store.sessions.getById(expired.id, T)).toBeNull()
      expect((await store.grants.get(its.id))?.revoked_at).toBeNull()
    })

    /** @see issue 8 */
    it('RFC 9700 §4.14.2: setPasswordHash with signOut ends every session of the user and revokes all their grants, offline_access included', async () => {
      const user = await store.users.upsert({ email: `pw.${id()}@example.com`, email_verified: true, password_hash: 'h1', claims: {} }, T)
      const other = await store.users.upsert({ email: `pw2.${id()}@example.com`, email_verified: true, password_hash: 'h1', claims: {} }, T)
      const sessionOf = (u: { id: string }) => ({ session_hash: id(), id: id(), user_id: u.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 100 })
      const [a, b, c] = [sessionOf(user), sessionOf(user), sessionOf(other)]
      for (const x of [a, b, c]) await store.sessions.insert(x)
      const offline = grant({ user_id: user.id, session_id: null, scope: 'openid offline_access' })
      const theirs = grant({ user_id: other.id, scope: 'openid offline_access' })
      const rt = refresh(offline.id, { user_id: user.id })
      expect(await store.grants.open(offline, rt)).toBe(true)
      expect(await store.grants.open(theirs, null)).toBe(true)
      const pending = code(id(), { user_id: user.id, scope: 'openid offline_access' })
      await store.authorizationCodes.insert(pending)
      const approved = device()
      await store.deviceCodes.insert(approved)
      await store.deviceCodes.decide(approved.user_code_hash, { ...approve, user_id: user.id, session_id: null }, T + 1)

      // Without signOut (the CLI's --keep-sessions) nothing else changes.
      expect(await store.users.setPasswordHash(user.id, 'h2', T + 2)).toBe(true)
      expect(await store.sessions.getById(a.id, T + 2)).not.toBeNull()
      expect((await store.grants.get(offline.id))?.revoked_at).toBeNull()

      expect(await store.users.setPasswordHash(user.id, 'h3', T + 3, { signOut: true })).toBe(true)
      expect((await store.users.getById(user.id))?.password_hash).toBe('h3')
      for (const x of [a, b]) expect(await store.sessions.getById(x.id, T + 3)).toBeNull()
      expect((await store.grants.get(offline.id))?.revoked_at).toBe(T + 3)
      expect((await store.refreshTokens.get(rt.token_hash))?.revoked_at).toBe(T + 3)
      expect((await store.authorizationCodes.consume(pending.code_hash, T + 4)).record).toBeNull()
      expect(await store.deviceCodes.poll(approved.device_code_hash, T + 4)).toEqual({ outcome: 'denied' })
      // Another user is untouched; an unknown id changes nothing.
      expect(await store.sessions.getById(c.id, T + 3)).not.toBeNull()
      expect((await store.grants.get(theirs.id))?.revoked_at).toBeNull()
      expect(await store.users.setPasswordHash(id(), 'h4', T + 5, { signOut: true })).toBe(false)
    })

    it('review L1: grants.open under enabledUser writes nothing (grant nor refresh token) once the user is disabled, and opens while enabled, with the other conditions too', async () => {
      const user = await store.users.upsert({ email: `l1.${id()}@example.com`, email_verified: true, password_hash: 'h1', claims: {} }, T)
      const enabled = grant({ user_id: user.id, session_id: null })
      expect(await store.grants.open(enabled, refresh(enabled.id, { user_id: user.id }), { enabledUser: user.id })).toBe(true)
      await store.users.setDisabled(user.id, true, T + 1)
      const late = grant({ user_id: user.id, session_id: null })
      const lateToken = refresh(late.id, { user_id: user.id })
      expect(await store.grants.open(late, lateToken, { enabledUser: user.id })).toBe(false)
      expect(await store.grants.open(grant({ user_id: user.id, session_id: null }), null, { enabledUser: user.id, passwordHash: { userId: user.id, hash: 'h1' } })).toBe(false)
      expect(await store.grants.get(late.id)).toBeNull()
      expect(await store.refreshTokens.get(lateToken.token_hash)).toBeNull()
      await store.users.setDisabled(user.id, false, T + 2)
      expect(await store.grants.open(late, lateToken, { enabledUser: user.id, passwordHash: { userId: user.id, hash: 'h1' } })).toBe(true)
    })

    it('issue 14: users.setDisabled disables (ending sessions and grants, offline_access included, and refusing a conditional session insert) and enables (nothing restored); signOut ends without disabling', async () => {
      const user = await store.users.upsert({ email: `dis.${id()}@example.com`, email_verified: true, password_hash: 'h1', claims: {} }, T)
      const sessionOf = () => ({ session_hash: id(), id: id(), user_id: user.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 100 })
      const live = sessionOf()
      await store.sessions.insert(live)
      const offline = grant({ user_id: user.id, session_id: null, scope: 'openid offline_access' })
      const rt = refresh(offline.id, { user_id: user.id })
      expect(await store.grants.open(offline, rt)).toBe(true)
      expect((await store.users.getById(user.id))?.disabled_at).toBeUndefined()

      expect((await store.users.setDisabled(user.id, true, T + 1))?.disabled_at).toBe(T + 1)
      expect((await store.users.getById(user.id))?.disabled_at).toBe(T + 1)
      expect(await store.sessions.getById(live.id, T + 1)).toBeNull()
      expect((await store.refreshTokens.get(rt.token_hash))?.revoked_at).toBe(T + 1)
      expect(await store.sessions.insert(sessionOf(), { enabledUser: user.id })).toBe(false)

      expect((await store.users.setDisabled(user.id, false, T + 2))?.disabled_at).toBeUndefined()
      expect((await store.refreshTokens.get(rt.token_hash))?.revoked_at).toBe(T + 1)
      const again = sessionOf()
      expect(await store.sessions.insert(again, { enabledUser: user.id, passwordHash: { userId: user.id, hash: 'h1' } })).toBe(true)
      expect(await store.users.signOut(user.id, T + 3)).toEqual({ sessions: 1 })
      expect(await store.sessions.getById(again.id, T + 3)).toBeNull()
      expect((await store.users.getById(user.id))?.disabled_at).toBeUndefined()
      expect(await store.users.setDisabled(id(), true, T)).toBeNull()
      expect(await store.users.signOut(id(), T)).toBeNull()
    })

    it('issue 14: users.page pages by email after a cursor, or finds one email', async () => {
      const tag = id().toLowerCase().replace(/[^a-z0-9]/g, '')
      for (const n of ['b', 'a', 'c']) await store.users.upsert({ email: `zz-${tag}-${n}@example.com`, email_verified: true, password_hash: null, claims: {} }, T)
      const first = await store.users.page({ after: `zz-${tag}-` }, 2)
      expect(first.users.map((u) => u.email)).toEqual([`zz-${tag}-a@example.com`, `zz-${tag}-b@example.com`])
      expect(first.more).toBe(true)
      const one = await store.users.page({ email: `ZZ-${tag}-C@example.com` }, 50)
      expect(one).toEqual({ users: [expect.objectContaining({ email: `zz-${tag}-c@example.com` })], more: false })
    })

    it('review M3: users.page finds emails by their beginning, the LIKE wildcards _ and % taken literally', async () => {
      const tag = id().toLowerCase().replace(/[^a-z0-9]/g, '')
      for (const local of ['p_1', 'px1', 'p%2', 'q_1']) await store.users.upsert({ email: `${local}.${tag}@example.com`, email_verified: true, password_hash: null, claims: {} }, T)
      const emails = async (prefix: string) => (await store.users.page({ emailPrefix: prefix }, 50)).users.map((u) => u.email).filter((e) => e.includes(tag))
      expect(await emails('P_')).toEqual([`p_1.${tag}@example.com`])
      expect(await emails('p%')).toEqual([`p%2.${tag}@example.com`])
      expect(await emails(`p_1.${tag}`)).toEqual([`p_1.${tag}@example.com`])
      expect(await emails('q')).toEqual([`q_1.${tag}@example.com`])
    })

    /** @see issue 8 */
    it('issue 8: sessions.insert and grants.open with a condition write only while the checked password hash is stored and the session exists', async () => {
      const user = await store.users.upsert({ email: `cond.${id()}@example.com`, email_verified: true, password_hash: 'h1', claims: {} }, T)
      const checked = { passwordHash: { userId: user.id, hash: 'h1' } }
      const sessionOf = () => ({ session_hash: id(), id: id(), user_id: user.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 100 })
      const live = sessionOf()
      expect(await store.sessions.insert(live, checked)).toBe(true)
      expect(await store.sessions.getById(live.id, T)).toEqual(live)
      const g = grant({ user_id: user.id, session_id: live.id, resource: 'https://api.example/a' })
      const rt = refresh(g.id, { user_id: user.id, session_id: live.id })
      expect(await store.grants.open(g, rt, { ...checked, sessionId: live.id })).toBe(true)
      expect(await store.grants.get(g.id)).toEqual(g)
      expect(await store.refreshTokens.get(rt.token_hash)).toEqual(rt)

      // A session that no longer exists (ended, or never was) opens nothing; an expired one still does.
      const gone = grant({ user_id: user.id, session_id: id() })
      expect(await store.grants.open(gone, refresh(gone.id), { sessionId: gone.session_id as string })).toBe(false)
      expect(await store.grants.get(gone.id)).toBeNull()
      expect(await store.grants.open(grant({ user_id: user.id, session_id: live.id }), null, { sessionId: live.id })).toBe(true)

      // The password changed after it was checked: neither a session nor a grant is written.
      expect(await store.users.setPasswordHash(user.id, 'h2', T + 1)).toBe(true)
      const late = sessionOf()
      expect(await store.sessions.insert(late, checked)).toBe(false)
      expect(await store.sessions.getById(late.id, T)).toBeNull()
      const stale = grant({ user_id: user.id })
      expect(await store.grants.open(stale, refresh(stale.id, { user_id: user.id }), checked)).toBe(false)
      expect(await store.grants.open(stale, null, checked)).toBe(false)
      expect(await store.grants.get(stale.id)).toBeNull()
      expect(await store.grants.open(stale, null, { passwordHash: { userId: user.id, hash: 'h2' } })).toBe(true)
    })

    /** @see issue 8 */
    ;(dialect.name === 'postgres' ? it : it.skip)('issue 8 (PostgreSQL READ COMMITTED): a conditional write (a session, a grant, a code\'s redemption) waits for an uncommitted password change or logout, then writes nothing', async () => {
      const raw = new pg.Client({ connectionString: PG_URL })
      await raw.connect()
      await raw.query(`SET search_path TO "${new URL(url).searchParams.get('schema')}"`)
      /** Runs `write` while another node's `change` has written but not committed; commits once `write` waits on its row lock. */
      const whileUncommitted = async (change: [string, unknown[]], write: () => Promise<boolean>): Promise<boolean> => {
        await raw.query('BEGIN')
        await raw.query(...change)
        let settled = false
        const pending = write().finally(() => (settled = true))
        // Without FOR SHARE the write does not wait: it goes through before the commit.
        for (let i = 0; i < 500 && !settled; i++) {
          const { rows } = await raw.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")
          if ((rows[0]?.n ?? 0) > 0) break
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        await raw.query('COMMIT')
        return pending
      }
      try {
        const newUser = () => store.users.upsert({ email: `lock.${id()}@example.com`, email_verified: true, password_hash: 'h1', claims: {} }, T)
        const sessionOf = (u: { id: string }) => ({ session_hash: id(), id: id(), user_id: u.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 100 })
        const changePassword = (u: { id: string }): [string, unknown[]] => ['UPDATE users SET password_hash = $1 WHERE id = $2', ['h2', u.id]]

        const signingIn = await newUser()
        const session = sessionOf(signingIn)
        expect(await whileUncommitted(changePassword(signingIn), () => store.sessions.insert(session, { passwordHash: { userId: signingIn.id, hash: 'h1' } }))).toBe(false)
        expect(await store.sessions.getById(session.id, T)).toBeNull()

        const granting = await newUser()
        const g = grant({ user_id: granting.id })
        expect(await whileUncommitted(changePassword(granting), () => store.grants.open(g, refresh(g.id, { user_id: granting.id }), { passwordHash: { userId: granting.id, hash: 'h1' } }))).toBe(false)
        expect(await store.grants.get(g.id)).toBeNull()

        const ended = sessionOf(await newUser())
        await store.sessions.insert(ended)
        const inSession = grant({ session_id: ended.id })
        expect(await whileUncommitted(['DELETE FROM sessions WHERE id = $1', [ended.id]], () => store.grants.open(inSession, null, { sessionId: ended.id }))).toBe(false)
        expect(await store.grants.get(inSession.id)).toBeNull()

        const loggingOut = await newUser()
        const live = sessionOf(loggingOut)
        await store.sessions.insert(live)
        const pending = code(id(), { user_id: loggingOut.id, session_id: live.id })
        await store.authorizationCodes.insert(pending)
        const redeemed = () => store.authorizationCodes.redeem(pending.code_hash, T + 1, refresh(pending.grant_id)).then((r) => r.outcome === 'opened')
        expect(await whileUncommitted(['DELETE FROM sessions WHERE id = $1', [live.id]], redeemed)).toBe(false)
        expect(await store.grants.get(pending.grant_id)).toBeNull()
      } finally {
        await raw.end()
      }
    })

    it('OIDC Core §3.1.2.4: consents.grant unions scopes, also when granted concurrently', async () => {
      const user = await store.users.upsert({ email: `c.${id()}@example.com`, email_verified: true, password_hash: null, claims: {} }, T)
      const api = 'https://api.example/a'
      expect(await store.consents.get(user.id, 'rp', api)).toBeNull()
      await store.consents.grant(user.id, 'rp', api, ['openid', 'profile', 'openid'], T)
      await Promise.all([
        store.consents.grant(user.id, 'rp', api, ['email'], T + 1),
        store.consents.grant(user.id, 'rp', api, ['profile', 'read:data'], T + 2),
      ])
      const consent = await store.consents.get(user.id, 'rp', api)
      expect(consent?.scopes.sort()).toEqual(['email', 'openid', 'profile', 'read:data'])
      expect(consent?.updated_at).toBe(T + 2)
      expect(await store.consents.get(user.id, 'other', api)).toBeNull()
    })

    /** @see issue 8 */
    it('RFC 8707 §2: consent is remembered per resource; consent for one API (or for none) does not count for another', async () => {
      const user = await store.users.upsert({ email: `r.${id()}@example.com`, email_verified: true, password_hash: null, claims: {} }, T)
      await store.consents.grant(user.id, 'rp', 'https://api.example/a', ['read:data'], T)
      await store.consents.grant(user.id, 'rp', null, ['openid'], T + 1)
      expect(await store.consents.get(user.id, 'rp', 'https://api.example/b')).toBeNull()
      expect(await store.consents.get(user.id, 'rp', 'https://api.example/a')).toMatchObject({ resource: 'https://api.example/a', scopes: ['read:data'] })
      expect(await store.consents.get(user.id, 'rp', null)).toMatchObject({ resource: null, scopes: ['openid'] })
    })

    it('Store: an interaction is taken once, by one of 20 concurrent submits', async () => {
      const i = { id: id(), kind: 'authorization' as const, client_id: 'rp', params: { scope: 'openid', nested: { a: [1] } }, user_id: null, auth_time: null, session_id: null, created_at: T, expires_at: T + 600 }
      await store.interactions.insert(i)
      await store.interactions.update(i.id, { user_id: 'u1', auth_time: T + 5 })
      await store.interactions.update(i.id, {})
      expect(await store.interactions.get(i.id, T + 6)).toEqual({ ...i, user_id: 'u1', auth_time: T + 5 })
      const taken = await Promise.all(Array.from({ length: 20 }, () => store.interactions.take(i.id, T + 7)))
      expect(taken.filter((t) => t !== null)).toHaveLength(1)
      expect(await store.interactions.get(i.id, T + 7)).toBeNull()
      const expired = { ...i, id: id(), expires_at: T + 10 }
      await store.interactions.insert(expired)
      expect(await store.interactions.take(expired.id, T + 10)).toBeNull()
    })

    it('Store: sweep deletes rows past their expiry and keeps live ones', async () => {
      const now = T + 50_000_000 // later than every other test's rows
      const g = grant()
      expect(await store.grants.open(g, null)).toBe(true)
      const [oldCode, liveCode] = [code(g.id, { expires_at: now - 1 }), code(g.id, { expires_at: now + 60 })]
      const [oldRt, liveRt] = [refresh(g.id, { expires_at: now }), refresh(g.id, { expires_at: now + 60 })]
      for (const c of [oldCode, liveCode]) await store.authorizationCodes.insert(c)
      for (const t of [oldRt, liveRt]) await store.refreshTokens.insert(t)
      const [oldJti, liveJti] = [id(), id()]
      await store.accessTokens.revoke({ jti: oldJti, client_id: 'rp', expires_at: now - 1 }, now - 10)
      await store.accessTokens.revoke({ jti: liveJti, client_id: 'rp', expires_at: now + 1 }, now - 10)
      const oldDevice = device({ expires_at: now - 1 })
      await store.deviceCodes.insert(oldDevice)
      // Added, then retired by a successor, long enough ago that its grace is over.
      const retired = { kid: `old-${id()}`, alg: 'ES256', public_jwk: {}, private_jwk_encrypted: 'jwe', created_at: T, activates_at: T, generation: (await store.keys.latestGeneration()) + 1, companion_of: null, retired_at: null, expires_at: null }
      await store.keys.add(retired, now - 1)
      const successor = { ...retired, kid: `new-${id()}`, generation: retired.generation + 1, activates_at: now - 100 }
      await store.keys.add(successor, now - 1)
      await store.replay.record(`old:${id()}`, now - 1, now - 2)
      const replayLive = `live:${id()}`
      await store.replay.record(replayLive, now + 60, now - 2)

      // No retention: the rules that keep grants and device codes longer have tests of their own below.
      await store.sweep(now, { grantRetention: 0, deviceCodeRetention: 0 })

      expect(await store.authorizationCodes.consume(oldCode.code_hash, now - 100)).toEqual({ record: null, replayed: null })
      expect((await store.authorizationCodes.consume(liveCode.code_hash, now)).record?.code_hash).toBe(liveCode.code_hash)
      expect(await store.refreshTokens.get(oldRt.token_hash)).toBeNull()
      expect(await store.refreshTokens.get(liveRt.token_hash)).not.toBeNull()
      expect(await store.accessTokens.isRevoked(oldJti)).toBe(false)
      expect(await store.accessTokens.isRevoked(liveJti)).toBe(true)
      expect(await store.deviceCodes.poll(oldDevice.device_code_hash, now - 100)).toEqual({ outcome: 'invalid' })
      expect((await store.keys.list(0)).some((k) => k.kid === retired.kid)).toBe(false)
      expect(await store.replay.record(replayLive, now + 60, now)).toBe(false)
    })

    /** @see issue 8 */
    it('RFC 7009 §2.1: a revoked grant outlives every access token under it; the sweep takes it only once none can be valid', async () => {
      const base = T + 60_000_000
      const ttl = 900
      const policy = { grantRetention: ttl + 300, deviceCodeRetention: 0 }
      // A grant without refresh tokens, revoked at base + 100: its access tokens were issued by then.
      const plain = grant({ created_at: base })
      expect(await store.grants.open(plain, null)).toBe(true)
      await store.grants.revoke(plain.id, base + 100)
      const jti = `${plain.id}.token`
      for (const at of [base + 100, base + 100 + ttl, base + 99 + policy.grantRetention]) {
        await store.sweep(at, policy)
        expect(await store.accessTokens.isRevoked(jti), `swept at +${at - base}`).toBe(true)
      }
      await store.sweep(base + 100 + policy.grantRetention, policy)
      expect(await store.grants.get(plain.id)).toBeNull()

      // A grant whose refresh tokens live on is kept (revoked or not), and is swept, together
      // with its last refresh token, only after that token expired longer ago than the retention.
      const family = grant({ created_at: base })
      const rt = refresh(family.id, { created_at: base, expires_at: base + 10_000 })
      expect(await store.grants.open(family, rt)).toBe(true)
      await store.grants.revoke(family.id, base + 200)
      await store.sweep(base + 9_999 + policy.grantRetention, policy)
      expect(await store.accessTokens.isRevoked(`${family.id}.token`)).toBe(true)
      expect(await store.refreshTokens.get(rt.token_hash)).toMatchObject({ revoked_at: base + 200 })
      await store.sweep(base + 10_000 + policy.grantRetention, policy)
      expect(await store.grants.get(family.id)).toBeNull()
      expect(await store.refreshTokens.get(rt.token_hash)).toBeNull()

      // A grant that a code still names stays (the code could otherwise open it afresh), also
      // when it is a tombstone written by revoking before redemption.
      const c = code(id(), { created_at: base, expires_at: base + 5_000 })
      await store.authorizationCodes.insert(c)
      await store.grants.revoke(c.grant_id, base + 10)
      await store.sweep(base + 4_999, policy)
      expect((await store.grants.get(c.grant_id))?.revoked_at).toBe(base + 10)
      expect(await store.grants.open(grantOf(c), null)).toBe(false)
      await store.sweep(base + 5_000, policy)
      expect(await store.grants.get(c.grant_id)).toBeNull()

      // An unrevoked grant goes the same way: its tokens have all expired, nothing refers to it.
      const old = grant({ created_at: base })
      expect(await store.grants.open(old, null)).toBe(true)
      await store.sweep(base - 1 + policy.grantRetention, policy)
      expect(await store.grants.get(old.id)).not.toBeNull()
      await store.sweep(base + policy.grantRetention, policy)
      expect(await store.grants.get(old.id)).toBeNull()
    })

    /** @see issue 8 */
    it('RFC 8628 §3.5: an expired device code is kept for the retention, so polls answer expired, then swept', async () => {
      const base = T + 61_000_000
      const d = device({ created_at: base, expires_at: base + 600 })
      await store.deviceCodes.insert(d)
      await store.sweep(base + 600 + 3_599, { deviceCodeRetention: 3_600 })
      expect(await store.deviceCodes.poll(d.device_code_hash, base + 600 + 3_599)).toEqual({ outcome: 'expired' })
      await store.sweep(base + 600 + 3_600, { deviceCodeRetention: 3_600 })
      expect(await store.deviceCodes.poll(d.device_code_hash, base + 600 + 3_600)).toEqual({ outcome: 'invalid' })
    })

    /** @see issue 8 */
    it('Store: interactions and device codes are counted up to a limit, only while unexpired', async () => {
      const base = T + 62_000_000
      for (let i = 0; i < 5; i++) {
        await store.interactions.insert({ id: id(), kind: 'authorization', client_id: 'rp', params: {}, user_id: null, auth_time: null, session_id: null, created_at: base, expires_at: base + 10 + i })
        await store.deviceCodes.insert(device({ created_at: base, expires_at: base + 10 + i }))
      }
      expect(await store.interactions.countActive(base, 100)).toBe(5)
      expect(await store.interactions.countActive(base, 3)).toBe(3)
      expect(await store.interactions.countActive(base + 12, 100)).toBe(2)
      expect(await store.deviceCodes.countActive(base, 100)).toBe(5)
      expect(await store.deviceCodes.countActive(base + 14, 100)).toBe(0)
      // The interaction's lifetime can be extended (once someone signs in to it).
      const i = { id: id(), kind: 'authorization' as const, client_id: 'rp', params: {}, user_id: null, auth_time: null, session_id: null, created_at: base, expires_at: base + 10 }
      await store.interactions.insert(i)
      await store.interactions.update(i.id, { user_id: 'u1', expires_at: base + 3_600 })
      expect(await store.interactions.get(i.id, base + 3_000)).toMatchObject({ user_id: 'u1', expires_at: base + 3_600 })
    })

    /** @see issue 8 */
    it('Store: at the interaction cap, the oldest unexpired interactions nobody signed in to are evicted, a bounded batch in one statement', async () => {
      const base = T + 65_000_000
      const make = (expires: number, user_id: string | null = null) => ({ id: id(), kind: 'authorization' as const, client_id: 'rp', params: {}, user_id, auth_time: null, session_id: null, created_at: base, expires_at: base + expires })
      const expired = make(-1)
      const signedIn = make(5, 'u1')
      const anonymous = [make(9), make(7), make(8), make(10)]
      for (const i of [expired, signedIn, ...anonymous]) await store.interactions.insert(i)
      expect(await store.evictAnonymousInteractions(base, 2)).toBe(2)
      const left = async (i: { id: string }) => (await store.interactions.get(i.id, base)) !== null
      // The two that expire first (the oldest) went; the signed-in one, older still, stays.
      expect(await Promise.all(anonymous.map(left))).toEqual([true, false, false, true])
      expect(await left(signedIn)).toBe(true)
      expect(await store.evictAnonymousInteractions(base, 10)).toBe(2)
      expect(await store.evictAnonymousInteractions(base, 10)).toBe(0)
      expect(await left(signedIn)).toBe(true)
      // Leave nothing for the cases that count rows at earlier times.
      expect(await store.interactions.take(signedIn.id, base)).not.toBeNull()
      expect(await store.interactions.take(expired.id, base - 2)).not.toBeNull()
    })

    /** @see issue 8 */
    it('Store: two nodes sweeping the same rows at once both succeed, in batches, and delete each row once', async () => {
      const base = T + 63_000_000
      const other = await createStore(url)
      await store.sweep(base, { grantRetention: 0, deviceCodeRetention: 0 }) // earlier tests' rows
      try {
        const devices = Array.from({ length: 300 }, () => device({ created_at: base, expires_at: base + 1 }))
        const interactions = Array.from({ length: 300 }, () => ({ id: id(), kind: 'authorization' as const, client_id: 'rp', params: { state: 'x'.repeat(100) }, user_id: null, auth_time: null, session_id: null, created_at: base, expires_at: base + 1 }))
        const grants = Array.from({ length: 100 }, () => grant({ created_at: base, revoked_at: base }))
        await Promise.all([
          ...devices.map((d) => store.deviceCodes.insert(d)),
          ...interactions.map((i) => store.interactions.insert(i)),
          ...grants.map((g) => store.grants.open(g, refresh(g.id, { created_at: base, expires_at: base + 1 }))),
        ])
        const policy = { grantRetention: 0, deviceCodeRetention: 0, batchSize: 25 }
        const [a, b, c] = await Promise.all([store.sweep(base + 2, policy), other.sweep(base + 2, policy), store.sweep(base + 2, policy)])
        expect(a.device_codes + b.device_codes + c.device_codes).toBe(300)
        expect(a.interactions + b.interactions + c.interactions).toBe(300)
        expect(a.grants + b.grants + c.grants).toBe(100)
        expect(await store.deviceCodes.countActive(base, 1_000)).toBe(0)
        expect(await store.interactions.countActive(base, 1_000)).toBe(0)
        for (const g of grants.slice(0, 10)) expect(await store.grants.get(g.id)).toBeNull()
      } finally {
        await other.close()
      }
    })

    /** @see issue 8 */
    it('Store: sweeps on two nodes racing revocations and rotations of the same grants raise no error and keep every live token', async () => {
      const base = T + 64_000_000
      // SQLite: one writer per file, and two connections in one process would block each other's
      // open transactions on the one event loop; nodes on SQLite are processes, so share the store.
      const other = dialect.name === 'sqlite' ? store : await createStore(url)
      try {
        const policy = { grantRetention: 1_200, deviceCodeRetention: 0, batchSize: 10 }
        // Sweepable: old, revoked, tokens long expired. Live: refresh tokens valid for an hour.
        const dead = Array.from({ length: 60 }, () => grant({ created_at: base - 10_000, revoked_at: base - 9_000 }))
        const live = Array.from({ length: 30 }, () => grant({ created_at: base - 10_000 }))
        const liveTokens = live.map((g) => refresh(g.id, { created_at: base - 10_000, expires_at: base + 3_600 }))
        for (const g of dead) await store.grants.open(g, refresh(g.id, { created_at: base - 10_000, expires_at: base - 8_000 }))
        for (const [i, g] of live.entries()) await store.grants.open(g, liveTokens[i] as RefreshTokenRecord)
        const work: Promise<unknown>[] = []
        for (let round = 0; round < 3; round++) {
          work.push(store.sweep(base, policy), other.sweep(base, policy))
          for (const [i, g] of live.entries()) {
            if (i % 3 === round) work.push((i % 2 === 0 ? store : other).grants.revoke(g.id, base))
          }
          for (const [i, t] of liveTokens.entries()) {
            if (i % 3 === (round + 1) % 3) work.push(store.refreshTokens.rotate(t.token_hash, refresh(t.grant_id, { created_at: base, expires_at: t.expires_at }), base))
          }
        }
        const settled = await Promise.allSettled(work)
        expect(settled.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([])
        for (const g of dead) expect(await store.grants.get(g.id)).toBeNull()
        for (const g of live) {
          expect(await store.grants.get(g.id), 'a grant with a live refresh token is kept').not.toBeNull()
          expect(await store.accessTokens.isRevoked(`${g.id}.t`)).toBe(true)
        }
      } finally {
        if (other !== store) await other.close()
      }
    })

    describe('organizations (issue 10)', () => {
      const org = () => `org-${randomBytes(6).toString('hex')}`
      const user = async () => store.users.upsert({ email: `m-${id()}@example.com`, email_verified: true, password_hash: null, claims: {} }, T)

      it('organizations.upsert round-trips and updates name and domains in place; list and get; delete', async () => {
        const o = org()
        const created = await store.organizations.upsert({ id: o, name: 'Acme Corp', domains: ['acme.example'] }, T)
        expect(created).toEqual({ id: o, name: 'Acme Corp', domains: ['acme.example'], created_at: T, updated_at: T })
        const renamed = await store.organizations.upsert({ id: o, name: 'Acme', domains: [] }, T + 5)
        expect(renamed).toEqual({ id: o, name: 'Acme', domains: [], created_at: T, updated_at: T + 5 })
        expect(await store.organizations.get(o)).toEqual(renamed)
        expect((await store.organizations.list()).filter((x) => x.id === o)).toEqual([renamed])
        expect(await store.organizations.delete(o, T + 6)).toBe(true)
        expect(await store.organizations.delete(o, T + 6)).toBe(false)
        expect(await store.organizations.get(o)).toBeNull()
      })

      it('memberships: addMember sets roles, joinIfAbsent never changes an existing member, removeMember ends it; unknown ids are false, not errors', async () => {
        const o = org()
        await store.organizations.upsert({ id: o, name: 'Org', domains: [] }, T)
        const u = await user()
        expect(await store.organizations.membership(o, u.id)).toBeNull()
        expect(await store.organizations.addMember(o, u.id, ['admin', 'admin', 'billing'], T)).toBe(true)
        expect(await store.organizations.membership(o, u.id)).toEqual({ organization: expect.objectContaining({ id: o, name: 'Org' }), roles: ['admin', 'billing'] })
        expect(await store.organizations.joinIfAbsent(o, u.id, ['member'], T + 1)).toBe(false)
        expect((await store.organizations.membership(o, u.id))?.roles).toEqual(['admin', 'billing'])
        expect(await store.organizations.addMember(o, u.id, ['viewer'], T + 2)).toBe(true)
        expect((await store.organizations.membership(o, u.id))?.roles).toEqual(['viewer'])
        expect((await store.organizations.members(o)).map((m) => [m.user.id, m.roles])).toEqual([[u.id, ['viewer']]])
        expect(await store.organizations.removeMember(o, u.id, T + 3)).toBe(true)
        expect(await store.organizations.removeMember(o, u.id, T + 3)).toBe(false)
        expect(await store.organizations.membership(o, u.id)).toBeNull()
        expect(await store.organizations.joinIfAbsent(o, u.id, ['member'], T + 4)).toBe(true)
        expect(await store.organizations.addMember(`nope-${o}`, u.id, [], T)).toBe(false)
        expect(await store.organizations.addMember(o, id(), [], T)).toBe(false)
        expect(await store.organizations.joinIfAbsent(`nope-${o}`, u.id, [], T)).toBe(false)
      })

      it('membershipsOf lists a user\'s organizations by name then id, up to the limit; members go with their user and their organization', async () => {
        const u = await user()
        const ids = [org(), org(), org()]
        const names = ['Zeta', 'Alpha', 'Alpha']
        for (const [i, o] of ids.entries()) {
          await store.organizations.upsert({ id: o, name: names[i] as string, domains: [] }, T)
          await store.organizations.addMember(o, u.id, [`r${i}`], T)
        }
        const listed = await store.organizations.membershipsOf(u.id, 10)
        expect(listed.map((m) => m.organization.name)).toEqual(['Alpha', 'Alpha', 'Zeta'])
        expect(listed.map((m) => m.organization.id).slice(0, 2)).toEqual([ids[1], ids[2]].sort())
        expect(await store.organizations.membershipsOf(u.id, 2)).toHaveLength(2)
        await store.organizations.delete(ids[0] as string, T)
        expect(await store.organizations.membershipsOf(u.id, 10)).toHaveLength(2)
        await store.users.delete(u.id, T)
        expect(await store.organizations.members(ids[1] as string)).toEqual([])
      })

      it('withDomain matches a listed domain exactly, never a longer or shorter name', async () => {
        const o = org()
        const domain = `${o}.example`
        await store.organizations.upsert({ id: o, name: 'D', domains: ['other.example', domain] }, T)
        expect((await store.organizations.withDomain(domain)).map((x) => x.id)).toEqual([o])
        expect((await store.organizations.withDomain(domain.toUpperCase())).map((x) => x.id)).toEqual([o])
        expect(await store.organizations.withDomain(`x${domain}`)).toEqual([])
        expect(await store.organizations.withDomain(`${domain}.org`)).toEqual([])
        expect(await store.organizations.withDomain(domain.slice(1))).toEqual([])
      })

      it('RFC 6749 §4.1.2: a code carries its organization into the grant it opens and into a revocation tombstone', async () => {
        const o = org()
        const opened = code(id(), { organization_id: o })
        await store.authorizationCodes.insert(opened)
        expect((await store.authorizationCodes.redeem(opened.code_hash, T + 1, null)).outcome).toBe('opened')
        expect((await store.grants.get(opened.grant_id))?.organization_id).toBe(o)
        const tombstoned = code(id(), { organization_id: o })
        await store.authorizationCodes.insert(tombstoned)
        await store.grants.revoke(tombstoned.grant_id, T + 1)
        expect(await store.grants.get(tombstoned.grant_id)).toMatchObject({ organization_id: o, revoked_at: T + 1 })
      })

      it('RFC 7009 §2.1: deleting an organization revokes its grants, their refresh tokens and unredeemed codes, and nothing else', async () => {
        const o = org()
        await store.organizations.upsert({ id: o, name: 'Gone', domains: [] }, T)
        const mine = grant({ organization_id: o })
        const other = grant({ organization_id: null })
        const rt = refresh(mine.id)
        await store.grants.open(mine, rt)
        await store.grants.open(other, null)
        const pending = code(id(), { organization_id: o })
        await store.authorizationCodes.insert(pending)
        expect(await store.organizations.delete(o, T + 10)).toBe(true)
        expect((await store.grants.get(mine.id))?.revoked_at).toBe(T + 10)
        expect((await store.grants.get(other.id))?.revoked_at).toBeNull()
        expect((await store.refreshTokens.get(rt.token_hash))?.revoked_at).toBe(T + 10)
        expect((await store.authorizationCodes.redeem(pending.code_hash, T + 11, null)).outcome).toBe('replayed')
        expect((await store.grants.get(pending.grant_id))?.revoked_at).toBe(T + 10)
      })

      it('users: roles and attributes round-trip; update replaces them; an upsert that omits them keeps what is stored', async () => {
        const email = `r-${id()}@example.com`
        const created = await store.users.upsert({ email, email_verified: true, password_hash: null, claims: {}, roles: ['staff'], attributes: { department: 'research', projects: ['p1', 'p2'] } }, T)
        expect(created).toMatchObject({ roles: ['staff'], attributes: { department: 'research', projects: ['p1', 'p2'] } })
        expect(await store.users.update(created.id, { roles: ['ops'] }, T + 1)).toBe(true)
        expect(await store.users.getById(created.id)).toMatchObject({ roles: ['ops'], attributes: { department: 'research' }, updated_at: T + 1 })
        const again = await store.users.upsert({ email, email_verified: true, password_hash: null, claims: { name: 'R' } }, T + 2)
        expect(again).toMatchObject({ roles: ['ops'], attributes: { department: 'research', projects: ['p1', 'p2'] } })
        expect(await store.users.update(id(), { roles: [] }, T)).toBe(false)
        const bare = await store.users.upsert({ email: `b-${id()}@example.com`, email_verified: false, password_hash: null, claims: {} }, T)
        expect(bare).toMatchObject({ roles: [], attributes: {} })
      })
    })

    describe('tenants (issue 11)', () => {
      const tenantId = () => `t-${randomBytes(5).toString('hex')}`
      const key = (generation: number, at = T) =>
        ({ kid: `k-${id()}`, alg: 'ES256', public_jwk: { kty: 'EC' }, private_jwk_encrypted: 'jwe', created_at: at, activates_at: at, generation, companion_of: null, retired_at: null, expires_at: null })

      it('issue 11: forTenant(default) is the root store; a malformed tenant id is refused', () => {
        expect(store.forTenant('default')).toBe(store)
        expect(store.forTenant(tenantId()).forTenant('default')).toBe(store)
        for (const bad of ['', 'Acme', 'a_b', 'a'.repeat(65), 'a/b']) expect(() => store.forTenant(bad), bad).toThrow(InvalidTenantError)
      })

      it('issue 11: the same client id, email, organization id, key generation and replay key exist in two tenants independently', async () => {
        const [a, b] = [store.forTenant(tenantId()), store.forTenant(tenantId())]
        const c = client()
        await a.clients.upsert({ ...c, client_name: 'A' }, T)
        await b.clients.upsert({ ...c, client_name: 'B' }, T)
        expect((await a.clients.get(c.client_id))?.client_name).toBe('A')
        expect((await b.clients.get(c.client_id))?.client_name).toBe('B')
        expect(await store.clients.get(c.client_id)).toBeNull()
        expect((await a.clients.list()).map((x) => x.client_name)).toEqual(['A'])
        expect(await a.clients.delete(c.client_id, T)).toBe(true)
        expect((await b.clients.get(c.client_id))?.client_name).toBe('B')

        const email = `same.${id()}@example.com`
        const ua = await a.users.upsert({ email, email_verified: true, password_hash: 'ha', claims: {} }, T)
        const ub = await b.users.upsert({ email, email_verified: false, password_hash: 'hb', claims: {} }, T)
        expect(ua.id).not.toBe(ub.id)
        expect(await a.users.getByEmail(email)).toEqual(ua)
        expect(await b.users.getByEmail(email)).toEqual(ub)
        expect(await store.users.getByEmail(email)).toBeNull()
        expect(await b.users.getById(ua.id)).toBeNull()
        expect(await b.users.list()).toEqual([ub])
        expect(await b.users.update(ua.id, { roles: ['x'] }, T)).toBe(false)
        expect(await b.users.setPasswordHash(ua.id, 'stolen', T, { signOut: true })).toBe(false)
        expect(await b.users.delete(ua.id, T)).toBe(false)
        expect(await a.users.getById(ua.id)).toEqual(ua)
        // An id taken in another tenant is not silently another tenant's user.
        await expect(b.users.upsert({ id: ua.id, email: `other.${id()}@example.com`, email_verified: false, password_hash: null, claims: {} }, T)).rejects.toThrow()

        const o = `org-${randomBytes(4).toString('hex')}`
        await a.organizations.upsert({ id: o, name: 'Org A', domains: ['same.example'] }, T)
        await b.organizations.upsert({ id: o, name: 'Org B', domains: ['same.example'] }, T)
        expect((await a.organizations.get(o))?.name).toBe('Org A')
        expect((await b.organizations.withDomain('same.example')).map((x) => x.name)).toEqual(['Org B'])
        expect(await a.organizations.list()).toEqual([expect.objectContaining({ name: 'Org A' })])
        expect(await a.organizations.addMember(o, ua.id, ['admin'], T)).toBe(true)
        // A's user is no member of B's organization of the same id, and cannot be made one through B.
        expect(await b.organizations.membership(o, ua.id)).toBeNull()
        expect(await b.organizations.addMember(o, ua.id, ['admin'], T)).toBe(false)
        expect(await b.organizations.joinIfAbsent(o, ua.id, ['member'], T)).toBe(false)
        expect(await b.organizations.membershipsOf(ua.id, 10)).toEqual([])
        expect(await b.organizations.members(o)).toEqual([])
        expect(await b.organizations.removeMember(o, ua.id, T)).toBe(false)
        expect(await a.organizations.membership(o, ua.id)).toEqual({ organization: expect.objectContaining({ name: 'Org A' }), roles: ['admin'] })
        expect(await a.organizations.membershipsOf(ua.id, 10)).toEqual([{ organization: expect.objectContaining({ name: 'Org A' }), roles: ['admin'] }])
        expect((await a.organizations.members(o)).map((m) => m.user.id)).toEqual([ua.id])
        expect(await b.organizations.delete(o, T)).toBe(true)
        expect(await a.organizations.membership(o, ua.id)).not.toBeNull()

        // Generations count per tenant; a new key retires its own tenant's keys only.
        const [ka, kb] = [key(1), key(1)]
        expect(await a.keys.add(ka, T + 100)).toBe(true)
        expect(await b.keys.add(kb, T + 100)).toBe(true)
        expect(await a.keys.add(key(1), T + 100)).toBe(false)
        expect([await a.keys.latestGeneration(), await b.keys.latestGeneration()]).toEqual([1, 1])
        const ka2 = key(2, T + 1)
        expect(await a.keys.add(ka2, T + 100)).toBe(true)
        expect((await a.keys.list(T)).map((k) => [k.kid, k.retired_at])).toEqual([[ka2.kid, null], [ka.kid, T + 1]])
        expect((await b.keys.list(T)).map((k) => [k.kid, k.retired_at])).toEqual([[kb.kid, null]])
        expect((await store.keys.list(T)).some((k) => k.kid === ka.kid || k.kid === kb.kid)).toBe(false)

        const jti = id()
        expect(await a.replay.record(jti, T + 60, T)).toBe(true)
        expect(await b.replay.record(jti, T + 60, T)).toBe(true)
        expect(await a.replay.record(jti, T + 60, T)).toBe(false)
        expect(await store.replay.record(jti, T + 60, T)).toBe(true)
      })

      it('issue 11: a code, grant, refresh token, access-token revocation, session, device code, interaction and consent of tenant A is not found, consumed, revoked or listed through tenant B', async () => {
        const [a, b] = [store.forTenant(tenantId()), store.forTenant(tenantId())]
        const user = await a.users.upsert({ email: `iso.${id()}@example.com`, email_verified: true, password_hash: 'h', claims: {} }, T)
        const session = { session_hash: id(), id: id(), user_id: user.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 600 }
        expect(await a.sessions.insert(session)).toBe(true)
        expect(await b.sessions.get(session.session_hash, T)).toBeNull()
        expect(await b.sessions.getWithUser(session.session_hash, T)).toBeNull()
        expect(await b.sessions.getById(session.id, T)).toBeNull()
        expect(await b.sessions.renew(session.session_hash, { ...session, session_hash: id() }, T)).toBeNull()
        expect(await b.sessions.end(session.session_hash, T)).toBeNull()
        expect(await a.sessions.getWithUser(session.session_hash, T)).toEqual({ session, user })
        // Conditions are checked in the writer's tenant: A's password hash and session say nothing to B.
        expect(await b.sessions.insert({ ...session, session_hash: id(), id: id() }, { passwordHash: { userId: user.id, hash: 'h' } })).toBe(false)
        expect(await b.grants.open(grant({ user_id: user.id }), null, { sessionId: session.id })).toBe(false)
        expect(await a.grants.open(grant({ user_id: user.id }), null, { passwordHash: { userId: user.id, hash: 'h' }, sessionId: session.id })).toBe(true)

        const c = code(id(), { user_id: user.id, session_id: session.id })
        await a.authorizationCodes.insert(c)
        expect(await b.authorizationCodes.find(c.code_hash)).toBeNull()
        expect(await b.authorizationCodes.consume(c.code_hash, T)).toEqual({ record: null, replayed: null })
        expect(await b.authorizationCodes.redeem(c.code_hash, T, null)).toEqual({ outcome: 'invalid' })
        await b.grants.revoke(c.grant_id, T)
        expect(await b.grants.get(c.grant_id)).toBeNull()
        expect(await a.authorizationCodes.find(c.code_hash)).toEqual({ code: c, user })
        const rt = refresh(c.grant_id, { user_id: user.id })
        expect(await a.authorizationCodes.redeem(c.code_hash, T, rt)).toMatchObject({ outcome: 'opened' })
        expect(await a.grants.get(c.grant_id)).toMatchObject({ id: c.grant_id, revoked_at: null, session_id: session.id })

        expect(await b.refreshTokens.get(rt.token_hash)).toBeNull()
        expect(await b.refreshTokens.getForRefresh(rt.token_hash, T)).toBeNull()
        expect(await b.refreshTokens.rotate(rt.token_hash, refresh(c.grant_id), T)).toEqual({ outcome: 'invalid' })
        expect(await b.refreshTokens.revoke(rt.token_hash, T)).toBe(false)
        expect(await a.refreshTokens.getForRefresh(rt.token_hash, T)).toMatchObject({ token: { revoked_at: null, rotated_at: null }, grant: { id: c.grant_id }, user, sessionAlive: true })

        // Revocations through B, by grant, session, user, client or organization, reach nothing of A's.
        await b.grants.revoke(c.grant_id, T)
        await b.grants.revokeBySession(session.id, T, { keepOfflineAccess: false })
        await b.clients.delete(c.client_id, T)
        await b.organizations.delete('rp', T)
        expect(await a.grants.get(c.grant_id)).toMatchObject({ revoked_at: null })
        expect(await a.refreshTokens.get(rt.token_hash)).toMatchObject({ revoked_at: null })
        const jti = `${c.grant_id}.${id()}`
        expect(await a.accessTokens.isRevoked(jti)).toBe(false)
        await a.grants.revoke(c.grant_id, T + 1)
        expect(await a.accessTokens.isRevoked(jti)).toBe(true)
        expect(await b.accessTokens.isRevoked(jti)).toBe(false)
        const single = id()
        await a.accessTokens.revoke({ jti: single, client_id: 'rp', expires_at: T + 900 }, T)
        expect([await a.accessTokens.isRevoked(single), await b.accessTokens.isRevoked(single), await store.accessTokens.isRevoked(single)]).toEqual([true, false, false])

        const d = device()
        await a.deviceCodes.insert(d)
        expect(await b.deviceCodes.getByUserCode(d.user_code_hash, T)).toBeNull()
        expect(await b.deviceCodes.decide(d.user_code_hash, approve, T)).toBe(false)
        expect(await b.deviceCodes.poll(d.device_code_hash, T)).toEqual({ outcome: 'invalid' })
        expect(await a.deviceCodes.poll(d.device_code_hash, T)).toEqual({ outcome: 'pending' })

        const interaction = { id: id(), kind: 'authorization' as const, client_id: 'rp', params: { a: 1 }, user_id: null, auth_time: null, session_id: null, created_at: T, expires_at: T + 60 }
        await a.interactions.insert(interaction)
        expect(await b.interactions.get(interaction.id, T)).toBeNull()
        await b.interactions.update(interaction.id, { user_id: 'intruder' })
        expect(await b.interactions.take(interaction.id, T)).toBeNull()
        expect(await a.interactions.take(interaction.id, T)).toEqual(interaction)

        await a.consents.grant(user.id, 'rp', null, ['openid'], T)
        expect(await b.consents.get(user.id, 'rp', null)).toBeNull()
        expect(await a.consents.get(user.id, 'rp', null)).toMatchObject({ scopes: ['openid'] })

        // A's logout ends A's session with what it issued; B's store never saw it.
        expect(await a.sessions.end(session.session_hash, T + 2)).toEqual(session)
      })

      it('issue 11: tenants.upsert, get, list and listIndex; an issuer is unique; default is never stored; the same through every tenant store', async () => {
        const [x, y] = [tenantId(), tenantId()]
        const issuer = (t: string) => `https://${t}.example`
        const stored = await store.tenants.upsert({ id: x, issuer: issuer(x), settings: { tokens: { access_token_ttl: 300 }, branding: { product_name: 'X' } } }, T)
        expect(stored).toEqual({ id: x, issuer: issuer(x), settings: { tokens: { access_token_ttl: 300 }, branding: { product_name: 'X' } }, created_at: T, updated_at: T })
        await store.forTenant(y).tenants.upsert({ id: y, issuer: issuer(y), settings: {} }, T)
        const moved = await store.tenants.upsert({ id: x, issuer: `${issuer(x)}/v2`, settings: { a: 1 } }, T + 5)
        expect(moved).toEqual({ id: x, issuer: `${issuer(x)}/v2`, settings: { a: 1 }, created_at: T, updated_at: T + 5 })
        expect(await store.forTenant(x).tenants.get(x)).toEqual(moved)
        expect(await store.tenants.get(tenantId())).toBeNull()
        const ours = (list: { id: string }[]) => list.filter((t) => t.id === x || t.id === y)
        expect(ours(await store.tenants.list()).map((t) => t.id)).toEqual([x, y].sort())
        expect(ours(await store.tenants.listIndex())).toEqual(
          [{ id: x, issuer: `${issuer(x)}/v2`, updated_at: T + 5 }, { id: y, issuer: issuer(y), updated_at: T }].sort((p, q) => p.id.localeCompare(q.id)),
        )
        const all = await store.tenants.list()
        expect(all.map((t) => t.id)).toEqual([...all.map((t) => t.id)].sort())

        const taken = store.tenants.upsert({ id: tenantId(), issuer: issuer(y), settings: {} }, T)
        await expect(taken).rejects.toBeInstanceOf(TenantIssuerTakenError)
        await expect(taken).rejects.toMatchObject({ issuer: issuer(y), holder: y })
        await expect(store.tenants.upsert({ id: x, issuer: issuer(y), settings: {} }, T)).rejects.toBeInstanceOf(TenantIssuerTakenError)
        expect(await store.tenants.get(x)).toEqual(moved)
        await expect(store.tenants.upsert({ id: 'default', issuer: 'https://default.example', settings: {} }, T)).rejects.toBeInstanceOf(InvalidTenantError)
        await expect(store.tenants.upsert({ id: 'Not Valid', issuer: 'https://nv.example', settings: {} }, T)).rejects.toBeInstanceOf(InvalidTenantError)
        await expect(store.tenants.delete('default', T)).rejects.toBeInstanceOf(InvalidTenantError)
        expect(await store.tenants.get('default')).toBeNull()
        expect(await store.tenants.delete(x, T)).toBe(true)
        expect(await store.forTenant(y).tenants.delete(y, T)).toBe(true)
        expect(await store.tenants.delete(y, T)).toBe(false)
        expect(ours(await store.tenants.list())).toEqual([])
      })

      it('issue 11: tenants.delete deletes every row of the tenant in every table, and nothing of another tenant', async () => {
        const [idA, idB] = [tenantId(), tenantId()]
        await store.tenants.upsert({ id: idA, issuer: `https://${idA}.example`, settings: {} }, T)
        await store.tenants.upsert({ id: idB, issuer: `https://${idB}.example`, settings: {} }, T)
        /** A row in every table, through the tenant's store. */
        const fill = async (s: Store) => {
          const u = await s.users.upsert({ email: `all.${id()}@example.com`, email_verified: true, password_hash: null, claims: {} }, T)
          await s.clients.upsert(client({ client_id: 'rp', backchannel_logout_uri: 'https://rp.example/bcl' }), T)
          await s.organizations.upsert({ id: 'acme', name: 'Acme', domains: [] }, T)
          expect(await s.organizations.addMember('acme', u.id, ['member'], T)).toBe(true)
          expect(await s.keys.add(key(1), T + 100)).toBe(true)
          const g = grant({ user_id: u.id })
          expect(await s.grants.open(g, refresh(g.id, { user_id: u.id }))).toBe(true)
          await s.authorizationCodes.insert(code(id(), { user_id: u.id }))
          await s.accessTokens.revoke({ jti: `${g.id}.${id()}`, client_id: 'rp', expires_at: T + 900 }, T)
          await s.deviceCodes.insert(device())
          const live = { session_hash: id(), id: id(), user_id: u.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 600 }
          await s.sessions.insert(live)
          // Issue 12, federated logout.
          await s.upstreamSessions.put({ session_id: live.id, connection_id: 'up', id_token_encrypted: 'jwe', created_at: T, expires_at: T + 600 })
          // Issue 12: an ended session of a client with a back-channel logout URI queues a logout_deliveries row.
          const ended = { session_hash: id(), id: id(), user_id: u.id, auth_time: T, amr: ['pwd'], created_at: T, expires_at: T + 600 }
          await s.sessions.insert(ended)
          await s.authorizationCodes.insert(code(id(), { user_id: u.id, session_id: ended.id }))
          expect(await s.sessions.end(ended.session_hash, T)).not.toBeNull()
          await s.consents.grant(u.id, 'rp', null, ['openid'], T)
          const interactionId = id()
          await s.interactions.insert({ id: interactionId, kind: 'authorization', client_id: 'rp', params: {}, user_id: null, auth_time: null, session_id: null, created_at: T, expires_at: T + 60 })
          expect(await s.replay.record(id(), T + 60, T)).toBe(true)
          // Issue 13.
          expect(await s.mfa.beginTotp(u.id, 'jwe', T)).toBe(true)
          await s.mfa.replaceRecoveryCodes(u.id, [id()], T)
          await s.mfa.putChallenge({ interaction_id: interactionId, user_id: u.id, browser_hash: 'b', amr: ['pwd'], auth_time: T, password_stamp: '', failures: 0, created_at: T })
          await s.mfa.setRequired('client', 'rp', true, T)
          // Issue 12.
          await s.connections.upsert({ id: 'up', type: 'oidc', display_name: 'Up', organization_id: null, required: false, settings: {}, secrets_encrypted: null, source: 'config', digest: 'd' }, T)
          expect(await s.identities.link({ connection_id: 'up', subject: id(), user_id: u.id, email: null, email_verified: false }, T)).toBe('linked')
          await s.upstreamLogins.insert({ state_hash: id(), browser_hash: 'b', connection_id: 'up', purpose: 'sign_in', interaction_id: null, user_id: null, session_id: null, response_params: null, created_at: T, expires_at: T + 60 }, 5)
          // Issue 13.
          expect(await s.passkeys.insert({ credential_id: id(), user_id: u.id, public_key: 'k', sign_count: 0, transports: [], backup_eligible: false, backed_up: false, aaguid: 'a', name: 'n', created_at: T, last_used_at: null })).toBe('inserted')
          await s.passkeys.insertChallenge({ challenge_hash: id(), browser_hash: 'b', purpose: 'register', interaction_id: null, user_id: u.id, created_at: T, expires_at: T + 60 }, 5)
          await s.emailTokens.insert({ id: id(), purpose: 'reset_password', token_hash: id(), user_id: u.id, email: u.email, browser_hash: null, interaction_id: null, attempts: 0, created_at: T, expires_at: T + 600, used_at: null }, 3)
          // Issue 14: an audit record names its tenant.
          const tenantOf = (s as unknown as { tenant: string }).tenant
          await s.audit.append([{ id: sortableId(T * 1000), type: 'key.rotated', version: 1, time: new Date(T * 1000).toISOString(), tenant: tenantOf, actor: { type: 'system', id: null }, subject: { type: 'key', id: 'k' }, client_id: null, ip: null, user_agent: null, outcome: 'success', data: {} }])
        }
        await fill(store.forTenant(idA))
        await fill(store.forTenant(idB))
        const before = await rowsByTenant(url)
        for (const [table, counts] of Object.entries(before)) {
          if (table === 'tenants') continue
          expect(counts[idA], `${table} has rows of ${idA}`).toBeGreaterThan(0)
          expect(counts[idB], table).toBe(counts[idA])
        }

        expect(await store.forTenant(idB).tenants.delete(idA, T)).toBe(true)

        const after = await rowsByTenant(url)
        for (const [table, counts] of Object.entries(before)) {
          if (table === 'tenants') continue
          const { [idA]: _gone, ...others } = counts
          expect(after[table], table).toEqual(others)
        }
        expect(await store.tenants.get(idA)).toBeNull()
        expect(await store.tenants.get(idB)).not.toBeNull()
        expect(await store.forTenant(idA).users.list()).toEqual([])
        expect(await store.forTenant(idB).users.list()).toHaveLength(1)
        expect(await store.tenants.delete(idA, T)).toBe(false)
        await store.tenants.delete(idB, T)
      })
    })
  })
}

/**
 * Rows per table and tenant, read past the store: every table of the schema (but Kysely's own and
 * `tenants`, and issue 14's deployment-wide `alert_deliveries`), so a table added later without a place in `tenants.delete` shows up here.
 */
async function rowsByTenant(url: string): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {}
  const tally = (table: string, rows: { tenant_id: string; n: number | string }[]) => {
    out[table] = Object.fromEntries(rows.map((r) => [r.tenant_id, Number(r.n)]))
  }
  if (url.startsWith('sqlite:')) {
    const db = new Sqlite(url.slice('sqlite:'.length), { readonly: true })
    try {
      const tables = db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' and name not in ('tenants', 'alert_deliveries')`).all() as { name: string }[]
      for (const { name } of tables) tally(name, db.prepare(`select tenant_id, count(*) as n from "${name}" group by tenant_id`).all() as { tenant_id: string; n: number }[])
    } finally {
      db.close()
    }
    return out
  }
  const schema = new URL(url).searchParams.get('schema')!
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      `select table_name as name from information_schema.tables where table_schema = $1 and table_name not like 'kysely_%' and table_name not in ('tenants', 'alert_deliveries')`,
      [schema],
    )
    for (const { name } of tables) tally(name, (await client.query(`select tenant_id, count(*) as n from "${schema}"."${name}" group by tenant_id`)).rows)
  } finally {
    await client.end()
  }
  return out
}

describe('createStore: URLs and outages', () => {
  it('RFC 6749 §4.1.2.1 (temporarily_unavailable): an unreachable PostgreSQL is StorageUnavailableError', async () => {
    await expect(createStore('postgres://u:hunter2@127.0.0.1:1/latch')).rejects.toBeInstanceOf(StorageUnavailableError)
  })

  it('RFC 6749 §4.1.2.1 (temporarily_unavailable): a store whose database went away answers StorageUnavailableError', async () => {
    const store = await createStore('postgres://u:hunter2@127.0.0.1:1/latch', { migrate: false })
    await expect(store.ping()).rejects.toBeInstanceOf(StorageUnavailableError)
    await expect(store.users.getById('x')).rejects.toBeInstanceOf(StorageUnavailableError)
    await store.close()
  })

  it('SQLite: a file database is created with its directory, in WAL mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-wal-'))
    try {
      const file = join(dir, 'a', 'b', 'latch.db')
      const store = await createStore(`sqlite:${file}`)
      await store.close()
      const db = new Sqlite(file, { readonly: true })
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      db.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('Store: an unsupported URL is rejected naming its scheme, never its password', async () => {
    const error = (await createStore('mysql://root:hunter2@db/latch').then(
      () => new Error('resolved'),
      (e: unknown) => e,
    )) as Error
    expect(error.message).toContain('"mysql:"')
    expect(error.message).not.toContain('hunter2')
    await expect(createStore('./latch.db')).rejects.toThrow(/scheme/)
  })

  it('Store: sqlite::memory: works without a file', async () => {
    const store = await createStore('sqlite::memory:')
    await store.replay.record('k', T + 1, T)
    expect(await store.replay.record('k', T + 1, T)).toBe(false)
    await store.close()
  })

  it('Store: driver outage errors are classified per dialect, other errors are not', () => {
    expect(sqliteCapabilities.isUnavailable(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe(true)
    expect(sqliteCapabilities.isUnavailable(Object.assign(new Error('UNIQUE'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }))).toBe(false)
    expect(postgresCapabilities.isUnavailable(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(true)
    expect(postgresCapabilities.isUnavailable(Object.assign(new Error('x'), { code: '08006' }))).toBe(true)
    expect(postgresCapabilities.isUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true)
    expect(postgresCapabilities.isUnavailable(new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]))).toBe(true)
    expect(postgresCapabilities.isUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false)
  })
})
