#!/usr/bin/env node
/**
 * Latch benchmark suite: one command (`npm run bench` at the root, or `node bench/run.mjs`) that
 * reproduces every number in bench/README.md.
 *
 * Layout of a run, on a 2-core machine:
 * - core 0: the server under test, a separate child process (`taskset -c 0`), fresh for every
 *   measurement (Latch: a new SQLite file; oidc-provider: a new in-memory store);
 * - core 1: this orchestrator and the load generator, also a child process (`taskset -c 1`):
 *   autocannon for single-request scenarios, load/loop.mjs for chained flows;
 * - loopback only (127.0.0.1), every run bounded: warm-up then a fixed measuring window.
 * Peak RSS is the server's VmHWM from /proc/<pid>/status just before it is stopped. Foreign CPU
 * on core 0 during the window (busy time not spent by the server) is recorded, so a noisy
 * machine shows in the results instead of silently skewing them.
 * CPU per iteration: the server's utime + stime (/proc/<pid>/stat, all threads) over the measuring
 * window, read by the load generator at the window's edges, ÷ the iterations completed in it
 * (µs). Unlike req/s it barely moves when other processes share the machine, so the ratios are
 * also given by CPU (`ratio_cpu` = oidc-provider's µs ÷ Latch's µs).
 *
 * Options: --duration=10 --warmup=5 --connections=50 --crypto-seconds=5
 *          --only=cc,session (scenario id prefixes; `issue9` = cc,session,refresh; `org` = the organization
 *          scenarios of issue 10, `tenants` those of issue 11, Latch only) --servers=latch,oidc-provider --alg=RS256,ES256
 *          (--servers may add latch-memdb: Latch on sqlite::memory:, a diagnostic)
 *          --no-reference (skip the bare node:http signing floor of the client_credentials rows)
 *          --profile (Latch under `node --cpu-prof`; writes results/profile.json instead of latest.json)
 *          --rounds=3 (runs per server and scenario, interleaved; the median is reported)
 *          --out=results/latest.json --quiet-wait=120 (seconds to wait for an idle machine)
 *          --no-build (do not run `tsc -b packages/server` first)
 *          --server-node-args="--max-semi-space-size=16" (Node flags for the Latch servers only)
 *          --baseline=DIR (adds server `latch-baseline`: Latch from another build, DIR/dist/index.js
 *          of a packages/server checkout, e.g. the commit before a change; a before/after pair in
 *          one run, interleaved like the other servers)
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createRequire } from 'node:module'
import { createAgent, CookieJar } from './lib/http.mjs'
import { authorizeToCode, clientCredentials, exchangeCode, introspect, jwtHeader, jwtPayload, organizationExchange, organizationExchangeParams, organizationGrant } from './lib/flows.mjs'
import { ORG_WEB, SERVICE, WEB, basic } from './lib/fixtures.mjs'
import { summarize } from './lib/profile-summary.mjs'
import { coreTicks, procStatus, procTicks, waitForQuiet as waitForQuietFor } from './lib/machine.mjs'
import { freePort, runJson, spawnReady } from './lib/processes.mjs'
import { tenantHostsInUse } from './lib/tenants.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(HERE, '..')
const require = createRequire(import.meta.url)

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=')
    return [k, v.length > 0 ? v.join('=') : 'true']
  }),
)
const OPT = {
  duration: Number(args.duration ?? 10),
  // 5 s: oidc-provider (Koa) is still JIT-warming after 2 s (measured: ~2,200 vs ~2,800 req/s).
  warmup: Number(args.warmup ?? 5),
  connections: Number(args.connections ?? 50),
  cryptoSeconds: Number(args['crypto-seconds'] ?? 5),
  // `--only=issue9`: the scenarios whose targets issue 9 sets (client credentials, session, refresh).
  only: args.only ? args.only.split(',').flatMap((p) => (p === 'issue9' ? ['cc', 'session', 'refresh'] : [p])) : null,
  servers: [...(args.servers ?? 'latch,oidc-provider').split(','), ...(args.baseline && !(args.servers ?? '').includes('latch-baseline') ? ['latch-baseline'] : [])],
  algs: (args.alg ?? 'RS256,ES256').split(','),
  profile: args.profile === 'true',
  quietWait: Number(args['quiet-wait'] ?? 120),
  rounds: Number(args.rounds ?? (args.profile === 'true' ? 1 : 3)),
  // `--server-node-args=--max-semi-space-size=16`: Node flags for every Latch server (space-separated).
  serverNodeArgs: args['server-node-args'] ? args['server-node-args'].split(' ').filter(Boolean) : [],
}
const OUT = resolve(HERE, args.out ?? (OPT.profile ? 'results/profile.json' : 'results/latest.json'))
const PROFILE_DIR = join(HERE, 'results', 'profiles')

const log = (...m) => process.stderr.write(`${m.join(' ')}\n`)

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------
const SERVER_SCRIPTS = {
  latch: 'servers/latch.mjs',
  'oidc-provider': 'servers/oidc-provider.mjs',
  /** Diagnostic: Latch on `sqlite::memory:` (not in the default set). */
  'latch-memdb': 'servers/latch.mjs',
  /** Latch from another build (--baseline=DIR): the "before" of a before/after pair. */
  'latch-baseline': 'servers/latch.mjs',
  /** Reference floor for client_credentials: node:http + node:crypto sign, nothing else. */
  'bare-node': 'servers/bare-node.mjs',
  /** Issue 10: Latch with alice in 1 or in 1,000 organizations (the organization scenarios). */
  'latch-orgs-1': 'servers/latch.mjs',
  'latch-orgs-1000': 'servers/latch.mjs',
  /** Issue 11: Latch with 1 or 10,000 stored tenants, each on its own host (the tenants scenarios). */
  'latch-tenants-1': 'servers/latch.mjs',
  'latch-tenants-10000': 'servers/latch.mjs',
}
const SERVER_DEFAULTS = {
  'latch-memdb': { memory: true },
  'latch-orgs-1': { organizations: 1 },
  'latch-orgs-1000': { organizations: 1000 },
  'latch-tenants-1': { tenants: 1 },
  'latch-tenants-10000': { tenants: 10_000 },
  ...(args.baseline ? { 'latch-baseline': { module: pathToFileURL(resolve(args.baseline, 'dist/index.js')).href } } : {}),
}

