/**
 * Latch as a separate process for the benchmark: `createServer` from @latch/server (the built
 * dist) with the demo config's clients and user, its default SQLite store in a fresh directory,
 * the signing alg of the scenario, and the issuer on the loopback port the harness chose.
 * Options come as JSON in BENCH_SERVER (port, alg, dir; database and issuer for bench/storage.mjs;
 * organizations for the organization scenarios, lib/latch-config.mjs; tenants for the tenants
 * scenarios, stored first by servers/seed-tenants.mjs). Logging is at `warn`: oidc-provider
 * logs nothing per request, so neither side pays for request logs. Everything else is Latch's
 * defaults.
 * On SIGTERM the server closes and the process exits normally, so `--cpu-prof` writes its profile.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { latchBenchConfig } from '../lib/latch-config.mjs'

const opts = JSON.parse(process.env.BENCH_SERVER ?? '{}')
// `module` (run.mjs --baseline=DIR): another build of @latch/server, for a before/after pair in one run.
const { createServer } = await import(opts.module ?? '@latch/server')
const port = opts.port ?? 0
const alg = opts.alg ?? 'RS256'
const dir = opts.dir ?? '.'
// Several nodes of one deployment share an issuer (bench/storage.mjs): each listens on its own port.
const issuer = opts.issuer ?? `http://127.0.0.1:${port}`

const secret = 'bench-latch-secret-0123456789abcdef-0123456789'

// `tenants: n` (the tenants scenarios, issue 11): n tenants stored before the start, by another process.
if (opts.tenants) {
  const seed = { database: opts.database, dir, port, alg, count: opts.tenants, secret, module: opts.module }
  execFileSync(process.execPath, [join(import.meta.dirname, 'seed-tenants.mjs'), JSON.stringify(seed)], { stdio: ['ignore', 'ignore', 'inherit'] })
}

const server = await createServer({
  cwd: dir,
  env: { LATCH_SECRET: secret },
  config: latchBenchConfig({ issuer, port, alg, dir, database: opts.database, memory: opts.memory, organizations: opts.organizations }),
})
const url = await server.listen(port, '127.0.0.1')
process.stdout.write(`READY ${JSON.stringify({ url, pid: process.pid, paths: { authorization: '/authorize', token: '/token', introspection: '/introspect' } })}\n`)

async function shutdown() {
  // The tenants scenarios check that every tenant in use stayed loaded (none evicted and reloaded).
  if (opts.tenants) process.stderr.write(`${server.tenants.cached} tenants loaded\n`)
  await server.close().catch(() => {})
  process.exit(0)
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
