#!/usr/bin/env node
/**
 * The install test of the published packages (issue 14, "Packaging"): run by `.ci/run` after
 * `npm test`, not part of it. It
 *   1. packs @latch/server, @latch/client, @latch/resource-server and @latch/react (`npm pack`,
 *      from the built workspace) into a temporary directory;
 *   2. creates an empty project OUTSIDE the monorepo (under os.tmpdir()) and installs the four
 *      tarballs there, with the LOWEST version of every peer dependency the packages declare
 *      (the first version their ranges name), then again with the HIGHEST (npm resolves each
 *      range to its newest version);
 *   3. in each round runs `npx latch serve` (the bin of the installed @latch/server) with a small
 *      config on a free port, and a plain Node ESM app that gets a client-credentials token with
 *      @latch/client, verifies it with @latch/resource-server (its core and its Express, Fastify and
 *      Hono adapters), registers the @latch/client/bff plugin in Fastify, and renders @latch/react
 *      to a string on the server.
 * Installs use npm's cache (`--prefer-offline`, filled by `npm ci`); what the cache lacks comes
 * from the registry. Nothing is compiled: better-sqlite3 and @node-rs/argon2 load their Node-API
 * prebuilds, which the app checks by loading them. Exit 0 when both rounds pass.
 *
 *   node scripts/pack-install.mjs [--keep]     (--keep leaves the temporary project for a look)
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const PACKAGES = ['packages/server', 'packages/client', 'packages/resource-server', 'packages/react']
const keep = process.argv.includes('--keep')
const started = Date.now()
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const log = (line) => console.log(`pack-install [${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`)

/** Runs npm (or another command) and returns its stdout; on failure prints its output and throws. */
function run(cmd, args, cwd, extra = {}) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, ...extra })
  } catch (err) {
    process.stderr.write(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${err.stdout ?? ''}${err.stderr ?? ''}\n`)
    throw err
  }
}

/** Numeric comparison of x.y.z versions. */
const compare = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number))
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i]
  return 0
}

/** The lowest version a range such as `^4.21.2 || ^5.0.0` admits: the smallest version it names. */
function lowest(range) {
  const named = range.match(/\d+\.\d+\.\d+/g)
  if (!named) throw new Error(`cannot find the floor of the peer range ${range}`)
  return named.sort(compare)[0]
}

/** A port nobody listens on right now. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolvePort(port))
    })
  })
}

// 1. Pack. The build is incremental: a no-op when dist is current (CI built it in `npm ci`).
run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/server', 'apps/cli', 'packages/client', 'packages/resource-server', 'packages/react'], ROOT)
const work = realpathSync(mkdtempSync(join(tmpdir(), 'latch-pack-install-')))
if (!relative(ROOT, work).startsWith('..')) throw new Error(`${work} is inside the repository: the test must install outside it`)
const tarballDir = join(work, 'tarballs')
mkdirSync(tarballDir)
const packed = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tarballDir, ...PACKAGES.map((p) => `--workspace=${p}`)], ROOT))
const tarballs = packed.map((p) => join(tarballDir, p.filename))
log(`packed ${packed.map((p) => `${p.name}@${p.version} (${(p.size / 1024).toFixed(0)} kB)`).join(', ')}`)

// Every peer of every package, with its range (the same name in two packages must agree).
const peers = new Map()
for (const dir of PACKAGES) {
  const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'))
  for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
    if (peers.has(name) && peers.get(name) !== range) throw new Error(`peer ${name}: ${peers.get(name)} in one package, ${range} in another`)
    peers.set(name, range)
  }
}
// The server-side renderer of the app: react-dom at exactly the react it is given.
const withDom = (versions) => ({ ...versions, 'react-dom': versions.react })
const rounds = [
  { name: 'lowest peers', versions: withDom(Object.fromEntries([...peers].map(([name, range]) => [name, lowest(range)]))) },
  { name: 'highest peers', versions: null },
]

// 2. The project outside the monorepo.
const project = join(work, 'app')
mkdirSync(project)
writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'latch-install-test', private: true, type: 'module' }, null, 2)}\n`)
const SERVICE_SECRET = 'install-test-service-secret-0123456789abcdef'
writeFileSync(
  join(project, 'latch.config.yaml'),
  `# The minimal config of README "Installing without cloning", plus a BFF client.
issuer: \${LATCH_ISSUER}
log_level: warn
resources:
  - identifier: https://api.example.com
    scopes: [read:data]
default_resource: https://api.example.com
scopes:
  - name: read:data
    description: Read your data
clients:
  - client_id: my-service
    client_secret: \${MY_SERVICE_SECRET}
    token_endpoint_auth_method: client_secret_basic
    grant_types: [client_credentials]
    scope: read:data
  - client_id: my-bff
    client_secret: \${MY_SERVICE_SECRET}
    token_endpoint_auth_method: client_secret_basic
    grant_types: [authorization_code, refresh_token]
    redirect_uris: [http://localhost:5173/auth/callback]
    scope: openid profile read:data
`,
)
writeFileSync(join(project, 'app.mjs'), APP())

let server = null
try {
  for (const round of rounds) {
    // A fresh install each round. Lowest: exact versions; highest: the ranges, which npm resolves
    // to their newest (react-dom takes react's range, and npm matches the two).
    rmSync(join(project, 'node_modules'), { recursive: true, force: true })
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'latch-install-test', private: true, type: 'module' }, null, 2)}\n`)
    const versions = round.versions ?? withDom(Object.fromEntries(peers))
    const specs = Object.entries(versions).map(([name, version]) => `${name}@${version}`)
    run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', ...tarballs, ...specs], project)
    const installed = Object.fromEntries(
      [...peers.keys(), 'react-dom'].map((name) => [name, JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8')).version]),
    )
    if (round.versions) for (const [name, version] of Object.entries(round.versions)) if (installed[name] !== version) throw new Error(`${name}: asked for ${version}, installed ${installed[name]}`)
    // Prebuilt Node-API binaries, not a compile: no node-gyp build directory in either module.
    for (const native of ['better-sqlite3', '@node-rs/argon2']) {
      if (existsSync(join(project, 'node_modules', native, 'build'))) throw new Error(`${native} was compiled at install: it should load its prebuilt Node-API binary`)
    }
    log(`${round.name}: installed ${Object.entries(installed).map(([n, v]) => `${n}@${v}`).join(' ')}`)

    // 3. `npx latch serve`, then the app.
    const port = await freePort()
    const issuer = `http://127.0.0.1:${port}`
    const env = { ...process.env, LATCH_ISSUER: issuer, LATCH_SECRET: 'install-test-master-secret-0123456789abcdefghij', MY_SERVICE_SECRET: SERVICE_SECRET, NODE_ENV: 'production' }
    delete env.LATCH_DATABASE_URL
    delete env.LATCH_REDIS_URL
    server = startServer(project, port, env)
    await waitHealthy(issuer, server)
    log(`${round.name}: npx latch serve answers /healthz at ${issuer}`)
    const out = run(process.execPath, ['app.mjs'], project, { env: { ...env, ISSUER: issuer, CLIENT_SECRET: SERVICE_SECRET } })
    process.stdout.write(`${out.trimEnd().replace(/^/gm, `  ${round.name}: `)}\n`)
    await stopServer(server)
    server = null
  }
  log(`passed (${work}${keep ? ', kept' : ''})`)
} catch (err) {
  if (server) process.stderr.write(`latch serve output:\n${server.output()}\n`)
  throw err
} finally {
  if (server) await stopServer(server)
  if (!keep) rmSync(work, { recursive: true, force: true })
}

