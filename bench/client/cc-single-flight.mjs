#!/usr/bin/env node
/**
 * @latch/client benchmark: 1,000 concurrent callers of one client credentials client share one
 * token request (single-flight + cache), against 1,000 uncached token requests (a new client per
 * caller, as code without a token cache behaves). Reports the number of token requests each way
 * and the wall time until all 1,000 callers hold a token.
 *
 * Layout, as bench/run.mjs: Latch (servers/latch.mjs, the demo config's demo-service, RS256, a
 * fresh SQLite file) is a child process on core 0 (`taskset -c 0`); this process, the client, runs
 * on core 1. Loopback only, a bounded number of rounds; the median is reported with min and max.
 *
 * Usage: node bench/client/cc-single-flight.mjs [--callers=1000] [--rounds=5] [--warmup=300]
 *        [--out=results/client-cc.json]   (needs `npm run build`: it imports the built dist)
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createClientCredentialsClient, discover } from '@latch/client'
import { SERVICE } from '../lib/fixtures.mjs'
import { freePort, hasTaskset, spawnReady } from '../lib/processes.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const BENCH = resolve(HERE, '..')
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')))
const OPT = {
  callers: Number(args.callers ?? 1000),
  rounds: Number(args.rounds ?? 5),
  warmup: Number(args.warmup ?? 300),
  out: resolve(BENCH, args.out ?? 'results/client-cc.json'),
}
const log = (...m) => process.stderr.write(`${m.join(' ')}\n`)

/** Latch (servers/latch.mjs) on core 0 with a fresh SQLite file. */
async function startLatch() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'latch-bench-client-'))
  const node = await spawnReady({
    name: 'Latch',
    script: join(BENCH, 'servers/latch.mjs'),
    core: cpus().length >= 2 ? 0 : null,
    cwd: BENCH,
    env: { BENCH_SERVER: JSON.stringify({ port, dir }) },
  })
  return {
    url: node.ready.url,
    async stop() {
      await node.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A pass-through fetch that counts token requests. */
function counting() {
  let tokenRequests = 0
  return {
    fetch: (input, init) => {
      if (new URL(input instanceof Request ? input.url : input).pathname === '/token') tokenRequests++
      return fetch(input, init)
    },
    get tokenRequests() {
      return tokenRequests
    },
  }
}

const options = (url, fetchImpl) => ({ issuer: url, clientId: SERVICE.client_id, clientSecret: SERVICE.client_secret, scope: SERVICE.scope, fetch: fetchImpl })

/** N concurrent getToken() on ONE client: the cache and single-flight at work. */
async function shared(url, n) {
  const counter = counting()
  const client = createClientCredentialsClient(options(url, counter.fetch))
  const t0 = performance.now()
  const tokens = await Promise.all(Array.from({ length: n }, () => client.getToken()))
  const ms = performance.now() - t0
  if (new Set(tokens).size !== 1) throw new Error('callers got different tokens')
  return { ms, tokenRequests: counter.tokenRequests }
}

/** N concurrent callers, each with its own client: N token requests, as without a cache. */
async function uncached(url, n) {
  const counter = counting()
  const t0 = performance.now()
  const tokens = await Promise.all(Array.from({ length: n }, () => createClientCredentialsClient(options(url, counter.fetch)).getToken()))
  const ms = performance.now() - t0
  if (new Set(tokens).size !== n) throw new Error('expected one token per caller')
  return { ms, tokenRequests: counter.tokenRequests }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const stats = (runs) => ({ medianMs: +median(runs.map((r) => r.ms)).toFixed(1), minMs: +Math.min(...runs.map((r) => r.ms)).toFixed(1), maxMs: +Math.max(...runs.map((r) => r.ms)).toFixed(1), tokenRequests: runs.map((r) => r.tokenRequests) })

async function main() {
  log(`client credentials single-flight: ${OPT.callers} callers, ${OPT.rounds} rounds${hasTaskset ? ' (server core 0, client core 1)' : ' (no taskset: unpinned)'}`)
  const latch = await startLatch()
  try {
    await discover(latch.url) // metadata cached: both scenarios measure token requests only
    log(`  warm-up: ${OPT.warmup} uncached token requests`)
    for (let done = 0; done < OPT.warmup; done += 100) await uncached(latch.url, Math.min(100, OPT.warmup - done))
    const sharedRuns = []
    const uncachedRuns = []
    for (let round = 1; round <= OPT.rounds; round++) {
      // Interleaved, so drift on a shared machine hits both scenarios alike.
      sharedRuns.push(await shared(latch.url, OPT.callers))
      uncachedRuns.push(await uncached(latch.url, OPT.callers))
      log(`  round ${round}: shared ${sharedRuns.at(-1).ms.toFixed(1)} ms / ${sharedRuns.at(-1).tokenRequests} token request(s); uncached ${uncachedRuns.at(-1).ms.toFixed(0)} ms / ${uncachedRuns.at(-1).tokenRequests}`)
    }
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      pinned: hasTaskset && cpus().length >= 2,
      callers: OPT.callers,
      rounds: OPT.rounds,
      shared: stats(sharedRuns),
      uncached: stats(uncachedRuns),
    }
    result.speedup = +(result.uncached.medianMs / result.shared.medianMs).toFixed(1)
    mkdirSync(dirname(OPT.out), { recursive: true })
    writeFileSync(OPT.out, `${JSON.stringify(result, null, 2)}\n`)
    log(`\n| scenario | token requests | time for all ${OPT.callers} callers (median, min-max) |`)
    log('|---|---|---|')
    log(`| one client, ${OPT.callers} concurrent getToken() | ${result.shared.tokenRequests[0]} | ${result.shared.medianMs} ms (${result.shared.minMs}-${result.shared.maxMs}) |`)
    log(`| ${OPT.callers} uncached calls (a client each) | ${result.uncached.tokenRequests[0]} | ${result.uncached.medianMs} ms (${result.uncached.minMs}-${result.uncached.maxMs}) |`)
    log(`\nwritten: ${OPT.out}`)
  } finally {
    await latch.stop()
  }
}

// Re-run this script pinned to core 1 (the server gets core 0), like run.mjs's load children.
if (hasTaskset && cpus().length >= 2 && process.env.LATCH_BENCH_PINNED !== '1') {
  const child = spawn('taskset', ['-c', '1', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, LATCH_BENCH_PINNED: '1' },
  })
  child.on('exit', (code) => process.exit(code ?? 1))
} else {
  await main()
}
