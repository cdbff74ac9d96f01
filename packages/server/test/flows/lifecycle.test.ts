/**
 * Issue 14, in process: `GET /readyz` (ready, each failing check, draining, on any host, never
 * cached) and `LatchServer.reloadConfig()` over a config file (what reloads, what is refused, a
 * bad file changes nothing). The spawned `latch serve` side (signals, exit codes) is in
 * apps/cli/src/lifecycle.test.ts; the database really down is test/outage/readiness-outage.test.ts.
 * @see issue 14
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createServer, type LatchServer } from '../../src/server.js'
import { ConfigError } from '../../src/errors.js'
import { createTestDatabase, type TestDatabase } from '../support/database.js'
import { SERVICE_SECRET, TEST_SECRET, basic, postForm, rawGet, startServer, type TestServer } from '../helpers.js'

describe('issue 14: GET /readyz', () => {
  let s: TestServer
  beforeAll(async () => {
    // A second tenant makes the server route by host: the probe must still answer on any host.
    s = await startServer({ tenants: [{ id: 'other', issuer: 'http://other.example.test' }] })
  })
  afterAll(() => s.close())

  it('issue 14: 200 {"status":"ready"} with the database answering and the keys loaded, never cached', async () => {
    const res = await fetch(`${s.url}/readyz`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.json()).toEqual({ status: 'ready' })
  })

  it('issue 14: answers on any host, like /healthz (load balancers call nodes by address)', async () => {
    for (const host of ['10.0.0.7:9000', 'unknown.example.test', 'other.example.test']) {
      const res = await rawGet(`${s.url}/readyz`, { host })
      expect(res.status, host).toBe(200)
      expect(JSON.parse(res.body), host).toEqual({ status: 'ready' })
    }
  })

  it('issue 14: 503 naming the database check when the store does not answer', async () => {
    const spy = vi.spyOn(s.server.ctx.store, 'ping').mockRejectedValue(new Error('connection refused'))
    try {
      const res = await fetch(`${s.url}/readyz`)
      expect(res.status).toBe(503)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(await res.json()).toEqual({ status: 'unavailable', checks: { database: 'unavailable' } })
    } finally {
      spy.mockRestore()
    }
  })

  it('issue 14: 503 naming the keys check when no signing key is loaded', async () => {
    const spy = vi.spyOn(s.server.ctx.keystore, 'signingKey').mockImplementation(() => {
      throw new Error('no key')
    })
    try {
      const res = await fetch(`${s.url}/readyz`)
      expect(res.status).toBe(503)
      expect(await res.json()).toEqual({ status: 'unavailable', checks: { keys: 'unavailable' } })
    } finally {
      spy.mockRestore()
    }
  })
})

describe('issue 14: readiness during a graceful shutdown', () => {
  it('issue 14: from beginShutdown() /readyz answers 503, every other request is still served and told to close its connection', async () => {
    const s = await startServer()
    try {
      s.server.beginShutdown()
      const ready = await fetch(`${s.url}/readyz`)
      expect(ready.status).toBe(503)
      expect(ready.headers.get('cache-control')).toBe('no-store')
      expect(await ready.json()).toEqual({ status: 'unavailable', checks: { shutdown: 'draining' } })
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
      const token = await postForm(`${s.url}/token`, { grant_type: 'client_credentials' }, { authorization: basic('service', SERVICE_SECRET) })
      expect(token.status).toBe(200)
      expect(token.headers.get('connection')).toBe('close')
    } finally {
      await s.close()
    }
  })
})

const FILE_CONFIG = (issuer: string, extra = '') => `
issuer: ${issuer}
log_level: warn
clients:
  - client_id: svc
    client_secret: svc-secret-0123456789abcdefghijklmnopqr
    grant_types: [client_credentials]
${extra}`

describe('issue 14: reloadConfig()', () => {
  let db: TestDatabase
  let dir: string
  let file: string
  let server: LatchServer
  let url: string
  const logged: Record<string, unknown>[] = []
  const issuer = 'http://127.0.0.1:1'

  beforeAll(async () => {
    db = await createTestDatabase()
    dir = mkdtempSync(join(tmpdir(), 'latch-reload-'))
    file = join(dir, 'latch.config.yaml')
    writeFileSync(file, FILE_CONFIG(issuer))
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) })
    server = await createServer({ file, env: { LATCH_SECRET: TEST_SECRET, LATCH_DATABASE_URL: db.url }, logger })
    url = await server.listen(0, '127.0.0.1')
  })
  afterAll(async () => {
    await server?.close()
    await db?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  const token = (clientId: string, secret: string) => postForm(`${url}/token`, { grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) }).then((r) => r.status)

  it('issue 14: organizations and users of the file are seeded, branding swapped; the old context is left to requests that hold it', async () => {
    const before = server.ctx
    writeFileSync(
      file,
      FILE_CONFIG(issuer, `users:
  - email: dana@example.com
    password: dana-correct-horse-battery
organizations:
  - id: acme
    name: Acme
    members:
      - email: dana@example.com
        roles: [admin]
branding:
  product_name: Acme ID
`),
    )
    const result = await server.reloadConfig()
    expect(result.applied.sort()).toEqual(['branding', 'organizations', 'users'])
    expect(result.refused).toEqual([])
    expect(server.ctx).not.toBe(before)
    expect(server.app.latch).toBe(server.ctx)
    expect(before.config.branding.product_name).toBeUndefined()
    expect(server.ctx.config.branding.product_name).toBe('Acme ID')
    const dana = await server.ctx.store.users.getByEmail('dana@example.com')
    expect(dana).not.toBeNull()
    expect((await server.ctx.store.organizations.get('acme'))?.name).toBe('Acme')
    expect(JSON.stringify(logged)).not.toContain('dana-correct-horse-battery')
    expect(await token('svc', 'svc-secret-0123456789abcdefghijklmnopqr')).toBe(200)
  })

  it('issue 14: a file that does not validate rejects with its ConfigError and changes nothing', async () => {
    const before = server.ctx
    writeFileSync(file, FILE_CONFIG(issuer, 'branding:\n  product_name: 42\n  no_such_key: true\n'))
    await expect(server.reloadConfig()).rejects.toBeInstanceOf(ConfigError)
    expect(server.ctx).toBe(before)
    expect(server.config.branding.product_name).toBe('Acme ID')
    expect(await token('svc', 'svc-secret-0123456789abcdefghijklmnopqr')).toBe(200)
  })

  it('issue 14: keys that need a restart are refused (kept, warned); unchanged, nothing is applied', async () => {
    writeFileSync(file, FILE_CONFIG('http://127.0.0.1:2', 'tokens:\n  access_token_ttl: 60\n'))
    logged.length = 0
    const result = await server.reloadConfig()
    expect(result.refused.sort()).toEqual(['issuer', 'tokens'])
    expect(server.config.issuer).toBe(issuer)
    expect(server.config.tokens.access_token_ttl).not.toBe(60)
    expect(logged.filter((l) => l.level === 40).map((l) => l.key).sort()).toEqual(['issuer', 'tokens'])
  })
})
