#!/usr/bin/env node
/**
 * Resource-server benchmark: how many requests per second a protected route answers when every
 * request carries a valid RS256 access token that must be verified, through @latch/resource-server's
 * Express, Fastify and Hono adapters, against
 * - the raw single-core `jwtVerify` rate of jose for the same token and key (verify-rate.mjs), and
 * - a bare node:http server calling `jwtVerify` (servers/bare-node.mjs), the HTTP floor, and
 * - Express and Fastify with the same check written inline, no adapter (servers/*-inline.mjs),
 * so the adapters' own cost, the frameworks' and HTTP's can each be read.
 * `node bench/resource-server/run.mjs [options]`.
 *
 * Layout, as in bench/run.mjs: each server is its own child process pinned to core 0 (`taskset -c
 * 0`), fresh per measurement; autocannon runs pinned to core 1 (bench/load/autocannon.mjs), and
 * so does this orchestrator, which also serves the JWKS (fetched once per server start). The
 * raw verify loop runs pinned to core 0 too. Foreign CPU on core 0 during each window is
 * recorded, so a busy shared machine shows in the results.
 *
 * Options: --duration=5 --warmup=3 --connections=50 --rounds=1 --verify-seconds=5
 *          --servers=express,express-inline,fastify,fastify-inline,hono,bare-node --profile (servers under `node --cpu-prof`,
 *          self-time summary of the window in the JSON) --quiet-wait=60 --no-build
 *          --out=results/resource-server.json
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { coreTicks, procTicks, waitForQuiet as waitForQuietFor } from '../lib/machine.mjs'
import { freePort, runJson, spawnReady } from '../lib/processes.mjs'
import { summarize } from '../lib/profile-summary.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const BENCH = resolve(HERE, '..')
const ROOT = resolve(BENCH, '..')
const require = createRequire(import.meta.url)
const log = (...m) => process.stderr.write(`${m.join(' ')}\n`)

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, '').split('=')
  return [k, v ?? 'true']
}))
const OPT = {
  duration: Number(args.duration ?? 5),
  warmup: Number(args.warmup ?? 3),
  connections: Number(args.connections ?? 50),
  rounds: Number(args.rounds ?? 1),
  verifySeconds: Number(args['verify-seconds'] ?? 5),
  servers: (args.servers ?? 'express,express-inline,fastify,fastify-inline,hono,bare-node').split(','),
  profile: args.profile === 'true',
  quietWait: Number(args['quiet-wait'] ?? 60),
}
const OUT = resolve(BENCH, args.out ?? (OPT.profile ? 'results/resource-server-profile.json' : 'results/resource-server.json'))
const PROFILE_DIR = join(BENCH, 'results', 'profiles')
const AUDIENCE = 'https://api.example.com'
const TARGET = 0.85

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const round = (x, d = 0) => (x == null || Number.isNaN(x) ? null : Math.round(x * 10 ** d) / 10 ** d)
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b)
  return v.length === 0 ? null : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2
}

// ---------------------------------------------------------------------------------------------
// Machine
// ---------------------------------------------------------------------------------------------
/** The idle wait of lib/machine.mjs; resolves with each core's busy share before the window. */
const waitForQuiet = async () => (await waitForQuietFor(OPT.quietWait, log)).busy

