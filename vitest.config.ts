/**
 * Two projects, so the server's tests run once per dialect (STYLE.md "Storage on Kysely"):
 * - `sqlite`: every test, each server or test context on its own SQLite file;
 * - `postgres`: the tests that run on a store (flows over HTTP, grants and interactions through
 *   `createTestContext`) again with LATCH_TEST_DIALECT=postgres, each server or context in a
 *   fresh `latch_t_<random>` schema that it drops on close (packages/server/src/test-database.ts).
 *   Not the CLI (it drives SQLite files on purpose) and not the unit tests that use no store.
 * The postgres project exists only when LATCH_TEST_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/test) answers a TCP connect within a second; otherwise one
 * line says it was skipped (ARCHITECTURE.md §2 "Commands"). `store.case.test.ts` loops over both
 * dialects itself and so stays in `sqlite` only; the cluster tests (test/scale) need PostgreSQL
 * whatever the dialect and skip themselves in `sqlite` (test/cluster.ts); the database outage test
 * (test/outage) runs in `sqlite` only, on a throwaway PostgreSQL cluster of its own that it stops
 * and starts (never the shared server). The two projects share
 * vitest's one pool of workers (default: CPUs - 1), so results name the project of each file.
 */
import { connect } from 'node:net'
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'

const POSTGRES_URL = process.env.LATCH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const EVERY_TEST = [
  'packages/*/src/**/*.test.{ts,tsx}',
  'packages/*/test/**/*.test.{ts,tsx}',
  'apps/*/src/**/*.test.ts',
  'apps/*/test/**/*.test.ts',
  'examples/*/test/**/*.test.ts',
  'scripts/**/*.test.ts',
]
const STORE_TESTS = ['packages/server/test/**/*.test.ts', 'packages/server/src/grants/**/*.test.ts', 'packages/server/src/interaction/**/*.test.ts']

/** Whether the PostgreSQL server of `url` accepts a TCP connection within `timeoutMs`. */
async function reachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url)
  const host = hostname.replace(/^\[|\]$/g, '') || 'localhost'
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port || 5432) })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

function redacted(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

// Vitest evaluates this file more than once per run: probe and say so once per process.
const probed = globalThis as { latchPostgresReachable?: boolean }
if (probed.latchPostgresReachable === undefined) {
  probed.latchPostgresReachable = await reachable(POSTGRES_URL)
  if (!probed.latchPostgresReachable) console.log(`skipped: postgres unreachable (${redacted(POSTGRES_URL)}); the postgres project does not run`)
}
const postgres = probed.latchPostgresReachable

const projects: TestProjectInlineConfiguration[] = [{ extends: true, test: { name: 'sqlite', include: EVERY_TEST, env: { LATCH_TEST_DIALECT: 'sqlite' } } }]
if (postgres) {
  // The outage test owns a throwaway PostgreSQL of its own (test/throwaway-postgres.ts): once is enough.
  projects.push({ extends: true, test: { name: 'postgres', include: STORE_TESTS, exclude: [...configDefaults.exclude, 'packages/server/test/outage/**'], env: { LATCH_TEST_DIALECT: 'postgres', LATCH_TEST_POSTGRES_URL: POSTGRES_URL } } })
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects,
  },
})
