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
