/**
 * `tenants_dir` re-read while the server runs (issue 11): a new or changed file takes effect at
 * the next reload (its tenant upserted and its clients seeded), a file that fails validation is
 * logged naming the file and leaves its tenant as it was, and a removed file leaves the tenant.
 * Runs on SQLite and PostgreSQL (vitest projects).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, createServer, type LatchServer } from '../../src/server.js'
import { API, basic, FORM, freePort, SERVICE_SECRET, TEST_SECRET } from '../helpers.js'
import { createTestDatabase, type TestDatabase } from '../support/database.js'
import { hostFetch } from '../support/tenants.js'

let db: TestDatabase
let server: LatchServer
let port: number
let dir: string
const logs: Record<string, unknown>[] = []

const issuer = (name: string) => `http://login.${name}.test:${port}`

/** A tenant file with the `service` client (client credentials for the API). */
function tenantFile(name: string, extra = ''): string {
  return `issuer: ${issuer(name)}
resources:
  - identifier: ${API}
    scopes: [read:data]
scopes:
  - { name: read:data, description: Read your data }
clients:
  - client_id: service
    client_secret: ${SERVICE_SECRET}
    grant_types: [client_credentials]
    scope: read:data
    resources: [${API}]
${extra}`
}

async function discoveryStatus(name: string): Promise<number> {
  return (await hostFetch(`${issuer(name)}/.well-known/openid-configuration`)).status
}

/** `expires_in` of a client credentials token at the tenant. */
async function tokenLifetime(name: string): Promise<number> {
  const res = await hostFetch(`${issuer(name)}/token`, {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basic('service', SERVICE_SECRET) },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read:data', resource: API }),
  })
  const body = (await res.json()) as { expires_in: number }
  expect(res.status, JSON.stringify(body)).toBe(200)
  return body.expires_in
}

beforeAll(async () => {
  db = await createTestDatabase()
  port = await freePort()
  dir = join(db.dir, 'tenants')
  mkdirSync(dir)
  writeFileSync(join(dir, 'alpha.yaml'), tenantFile('alpha'))
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  server = await createServer({
    // Reloads run when a test says so (the timer waits an hour).
    config: { issuer: `http://auth.main.test:${port}`, database: db.url, tenants_dir: './tenants', tenancy: { reload_interval: 3600 } },
    env: { LATCH_SECRET: TEST_SECRET },
    logger: createLogger('warn', sink),
    cwd: db.dir,
  })
  await server.listen(port, '127.0.0.1')
}, 60_000)
afterAll(async () => {
  await server?.close()
  await db?.dispose()
})

describe('tenants_dir reload (issue 11)', () => {
  it('issue 11: a file added while the server runs is a tenant after the next reload, with its clients', async () => {
    expect(await discoveryStatus('alpha')).toBe(200)
    writeFileSync(join(dir, 'beta.yml'), tenantFile('beta'))
    expect(await discoveryStatus('beta')).toBe(404)
    await server.reloadTenants()
    expect(await discoveryStatus('beta')).toBe(200)
    expect(await tokenLifetime('beta')).toBe(900)
  })

  it('issue 11: a changed file is applied at the next reload; an unchanged one is not written again', async () => {
    const before = await server.ctx.store.tenants.get('alpha')
    await server.reloadTenants()
    expect((await server.ctx.store.tenants.get('alpha'))?.updated_at).toBe(before?.updated_at)
    writeFileSync(join(dir, 'alpha.yaml'), tenantFile('alpha', 'tokens:\n  access_token_ttl: 120\n'))
    await server.reloadTenants()
    expect(await tokenLifetime('alpha')).toBe(120)
  })

  it('issue 11: a file that fails validation is logged naming the file and leaves its tenant as it was', async () => {
    logs.length = 0
    writeFileSync(join(dir, 'alpha.yaml'), tenantFile('alpha', 'tokens:\n  access_token_ttl: 15m\n'))
    await server.reloadTenants()
    expect(await tokenLifetime('alpha')).toBe(120)
    const refused = logs.find((l) => l.level === 50 && l.tenant === 'alpha')
    expect(refused?.msg).toMatch(/^tenants_dir\/alpha\.yaml was not applied \(config: tenants_dir\/alpha\.yaml\.tokens\.access_token_ttl .*\): tenant alpha is left as it was$/)
    expect(refused?.file).toBe(join(dir, 'alpha.yaml'))
    // Logged once per content, not at every reload.
    await server.reloadTenants()
    expect(logs.filter((l) => l.level === 50 && l.tenant === 'alpha')).toHaveLength(1)

    // Another tenant's issuer, or the default's, is refused the same way; nothing else changes.
    writeFileSync(join(dir, 'gamma.yaml'), tenantFile('beta'))
    writeFileSync(join(dir, 'delta.yaml'), `issuer: http://auth.main.test:${port}\n`)
    await server.reloadTenants()
    expect(logs.find((l) => l.tenant === 'gamma')?.msg).toMatch(/tenants_dir\/gamma\.yaml was not applied \(tenant issuer .* is taken by tenant beta\)/)
    expect(logs.find((l) => l.tenant === 'delta')?.msg).toMatch(/tenants_dir\/delta\.yaml was not applied \(config: tenants_dir\/delta\.yaml\.issuer is the default tenant's issuer too/)
    expect((await server.ctx.store.tenants.list()).map((r) => r.id)).toEqual(['alpha', 'beta'])
    rmSync(join(dir, 'gamma.yaml'))
    rmSync(join(dir, 'delta.yaml'))

    // Fixed, it is applied.
    writeFileSync(join(dir, 'alpha.yaml'), tenantFile('alpha', 'tokens:\n  access_token_ttl: 300\n'))
    await server.reloadTenants()
    expect(await tokenLifetime('alpha')).toBe(300)
  })

  it('issue 11: a removed file leaves its tenant and its data (`latch tenants delete` deletes them)', async () => {
    rmSync(join(dir, 'beta.yml'))
    await server.reloadTenants()
    expect(await discoveryStatus('beta')).toBe(200)
    expect(await tokenLifetime('beta')).toBe(900)
  })
})
