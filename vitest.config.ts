/**
 * Two projects, so the server's tests run once per dialect (STYLE.md "Storage on Kysely"):
 * - `sqlite`: every test, each server or test context on its own SQLite file;
 * - `postgres`: the tests that run on a store (flows over HTTP, grants and interactions through
 *   `createTestContext`) again with LATCH_TEST_DIALECT=postgres, each server or context in a
 *   fresh `latch_t_<random>` schema that it drops on close (packages/server/test/support/database.ts).
 *   Not the CLI (it drives SQLite files on purpose) and not the unit tests that use no store.
 * The postgres project exists only when LATCH_TEST_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/test) answers a TCP connect within a second; otherwise one
 * line says it was skipped (docs/architecture.md §2 "Commands"). `store.case.test.ts` loops over both
 * dialects itself and so stays in `sqlite` only; the cluster tests (test/scale) need PostgreSQL
 * whatever the dialect and skip themselves in `sqlite` (test/cluster.ts); the database outage test
 * (test/outage) runs in `sqlite` only, on a throwaway PostgreSQL cluster of its own that it stops
 * and starts (never the shared server). The two projects share
 * vitest's one pool of workers (default: CPUs - 1), so results name the project of each file.
 */
import { connect } from 'node:net'
import type { Plugin } from 'vite'
import { redactUrl } from './packages/server/src/lib/redact-url.js'
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

const POSTGRES_URL = process.env.LATCH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const EVERY_TEST = [
  'packages/*/src/**/*.test.{ts,tsx}',
  'packages/*/test/**/*.test.{ts,tsx}',
  'apps/*/src/**/*.test.ts',
  'apps/*/test/**/*.test.ts',
  'examples/*/test/**/*.test.ts',
  'scripts/**/*.test.ts',
]
const STORE_TESTS = ['packages/server/test/**/*.test.ts', 'packages/server/src/grants/**/*.test.ts', 'packages/server/src/interaction/**/*.test.ts', 'packages/server/src/organizations/**/*.test.ts']

/**
 * The lower end of each peer dependency range of @latch/resource-server, @latch/client and
 * @latch/react (their package.json), installed beside the current versions under npm aliases. The `peer-floor`
 * project runs the adapter contract suite and the BFF tests again with these: every import of
 * the peer by those packages' sources and tests resolves to its floor, while the Latch server the
 * tests start (packages/server) keeps its own versions. The upper ends are the versions installed
 * under the real names, which the `sqlite` project uses.
 */
const PEER_FLOORS: Record<string, string> = {
  express: 'express-4', // 4.21.2
  fastify: 'fastify-5-0', // 5.0.0
  'fastify-plugin': 'fastify-plugin-5', // 5.0.0
  hono: 'hono-4-7', // 4.7.0
  '@fastify/cookie': 'fastify-cookie-11-0', // 11.0.0
  react: 'react-19-0', // 19.0.0 (@latch/react)
  'react-dom': 'react-dom-19-0', // 19.0.0, which loads react-19-0 (packages/react/test/react-floor-hooks.ts)
}
const PEER_FLOOR_IMPORTERS = /\/packages\/(resource-server|client|react)\/(src|test)\//
const PEER_FLOOR_TESTS = ['packages/react/src/render.test.ts', 'packages/resource-server/test/peer-versions.test.ts', 'packages/resource-server/test/adapters.case.test.ts', 'packages/client/test/bff/**/*.test.ts', 'packages/client/src/bff/**/*.test.ts']

function peerFloors(): Plugin {
  return {
    name: 'latch-peer-floors',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (importer === undefined || !PEER_FLOOR_IMPORTERS.test(importer)) return null
      const match = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(source)
      const floor = match?.[1] === undefined ? undefined : PEER_FLOORS[match[1]]
      if (floor === undefined) return null
      return this.resolve(`${floor}${match?.[2] ?? ''}`, importer, { ...options, skipSelf: true })
    },
  }
}

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

