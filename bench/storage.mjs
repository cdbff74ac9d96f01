#!/usr/bin/env node
/**
 * Storage benchmark (issue 4): Latch on SQLite, on PostgreSQL with one node, and on PostgreSQL
 * with two nodes sharing one schema, in one run, for two scenarios:
 * - `cc`: client_credentials token requests (autocannon, 50 connections);
 * - `code`: the authorization code round trip of a signed-in user (GET /authorize with the
 *   session cookie → code → POST /token), load/loop.mjs's `session` flow.
 * Reported: req/s (code: round trips/s), p99 latency, PostgreSQL 1 node / SQLite and
 * 2 nodes / 1 node. Target: PostgreSQL with 1 node at least 80% of SQLite's client_credentials.
 *
 * Layout on this 2-core machine: one node pinned to core 0 and its load to core 1, as in run.mjs;
 * with two nodes, node A on core 0, node B on core 1, and one load generator per node, unpinned,
 * with half the connections each (their req/s are summed, p99 is the worse of the two).
 * PostgreSQL (127.0.0.1:5432, or BENCH_POSTGRES_URL) is not pinned: it shares the cores with
 * everything else, so on two cores the 2-node figure measures contention, not scale-out; the
 * README says so next to the numbers.
 *
 * Usage: node bench/storage.mjs [--duration=10] [--warmup=5] [--connections=50] [--rounds=3]
 *        [--only=cc,code] [--alg=ES256] [--out=results/storage.json]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { basic, SERVICE } from './lib/fixtures.mjs'
import { freePort, runJson, spawnReady } from './lib/processes.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']))
const OPT = {
  duration: Number(args.duration ?? 10),
  warmup: Number(args.warmup ?? 5),
  connections: Number(args.connections ?? 50),
  rounds: Number(args.rounds ?? 3),
  only: args.only ? args.only.split(',') : ['cc', 'code'],
  alg: args.alg ?? 'ES256',
}
const OUT = resolve(HERE, args.out ?? 'results/storage.json')
const PG_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SECRET = 'bench-latch-secret-0123456789abcdef-0123456789'
const log = (...m) => process.stderr.write(`${m.join(' ')}\n`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const DEPLOYMENTS = [
  { id: 'sqlite', label: 'SQLite, 1 node', nodes: 1, postgres: false },
  { id: 'pg-1', label: 'PostgreSQL, 1 node', nodes: 1, postgres: true },
  { id: 'pg-2', label: 'PostgreSQL, 2 nodes', nodes: 2, postgres: true },
]

const SCENARIOS = {
  cc: (target, connections) => [
    'load/autocannon.mjs',
    {
      url: `${target.url}/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(SERVICE), accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: SERVICE.scope }).toString(),
      connections,
      duration: OPT.duration,
      warmup: OPT.warmup,
    },
  ],
  code: (target, connections) => ['load/loop.mjs', { url: target.url, paths: target.paths, flow: 'session', connections, duration: OPT.duration, warmup: OPT.warmup }],
}

/** One Latch node (servers/latch.mjs) pinned to `core`. */
async function startNode(options, core) {
  const dir = mkdtempSync(join(tmpdir(), 'latch-bench-storage-'))
  const node = await spawnReady({
    name: 'latch',
    script: join(HERE, 'servers/latch.mjs'),
    core,
    cwd: HERE,
    env: { BENCH_SERVER: JSON.stringify({ dir, alg: OPT.alg, ...options }) },
  })
  return {
    target: { url: node.ready.url, paths: node.ready.paths },
    async stop() {
      await node.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Starts a deployment: its nodes one after the other (A migrates and seeds), sharing one issuer. */
async function startDeployment(deployment) {
  const ports = []
  for (let i = 0; i < deployment.nodes; i++) ports.push(await freePort())
  const issuer = `http://127.0.0.1:${ports[0]}`
  let schema = null
  let database
  if (deployment.postgres) {
    schema = `latch_bench_${randomBytes(4).toString('hex')}`
    const url = new URL(PG_URL)
    url.searchParams.set('schema', schema)
    database = url.toString()
  }
  const nodes = []
  try {
    for (const [i, port] of ports.entries()) nodes.push(await startNode({ port, issuer, ...(database && { database }) }, i % 2))
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()))
    throw err
  }
  return {
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()))
      if (schema) {
        const client = new pg.Client({ connectionString: PG_URL })
        await client.connect()
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        await client.end()
      }
    },
  }
}