function startServer(cwd, port, env) {
  const child = spawn(npm, ['exec', '--no', '--', 'latch', 'serve', '--config', 'latch.config.yaml', '--port', String(port)], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })))
  return { child, exited, output: () => output }
}

async function waitHealthy(issuer, server) {
  const deadline = Date.now() + 90_000
  let exit = null
  server.exited.then((e) => (exit = e))
  for (;;) {
    if (exit) throw new Error(`latch serve exited (${JSON.stringify(exit)}) before answering /healthz`)
    try {
      const res = await fetch(`${issuer}/healthz`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('latch serve did not answer /healthz within 90 s')
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** SIGTERM to the process group (npm exec and latch), then wait; SIGKILL after 15 s. */
async function stopServer(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return
  try {
    process.kill(-server.child.pid, 'SIGTERM')
  } catch {
    return
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-server.child.pid, 'SIGKILL')
    } catch {}
  }, 15_000)
  await server.exited
  clearTimeout(timer)
}

/** The app: a plain Node ESM script using the three SDKs as their READMEs show. */
function APP() {
  return `// Written by scripts/pack-install.mjs: the SDKs as an app outside the monorepo uses them.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { createClientCredentialsClient } from '@latch/client'
import { latchBff } from '@latch/client/bff'
import { createVerifier } from '@latch/resource-server'
import { expressAuth } from '@latch/resource-server/express'
import { fastifyAuth } from '@latch/resource-server/fastify'
import { honoAuth } from '@latch/resource-server/hono'
import { AuthProvider, useAuth } from '@latch/react'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'

const issuer = process.env.ISSUER
const audience = 'https://api.example.com'

// The server's native modules: Node-API prebuilds, loaded (not compiled) for this Node.
const require = createRequire(import.meta.resolve('@latch/server'))
const Database = require('better-sqlite3')
new Database(':memory:').close()
require('@node-rs/argon2')

// @latch/client: a client-credentials token.
const service = createClientCredentialsClient({ issuer, clientId: 'my-service', clientSecret: process.env.CLIENT_SECRET, scope: 'read:data' })
const token = await service.getToken()
assert.equal(typeof token, 'string')

// @latch/resource-server: the core verifier and the three adapters accept it.
const verifier = createVerifier({ issuer, audience })
const claims = await verifier.verify('Bearer ' + token)
verifier.requireScopes(claims, ['read:data'])
assert.equal(claims.client_id, 'my-service')
console.log('token verified: client_id ' + claims.client_id + ', scope ' + claims.scope)

const bearer = { authorization: 'Bearer ' + token }
const ex = express()
ex.get('/data', expressAuth(verifier).requireAuth({ scopes: ['read:data'] }), (req, res) => res.json({ client_id: req.auth.client_id }))
const listening = await new Promise((r) => { const s = ex.listen(0, '127.0.0.1', () => r(s)) })
const exRes = await fetch('http://127.0.0.1:' + listening.address().port + '/data', { headers: bearer })
assert.equal(exRes.status, 200)
assert.equal((await fetch('http://127.0.0.1:' + listening.address().port + '/data')).status, 401)
await new Promise((r) => listening.close(r))

const fy = Fastify()
await fy.register(fastifyAuth, { verifier })
fy.get('/data', { preHandler: fy.requireAuth({ scopes: ['read:data'] }) }, async (request) => ({ client_id: request.auth.client_id }))
assert.equal((await fy.inject({ url: '/data', headers: bearer })).statusCode, 200)
await fy.close()

const hono = new Hono()
hono.get('/data', honoAuth(verifier).requireAuth({ scopes: ['read:data'] }), (c) => c.json({ client_id: c.get('auth').client_id }))
assert.equal((await hono.request('/data', { headers: bearer })).status, 200)
console.log('express, fastify and hono adapters: 200 with the token, 401 without')

// @latch/client/bff: the plugin registers in Fastify (with @fastify/cookie and fastify-plugin).
const bff = Fastify()
await bff.register(latchBff, { issuer, clientId: 'my-bff', clientSecret: process.env.CLIENT_SECRET, redirectUri: 'http://localhost:5173/auth/callback', scope: 'openid profile read:data' })
await bff.ready()
await bff.close()
console.log('@latch/client/bff registered in fastify')

// @latch/react: server-side rendering.
function Status() {
  const { status } = useAuth()
  return createElement('p', null, 'status: ' + status)
}
const html = renderToString(createElement(AuthProvider, { mode: 'bff', basePath: '/auth' }, createElement(Status)))
assert.match(html, /<p>status: loading<\\/p>/)
console.log('react rendered ' + html)
`
}