const tokenRequest = (target) => ({
  url: `${target.url}${target.paths.token}`,
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(SERVICE), accept: 'application/json' },
  body: new URLSearchParams({ grant_type: 'client_credentials', scope: SERVICE.scope }).toString(),
})

const introspectionRequest = (target, client, token) => ({
  url: `${target.url}${target.paths.introspection}`,
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client), accept: 'application/json' },
  body: new URLSearchParams({ token }).toString(),
})

async function codeFlowTokens(agent, target) {
  const jar = new CookieJar()
  const { code, verifier } = await authorizeToCode(agent, jar, target)
  return exchangeCode(agent, target, code, verifier)
}

function expect(cond, message) {
  if (!cond) throw new Error(`sanity check failed: ${message}`)
}

const SCENARIOS = []
for (const alg of ['ES256', 'RS256']) {
  SCENARIOS.push({
    id: `cc-${alg}`,
    n: 1,
    alg,
    title: `client_credentials token (${alg})`,
    kind: 'autocannon',
    extraServers: ['bare-node'],
    async prepare(agent, target) {
      const body = await clientCredentials(agent, target)
      const h = jwtHeader(body.access_token)
      expect(h.alg === alg && h.typ === 'at+jwt', `expected an ${alg} at+jwt access token, got ${JSON.stringify(h)}`)
      return tokenRequest(target)
    },
  })
}
for (const alg of ['RS256', 'ES256']) {
  SCENARIOS.push(
    { id: `session-${alg}`, n: 3, alg, title: `code + PKCE round trip, existing session (${alg})`, kind: 'loop', flow: 'session' },
    { id: `login-${alg}`, n: 4, alg, title: `code + PKCE round trip with password sign-in (${alg})`, kind: 'loop', flow: 'login' },
    { id: `refresh-${alg}`, n: 5, alg, title: `refresh-token rotation (${alg})`, kind: 'loop', flow: 'refresh' },
    {
      id: `introspect-at-${alg}`,
      n: 6,
      alg,
      title: `introspection of an access token (${alg})`,
      kind: 'autocannon',
      // oidc-provider refuses to introspect JWT access tokens (unsupported_token_type, "Structured
      // JWT Tokens cannot be introspected"), so for this one scenario it issues opaque ones.
      serverOptions: { 'oidc-provider': { atFormat: 'opaque' } },
      async prepare(agent, target) {
        const { access_token: token } = await clientCredentials(agent, target)
        const body = await introspect(agent, target, SERVICE, token)
        expect(body.active === true, `introspection of a fresh access token: ${JSON.stringify(body)}`)
        return { ...introspectionRequest(target, SERVICE, token), check: { client: SERVICE, token } }
      },
    },
    {
      id: `introspect-rt-${alg}`,
      n: 6,
      alg,
      title: `introspection of a refresh token (${alg})`,
      kind: 'autocannon',
      async prepare(agent, target) {
        const { refresh_token: token } = await codeFlowTokens(agent, target)
        const body = await introspect(agent, target, WEB, token)
        expect(body.active === true, `introspection of a fresh refresh token: ${JSON.stringify(body)}`)
        return { ...introspectionRequest(target, WEB, token), check: { client: WEB, token } }
      },
    },
  )
}

