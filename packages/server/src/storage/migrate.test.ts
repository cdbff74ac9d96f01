/**
 * Migrations over data that exists already, per dialect (SQLite always, PostgreSQL when it
 * answers): a database written by an earlier version of Latch must come out of `migrateToLatest`
 * with every row usable, not only an empty one (what every other test starts from).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kysely, Migrator, type MigrationProvider } from 'kysely'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { postgresReachable, TEST_POSTGRES_URL } from '../../test/support/database.js'
import type { Database } from './database.js'
import { createPostgresDialect } from './dialects/postgres.js'
import { createSqliteDialect } from './dialects/sqlite.js'
import { MIGRATIONS, migrateToLatest } from './migrate.js'

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) }
const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup()
})

const DIALECTS = [
  {
    name: 'sqlite',
    available: true,
    async open(): Promise<Kysely<Database>> {
      const dir = mkdtempSync(join(tmpdir(), 'latch-migrate-'))
      const db = new Kysely<Database>({ dialect: createSqliteDialect(join(dir, 'latch.db')).dialect })
      cleanups.push(async () => {
        await db.destroy()
        rmSync(dir, { recursive: true, force: true })
      })
      return db
    },
  },
  {
    name: 'postgres',
    available: await postgresReachable(),
    async open(): Promise<Kysely<Database>> {
      const schema = `latch_migrate_${randomBytes(6).toString('hex')}`
      const url = new URL(TEST_POSTGRES_URL)
      url.searchParams.set('schema', schema)
      const db = new Kysely<Database>({ dialect: (await createPostgresDialect(url.toString())).dialect })
      cleanups.push(async () => {
        await db.destroy()
        const client = new pg.Client({ connectionString: TEST_POSTGRES_URL })
        await client.connect()
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        await client.end()
      })
      return db
    },
  },
]

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`migrations on ${dialect.name}`, () => {
    it('0002-key-activation: keys of an earlier version get generations in creation order and stay active since creation', async () => {
      const db = await dialect.open()
      const { error } = await new Migrator({ db, provider }).migrateTo('0001-initial')
      expect(error).toBeUndefined()
      const old = (kid: string, created_at: number, retired_at: number | null, expires_at: number | null) =>
        ({ kid, alg: 'ES256', public_jwk: '{}', private_jwk_encrypted: 'jwe', created_at, retired_at, expires_at })
      // Two keys created in the same second are ordered by kid, as every node listed them before.
      await (db as Kysely<any>).insertInto('signing_keys').values([old('b', 100, null, null), old('c', 50, 100, 5000), old('a', 100, 100, 5000)]).execute()

      await migrateToLatest(db)

      const rows = await db.selectFrom('signing_keys').select(['kid', 'generation', 'activates_at', 'retired_at']).orderBy('generation').execute()
      expect(rows.map((r) => [r.kid, Number(r.generation), Number(r.activates_at)])).toEqual([['c', 1, 50], ['a', 2, 100], ['b', 3, 100]])
      // The generation is unique from now on: the lock that keeps nodes from adding a key twice.
      await expect((db as Kysely<any>).insertInto('signing_keys').values({ ...old('d', 200, null, null), generation: 3, activates_at: 200 }).execute()).rejects.toThrow()
    })

    /** @see issue 8 */
    it('0003-client-resources: clients of an earlier version name no resources, and their consents become consents for no resource', async () => {
      const db = (await dialect.open()) as Kysely<any>
      const { error } = await new Migrator({ db, provider }).migrateTo('0002-key-activation')
      expect(error).toBeUndefined()
      await db.insertInto('clients').values({
        client_id: 'rp', client_name: 'RP', client_secret_hash: null, token_endpoint_auth_method: 'none', grant_types: '["authorization_code"]',
        redirect_uris: '["https://rp.example/cb"]', post_logout_redirect_uris: '[]', scope: 'openid read:data', skip_consent: 0, jwks: null, created_at: 1, updated_at: 1,
      }).execute()
      await db.insertInto('users').values({ id: 'u1', email: 'u1@example.com', email_verified: 1, password_hash: null, claims: '{}', created_at: 1, updated_at: 1 }).execute()
      await db.insertInto('consents').values([
        { user_id: 'u1', client_id: 'rp', scope: 'openid', granted_at: 10 },
        { user_id: 'u1', client_id: 'rp', scope: 'read:data', granted_at: 11 },
      ]).execute()

      await migrateToLatest(db)

      expect(await db.selectFrom('clients').select('resources').executeTakeFirst()).toEqual({ resources: null })
      const consents = await db.selectFrom('consents').selectAll().orderBy('scope').execute()
      expect(consents.map((c) => [c.user_id, c.client_id, c.resource, c.scope, Number(c.granted_at)])).toEqual([['u1', 'rp', '', 'openid', 10], ['u1', 'rp', '', 'read:data', 11]])
      // The key now includes the resource: the same scope for another API is another row, a repeat is not.
      await db.insertInto('consents').values({ user_id: 'u1', client_id: 'rp', resource: 'https://api.example/a', scope: 'read:data', granted_at: 12 }).execute()
      await expect(db.insertInto('consents').values({ user_id: 'u1', client_id: 'rp', resource: '', scope: 'openid', granted_at: 13 }).execute()).rejects.toThrow()
      // Deleting the user still takes its consents with it (the foreign key survived the rebuild).
      await db.deleteFrom('users').where('id', '=', 'u1').execute()
      expect(await db.selectFrom('consents').selectAll().execute()).toEqual([])
    })

    /** @see issue 8 */
    it('0006, 0007: existing clients stay pinned to their auth method; the generation stays unique among main keys, and a main key takes one RS256 companion', async () => {
      const db = (await dialect.open()) as Kysely<any>
      const { error } = await new Migrator({ db, provider }).migrateTo('0002-key-activation')
      expect(error).toBeUndefined()
      await db.insertInto('clients').values({
        client_id: 'old', client_name: 'Old', client_secret_hash: 'h', token_endpoint_auth_method: 'client_secret_basic', grant_types: '[]',
        redirect_uris: '[]', post_logout_redirect_uris: '[]', scope: 'openid', skip_consent: 0, jwks: null, created_at: 1, updated_at: 1,
      }).execute()
      const key = { kid: 'main', alg: 'ES256', public_jwk: '{}', private_jwk_encrypted: 'jwe', created_at: 1, activates_at: 1, generation: 1, retired_at: null, expires_at: null }
      await db.insertInto('signing_keys').values(key).execute()

      await migrateToLatest(db)

      const client = await db.selectFrom('clients').selectAll().where('client_id', '=', 'old').executeTakeFirstOrThrow()
      expect([Number(client.auth_method_pinned), client.id_token_signed_response_alg]).toEqual([1, null])
      expect((await db.selectFrom('signing_keys').select('companion_of').executeTakeFirstOrThrow()).companion_of).toBeNull()
      await db.insertInto('signing_keys').values({ ...key, kid: 'rsa', alg: 'RS256', companion_of: 'main' }).execute()
      await expect(db.insertInto('signing_keys').values({ ...key, kid: 'rsa2', alg: 'RS256', companion_of: 'main' }).execute()).rejects.toThrow()
      await expect(db.insertInto('signing_keys').values({ ...key, kid: 'other-main' }).execute()).rejects.toThrow()
    })

    it('issue 11: 0009-tenants keeps every row of a database at 0008 as tenant default, with its foreign keys, and makes chosen keys per tenant', async () => {
      const db = (await dialect.open()) as Kysely<any>
      const { error } = await new Migrator({ db, provider }).migrateTo('0008-organizations')
      expect(error).toBeUndefined()
      const rowsAt0008 = {
        clients: [{
          client_id: 'rp', client_name: 'RP', client_secret_hash: null, token_endpoint_auth_method: 'none', grant_types: '[]', redirect_uris: '[]',
          post_logout_redirect_uris: '[]', scope: 'openid', resources: null, skip_consent: 0, jwks: null, auth_method_pinned: 1,
          id_token_signed_response_alg: null, organization_required: 0, organizations: '["acme"]', created_at: 1, updated_at: 2,
        }],
        users: [
          { id: 'u1', email: 'u1@example.com', email_verified: 1, password_hash: 'h', claims: '{}', roles: '["admin"]', attributes: '{"a":1}', created_at: 1, updated_at: 1 },
          { id: 'u2', email: 'u2@example.com', email_verified: 0, password_hash: null, claims: '{}', roles: '[]', attributes: '{}', created_at: 1, updated_at: 1 },
        ],
        signing_keys: [
          { kid: 'k1', alg: 'ES256', public_jwk: '{}', private_jwk_encrypted: 'jwe', created_at: 1, activates_at: 1, generation: 1, companion_of: null, retired_at: null, expires_at: null },
          { kid: 'k1-rsa', alg: 'RS256', public_jwk: '{}', private_jwk_encrypted: 'jwe', created_at: 1, activates_at: 1, generation: 1, companion_of: 'k1', retired_at: null, expires_at: null },
        ],
        grants: [{ id: 'g1', client_id: 'rp', user_id: 'u1', scope: 'openid', resource: null, auth_time: 1, session_id: 's1', organization_id: 'acme', family_id: null, created_at: 1, revoked_at: null }],
        authorization_codes: [{
          code_hash: 'c1', grant_id: 'g2', client_id: 'rp', user_id: 'u1', redirect_uri: null, scope: 'openid', resource: null, nonce: null, code_challenge: null,
          code_challenge_method: null, auth_time: 1, session_id: null, amr: '[]', organization_id: null, created_at: 1, expires_at: 99, consumed_at: null,
        }],
        refresh_tokens: [{ token_hash: 'r1', grant_id: 'g1', client_id: 'rp', user_id: 'u1', scope: 'openid', resource: null, auth_time: 1, session_id: 's1', created_at: 1, expires_at: 99, rotated_at: null, revoked_at: null }],
        access_tokens: [{ jti: 'g1.x', client_id: 'rp', expires_at: 99, revoked_at: 5 }],
        device_codes: [{
          device_code_hash: 'd1', user_code_hash: 'uc1', client_id: 'rp', scope: 'openid', resource: null, interval: 5, created_at: 1, expires_at: 99,
          last_polled_at: null, status: 'pending', user_id: null, auth_time: null, session_id: null, granted_scope: null,
        }],
        sessions: [{ session_hash: 'sh1', id: 's1', user_id: 'u1', auth_time: 1, amr: '[]', created_at: 1, expires_at: 99 }],
        consents: [{ user_id: 'u1', client_id: 'rp', resource: '', scope: 'openid', granted_at: 1 }],
        interactions: [{ id: 'i1', kind: 'authorization', client_id: 'rp', params: '{}', user_id: null, auth_time: null, session_id: null, created_at: 1, expires_at: 99 }],
        replay_keys: [{ key: 'jti-1', expires_at: 99 }],
        organizations: [{ id: 'acme', name: 'Acme', domains: '["acme.example"]', created_at: 1, updated_at: 1 }],
        organization_members: [{ organization_id: 'acme', user_id: 'u1', roles: '["member"]', created_at: 1, updated_at: 1 }],
      }
      for (const [table, rows] of Object.entries(rowsAt0008)) await db.insertInto(table).values(rows).execute()

      await migrateToLatest(db)

      for (const [table, rows] of Object.entries(rowsAt0008)) {
        const stored = await db.selectFrom(table).selectAll().execute()
        const normalized = stored.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])))
        // Later migrations add their columns with defaults (0010: an organization's branding; 0011,
        // issue 12: clients of an earlier version have no back-channel logout URI).
        // Issue 13 (0014): clients get no sign_up override, users are not pending verification;
        // (0017) sessions of an earlier version have no User-Agent; (0018) grants and device codes
        // do not know how their user authenticated. Issue 14 (0022, security review M5b): clients of
        // an earlier version are owned by no file ('cli') until a start's file lists them.
        const later = {
          grants: { amr: null },
          device_codes: { amr: null },
          organizations: { branding: '{}' },
          clients: { backchannel_logout_uri: null, backchannel_logout_session_required: 0, sign_up: null, source: 'cli' },
          users: { verification_pending: 0, disabled_at: null },
          sessions: { user_agent: null },
        }[table] ?? {}
        expect(normalized, table).toEqual(expect.arrayContaining(rows.map((row) => ({ ...row, tenant_id: 'default', ...later }))))
        expect(normalized, table).toHaveLength(rows.length)
      }
      // The chosen keys are per tenant now: another tenant may take them, the same tenant may not.
      await db.insertInto('clients').values({ ...rowsAt0008.clients[0], tenant_id: 'acme' }).execute()
      await expect(db.insertInto('clients').values({ ...rowsAt0008.clients[0], tenant_id: 'acme' }).execute()).rejects.toThrow()
      await db.insertInto('users').values({ ...rowsAt0008.users[0], id: 'acme-u1', tenant_id: 'acme' }).execute()
      await expect(db.insertInto('users').values({ ...rowsAt0008.users[0], id: 'acme-u1b', tenant_id: 'acme' }).execute()).rejects.toThrow()
      await db.insertInto('organizations').values({ ...rowsAt0008.organizations[0], tenant_id: 'acme' }).execute()
      await db.insertInto('replay_keys').values({ key: 'jti-1', expires_at: 99, tenant_id: 'acme' }).execute()
      await db.insertInto('signing_keys').values({ ...rowsAt0008.signing_keys[0], kid: 'acme-k1', tenant_id: 'acme' }).execute()
      await expect(db.insertInto('signing_keys').values({ ...rowsAt0008.signing_keys[0], kid: 'k2' }).execute()).rejects.toThrow()
      // A membership names an organization of its own tenant: acme's member row needs acme's organization.
      await expect(db.insertInto('organization_members').values({ ...rowsAt0008.organization_members[0], user_id: 'u2', organization_id: 'acme', tenant_id: 'globex' }).execute()).rejects.toThrow()
      // The foreign keys survived the rebuild: deleting a user still takes its sessions, consents and memberships.
      await db.deleteFrom('users').where('id', '=', 'u1').execute()
      for (const table of ['sessions', 'consents', 'organization_members']) expect(await db.selectFrom(table).selectAll().execute(), table).toEqual([])
      // And deleting an organization its memberships.
      await db.insertInto('organization_members').values({ ...rowsAt0008.organization_members[0], user_id: 'u2' }).execute()
      await db.deleteFrom('organizations').where('tenant_id', '=', 'default').where('id', '=', 'acme').execute()
      expect(await db.selectFrom('organization_members').selectAll().execute()).toEqual([])
      })

    it('issue 13, 0018-grant-authentication: grants and device codes of an earlier version get amr null (unknown) and keep everything else; new rows store one', async () => {
      const db = (await dialect.open()) as Kysely<any>
      const { error } = await new Migrator({ db, provider }).migrateTo('0017-account')
      expect(error).toBeUndefined()
      const grantAt0017 = { id: 'g1', client_id: 'rp', user_id: null, scope: 'openid', resource: null, auth_time: 1, session_id: null, organization_id: null, family_id: null, created_at: 1, revoked_at: null, tenant_id: 'default' }
      const deviceAt0017 = {
        device_code_hash: 'd1', user_code_hash: 'uc1', client_id: 'rp', scope: 'openid', resource: null, interval: 5, created_at: 1, expires_at: 99,
        last_polled_at: null, status: 'approved', user_id: 'u1', auth_time: 1, session_id: null, granted_scope: 'openid', tenant_id: 'default',
      }
      await db.insertInto('grants').values(grantAt0017).execute()
      await db.insertInto('device_codes').values(deviceAt0017).execute()

      await migrateToLatest(db)

      const numbers = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]))
      expect((await db.selectFrom('grants').selectAll().execute()).map(numbers)).toEqual([{ ...grantAt0017, amr: null }])
      expect((await db.selectFrom('device_codes').selectAll().execute()).map(numbers)).toEqual([{ ...deviceAt0017, amr: null }])
      await db.insertInto('grants').values({ ...grantAt0017, id: 'g2', amr: '["pwd","otp","mfa"]' }).execute()
      expect((await db.selectFrom('grants').select('amr').where('id', '=', 'g2').executeTakeFirstOrThrow()).amr).toBe('["pwd","otp","mfa"]')
    })

    it('issue 11, 0010-organization-branding: organizations of an earlier version get no branding ({}), and keep everything else', async () => {
      const db = (await dialect.open()) as Kysely<any>
      const { error } = await new Migrator({ db, provider }).migrateTo('0008-organizations')
      expect(error).toBeUndefined()
      await db.insertInto('organizations').values({ id: 'acme', name: 'Acme', domains: '["acme.example"]', created_at: 1, updated_at: 1 }).execute()

      await migrateToLatest(db)

      expect(await db.selectFrom('organizations').select(['id', 'name', 'domains', 'branding']).execute()).toEqual([{ id: 'acme', name: 'Acme', domains: '["acme.example"]', branding: '{}' }])
      await db.insertInto('organizations').values({ id: 'globex', name: 'Globex', created_at: 2, updated_at: 2 }).execute()
      expect((await db.selectFrom('organizations').select('branding').where('id', '=', 'globex').executeTakeFirstOrThrow()).branding).toBe('{}')
    })
  })
}
