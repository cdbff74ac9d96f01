/**
 * examples/api end to end, against real Latch servers:
 * - one started from the repository's own latch.config.yaml (only the database, issuer and port
 *   overridden), so the demo clients, including the API's introspection client appended there,
 *   are exercised exactly as `npm start` configures them;
 * - one from the server's test config with organization scopes, for the dynamic-scope route.
 * Also the built entry point (`npm start -w @latch/example-api`), spawned with its environment.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type LatchServer } from '../../../packages/server/src/server.js'
import { API, baseTestConfig, basic, freePort, postForm, startServer, TEST_SECRET, type TestServer } from '../../../packages/server/test/helpers.js'
import { createApi } from '../src/api.js'
import { buildUnderLock, ROOT } from '../../../packages/server/test/support/build.js'

/** The demo defaults of latch.config.yaml (no DEMO_* variables set in these tests). */
const DEMO_SERVICE = { id: 'demo-service', secret: 'demo-service-secret-change-me-0123456789' }
const DEMO_API_SECRET = 'demo-api-secret-change-me-0123456789'
const REALM = `Bearer realm="${API}"`

interface Demo {
  url: string
  server: LatchServer
  dir: string
}

/** Latch with latch.config.yaml itself: env overrides only for issuer, database, port, secret. */
async function startDemoLatch(): Promise<Demo> {
  const dir = mkdtempSync(join(tmpdir(), 'latch-example-api-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env: Record<string, string> = { LATCH_ISSUER: url, LATCH_DATABASE_URL: `sqlite:${join(dir, 'latch.db')}`, PORT: String(port), LATCH_SECRET: TEST_SECRET }
  const server = await createServer({ file: join(ROOT, 'latch.config.yaml'), env, cwd: dir, logger: pino({ level: 'silent' }) })
  await server.listen(port, '127.0.0.1')
  return { url, server, dir }
}

async function token(issuer: string, scope: string, client = DEMO_SERVICE, resource = API): Promise<string> {
  const res = await postForm(`${issuer}/token`, { grant_type: 'client_credentials', scope, resource }, { authorization: basic(client.id, client.secret) })
  const body = (await res.json()) as { access_token?: string; error?: string }
  if (!body.access_token) throw new Error(`token request failed: ${res.status} ${body.error ?? ''}`)
  return body.access_token
}

async function listen(app: (req: never, res: never) => void): Promise<{ url: string; server: Server }> {
  const server = createHttpServer(app as Parameters<typeof createHttpServer>[0])
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

async function call(url: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; www: string | null; body: string; json: <T = Record<string, unknown>>() => T }> {
  const headers = new Headers(init.headers)
  if (init.token) headers.set('authorization', `Bearer ${init.token}`)
  const res = await fetch(url, { ...init, headers })
  const body = await res.text()
  return { status: res.status, www: res.headers.get('www-authenticate'), body, json: <T>() => JSON.parse(body) as T }
}

let demo: Demo
let api: { url: string; server: Server }

beforeAll(async () => {
  demo = await startDemoLatch()
  const app = createApi({ issuer: demo.url, audience: API, introspection: { clientId: API, clientSecret: DEMO_API_SECRET } })
  api = await listen(app)
})

afterAll(async () => {
  api?.server.closeAllConnections()
  await new Promise<void>((resolve) => (api ? api.server.close(() => resolve()) : resolve()))
  await demo?.server.close()
  if (demo) rmSync(demo.dir, { recursive: true, force: true })
})

describe('examples/api with the demo config', () => {
  it('RFC 6750 §2.1: GET /api/data with a read:data token returns the data and the caller (sub, client_id)', async () => {
    const res = await call(`${api.url}/api/data`, { token: await token(demo.url, 'read:data') })
    expect(res.status).toBe(200)
    expect(res.json()).toMatchObject({ sub: 'demo-service', client_id: 'demo-service', items: expect.any(Array) })
  })

  it('RFC 6750 §3.1: no token is 401 with the bare challenge; a bad one 401 invalid_token', async () => {
    const none = await call(`${api.url}/api/data`)
    expect(none.status).toBe(401)
    expect(none.www).toBe(REALM)
    const bad = await call(`${api.url}/api/data`, { token: 'not.a.token' })
    expect(bad.status).toBe(401)
    expect(bad.www).toContain('error="invalid_token"')
    expect(bad.json()).toEqual({ error: 'invalid_token', error_description: 'the access token is invalid' })
  })

  it('RFC 6750 §3.1: GET /api/data without read:data is 403 insufficient_scope, scope="read:data"', async () => {
    const res = await call(`${api.url}/api/data`, { token: await token(demo.url, 'write:data') })
    expect(res.status).toBe(403)
    expect(res.www).toBe(`${REALM}, error="insufficient_scope", error_description="the access token does not have the scope this request requires", scope="read:data"`)
    expect(res.json()).toMatchObject({ error: 'insufficient_scope' })
  })

  it('RFC 6750 §3.1: POST /api/data needs write:data, stores the JSON object and echoes it', async () => {
    const writer = await token(demo.url, 'write:data')
    const res = await call(`${api.url}/api/data`, { method: 'POST', token: writer, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: 'hello' }) })
    expect(res.status).toBe(201)
    const item = res.json<{ id: number; data: unknown; created_by: unknown }>()
    expect(item).toMatchObject({ data: { note: 'hello' }, created_by: { sub: 'demo-service', client_id: 'demo-service' } })
    const list = await call(`${api.url}/api/data`, { token: await token(demo.url, 'read:data') })
    expect(list.json<{ items: { id: number }[] }>().items.map((i) => i.id)).toContain(item.id)

    const reader = await token(demo.url, 'read:data')
    const denied = await call(`${api.url}/api/data`, { method: 'POST', token: reader, headers: { 'content-type': 'application/json' }, body: '{"note":"x"}' })
    expect(denied.status).toBe(403)
    expect(denied.www).toContain('scope="write:data"')
  })

  it('POST /api/data: a malformed or oversized body is a JSON 400/413, never a stack trace', async () => {
    const writer = await token(demo.url, 'write:data')
    const post = (body: string, type = 'application/json') => call(`${api.url}/api/data`, { method: 'POST', token: writer, headers: { 'content-type': type }, body })
    const broken = await post('{"note":')
    expect(broken.status).toBe(400)
    expect(broken.json()).toEqual({ error: 'invalid_request', error_description: 'the request body is not valid JSON' })
    for (const res of [await post('[1,2]'), await post('"text"'), await post('note=x', 'application/x-www-form-urlencoded')]) {
      expect(res.status).toBe(400)
      expect(res.json()).toMatchObject({ error: 'invalid_request' })
    }
    const big = await post(JSON.stringify({ note: 'x'.repeat(20_000) }))
    expect(big.status).toBe(413)
    expect(big.body).not.toMatch(/at .*\.js:\d+/)
  })

  it('RFC 9068 §2.2: GET /api/me answers the token\'s claims of interest to any valid token', async () => {
    const res = await call(`${api.url}/api/me`, { token: await token(demo.url, 'read:data write:data') })
    expect(res.status).toBe(200)
    const me = res.json<Record<string, unknown>>()
    expect(me).toMatchObject({ sub: 'demo-service', client_id: 'demo-service', scope: 'read:data write:data', aud: API, iss: demo.url })
    expect(me.exp).toBeTypeOf('number')
  })

  it('RFC 7662 §2.2 / RFC 7009: DELETE /api/data is refused once the token is revoked, while JWT-only routes still accept it', async () => {
    const first = await token(demo.url, 'read:data write:data')
    const ok = await call(`${api.url}/api/data`, { method: 'DELETE', token: first })
    expect(ok.status).toBe(200)
    expect(ok.json()).toMatchObject({ deleted: expect.any(Number) })

    const revoked = await token(demo.url, 'read:data write:data')
    const res = await postForm(`${demo.url}/revoke`, { token: revoked, token_type_hint: 'access_token' }, { authorization: basic(DEMO_SERVICE.id, DEMO_SERVICE.secret) })
    expect(res.status).toBe(200)
    expect((await call(`${api.url}/api/data`, { token: revoked })).status).toBe(200)
    const del = await call(`${api.url}/api/data`, { method: 'DELETE', token: revoked })
    expect(del.status).toBe(401)
    expect(del.www).toContain('error="invalid_token"')
    expect(del.json()).toEqual({ error: 'invalid_token', error_description: 'the access token is no longer active' })
  })

  it('RFC 7662 §4 / RFC 7009: a token revoked right after a DELETE is refused on the next DELETE at once (no introspection cache on this route)', async () => {
    const t = await token(demo.url, 'write:data')
    expect((await call(`${api.url}/api/data`, { method: 'DELETE', token: t })).status).toBe(200)
    const res = await postForm(`${demo.url}/revoke`, { token: t, token_type_hint: 'access_token' }, { authorization: basic(DEMO_SERVICE.id, DEMO_SERVICE.secret) })
    expect(res.status).toBe(200)
    const again = await call(`${api.url}/api/data`, { method: 'DELETE', token: t })
    expect(again.status).toBe(401)
    expect(again.json()).toEqual({ error: 'invalid_token', error_description: 'the access token is no longer active' })
  })

  it('RFC 6750 §3.1: DELETE /api/data needs write:data', async () => {
    const res = await call(`${api.url}/api/data`, { method: 'DELETE', token: await token(demo.url, 'read:data') })
    expect(res.status).toBe(403)
    expect(res.www).toContain('scope="write:data"')
  })

  it('without introspection credentials DELETE /api/data is 405, not an unchecked delete', async () => {
    const bare = await listen(createApi({ issuer: demo.url, audience: API }))
    try {
      const res = await call(`${bare.url}/api/data`, { method: 'DELETE', token: await token(demo.url, 'write:data') })
      expect(res.status).toBe(405)
      expect(res.json()).toMatchObject({ error: 'invalid_request' })
    } finally {
      bare.server.closeAllConnections()
      await new Promise<void>((resolve) => bare.server.close(() => resolve()))
    }
  })

  it('unknown routes are a JSON 404', async () => {
    const res = await call(`${api.url}/api/nope`)
    expect(res.status).toBe(404)
    expect(res.json()).toEqual({ error: 'not_found', error_description: 'no such endpoint' })
  })
})

describe('examples/api: organization data with the demo config (alice in acme and globex; demo-service may act for both)', () => {
  it('issue 10: GET /api/orgs/acme/data with an acme token answers acme\'s data; the same token on globex is 403 naming organization:globex', async () => {
    const res = await postForm(`${demo.url}/token`, { grant_type: 'client_credentials', scope: 'read:organization:acme read:organization:globex', resource: API, organization: 'acme' }, { authorization: basic(DEMO_SERVICE.id, DEMO_SERVICE.secret) })
    const acme = ((await res.json()) as { access_token: string }).access_token
    expect(JSON.parse(Buffer.from(acme.split('.')[1] as string, 'base64url').toString())).toMatchObject({ org_id: 'acme', scope: expect.stringContaining('read:organization:globex') })
    const ok = await call(`${api.url}/api/orgs/acme/data`, { token: acme })
    expect(ok.status).toBe(200)
    expect(ok.json()).toMatchObject({ organization: 'acme', sub: 'demo-service', items: [{ id: 1, title: 'acme quarterly report' }] })
    // A token of organization A on a route of organization B: refused though it holds B's scope.
    const other = await call(`${api.url}/api/orgs/globex/data`, { token: acme })
    expect(other.status).toBe(403)
    expect(other.www).toBe(`${REALM}, error="insufficient_scope", error_description="the access token is not for this organization", scope="organization:globex read:organization:globex"`)
  })
})

describe('examples/api: organization data (dynamic scope)', () => {
  let latch: TestServer
  let orgApi: { url: string; server: Server }
  beforeAll(async () => {
    latch = await startServer({
      resources: [{ identifier: API, scopes: ['read:data', 'write:data', 'read:organization:acme'] }],
      scopes: [...baseTestConfig.scopes, { name: 'read:organization:acme', description: 'Read Acme' }],
      clients: baseTestConfig.clients.map((c) => (c.client_id === 'service' ? { ...c, scope: 'read:data read:organization:acme' } : c)),
    })
    orgApi = await listen(createApi({ issuer: latch.url, audience: API }))
  })
  afterAll(async () => {
    orgApi?.server.closeAllConnections()
    await new Promise<void>((resolve) => (orgApi ? orgApi.server.close(() => resolve()) : resolve()))
    await latch?.close()
  })

  it('RFC 6749 §3.3: GET /api/orgs/:orgId/data needs read:organization:{orgId} for that very orgId', async () => {
    const t = await token(latch.url, 'read:organization:acme', { id: 'service', secret: 'service-secret-0123456789abcdef012345' })
    const other = await call(`${orgApi.url}/api/orgs/globex/data`, { token: t })
    expect(other.status).toBe(403)
    expect(other.www).toContain('read:organization:globex"')
    const injected = await call(`${orgApi.url}/api/orgs/${encodeURIComponent('x read:organization:acme')}/data`, { token: t })
    expect(injected.status).toBe(403)
    expect(injected.www).toContain('scope="organization:{orgId} read:organization:{orgId}"')
  })

  it('RFC 6750 §3.1: a token for no organization (no org_id), even with the scope, is 403 insufficient_scope naming organization:<orgId>', async () => {
    const t = await token(latch.url, 'read:organization:acme', { id: 'service', secret: 'service-secret-0123456789abcdef012345' })
    const res = await call(`${orgApi.url}/api/orgs/acme/data`, { token: t })
    expect(res.status).toBe(403)
    expect(res.www).toBe(`${REALM}, error="insufficient_scope", error_description="the access token is not for this organization", scope="organization:acme read:organization:acme"`)
    expect(res.json()).toEqual({ error: 'insufficient_scope', error_description: 'the access token is not for this organization' })
  })
})

describe('npm start -w @latch/example-api', () => {
  it('the built entry point reads LATCH_ISSUER, API_AUDIENCE, PORT and the API secret from the environment, listens on localhost only unless HOST says otherwise, and serves the routes', async () => {
    await buildUnderLock(['examples/api'])
    const port = await freePort()
    const env: NodeJS.ProcessEnv = { ...process.env, LATCH_ISSUER: demo.url, API_AUDIENCE: API, PORT: String(port), API_CLIENT_SECRET: DEMO_API_SECRET }
    delete env.HOST // the default: localhost, not every interface
    const child = spawn(process.execPath, [join(ROOT, 'examples/api/dist/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (out += c.toString()))
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start within 20 s:\n${out}`)), 20_000)
        const check = () => {
          if (out.includes('issuer metadata found')) {
            clearTimeout(timer)
            resolve()
          }
        }
        child.stdout.on('data', check)
        child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)))
      })
      expect(out).toContain(`listening on http://localhost:${port}`)
      const bound = /bound to ([^;]+);/.exec(out)?.[1]
      expect(['127.0.0.1', '::1']).toContain(bound)
      const base = bound === '::1' ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`
      const t = await token(demo.url, 'read:data write:data')
      expect((await call(`${base}/api/data`, { token: t })).status).toBe(200)
      expect((await call(`${base}/api/data`, { method: 'DELETE', token: t })).status).toBe(200) // introspection with the env secret
      expect((await call(`${base}/api/data`)).www).toBe(REALM)
      expect(out).not.toContain(DEMO_API_SECRET)
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  })
})
