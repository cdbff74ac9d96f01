#!/usr/bin/env node
/**
 * Before/after of Latch's own per-request work, in one process: two builds of @latch/server (the
 * current one and `--baseline=DIR`, a built checkout of packages/server) answer the same
 * client-credentials token request through Fastify's `inject()` (no sockets), in alternating
 * batches. Each batch's CPU time (`process.cpuUsage`, µs per request) is recorded; the result is
 * the median per build and the ratio. Because the batches alternate every few milliseconds,
 * another process competing for the core slows both builds alike, so the ratio holds on a shared
 * machine where req/s does not. What it leaves out is the same for both: the socket, HTTP
 * parsing, the kernel. Run it pinned: `taskset -c 0 node bench/inject-ab.mjs --baseline=DIR`.
 *
 * `--tenants` (issue 11) compares two deployments of the current build instead: 1 stored tenant
 * against 10,000 (servers/seed-tenants.mjs), each request to a tenant picked at random among those
 * in use (1, or 1,000 of the 10,000; lib/tenants.mjs) by its Host header. Every tenant in use gets
 * one request before the warm-up, which loads it and makes its signing key.
 *
 * Options: --baseline=DIR (or --tenants) --alg=ES256 --seconds=20 --batch=100 --warmup=3
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { SERVICE, basic } from './lib/fixtures.mjs'
import { latchBenchConfig } from './lib/latch-config.mjs'
import { tenantHostsInUse } from './lib/tenants.mjs'

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')))
const tenantsMode = 'tenants' in args
if (!args.baseline && !tenantsMode) throw new Error('--baseline=DIR (a built packages/server checkout) or --tenants is required')
const alg = args.alg ?? 'ES256'
const seconds = Number(args.seconds ?? 20)
const batch = Number(args.batch ?? 100)
const warmup = Number(args.warmup ?? 3)

const secret = 'bench-latch-secret-0123456789abcdef-0123456789'

async function open(name, module, tenants = 0) {
  const { createServer } = await import(module)
  const dir = mkdtempSync(join(tmpdir(), `latch-inject-${name}-`))
  const port = 9
  const issuer = `http://127.0.0.1:${port}`
  if (tenants) {
    const seed = { dir, port, alg, count: tenants, secret }
    execFileSync(process.execPath, [join(import.meta.dirname, 'servers/seed-tenants.mjs'), JSON.stringify(seed)], { stdio: ['ignore', 'ignore', 'inherit'] })
  }
  const server = await createServer({
    cwd: dir,
    env: { LATCH_SECRET: secret },
    config: latchBenchConfig({ issuer, port, alg, dir }),
  })
  await server.app.ready()
  const hosts = tenants ? tenantHostsInUse(tenants, port) : null
  const target = { name, server, dir, hosts }
  if (hosts) for (const host of hosts) await send(target, host)
  return target
}

const request = {
  method: 'POST',
  url: '/token',
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(SERVICE), accept: 'application/json' },
  payload: new URLSearchParams({ grant_type: 'client_credentials', scope: SERVICE.scope }).toString(),
}

async function send(target, host) {
  const res = await target.server.app.inject(host ? { ...request, headers: { ...request.headers, host } } : request)
  if (res.statusCode !== 200) throw new Error(`${target.name}: ${res.statusCode} ${res.body}`)
}

async function runBatch(target, n) {
  const { hosts } = target
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) await send(target, hosts?.[Math.floor(Math.random() * hosts.length)])
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / n
}

// In --tenants mode "current" is 10,000 tenants and "baseline" one tenant, both of the current build.
const targets = tenantsMode
  ? [await open('current', '@latch/server', 10_000), await open('baseline', '@latch/server', 1)]
  : [await open('current', '@latch/server'), await open('baseline', pathToFileURL(resolve(args.baseline, 'dist/index.js')).href)]
try {
  for (const t of targets) {
    const end = performance.now() + warmup * 1000
    while (performance.now() < end) await runBatch(t, batch)
  }
  const samples = { current: [], baseline: [] }
  const end = performance.now() + seconds * 1000
  let flip = false
  while (performance.now() < end) {
    // Alternate which goes first, so neither always follows the other's garbage.
    const order = flip ? [targets[1], targets[0]] : targets
    flip = !flip
    for (const t of order) samples[t.name].push(await runBatch(t, batch))
  }
  const median = (xs) => {
    const v = [...xs].sort((a, b) => a - b)
    return v[Math.floor(v.length / 2)]
  }
  const out = {
    ...(tenantsMode && { current: '10,000 tenants (1,000 in use)', baseline: '1 tenant' }),
    alg,
    batches: samples.current.length,
    batch,
    cpu_us_per_request: { current: Math.round(median(samples.current) * 10) / 10, baseline: Math.round(median(samples.baseline) * 10) / 10 },
  }
  out.current_vs_baseline = Math.round((out.cpu_us_per_request.current / out.cpu_us_per_request.baseline) * 1000) / 1000
  process.stdout.write(`${JSON.stringify(out)}\n`)
} finally {
  for (const t of targets) {
    await t.server.close()
    rmSync(t.dir, { recursive: true, force: true })
  }
}
