import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { SERVICE, basic } from './lib/fixtures.mjs'
import { latchBenchConfig } from './lib/latch-config.mjs'
const mod = process.argv[2] === 'base' ? pathToFileURL(resolve('/work/main/packages/server/dist/index.js')).href : '@latch/server'
const { createServer } = await import(mod)
const dir = mkdtempSync(join(tmpdir(), 'latch-prof-'))
const server = await createServer({ cwd: dir, env: { LATCH_SECRET: 'bench-latch-secret-0123456789abcdef-0123456789' }, config: latchBenchConfig({ issuer: 'http://127.0.0.1:9', port: 9, alg: 'ES256', dir }) })
await server.app.ready()
const request = { method: 'POST', url: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(SERVICE), accept: 'application/json' }, payload: new URLSearchParams({ grant_type: 'client_credentials', scope: SERVICE.scope }).toString() }
for (let i = 0; i < 3000; i++) await server.app.inject(request)
const c0 = process.cpuUsage()
const N = 20000
for (let i = 0; i < N; i++) { const r = await server.app.inject(request); if (r.statusCode !== 200) throw new Error(r.body) }
const c = process.cpuUsage(c0)
console.log(process.argv[2] ?? 'current', 'us/req', ((c.user + c.system) / N).toFixed(1))
await server.close()