// ---------------------------------------------------------------------------------------------
// Fixture: one RS256 key, its JWKS served here, one valid access token (RFC 9068 shape)
// ---------------------------------------------------------------------------------------------
async function fixture() {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 })
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-rs256', alg: 'RS256', use: 'sig' }
  let jwksRequests = 0
  const jwksServer = createServer((req, res) => {
    jwksRequests++
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise((r) => jwksServer.listen(0, '127.0.0.1', r))
  const issuer = `http://127.0.0.1:${jwksServer.address().port}`
  const iat = Math.floor(Date.now() / 1000)
  const token = await new SignJWT({
    iss: issuer, sub: '3f1e1c1a-9b2c-4d5e-8f70-1a2b3c4d5e6f', aud: AUDIENCE, exp: iat + 7200, iat,
    jti: 'kM4l4zLXPv84ICeCrQirRA', client_id: 'demo-web', scope: 'openid read:data write:data', auth_time: iat,
  }).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid }).sign(privateKey)
  return { jwk, issuer, jwksUri: `${issuer}/jwks`, token, jwksServer, jwksRequests: () => jwksRequests }
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------
async function startServer(name, fx, profileName) {
  const port = await freePort()
  const server = await spawnReady({
    name,
    script: join(HERE, 'servers', `${name}.mjs`),
    nodeArgs: profileName ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${profileName}.cpuprofile`] : [],
    core: 0,
    cwd: HERE,
    env: { BENCH_SERVER: JSON.stringify({ port, issuer: fx.issuer, audience: AUDIENCE, jwksUri: fx.jwksUri }) },
    timeoutMs: 30_000,
  })
  return { name, url: `${server.ready.url}${server.ready.path}`, pid: server.ready.pid, stderr: server.stderr, stop: server.stop }
}

const stopServer = (server) => server.stop()

const runLoad = (options) => runJson({ script: join(BENCH, 'load/autocannon.mjs'), options, core: 1, cwd: BENCH })

async function sanity(server, token) {
  const ok = await fetch(server.url, { headers: { authorization: `Bearer ${token}` } })
  if (ok.status !== 200) throw new Error(`${server.name}: a valid token got ${ok.status}`)
  const none = await fetch(server.url)
  if (none.status !== 401) throw new Error(`${server.name}: no token got ${none.status}`)
  const forged = await fetch(server.url, { headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } })
  if (forged.status !== 401) throw new Error(`${server.name}: a forged signature got ${forged.status}`)
}

async function measure(name, fx) {
  const profileName = OPT.profile ? `rs-${name}` : undefined
  const server = await startServer(name, fx, profileName)
  try {
    await sanity(server, fx.token)
    const quiet = await waitForQuiet()
    const before = coreTicks()
    const srvBefore = procTicks(server.pid)
    const r = await runLoad({ url: server.url, method: 'GET', headers: { authorization: `Bearer ${fx.token}` }, connections: OPT.connections, duration: OPT.duration, warmup: OPT.warmup })
    const windowEnd = Number(process.hrtime.bigint() / 1000n) - 200_000
    const after = coreTicks()
    const srvTicks = procTicks(server.pid) - srvBefore
    const core0 = { busy: after[0].busy - before[0].busy, total: after[0].total - before[0].total }
    await stopServer(server)
    return {
      rps: round(r.rps, 1),
      p50_ms: r.p50_ms,
      p99_ms: r.p99_ms,
      errors: r.errors + (r.non2xx ?? 0),
      server_cpu_pct: round((100 * srvTicks) / Math.max(1, core0.total), 1),
      foreign_cpu_core0_pct: round((100 * Math.max(0, core0.busy - srvTicks)) / Math.max(1, core0.total), 1),
      machine_busy_before: quiet.map((x) => round(x * 100)),
      ...(profileName ? { profile: join('results', 'profiles', `${profileName}.cpuprofile`), profile_window_us: { from: windowEnd - OPT.duration * 1_000_000 + 200_000, to: windowEnd } } : {}),
    }
  } catch (err) {
    await stopServer(server).catch(() => {})
    throw Object.assign(err, { serverStderr: server.stderr() })
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------
function ensureBuilt() {
  if (args['no-build'] === 'true') return
  log('building packages/resource-server (tsc -b)…')
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'packages/resource-server'], { cwd: ROOT, stdio: 'inherit' })
}

function version(pkg) {
  // Read from node_modules: some packages (hono) do not export their package.json.
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version
  } catch {
    return null
  }
}

function markdown(results) {
  const raw = results.raw_reference
  const floor = results.servers['bare-node']?.rps
  const lines = [
    `Raw jose \`jwtVerify\` RS256, 1 core: ${Object.entries(results.verify.ops_per_s).map(([k, v]) => `${k.replace('jose jwtVerify RS256 ', '')} ${v.toLocaleString('en-US')}/s`).join(' · ')}. Reference for the ratio: ${raw.toLocaleString('en-US')}/s (the highest).`,
    '',
    '| server | req/s | p50 ms | p99 ms | errors | / raw jwtVerify | / bare node:http floor | / same framework inline | foreign CPU core 0 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const [name, m] of Object.entries(results.servers)) {
    if (m.error) {
      lines.push(`| ${name} | failed: ${m.error.split('\n')[0]} | | | | | | | |`)
      continue
    }
    const inline = results.servers[`${name}-inline`]?.rps
    lines.push(`| ${name} | ${m.rps.toLocaleString('en-US')} | ${m.p50_ms} | ${m.p99_ms} | ${m.errors} | ${round((100 * m.rps) / raw, 1)}% | ${floor ? `${round((100 * m.rps) / floor, 1)}%` : '–'} | ${inline ? `${round((100 * m.rps) / inline, 1)}%` : '–'} | ${m.foreign_cpu_core0_pct}% |`)
  }
  lines.push('', `Target: adapter ≥ ${TARGET * 100}% of raw jwtVerify: ${results.targets.map((t) => `${t.server} ${t.value} (${t.met ? 'met' : 'missed'})`).join(', ')}.`)
  return lines.join('\n')
}

async function main() {
  if (cpus().length < 2) throw new Error('the benchmark needs 2 cores: servers on core 0, load on core 1')
  try {
    execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' })
  } catch {
    log('! taskset failed: the orchestrator is not pinned')
  }
  ensureBuilt()
  mkdirSync(dirname(OUT), { recursive: true })
  if (OPT.profile) {
    mkdirSync(PROFILE_DIR, { recursive: true })
    for (const f of readdirSync(PROFILE_DIR)) if (f.startsWith('rs-') && f.endsWith('.cpuprofile')) rmSync(join(PROFILE_DIR, f))
  }
  const fx = await fixture()
  const results = {
    date: new Date().toISOString(),
    command: `node bench/resource-server/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { cpu: cpus()[0].model, cores: cpus().length, node: process.version },
    versions: Object.fromEntries(['jose', 'express', 'fastify', 'hono', '@hono/node-server', 'autocannon'].map((p) => [p, version(p)])),
    options: OPT,
    token_bytes: fx.token.length,
    verify: null,
    raw_reference: null,
    servers: {},
    targets: [],
    profiles: {},
  }
  try {
    log(`raw jwtVerify on core 0 (${OPT.verifySeconds} s per case)…`)
    const verifyRounds = []
    for (let r = 0; r < OPT.rounds; r++) {
      await waitForQuiet()
      const out = execFileSync('taskset', ['-c', '0', process.execPath, join(HERE, 'verify-rate.mjs'), JSON.stringify({ jwk: fx.jwk, token: fx.token, issuer: fx.issuer, audience: AUDIENCE, seconds: OPT.verifySeconds, warmup: 1 })], { encoding: 'utf8' })
      verifyRounds.push(JSON.parse(out.trim().split('\n').pop()).ops_per_s)
      log(`  ${JSON.stringify(verifyRounds.at(-1))}`)
    }
    const keys = Object.keys(verifyRounds[0])
    results.verify = { ops_per_s: Object.fromEntries(keys.map((k) => [k, round(median(verifyRounds.map((x) => x[k])))])), rounds: verifyRounds }
    results.raw_reference = Math.max(...Object.values(results.verify.ops_per_s))

    const runs = Object.fromEntries(OPT.servers.map((n) => [n, []]))
    for (let r = 1; r <= OPT.rounds; r++) {
      for (const name of OPT.servers) {
        log(`${name} (round ${r}/${OPT.rounds})…`)
        try {
          const m = await measure(name, fx)
          runs[name].push(m)
          log(`  ${m.rps} /s  p99 ${m.p99_ms} ms  errors ${m.errors}  foreign CPU on core 0 ${m.foreign_cpu_core0_pct}%`)
        } catch (err) {
          runs[name].push({ error: String(err.message ?? err).slice(0, 2000) })
          log(`  FAILED: ${err.message}\n${err.serverStderr ?? ''}`)
        }
      }
    }
    for (const [name, rs] of Object.entries(runs)) {
      const failed = rs.find((m) => m.error)
      results.servers[name] = failed
        ? { error: failed.error, runs: rs }
        : {
            rps: round(median(rs.map((m) => m.rps)), 1),
            p50_ms: median(rs.map((m) => m.p50_ms)),
            p99_ms: median(rs.map((m) => m.p99_ms)),
            errors: rs.reduce((a, m) => a + m.errors, 0),
            foreign_cpu_core0_pct: Math.max(...rs.map((m) => m.foreign_cpu_core0_pct)),
            ...(rs.at(-1).profile ? { profile: rs.at(-1).profile, profile_window_us: rs.at(-1).profile_window_us } : {}),
            runs: rs,
          }
    }
    for (const name of ['express', 'fastify', 'hono']) {
      const m = results.servers[name]
      if (m?.rps) results.targets.push({ server: name, value: `${round((100 * m.rps) / results.raw_reference, 1)}%`, met: m.rps / results.raw_reference >= TARGET })
    }
    if (OPT.profile) {
      for (const [name, m] of Object.entries(results.servers)) {
        if (m.profile) results.profiles[name] = summarize(join(BENCH, m.profile), 25, m.profile_window_us)
      }
    }
    results.jwks_requests = fx.jwksRequests()
    writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`)
    process.stdout.write(`${markdown(results)}\n`)
    log(`\nwrote ${OUT}`)
  } finally {
    fx.jwksServer.close()
  }
}

main().catch((err) => {
  log(err.stack ?? String(err))
  process.exit(1)
})
