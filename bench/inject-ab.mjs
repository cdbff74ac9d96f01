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
 * Options: --baseline=DIR (required) --alg=ES256 --seconds=20 --batch=100 --warmup=3
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { SERVICE, basic } from './lib/fixtures.mjs'
import { latchBenchConfig } from './lib/latch-config.mjs'

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')))
if (!args.baseline) throw new Error('--baseline=DIR is required (a built packages/server checkout)')
const alg = args.alg ?? 'ES256'
const seconds = Number(args.seconds ?? 20)
const batch = Number(args.batch ?? 100)
const warmup = Number(args.warmup ?? 3)

async function open(name, module) {
  const { createServer } = await import(module)
  const dir = mkdtempSync(join(tmpdir(), `latch-inject-${name}-`))
  const issuer = 'http://127.0.0.1:9'
  const server = await createServer({
    cwd: dir,
    env: { LATCH_SECRET: 'bench-latch-secret-0123456789abcdef-0123456789' },
    config: latchBenchConfig({ issuer, port: 9, alg, dir }),
  })
  await server.app.ready()
  return { name, server, dir }
}

const request = {
  method: 'POST',
  url: '/token',
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(SERVICE), accept: 'application/json' },
  payload: new URLSearchParams({ grant_type: 'client_credentials', scope: SERVICE.scope }).toString(),
}

async function runBatch(target, n) {
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const res = await target.server.app.inject(request)
    if (res.statusCode !== 200) throw new Error(`${target.name}: ${res.statusCode} ${res.body}`)
  }
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / n
}

const targets = [await open('current', '@latch/server'), await open('baseline', pathToFileURL(resolve(args.baseline, 'dist/index.js')).href)]
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