async function measure(deployment, scenarioId) {
  const running = await startDeployment(deployment)
  try {
    const perNode = Math.ceil(OPT.connections / deployment.nodes)
    const results = await Promise.all(
      running.nodes.map((node) => {
        const [script, options] = SCENARIOS[scenarioId](node.target, perNode)
        return runJson({ script: join(HERE, script), options, core: deployment.nodes === 1 ? 1 : null, cwd: HERE })
      }),
    )
    const errors = results.reduce((a, r) => a + (r.errors ?? 0) + (r.non2xx ?? 0), 0)
    return { rps: results.reduce((a, r) => a + r.rps, 0), p99_ms: Math.max(...results.map((r) => r.p99_ms ?? 0)), errors }
  } finally {
    await running.stop()
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function main() {
  const runs = {}
  for (let round = 1; round <= OPT.rounds; round++) {
    for (const scenarioId of OPT.only) {
      // Interleaved per round, so drift on a shared machine spreads over every deployment.
      for (const deployment of DEPLOYMENTS) {
        log(`round ${round}/${OPT.rounds} ${scenarioId} ${deployment.id} …`)
        const result = await measure(deployment, scenarioId)
        log(`  ${Math.round(result.rps)} req/s, p99 ${result.p99_ms} ms, errors ${result.errors}`)
        ;((runs[scenarioId] ??= {})[deployment.id] ??= []).push(result)
        await sleep(1000)
      }
    }
  }
  const summary = {}
  for (const [scenarioId, byDeployment] of Object.entries(runs)) {
    summary[scenarioId] = {}
    for (const [id, rs] of Object.entries(byDeployment)) {
      summary[scenarioId][id] = { rps: median(rs.map((r) => r.rps)), p99_ms: median(rs.map((r) => r.p99_ms)), errors: rs.reduce((a, r) => a + r.errors, 0) }
    }
  }
  const lines = ['| scenario | deployment | req/s | p99 ms | vs SQLite | 2 nodes / 1 node |', '|---|---|---|---|---|---|']
  for (const [scenarioId, byDeployment] of Object.entries(summary)) {
    const sqlite = byDeployment.sqlite?.rps
    const pg1 = byDeployment['pg-1']?.rps
    for (const deployment of DEPLOYMENTS) {
      const r = byDeployment[deployment.id]
      if (!r) continue
      const vsSqlite = sqlite ? `${Math.round((r.rps / sqlite) * 100)}%` : '—'
      const scale = deployment.id === 'pg-2' && pg1 ? `${(r.rps / pg1).toFixed(2)}×` : ''
      lines.push(`| ${scenarioId} | ${deployment.label} | ${Math.round(r.rps)} | ${r.p99_ms} | ${vsSqlite} | ${scale} |`)
    }
  }
  const pgShare = summary.cc && summary.cc['pg-1'].rps / summary.cc.sqlite.rps
  if (pgShare !== undefined) lines.push('', `Target (PostgreSQL 1 node ≥ 80% of SQLite client_credentials): ${Math.round(pgShare * 100)}%, ${pgShare >= 0.8 ? 'met' : 'missed'}`)
  process.stdout.write(`${lines.join('\n')}\n`)
  mkdirSync(dirname(OUT), { recursive: true })
  writeFileSync(OUT, `${JSON.stringify({ options: OPT, machine: { cpus: cpus().length, model: cpus()[0]?.model }, runs, summary }, null, 2)}\n`)
}

await main()
