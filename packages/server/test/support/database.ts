/**
 * Test support: the database one test server or test context runs on, chosen by
 * `LATCH_TEST_DIALECT`, which each vitest project sets (vitest.config.ts), so the same tests run
 * once per dialect (STYLE.md "Storage on Kysely": one contract, every dialect).
 * - `sqlite` (default): a fresh file in a fresh temp directory, as a single node has it.
 * - `postgres`: `LATCH_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/test) with
 *   `schema=latch_t_<random>`, which the store creates when it opens; `dispose()` drops it, so
 *   parallel workers and repeated runs never see each other's rows.
 * Either way `dir` is a fresh temp directory for the config's `cwd`, removed by `dispose()`.
 *
 * Not imported by production code (the `test-` prefix keeps it out of dist/ and out of the
 * architecture test's "only storage/ imports the drivers" rule).
 *
 * @see https://www.postgresql.org/docs/current/ddl-schemas.html
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

export const TEST_POSTGRES_URL = process.env.LATCH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export type TestDialect = 'sqlite' | 'postgres'

export interface TestDatabase {
  dialect: TestDialect
  /** A database URL of its own, for `config.database`. */
  url: string
  /** A fresh temp directory (the config's `cwd`). */
  dir: string
  /** Drops the schema (postgres) and removes `dir`; call after the store is closed. */
  dispose(): Promise<void>
}

export function testDialect(): TestDialect {
  const dialect = process.env.LATCH_TEST_DIALECT ?? 'sqlite'
  if (dialect !== 'sqlite' && dialect !== 'postgres') throw new Error(`LATCH_TEST_DIALECT must be sqlite or postgres, got "${dialect}"`)
  return dialect
}

/** `dialect`: a contract suite that loops over both dialects itself names one (`*.case.test.ts`). */
export async function createTestDatabase(dialect: TestDialect = testDialect()): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'latch-test-'))
  const removeDir = () => rmSync(dir, { recursive: true, force: true })
  if (dialect === 'sqlite') {
    return { dialect, url: `sqlite:${join(dir, 'latch.db')}`, dir, dispose: async () => removeDir() }
  }
  const schema = `latch_t_${randomBytes(8).toString('hex')}`
  const url = new URL(TEST_POSTGRES_URL)
  url.searchParams.set('schema', schema)
  return {
    dialect,
    url: url.toString(),
    dir,
    async dispose() {
      removeDir()
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 5000 })
      await client.connect()
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      } finally {
        await client.end()
      }
    },
  }
}

/** True when the PostgreSQL at `url` (default: the test one, LATCH_TEST_POSTGRES_URL) answers a query. */
export async function postgresReachable(url = TEST_POSTGRES_URL, timeoutMs = 2000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs })
  // A server going away mid-check emits 'error' on the client: a "no", not an uncaught exception.
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}