// Issue 10: token issuance for a user in 1 and in 1,000 organizations (Latch only: oidc-provider
// has no organizations). The two sizes are two "servers" of one scenario, so the rounds interleave
// them (1 1000 1 1000 …) like the servers of the other scenarios. Target: no throughput loss
// beyond 10% from 1 to 1,000.
const ORGANIZATION_SERVERS = ['latch-orgs-1', 'latch-orgs-1000']
SCENARIOS.push(
  {
    id: 'org-refresh',
    n: 7,
    alg: 'ES256',
    title: 'refresh of a grant for an organization, user in 1 vs 1,000 organizations (ES256)',
    kind: 'loop',
    flow: 'org-refresh',
    servers: ORGANIZATION_SERVERS,
  },
  {
    id: 'org-exchange',
    n: 8,
    alg: 'ES256',
    title: 'token exchange of an access token for an organization, user in 1 vs 1,000 organizations (ES256)',
    kind: 'autocannon',
    servers: ORGANIZATION_SERVERS,
    async prepare(agent, target) {
      const { access_token: subject } = await organizationGrant(agent, target)
      await organizationExchange(agent, target, subject)
      return {
        url: `${target.url}${target.paths.token}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(ORG_WEB), accept: 'application/json' },
        body: new URLSearchParams(organizationExchangeParams(subject)).toString(),
      }
    },
  },
)

// Issue 11: client credentials and the session round trip with 1 tenant and with 10,000 (requests
// spread uniformly over 1,000 of them), two "servers" of each scenario like the organization
// sizes. Each tenant is on its own host (`t<N>.bench.test`, lib/tenants.mjs). Every tenant in use
// is loaded, and has made its signing key, before the warm-up: cc's `prepare` sends one request to
// each; the session flow's setup signs in at each. Target: throughput within 10%, peak RSS within
// 100 MB of the one-tenant run.
const TENANT_SERVERS = ['latch-tenants-1', 'latch-tenants-10000']
SCENARIOS.push(
  {
    id: 'tenants-cc',
    n: 9,
    alg: 'ES256',
    title: 'client_credentials token, 1 tenant vs 10,000 tenants (1,000 in use) (ES256)',
    kind: 'autocannon',
    servers: TENANT_SERVERS,
    async prepare(agent, target) {
      const hosts = [...target.hosts]
      const one = async () => {
        for (let host = hosts.pop(); host; host = hosts.pop()) {
          const issuer = `http://${host}`
          const body = await clientCredentials(agent, { url: issuer, paths: target.paths })
          const h = jwtHeader(body.access_token)
          expect(h.alg === 'ES256' && h.typ === 'at+jwt', `expected an ES256 at+jwt access token, got ${JSON.stringify(h)}`)
          expect(jwtPayload(body.access_token).iss === issuer, `the token of ${host} names another issuer`)
        }
      }
      await Promise.all(Array.from({ length: 4 }, one))
      return { ...tokenRequest(target), hosts: target.hosts }
    },
  },
  {
    id: 'tenants-session',
    n: 10,
    alg: 'ES256',
    title: 'code + PKCE round trip, existing session, 1 tenant vs 10,000 tenants (1,000 in use) (ES256)',
    kind: 'loop',
    flow: 'session',
    servers: TENANT_SERVERS,
  },
)