// Vitest evaluates this file more than once per run: probe and say so once per process.
const probed = globalThis as { latchPostgresReachable?: boolean }
if (probed.latchPostgresReachable === undefined) {
  probed.latchPostgresReachable = await reachable(POSTGRES_URL)
  if (!probed.latchPostgresReachable) console.log(`skipped: postgres unreachable (${redactUrl(POSTGRES_URL)}); the postgres project does not run`)
}
const postgres = probed.latchPostgresReachable

const projects: TestProjectInlineConfiguration[] = [
  { extends: true, test: { name: 'sqlite', include: EVERY_TEST, env: { LATCH_TEST_DIALECT: 'sqlite' } } },
  { extends: true, plugins: [peerFloors()], test: { name: 'peer-floor', include: PEER_FLOOR_TESTS, setupFiles: ['packages/react/test/react-floor-hooks.ts'], env: { LATCH_TEST_DIALECT: 'sqlite', LATCH_PEER_FLOOR: '1' } } },
]
if (postgres) {
  // The outage test owns a throwaway PostgreSQL of its own (test/throwaway-postgres.ts): once is enough.
  // The screenshots (issue 11) are of pages, whatever the database: once is enough too.
  projects.push({ extends: true, test: { name: 'postgres', include: STORE_TESTS, exclude: [...configDefaults.exclude, 'packages/server/test/outage/**', 'packages/server/test/screenshots/**'], env: { LATCH_TEST_DIALECT: 'postgres', LATCH_TEST_POSTGRES_URL: POSTGRES_URL } } })
}

/**
 * Files that take long whatever the machine (Chromium: the screenshots render a few hundred pages;
 * the CLI files that wait on spawned `latch serve` processes), with the time to assume when
 * vitest's results cache has none (a fresh checkout, CI). Measured in full runs on 2 cores shared
 * with other work (session 22): the screenshots 70-110 s, the other browser files 3-85 s, the
 * cli, lifecycle and tenants CLI files 15-40 s (the other CLI files run in-process: 1-3 s).
 */
const LONG_FILES: [RegExp, number][] = [
  [/\/test\/screenshots\/[^/]+\.browser\.test\.ts$/, 90_000],
  [/\.browser\.test\.ts$/, 15_000],
  [/\/apps\/cli\/src\/(cli|lifecycle|tenants)\.test\.ts$/, 25_000],
]

/**
 * Vitest's order (project by project; within one, the longest file first by the results cache of
 * the last run, else the largest) with the LONG_FILES of every project moved to the front, longest
 * first: the run ends when its last file does, and a long file started late (the browser files of
 * the `postgres` project, say) keeps one worker busy after the others are done. Not the clusters of
 * test/scale and test/outage: their timing assertions are better off away from that crowd.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const long = new Map<TestSpecification, number>()
    for (const spec of sorted) {
      const guess = LONG_FILES.find(([pattern]) => pattern.test(spec.moduleId))?.[1]
      if (guess !== undefined) long.set(spec, this.ctx.cache.getTestSpecificationResult(spec)?.duration ?? guess)
    }
    return [...[...long.keys()].sort((a, b) => (long.get(b) ?? 0) - (long.get(a) ?? 0)), ...sorted.filter((spec) => !long.has(spec))]
  }
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A worker runs file after file in one process, importing the server's module graph once rather
    // than once per file: the same files in half the CPU time (docs/architecture.md §2 "Commands",
    // "Writing fast tests"). So a test file leaves nothing behind: it closes what it starts
    // (servers, browsers, pools) and restores what it changes (undici's global dispatcher, spies).
    isolate: false,
    // Most files wait on sockets, databases, argon2 threads and Chromium rather than on a core, so
    // three workers on a 2-core machine finish the suite far sooner than vitest's default
    // (cores - 1 = one worker), without starving the timing-sensitive files.
    maxWorkers: Number(process.env.LATCH_TEST_WORKERS ?? 3),
    sequence: { sequencer: LongestFirst },
    // Only the CLI files run tests side by side (`describe.concurrent`): in-process command lines
    // waiting on SQLite and argon2, and spawned `latch serve` processes waiting on signals and
    // bounds. Two at a time keep a CLI file short; more only crowd the other workers'
    // timing-sensitive files.
    maxConcurrency: 2,
    projects,
  },
})