const selected = SCENARIOS.filter(
  (s) => OPT.algs.includes(s.alg) && (!OPT.only || OPT.only.some((p) => s.id.startsWith(p))),
)

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------
/** Starts a server pinned to core 0 and resolves once it printed its READY line. */
async function startServer(name, serverOptions, profileName) {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), `latch-bench-${name}-`))
  const server = await spawnReady({
    name,
    // Storing 10,000 tenants before the start takes a while on a busy machine.
    timeoutMs: serverOptions.tenants ? 300_000 : 60_000,
    script: join(HERE, SERVER_SCRIPTS[name]),
    nodeArgs: [
      ...(name.startsWith('latch') ? OPT.serverNodeArgs : []),
      ...(profileName ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${profileName}.cpuprofile`] : []),
    ],
    core: 0,
    cwd: HERE,
    env: { BENCH_SERVER: JSON.stringify({ port, dir, ...serverOptions }) },
  })
  const hosts = serverOptions.tenants ? { hosts: tenantHostsInUse(serverOptions.tenants, port) } : {}
  return { name, dir, pid: server.ready.pid, target: { url: server.ready.url, paths: server.ready.paths, ...hosts }, stderr: server.stderr, stop: server.stop }
}

async function stopServer(server) {
  await server.stop()
  rmSync(server.dir, { recursive: true, force: true })
}

const waitForQuiet = () => waitForQuietFor(OPT.quietWait, log)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Runs a load child on core 1 and parses its JSON line. */
async function runLoad(script, options) {
  return { result: await runJson({ script: join(HERE, script), options, core: 1, cwd: HERE }) }
}

// ---------------------------------------------------------------------------------------------
// One measurement
// ---------------------------------------------------------------------------------------------
async function measure(scenario, serverName) {
  // The floor is profiled too: its profile shows what HTTP alone costs beside the signature.
  const profileName = OPT.profile && (serverName.startsWith('latch') || serverName === 'bare-node') ? `${scenario.id}-${serverName}` : undefined
  const server = await startServer(serverName, { alg: scenario.alg, ...(SERVER_DEFAULTS[serverName] ?? {}), ...(scenario.serverOptions?.[serverName] ?? {}) }, profileName)
  const agent = createAgent(4)
  try {
    const startRss = procStatus(server.pid).VmRSS
    let prepared
    if (scenario.prepare) prepared = await scenario.prepare(agent, server.target)
    const quiet = await waitForQuiet()
    const cpuBefore = coreTicks()
    const srvBefore = procTicks(server.pid)
    const hrtimeUs = () => Number(process.hrtime.bigint() / 1000n)
    let load
    if (scenario.kind === 'autocannon') {
      const { check, ...req } = prepared
      load = await runLoad('load/autocannon.mjs', { ...req, method: 'POST', connections: OPT.connections, duration: OPT.duration, warmup: OPT.warmup, serverPid: server.pid })
      if (check) {
        const body = await introspect(agent, server.target, check.client, check.token)
        expect(body.active === true, 'the introspected token is still active after the run')
      }
    } else {
      load = await runLoad('load/loop.mjs', { url: server.target.url, paths: server.target.paths, hosts: server.target.hosts, flow: scenario.flow, connections: OPT.connections, duration: OPT.duration, warmup: OPT.warmup, serverPid: server.pid })
    }
    // The measuring window, on the clock of V8's profile timestamps: as the load generator read it
    // (CLOCK_MONOTONIC is shared by the processes), else the last `duration` seconds.
    const windowEnd = hrtimeUs() - 200_000
    const window = load.result.window_us ?? { from: windowEnd - OPT.duration * 1_000_000 + 200_000, to: windowEnd }
    const cpuAfter = coreTicks()
    const srvTicks = procTicks(server.pid) - srvBefore
    const core0 = { busy: cpuAfter[0].busy - cpuBefore[0].busy, total: cpuAfter[0].total - cpuBefore[0].total }
    const mem = procStatus(server.pid)
    agent.destroy()
    await stopServer(server)
    const stored = /(\d+) artefacts in memory/.exec(server.stderr())?.[1]
    const tenantsLoaded = /(\d+) tenants loaded/.exec(server.stderr())?.[1]
    const r = load.result
    const windowS = r.window_us ? (r.window_us.to - r.window_us.from) / 1e6 : null
    return {
      rps: round(r.rps, 1),
      // Server CPU (all threads) per completed iteration over the measuring window, µs.
      ...(r.server_cpu_us !== undefined && r.completed > 0
        ? { cpu_us_per_iteration: round(r.server_cpu_us / r.completed, 1), completed_in_window: r.completed, server_core_pct_in_window: round((100 * r.server_cpu_us) / 1e6 / windowS, 1) }
        : {}),
      p50_ms: r.p50_ms,
      p99_ms: r.p99_ms,
      mean_ms: round(r.mean_ms, 2),
      errors: r.errors + (r.non2xx ?? 0),
      ...(r.first_error ? { first_error: r.first_error } : {}),
      ...(r.http_requests_per_iteration ? { http_requests_per_iteration: r.http_requests_per_iteration } : {}),
      peak_rss_mb: round(mem.VmHWM / 1024, 1),
      rss_after_start_mb: round(startRss / 1024, 1),
      server_cpu_pct: round((100 * srvTicks) / Math.max(1, core0.total), 1),
      foreign_cpu_core0_pct: round((100 * Math.max(0, core0.busy - srvTicks)) / Math.max(1, core0.total), 1),
      machine_busy_before: quiet.busy.map((x) => round(x * 100, 0)),
      ...(stored ? { stored_artefacts_at_exit: Number(stored) } : {}),
      ...(tenantsLoaded ? { tenants_loaded_at_exit: Number(tenantsLoaded) } : {}),
      ...(profileName ? { profile: `results/profiles/${profileName}.cpuprofile`, profile_window_us: window } : {}),
    }
  } catch (err) {
    agent.destroy()
    await stopServer(server).catch(() => {})
    throw Object.assign(err, { serverStderr: server.stderr() })
  }
}

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = Math.floor(v.length / 2)
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/**
 * One server's rounds of one scenario: the median of each rate and latency (the run-to-run
 * spread on a shared VM is several percent), the largest peak RSS, summed errors, every run kept.
 * A scenario with a failed round reports the failure.
 */
function aggregate(runs) {
  const failed = runs.find((r) => r.error)
  if (failed) return { error: failed.error, runs }
  const pick = (k) => runs.map((r) => r[k])
  const rps = pick('rps')
  const cpu = pick('cpu_us_per_iteration').filter((x) => typeof x === 'number')
  return {
    rps: round(median(rps), 1),
    rps_min: Math.min(...rps),
    rps_max: Math.max(...rps),
    ...(cpu.length ? { cpu_us_per_iteration: round(median(cpu), 1), cpu_us_min: Math.min(...cpu), cpu_us_max: Math.max(...cpu) } : {}),
    p50_ms: median(pick('p50_ms')),
    p99_ms: median(pick('p99_ms')),
    mean_ms: round(median(pick('mean_ms')), 2),
    errors: pick('errors').reduce((a, b) => a + b, 0),
    peak_rss_mb: Math.max(...pick('peak_rss_mb')),
    rss_after_start_mb: round(median(pick('rss_after_start_mb')), 1),
    foreign_cpu_core0_pct: Math.max(...pick('foreign_cpu_core0_pct')),
    ...(runs[0].http_requests_per_iteration ? { http_requests_per_iteration: runs[0].http_requests_per_iteration } : {}),
    ...(runs.some((r) => r.first_error) ? { first_error: runs.find((r) => r.first_error).first_error } : {}),
    ...(runs.at(-1).profile ? { profile: runs.at(-1).profile, profile_window_us: runs.at(-1).profile_window_us } : {}),
    runs,
  }
}

const round = (x, d) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 10 ** d) / 10 ** d)

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------
function pinSelf() {
  try {
    execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' })
  } catch {
    log('! taskset failed: the orchestrator is not pinned')
  }
}

/** Measures the current source: an incremental `tsc -b packages/server` (skip with --no-build). */
function ensureBuilt() {
  if (args['no-build'] === 'true' && existsSync(join(ROOT, 'packages/server/dist/index.js'))) return
  log('building packages/server (tsc -b)…')
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'packages/server'], { cwd: ROOT, stdio: 'inherit' })
  } catch {
    throw new Error('packages/server does not compile: fix the build (npm run build) before benchmarking')
  }
}

/** Which Latch source was measured: the commit and whether packages/server had local changes. */
function gitInfo() {
  try {
    const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim()
    return { commit: git('rev-parse', 'HEAD'), server_changes_uncommitted: git('status', '--porcelain', 'packages/server').split('\n').filter(Boolean).length }
  } catch {
    return null
  }
}

function versionOf(pkg) {
  if (pkg === '@latch/server') return JSON.parse(readFileSync(join(ROOT, 'packages/server/package.json'), 'utf8')).version
  try {
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version
  } catch {
    return null
  }
}

async function main() {
  if (cpus().length < 2) throw new Error('the benchmark needs 2 cores: server on core 0, load on core 1')
  pinSelf()
  ensureBuilt()
  mkdirSync(dirname(OUT), { recursive: true })
  if (OPT.profile) {
    mkdirSync(PROFILE_DIR, { recursive: true })
    for (const f of readdirSync(PROFILE_DIR)) if (f.endsWith('.cpuprofile')) rmSync(join(PROFILE_DIR, f))
  }

  const results = {
    date: new Date().toISOString(),
    command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { cpu: cpus()[0].model, cores: cpus().length, node: process.version, kernel: readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' ') },
    versions: {
      '@latch/server': versionOf('@latch/server'),
      'oidc-provider': versionOf('oidc-provider'),
      autocannon: versionOf('autocannon'),
      jose: versionOf('jose'),
      fastify: versionOf('fastify'),
    },
    options: { ...OPT, only: OPT.only },
    source: gitInfo(),
    crypto: null,
    scenarios: [],
    targets: [],
    profiles: {},
  }

  // Scenario 2: raw signing rate on core 0.
  if (!OPT.only || OPT.only.some((p) => 'crypto'.startsWith(p) || p.startsWith('cc'))) {
    log(`crypto: single-core signing rate on core 0 (${OPT.cryptoSeconds} s per case)…`)
    const rounds = []
    for (let r = 0; r < OPT.rounds; r++) {
      await waitForQuiet()
      const out = execFileSync('taskset', ['-c', '0', process.execPath, join(HERE, 'crypto/sign-rate.mjs'), String(OPT.cryptoSeconds)], { encoding: 'utf8' })
      rounds.push(JSON.parse(out.trim().split('\n').pop()))
      log(`  ${JSON.stringify(rounds.at(-1).ops_per_s)}`)
    }
    results.crypto = {
      seconds: OPT.cryptoSeconds,
      payload_bytes: rounds[0].payload_bytes,
      ops_per_s: Object.fromEntries(Object.keys(rounds[0].ops_per_s).map((k) => [k, round(median(rounds.map((x) => x.ops_per_s[k])), 0)])),
      cpu_us_per_op: Object.fromEntries(Object.keys(rounds[0].cpu_us_per_op).map((k) => [k, round(median(rounds.map((x) => x.cpu_us_per_op[k])), 1)])),
      rounds: rounds.map((x) => ({ ops_per_s: x.ops_per_s, cpu_us_per_op: x.cpu_us_per_op })),
    }
  }

  for (const scenario of selected) {
    const row = { id: scenario.id, n: scenario.n, title: scenario.title, alg: scenario.alg }
    const servers = scenario.servers ?? OPT.servers
    const names = [...servers, ...(scenario.extraServers ?? []).filter((n) => args['no-reference'] !== 'true' && !servers.includes(n))]
    const runs = Object.fromEntries(names.map((n) => [n, []]))
    // Rounds interleave the servers (A B A B …), so slow drift of the machine hits both alike.
    for (let round = 1; round <= OPT.rounds; round++) {
      for (const name of names) {
        log(`${scenario.id} on ${name} (round ${round}/${OPT.rounds})…`)
        try {
          const m = await measure(scenario, name)
          runs[name].push(m)
          log(`  ${m.rps} /s  p99 ${m.p99_ms} ms  peak RSS ${m.peak_rss_mb} MB  errors ${m.errors}  foreign CPU on core 0 ${m.foreign_cpu_core0_pct}%`)
        } catch (err) {
          runs[name].push({ error: String(err.message ?? err).slice(0, 2000) })
          log(`  FAILED: ${err.message}\n${err.serverStderr ?? ''}`)
        }
      }
    }
    for (const name of names) row[name] = aggregate(runs[name])
    if (row.latch?.rps && row['oidc-provider']?.rps) row.ratio = round(row.latch.rps / row['oidc-provider'].rps, 2)
    // The same comparison by CPU per iteration: how many times fewer CPU-µs Latch spends.
    if (row.latch?.cpu_us_per_iteration && row['oidc-provider']?.cpu_us_per_iteration) {
      row.ratio_cpu = round(row['oidc-provider'].cpu_us_per_iteration / row.latch.cpu_us_per_iteration, 2)
    }
    results.scenarios.push(row)
    writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`) // partial results survive a crash
  }

  results.targets = evaluateTargets(results)
  if (OPT.profile) {
    for (const row of results.scenarios) {
      for (const name of Object.keys(row)) {
        const p = row[name]?.profile
        if (p && existsSync(join(HERE, p))) results.profiles[`${row.id} (${name})`] = summarize(join(HERE, p), 25, row[name].profile_window_us)
      }
    }
  }
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`)
  process.stdout.write(`${markdown(results)}\n`)
  log(`\nwrote ${OUT}`)
}

/** The issue 9 and 10 targets, each judged by req/s (the issue's measure) and by CPU per iteration. */
function evaluateTargets(results) {
  const row = (id) => results.scenarios.find((s) => s.id === id)
  const targets = []
  const byRatio = (id, label, min) => {
    const s = row(id)
    if (!s?.ratio) return
    const cpu = s.ratio_cpu ? `; by CPU per iteration ${s.ratio_cpu}× (${s.latch.cpu_us_per_iteration} vs ${s['oidc-provider'].cpu_us_per_iteration} µs)` : ''
    targets.push({ target: `${label} ≥ ${min}× oidc-provider`, value: `${s.ratio}× (${s.latch.rps} vs ${s['oidc-provider'].rps}/s)${cpu}`, met: s.ratio >= min, met_cpu: s.ratio_cpu ? s.ratio_cpu >= min : null })
  }
  byRatio('cc-ES256', 'client_credentials ES256', 3)
  const rs = row('cc-RS256')
  const raw = results.crypto?.ops_per_s?.['node:crypto RS256']
  const rawCpu = results.crypto?.cpu_us_per_op?.['node:crypto RS256']
  if (rs?.latch?.rps && raw) {
    const r = rs.latch.rps / raw
    const bare = rs['bare-node']
    const floor = bare?.rps ? `; bare node:http + sign: ${round((100 * bare.rps) / raw, 1)}%` : ''
    const lc = rs.latch.cpu_us_per_iteration
    const cpu = lc && rawCpu ? `; by CPU: ${round((100 * rawCpu) / lc, 1)}% (${rawCpu} µs per raw signature vs ${lc} µs per request${bare?.cpu_us_per_iteration ? `, bare node ${bare.cpu_us_per_iteration} µs = ${round((100 * rawCpu) / bare.cpu_us_per_iteration, 1)}%` : ''})` : ''
    targets.push({
      target: 'client_credentials RS256 ≥ 90% of raw node:crypto RS256 (1 core, same run)',
      value: `${round(r * 100, 1)}% (${rs.latch.rps} of ${raw}/s${floor})${cpu}`,
      met: r >= 0.9,
      met_cpu: lc && rawCpu ? rawCpu / lc >= 0.9 : null,
    })
  }
  for (const alg of ['RS256', 'ES256']) byRatio(`session-${alg}`, `session round trip (${alg})`, 1.5)
  byRatio('refresh-RS256', 'refresh rotation (RS256)', 1.2)
  byRatio('refresh-ES256', 'refresh rotation (ES256)', 1.5)
  // Issue 10: a user in 1,000 organizations issues tokens within 10% of a user in one.
  for (const id of ['org-refresh', 'org-exchange']) {
    const one = row(id)?.['latch-orgs-1']
    const many = row(id)?.['latch-orgs-1000']
    if (!one?.rps || !many?.rps) continue
    const cpu = one.cpu_us_per_iteration && many.cpu_us_per_iteration ? one.cpu_us_per_iteration / many.cpu_us_per_iteration : null
    targets.push({
      target: `${id}: user in 1,000 organizations ≥ 90% of a user in 1`,
      value: `${round((100 * many.rps) / one.rps, 1)}% (${many.rps} vs ${one.rps}/s)${cpu ? `; by CPU per iteration ${round(100 * cpu, 1)}% (${many.cpu_us_per_iteration} vs ${one.cpu_us_per_iteration} µs)` : ''}`,
      met: many.rps / one.rps >= 0.9,
      met_cpu: cpu === null ? null : cpu >= 0.9,
    })
  }
  // Issue 11: 10,000 tenants (1,000 in use) within 10% of one tenant's throughput and 100 MB of its peak RSS.
  for (const id of ['tenants-cc', 'tenants-session']) {
    const one = row(id)?.['latch-tenants-1']
    const many = row(id)?.['latch-tenants-10000']
    if (!one?.rps || !many?.rps) continue
    const cpu = one.cpu_us_per_iteration && many.cpu_us_per_iteration ? one.cpu_us_per_iteration / many.cpu_us_per_iteration : null
    targets.push({
      target: `${id}: 10,000 tenants ≥ 90% of 1 tenant`,
      value: `${round((100 * many.rps) / one.rps, 1)}% (${many.rps} vs ${one.rps}/s)${cpu ? `; by CPU per iteration ${round(100 * cpu, 1)}% (${many.cpu_us_per_iteration} vs ${one.cpu_us_per_iteration} µs)` : ''}`,
      met: many.rps / one.rps >= 0.9,
      met_cpu: cpu === null ? null : cpu >= 0.9,
    })
    targets.push({
      target: `${id}: 10,000 tenants' peak RSS ≤ 1 tenant's + 100 MB`,
      value: `${many.peak_rss_mb} MB vs ${one.peak_rss_mb} MB (+${round(many.peak_rss_mb - one.peak_rss_mb, 1)} MB)`,
      met: many.peak_rss_mb - one.peak_rss_mb <= 100,
      met_cpu: null,
    })
  }
  const both = results.scenarios.filter((s) => s.latch?.peak_rss_mb && s['oidc-provider']?.peak_rss_mb)
  if (both.length) {
    const lmax = Math.max(...both.map((s) => s.latch.peak_rss_mb))
    const omax = Math.max(...both.map((s) => s['oidc-provider'].peak_rss_mb))
    const wins = both.filter((s) => s.latch.peak_rss_mb <= s['oidc-provider'].peak_rss_mb).length
    targets.push({ target: 'peak RSS ≤ oidc-provider (max over scenarios)', value: `${lmax} MB vs ${omax} MB; lower or equal in ${wins}/${both.length} scenarios`, met: lmax <= omax, met_cpu: null })
  }
  return targets
}

function markdown(results) {
  const fmt = (x) => (x === null || x === undefined ? '–' : String(x))
  const lines = []
  lines.push(`Latch benchmark, ${results.date}; ${results.machine.cpu}, Node ${results.machine.node}; ${OPT.connections} connections, ${OPT.warmup} s warm-up + ${OPT.duration} s, median of ${OPT.rounds} interleaved round(s); peak RSS is the largest of the rounds; CPU µs/iter = the server's utime+stime over the window ÷ iterations completed in it`)
  lines.push('')
  if (results.crypto) {
    lines.push(`| raw signing, 1 core (~${results.crypto.payload_bytes}-byte payload) | ops/s | CPU µs per op |`)
    lines.push('|---|---:|---:|')
    for (const [k, v] of Object.entries(results.crypto.ops_per_s)) lines.push(`| ${k} | ${v} | ${fmt(results.crypto.cpu_us_per_op?.[k])} |`)
    lines.push('')
  }
  // The organization and tenants scenarios have neither server: they are in the second table only.
  const compared = results.scenarios.filter((x) => x.latch || x['oidc-provider'])
  if (compared.length > 0) {
    lines.push('| # | scenario | Latch req/s | Latch CPU µs/iter | Latch p99 ms | Latch peak RSS MB | oidc-provider req/s | oidc-provider CPU µs/iter | oidc-provider p99 ms | oidc-provider peak RSS MB | Latch / oidc-provider (req/s) | (by CPU) |')
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  }
  for (const s of compared) {
    const l = s.latch ?? {}
    const o = s['oidc-provider'] ?? {}
    const cell = (m, k) => (m.error ? 'FAILED' : fmt(m[k]))
    lines.push(`| ${s.n} | ${s.title} | ${cell(l, 'rps')} | ${cell(l, 'cpu_us_per_iteration')} | ${cell(l, 'p99_ms')} | ${cell(l, 'peak_rss_mb')} | ${cell(o, 'rps')} | ${cell(o, 'cpu_us_per_iteration')} | ${cell(o, 'p99_ms')} | ${cell(o, 'peak_rss_mb')} | ${s.ratio ? `${s.ratio}×` : '–'} | ${s.ratio_cpu ? `${s.ratio_cpu}×` : '–'} |`)
  }
  const extra = results.scenarios.flatMap((s) => ['bare-node', 'latch-memdb', 'latch-baseline', 'latch-orgs-1', 'latch-orgs-1000', 'latch-tenants-1', 'latch-tenants-10000'].filter((n) => s[n]).map((n) => [s, n]))
  if (extra.length) {
    lines.push('', '| reference / diagnostic | scenario | req/s | CPU µs/iter | p99 ms | peak RSS MB | req/s vs Latch | Latch CPU/iter ÷ this |', '|---|---|---:|---:|---:|---:|---:|---:|')
    for (const [s, n] of extra) {
      const m = s[n]
      const label = { 'bare-node': 'bare node:http + node:crypto sign', 'latch-memdb': 'Latch on sqlite::memory:', 'latch-baseline': `Latch baseline (${args.baseline})`, 'latch-orgs-1': 'Latch, user in 1 organization', 'latch-orgs-1000': 'Latch, user in 1,000 organizations', 'latch-tenants-1': 'Latch, 1 tenant', 'latch-tenants-10000': 'Latch, 10,000 tenants (1,000 in use)' }[n]
      lines.push(`| ${label} | ${s.title} | ${m.error ? 'FAILED' : fmt(m.rps)} | ${fmt(m.cpu_us_per_iteration)} | ${fmt(m.p99_ms)} | ${fmt(m.peak_rss_mb)} | ${m.rps && s.latch?.rps ? `${round(m.rps / s.latch.rps, 2)}×` : '–'} | ${m.cpu_us_per_iteration && s.latch?.cpu_us_per_iteration ? `${round(s.latch.cpu_us_per_iteration / m.cpu_us_per_iteration, 3)}` : '–'} |`)
    }
  }
  const ALL = ['latch', 'oidc-provider', 'bare-node', 'latch-memdb', 'latch-baseline', 'latch-orgs-1', 'latch-orgs-1000', 'latch-tenants-1', 'latch-tenants-10000']
  const errs = results.scenarios.flatMap((s) => ALL.filter((n) => s[n]?.errors > 0).map((n) => `${s.id}/${n}: ${s[n].errors} errors`))
  if (errs.length) lines.push('', `Errors: ${errs.join('; ')}`)
  const noisy = results.scenarios.flatMap((s) => ALL.filter((n) => s[n]?.foreign_cpu_core0_pct > 5).map((n) => `${s.id}/${n} ${s[n].foreign_cpu_core0_pct}%`))
  if (noisy.length) lines.push('', `Foreign CPU on core 0 above 5% (other processes competed with the server): ${noisy.join('; ')}`)
  if (results.targets.length) {
    lines.push('', '| target | result | met by req/s? | met by CPU/iter? |', '|---|---|---|---|')
    const yn = (m) => (m === null || m === undefined ? '–' : m ? 'yes' : '**no**')
    for (const t of results.targets) lines.push(`| ${t.target} | ${t.value} | ${yn(t.met)} | ${yn(t.met_cpu)} |`)
  }
  for (const [id, p] of Object.entries(results.profiles)) {
    lines.push('', `Profile of ${id}, measuring window only (self time, top 10):`, '', '| function | self % |', '|---|---:|')
    for (const r of p.top.slice(0, 10)) lines.push(`| \`${r.function}\` | ${r.self_pct} |`)
    lines.push('', '| by package | self % |', '|---|---:|')
    for (const r of p.by_package.slice(0, 8)) lines.push(`| ${r.group} | ${r.self_pct} |`)
  }
  return lines.join('\n')
}

main().catch((err) => {
  log(err.stack ?? String(err))
  process.exit(1)
})
