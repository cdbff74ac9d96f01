/**
 * Issue 14: the admin API's clients, keys and tenants over real HTTP, on four tenants
 * (test/support/tenants.ts), one server for the file. Each change goes through the management
 * service the CLI uses and is recorded with the calling client as actor, via 'api', and the
 * request's address; secrets come back once, where they are made, and nowhere else; a client or
 * tenant the config file owns is read-only here; the tenants are the default tenant's only.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://www.rfc-editor.org/rfc/rfc7396
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import SwaggerParser from '@apidevtools/swagger-parser'
import type { OpenAPIV3_1 } from 'openapi-types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { MASKED } from '../../src/management/admin-change.js'
import { adminResourceOf } from '../../src/rules/admin-api.js'
import { API, SERVICE_SECRET, TEST_SECRET, WEB_SECRET, baseTestConfig, basic, freePort } from '../helpers.js'
import { hostFetch, startTenantsServer, tenantIssuers, type TenantName, type TenantsServer } from '../support/tenants.js'

const WRITER_SECRET = 'writer-secret-0123456789abcdef012345678'
const READER_SECRET = 'reader-secret-0123456789abcdef012345678'
const SMTP_PASSWORD = 'smtp-password-0123456789'

function adminClients(issuer: string) {
  const admin = adminResourceOf(issuer)
  return [
    ...baseTestConfig.clients,
    { client_id: 'admin-writer', client_secret: WRITER_SECRET, grant_types: ['client_credentials'], scope: 'admin:read admin:write', resources: [admin] },
    { client_id: 'admin-reader', client_secret: READER_SECRET, grant_types: ['client_credentials'], scope: 'admin:read', resources: [admin] },
  ]
}

let s: TenantsServer
let issuers: Record<TenantName, string>
/** Every answer's body and headers, to look for secrets at the end. */
const answers: string[] = []
/** The client secrets the API generated: each may appear in the one answer that made it. */
const generated: string[] = []

beforeAll(async () => {
  const port = await freePort()
  issuers = tenantIssuers(port)
  s = await startTenantsServer({ port, perTenant: { main: { clients: adminClients(issuers.main) }, acme: { clients: adminClients(issuers.acme) } } })
})
afterAll(() => s?.close())

interface Answer { status: number; headers: Headers; body: Record<string, unknown> }

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await hostFetch(url, init)
  const text = await res.text()
  const headers: string[] = []
  res.headers.forEach((v, k) => headers.push(`${k}: ${v}`))
  answers.push(`${text}\n${headers.join('\n')}`)
  return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }
}

async function tokenFor(tenant: TenantName, clientId: string, secret: string, params: Record<string, string> = {}): Promise<Answer> {
  return call(`${issuers[tenant]}/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: adminResourceOf(issuers[tenant]), ...params }).toString(),
  })
}

async function adminToken(tenant: TenantName, clientId = 'admin-writer', secret = WRITER_SECRET): Promise<string> {
  const t = await tokenFor(tenant, clientId, secret)
  expect(t.status, JSON.stringify(t.body)).toBe(200)
  return t.body.access_token as string
}

const url = (tenant: TenantName, path: string) => `${adminResourceOf(issuers[tenant])}${path}`

function api(tenant: TenantName, token: string | undefined, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
  if (body !== undefined) headers['content-type'] = contentType
  return call(url(tenant, path), { method, headers, ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }) })
}

function expectError(res: Answer, status: number, error: string, startsWith?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status)
  expect(res.body.error).toBe(error)
  expect(res.headers.get('cache-control')).toBe('no-store')
  // RFC 6750 §3.1: a challenge only for what the token caused; a body's or a parameter's fault is the API's (review).
  if (status === 401 || status === 403) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="latch", error="/)
  else expect(res.headers.get('www-authenticate')).toBeNull()
  if (startsWith !== undefined) expect(String(res.body.error_description), String(res.body.error_description)).toMatch(new RegExp(`^${startsWith.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
}

/** The newest record of `type` in the tenant's log. */
async function lastRecord(tenant: string, type: string): Promise<AuditRecord> {
  const store = tenant === 'default' ? s.server.ctx.store : s.server.ctx.store.forTenant(tenant)
  const [record] = (await store.audit.list({ types: [type], limit: 1 })).records
  expect(record, type).toBeDefined()
  return record!
}

function expectApiRecord(record: AuditRecord, subject: { type: string; id: string }): void {
  expect(record).toMatchObject({ version: 1, actor: { type: 'client', id: 'admin-writer' }, subject, client_id: 'admin-writer', ip: '127.0.0.1', outcome: 'success' })
  expect(record.data.via).toBe('api')
}

const clientCredentials = (clientId: string, secret: string) =>
  call(`${issuers.main}/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'read:data' }).toString(),
  })

describe('issue 14: admin API, clients', () => {
  let writer: string
  let reader: string
  beforeAll(async () => {
    writer = await adminToken('main')
    reader = await adminToken('main', 'admin-reader', READER_SECRET)
  })

  it('RFC 7591 §3.2.1: POST /clients registers a confidential client and returns its secret once, with Location; the secret works at the token endpoint; the record masks it', async () => {
    const res = await api('main', writer, 'POST', '/clients', { client_id: 'api-svc', client_name: 'API service', grant_types: ['client_credentials'], scope: 'read:data', resources: [API] })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.headers.get('location')).toBe(url('main', '/clients/api-svc'))
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const secret = res.body.client_secret as string
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    generated.push(secret)
    expect(res.body).toMatchObject({ client_id: 'api-svc', client_name: 'API service', token_endpoint_auth_method: 'client_secret_basic', auth_method_pinned: false, grant_types: ['client_credentials'], resources: [API], mfa_required: false, source: 'cli', warnings: [] })
    expect(res.body).not.toHaveProperty('client_secret_hash')
    expect((await clientCredentials('api-svc', secret)).status).toBe(200)
    const record = await lastRecord('default', 'admin.client.created')
    expectApiRecord(record, { type: 'client', id: 'api-svc' })
    expect(record.data.before).toBeNull()
    expect((record.data.after as Record<string, unknown>).client_secret_hash).toBe(MASKED)
    expect(JSON.stringify(record)).not.toContain(secret)
    // A public client has no secret to return.
    const spa = await api('main', writer, 'POST', '/clients', { client_id: 'api-spa', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:5557/cb'] })
    expect(spa.status).toBe(201)
    expect(spa.body).not.toHaveProperty('client_secret')
    expect(spa.body.token_endpoint_auth_method).toBe('none')
    // An administrator's value is taken literally: `${VAR}` is the config file's way to read the environment.
    const literal = await api('main', writer, 'POST', '/clients', { client_id: 'api-literal', client_name: '${LATCH_SECRET}', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:5557/cb'] })
    expect(literal.status).toBe(201)
    expect(literal.body.client_name).toBe('${LATCH_SECRET}')
    expect((await s.server.ctx.store.clients.get('api-literal'))!.client_name).toBe('${LATCH_SECRET}')
  })

  it('issue 14: GET /clients pages by client_id with a cursor; GET /clients/{client_id} reads one; the config file\'s clients are marked; never a secret or its hash', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res: Answer = await api('main', reader, 'GET', `/clients?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)
      expect(res.status).toBe(200)
      const data = res.body.data as Record<string, unknown>[]
      expect(data.length).toBeLessThanOrEqual(2)
      seen.push(...data.map((c) => c.client_id as string))
      for (const c of data) expect(c).not.toHaveProperty('client_secret_hash')
      cursor = res.body.next_cursor as string | null
    } while (cursor !== null)
    const stored = (await s.server.ctx.store.clients.list()).map((c) => c.client_id).sort((a, b) => (a < b ? -1 : 1))
    expect(seen).toEqual(stored)
    expect(seen).toEqual(expect.arrayContaining(['api-svc', 'web', 'admin-writer']))
    const web = await api('main', reader, 'GET', '/clients/web')
    expect(web.status).toBe(200)
    expect(web.body).toMatchObject({ client_id: 'web', source: 'config', skip_consent: true, redirect_uris: baseTestConfig.clients[0]!.redirect_uris })
    expectError(await api('main', reader, 'GET', '/clients/nope'), 404, 'not_found')
    // A client_id no client can have (a NUL byte) is no client, not a database error.
    expectError(await api('main', reader, 'GET', '/clients/a%00b'), 404, 'not_found')
    expectError(await api('main', reader, 'GET', '/clients?limit=201'), 400, 'invalid_request', 'limit:')
    expectError(await api('main', reader, 'GET', '/clients?client=web'), 400, 'invalid_request', 'client:')
    expectError(await api('main', reader, 'GET', '/clients?cursor=***'), 400, 'invalid_request', 'cursor:')
  })

  it('RFC 7396: PATCH /clients/{client_id} merges the fields given (null back to the default), as application/merge-patch+json or JSON; recorded before and after', async () => {
    const res = await api('main', writer, 'PATCH', '/clients/api-svc', { client_name: 'Service', scope: 'read:data write:data', mfa_required: true }, 'application/merge-patch+json')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ client_id: 'api-svc', client_name: 'Service', scope: 'read:data write:data', grant_types: ['client_credentials'], mfa_required: true })
    const record = await lastRecord('default', 'admin.client.updated')
    expectApiRecord(record, { type: 'client', id: 'api-svc' })
    expect(record.data).toMatchObject({ before: { client_name: 'API service', scope: 'read:data', client_secret_hash: MASKED }, after: { client_name: 'Service', client_secret_hash: MASKED } })
    const back = await api('main', writer, 'PATCH', '/clients/api-svc', { client_name: null, mfa_required: null })
    expect(back.status).toBe(200)
    expect(back.body).toMatchObject({ client_name: 'api-svc', mfa_required: false })
    // The client's own secret still works: a patch keeps it.
    expect((await clientCredentials('api-svc', generated[0]!)).status).toBe(200)
  })

  it('RFC 6749 §2.3.1: POST /clients/{client_id}/secret returns a new secret once; the old one stops at once, the new one works', async () => {
    const res = await api('main', writer, 'POST', '/clients/api-svc/secret')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const secret = res.body.client_secret as string
    generated.push(secret)
    expect(secret).not.toBe(generated[0])
    expect(res.body.client_id).toBe('api-svc')
    const old = await clientCredentials('api-svc', generated[0]!)
    expect(old.status).toBe(401)
    expect(old.body.error).toBe('invalid_client')
    expect((await clientCredentials('api-svc', secret)).status).toBe(200)
    const record = await lastRecord('default', 'admin.client.secret_rotated')
    expectApiRecord(record, { type: 'client', id: 'api-svc' })
    expect(JSON.stringify(record)).not.toContain(secret)
    expect((record.data.after as Record<string, unknown>).client_secret_hash).toBe(MASKED)
    // A public client has no secret to rotate; an unknown one is not found.
    expectError(await api('main', writer, 'POST', '/clients/api-spa/secret'), 400, 'invalid_request')
    expectError(await api('main', writer, 'POST', '/clients/nope/secret'), 404, 'not_found')
    expectError(await api('main', writer, 'POST', '/clients/api-svc/secret', { secret: 'mine' }), 400, 'invalid_request', 'secret:')
  })

  it('issue 14: DELETE /clients/{client_id} answers 204 and its credentials stop at once; again it is 404', async () => {
    const res = await api('main', writer, 'DELETE', '/clients/api-svc')
    expect(res.status).toBe(204)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expectError(await api('main', reader, 'GET', '/clients/api-svc'), 404, 'not_found')
    expect((await clientCredentials('api-svc', generated[1]!)).status).toBe(401)
    const record = await lastRecord('default', 'admin.client.deleted')
    expectApiRecord(record, { type: 'client', id: 'api-svc' })
    expect(record.data).toMatchObject({ before: { client_id: 'api-svc', client_secret_hash: MASKED }, after: null })
    expectError(await api('main', writer, 'DELETE', '/clients/api-svc'), 404, 'not_found')
    expect((await api('main', writer, 'DELETE', '/clients/api-spa')).status).toBe(204)
  })

  it('issue 14 (review M5b): a client of the config file is read-only through the API (409 conflict); its id is taken', async () => {
    for (const [method, path, body] of [['PATCH', '/clients/web', { client_name: 'X' }], ['DELETE', '/clients/web', undefined], ['POST', '/clients/web/secret', undefined]] as const) {
      expectError(await api('main', writer, method, path, body), 409, 'conflict', 'client web is defined in the config file')
    }
    expectError(await api('main', writer, 'POST', '/clients', { client_id: 'web', redirect_uris: ['https://a.example.com/cb'] }), 409, 'conflict')
    expect((await clientCredentials('service', SERVICE_SECRET)).status).toBe(200)
    expect(await s.server.ctx.store.clients.get('web')).toMatchObject({ client_name: 'Test Web App' })
  })

  it('RFC 6749 §5.2: a bad body is 400 invalid_request naming the field: unknown, of the wrong type, a secret, a loader rule; nothing is written', async () => {
    const post = (body: unknown, contentType?: string) => api('main', writer, 'POST', '/clients', body, contentType)
    expectError(await post({ client_id: 'x1', redirect_uri: ['https://a.example.com/cb'] }), 400, 'invalid_request', 'redirect_uri: unknown field')
    expectError(await post({ client_id: 'x1', client_name: 5 }), 400, 'invalid_request', 'client_name: expected string')
    expectError(await post({ client_id: 'x1', redirect_uris: 'https://a.example.com/cb' }), 400, 'invalid_request', 'redirect_uris: expected array')
    expectError(await post({ client_id: 'x1', grant_types: ['authorization_code', 7] }), 400, 'invalid_request', 'grant_types[1]:')
    expectError(await post({ client_id: 'x1', client_secret: 'my-own-secret-0123456789abcdef0123' }), 400, 'invalid_request', 'client_secret: is generated by Latch')
    expectError(await post({ client_id: 'x1', redirect_uris: ['https://a.example.com/cb#frag'] }), 400, 'invalid_request', 'redirect_uris[0]')
    expectError(await post({ client_id: 'x1', token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] }), 400, 'invalid_request', 'grant_types')
    expectError(await post({ client_name: 'no id' }), 400, 'invalid_request', 'client_id: is required')
    expectError(await post(['client_id']), 400, 'invalid_request')
    expectError(await post('{"client_id":'), 400, 'invalid_request')
    expectError(await post('client_id=x1', 'application/x-www-form-urlencoded'), 400, 'invalid_request')
    expectError(await api('main', writer, 'PATCH', '/clients/web2', { client_id: 'other' }), 400, 'invalid_request', 'client_id: is the client\'s identity')
    expectError(await api('main', writer, 'PATCH', '/clients/web2', {}), 400, 'invalid_request')
    expectError(await post({ client_id: 'x1', client_name: null }), 400, 'invalid_request', 'client_name: expected string')
    expectError(await api('main', writer, 'PATCH', '/clients/web2', { skip_consent: 'yes' }), 400, 'invalid_request', 'skip_consent: expected boolean')
    expectError(await api('main', writer, 'PATCH', '/clients/ghost', { client_name: 'G' }), 404, 'not_found')
    expect(await s.server.ctx.store.clients.get('x1')).toBeNull()
  })

  it('review M1: a tenant administrator cannot set a backchannel_logout_uri Latch would POST to on this machine or its network (400 naming it), on POST or PATCH', async () => {
    const entry = { token_endpoint_auth_method: 'none', redirect_uris: ['https://rp.example.com/cb'] }
    for (const [i, uri] of ['http://127.0.0.1:9/logout', 'http://localhost/logout', 'https://127.0.0.1/logout', 'https://[::1]/logout', 'https://10.0.0.8/logout', 'https://192.168.1.1/logout', 'https://169.254.169.254/logout', 'https://app.localhost/logout'].entries()) {
      expectError(await api('main', writer, 'POST', '/clients', { client_id: `bcl-${i}`, ...entry, backchannel_logout_uri: uri }), 400, 'invalid_request', 'backchannel_logout_uri:')
      expect(await s.server.ctx.store.clients.get(`bcl-${i}`)).toBeNull()
    }
    const ok = await api('main', writer, 'POST', '/clients', { client_id: 'bcl-public', ...entry, backchannel_logout_uri: 'https://rp.example.com/logout' })
    expect(ok.status, JSON.stringify(ok.body)).toBe(201)
    expectError(await api('main', writer, 'PATCH', '/clients/bcl-public', { backchannel_logout_uri: 'http://127.0.0.1:9/logout' }), 400, 'invalid_request', 'backchannel_logout_uri:')
    expect((await s.server.ctx.store.clients.get('bcl-public'))!.backchannel_logout_uri).toBe('https://rp.example.com/logout')
    expect((await api('main', writer, 'DELETE', '/clients/bcl-public')).status).toBe(204)
  })

  it('RFC 6750 §3.1: a change needs admin:write (403 naming it); a token of another tenant is 401 invalid_token; no token gets the bare challenge', async () => {
    const res = await api('main', reader, 'POST', '/clients', { client_id: 'x2' })
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="admin:write"$/)
    const acme = await adminToken('acme')
    const cross = await api('main', acme, 'DELETE', '/clients/web2')
    expect(cross.status).toBe(401)
    expect(cross.body.error).toBe('invalid_token')
    const bare = await api('main', undefined, 'GET', '/clients')
    expect(bare.status).toBe(401)
    expect(bare.headers.get('www-authenticate')).toBe('Bearer realm="latch"')
    // Acme's own clients are acme's: its API lists them, not main's.
    const acmeList = await api('acme', acme, 'GET', '/clients?limit=200')
    expect(acmeList.status).toBe(200)
    expect((acmeList.body.data as { client_id: string }[]).some((c) => c.client_id === 'admin-writer')).toBe(true)
    expect(await s.server.ctx.store.clients.get('web2')).not.toBeNull()
  })
})

describe('issue 14: admin API, keys', () => {
  it('RFC 7517 §4: GET /keys lists the published keys with their status and public members only', async () => {
    const writer = await adminToken('main')
    const res = await api('main', writer, 'GET', '/keys')
    expect(res.status).toBe(200)
    expect(res.body.next_cursor).toBeNull()
    const keys = res.body.data as Record<string, unknown>[]
    expect(keys.filter((k) => k.status === 'active' && k.companion_of === null)).toHaveLength(1)
    for (const k of keys) {
      expect(k).toMatchObject({ use: 'sig', kid: expect.any(String), created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) })
      const jwk = k.public_jwk as Record<string, unknown>
      expect(jwk.kid).toBe(k.kid)
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(jwk).not.toHaveProperty(member)
    }
    expectError(await api('main', writer, 'GET', '/keys?limit=1'), 400, 'invalid_request', 'limit:')
  })

  it('OIDC Core §10.1.1: POST /keys/rotate adds a pending key this node publishes at once; the current key keeps signing; recorded', async () => {
    const writer = await adminToken('main')
    const before = JSON.parse(await (await hostFetch(`${issuers.main}/jwks`)).text()) as { keys: { kid: string }[] }
    const res = await api('main', writer, 'POST', '/keys/rotate')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const kid = res.body.kid as string
    expect(before.keys.map((k) => k.kid)).not.toContain(kid)
    expect(Date.parse(res.body.activates_at as string)).toBeGreaterThan(Date.now())
    expect((res.body.retired as string[]).length).toBeGreaterThan(0)
    const jwks = JSON.parse(await (await hostFetch(`${issuers.main}/jwks`)).text()) as { keys: { kid: string }[] }
    expect(jwks.keys.map((k) => k.kid)).toContain(kid)
    const listed = (await api('main', writer, 'GET', '/keys')).body.data as Record<string, unknown>[]
    expect(listed.find((k) => k.kid === kid)?.status).toBe('pending')
    // The key that signed the writer's token still verifies.
    expect((await api('main', writer, 'GET', '/keys')).status).toBe(200)
    const record = await lastRecord('default', 'admin.key.rotated')
    expectApiRecord(record, { type: 'key', id: kid })
    expect(record.data.immediately).toBe(false)
    expect(JSON.stringify(record)).not.toMatch(/"d":/)
    expectError(await api('main', writer, 'POST', '/keys/rotate', { immediately: 'yes' }), 400, 'invalid_request', 'immediately:')
    expectError(await api('main', writer, 'POST', '/keys/rotate', { now: true }), 400, 'invalid_request', 'now:')
  })

  it('OIDC Core §10.1.1: immediately (a compromised key): the new key signs at once and tokens the old keys signed stop verifying on this node', async () => {
    const old = await adminToken('acme')
    const res = await api('acme', old, 'POST', '/keys/rotate', { immediately: true })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.retired_keys_expire_in).toBe(0)
    const refused = await api('acme', old, 'GET', '/keys')
    expect(refused.status).toBe(401)
    expect(refused.body.error).toBe('invalid_token')
    const fresh = await adminToken('acme')
    const keys = (await api('acme', fresh, 'GET', '/keys')).body.data as Record<string, unknown>[]
    expect(keys.find((k) => k.kid === res.body.kid)?.status).toBe('active')
    expect((await lastRecord('acme', 'admin.key.rotated')).data.immediately).toBe(true)
  })
})

describe('issue 14: admin API, tenants (the default tenant\'s only)', () => {
  let writer: string
  const umbrella = () => `http://login.umbrella.test:${s.port}`
  beforeAll(async () => {
    writer = await adminToken('main')
  })

  it('issue 11: GET /tenants lists the default tenant and the stored ones by id; GET /tenants/{id} reads one', async () => {
    const res = await api('main', writer, 'GET', '/tenants')
    expect(res.status).toBe(200)
    const data = res.body.data as Record<string, unknown>[]
    expect(data.map((t) => t.id)).toEqual(['acme', 'default', 'globex', 'initech'])
    expect(data[1]).toEqual({ id: 'default', issuer: issuers.main, default: true, source: 'config', settings: null, created_at: null, updated_at: null })
    expect(data[0]).toMatchObject({ id: 'acme', issuer: issuers.acme, default: false, source: 'config', created_at: expect.stringMatching(/^\d{4}-/) })
    expect(JSON.stringify(data[0]!.settings)).not.toContain('client_secret')
    const page = await api('main', writer, 'GET', '/tenants?limit=3')
    expect(page.body.next_cursor).toEqual(expect.any(String))
    const next = await api('main', writer, 'GET', `/tenants?limit=3&cursor=${page.body.next_cursor as string}`)
    expect((next.body.data as { id: string }[]).map((t) => t.id)).toEqual(['initech'])
    expect((await api('main', writer, 'GET', '/tenants/initech')).body).toMatchObject({ id: 'initech', issuer: issuers.initech })
    expect((await api('main', writer, 'GET', '/tenants/default')).body).toMatchObject({ id: 'default', default: true })
    expectError(await api('main', writer, 'GET', '/tenants/nope'), 404, 'not_found')
    expectError(await api('main', writer, 'GET', '/tenants/NOT_AN_ID'), 404, 'not_found')
  })

  it('issue 11: POST /tenants creates a tenant from a tenants entry (its clients the administrators\', not the file\'s); secrets masked in the answer and the record; DELETE removes it', async () => {
    const res = await api('main', writer, 'POST', '/tenants', {
      id: 'umbrella',
      issuer: umbrella(),
      tokens: { access_token_ttl: 600 },
      mail: { smtp_url: `smtp://mailer:${SMTP_PASSWORD}@mail.example.com:587`, from: 'Umbrella <id@umbrella.example>' },
      clients: [{ client_id: 'u-service', client_secret: 'u-service-secret-0123456789abcdef0123', grant_types: ['client_credentials'] }],
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.headers.get('location')).toBe(url('main', '/tenants/umbrella'))
    expect(res.body).toMatchObject({ id: 'umbrella', issuer: umbrella(), default: false, source: 'cli', settings: { tokens: { access_token_ttl: 600 } } })
    expect((res.body.settings as { mail: { smtp_url: string } }).mail.smtp_url).toBe(`smtp://mailer:${MASKED}@mail.example.com:587`)
    expect(res.body.settings).not.toHaveProperty('clients')
    const tenantStore = s.server.ctx.store.forTenant('umbrella')
    expect(await tenantStore.clients.get('u-service')).not.toBeNull()
    expect(await tenantStore.clients.configOwned()).toEqual([])
    const record = await lastRecord('default', 'admin.tenant.created')
    expectApiRecord(record, { type: 'tenant', id: 'umbrella' })
    expect(JSON.stringify(record)).not.toContain(SMTP_PASSWORD)
    expect(JSON.stringify(record)).not.toContain('u-service-secret')
    const read = await api('main', writer, 'GET', '/tenants/umbrella')
    expect(read.status).toBe(200)
    expect(JSON.stringify(read.body)).not.toContain(SMTP_PASSWORD)

    expectError(await api('main', writer, 'POST', '/tenants', { id: 'umbrella', issuer: `${umbrella()}/2` }), 409, 'conflict')
    expectError(await api('main', writer, 'POST', '/tenants', { id: 'umbrella2', issuer: umbrella() }), 409, 'conflict', 'issuer')
    expectError(await api('main', writer, 'POST', '/tenants', { id: 'default', issuer: `${umbrella()}/3` }), 409, 'conflict')
    expectError(await api('main', writer, 'POST', '/tenants', { id: 'x9', issuer: issuers.main }), 400, 'invalid_request')
    expectError(await api('main', writer, 'POST', '/tenants', { id: 'x9', issuer: `${umbrella()}/x9`, tokens: { access_token_ttl: 'long' } }), 400, 'invalid_request', 'tokens.access_token_ttl')
    expectError(await api('main', writer, 'POST', '/tenants', { id: 'x9', issuer: `${umbrella()}/x9`, port: 1 }), 400, 'invalid_request', 'port: unknown field')
    expectError(await api('main', writer, 'POST', '/tenants', { id: 'x9', issuer: `${umbrella()}/x9`, branding: { css_file: '/etc/passwd' } }), 400, 'invalid_request', 'branding.css_file: names a file on the server')
    expectError(await api('main', writer, 'POST', '/tenants', { issuer: `${umbrella()}/x9` }), 400, 'invalid_request', 'id: is required')
    // Second review (H1, M1 through POST /tenants): a tenant's connections, clients and mail server are held to the resources' own rules.
    const reach = [
      [{ connections: [{ id: 'in', type: 'oidc', issuer: 'http://127.0.0.1:8500', client_id: 'c', client_secret: 's' }] }, 'issuer'],
      [{ connections: [{ id: 'in', type: 'github', client_id: 'c', client_secret: 's', private_network: true }] }, 'private_network'],
      [{ clients: [{ client_id: 'in', client_secret: 'in-secret-0123456789abcdef0123456789', redirect_uris: ['https://app.example/cb'], backchannel_logout_uri: 'http://127.0.0.1:9/logout' }] }, 'backchannel_logout_uri'],
      [{ mail: { smtp_url: 'smtp://10.0.0.5:25', from: 'x@umbrella.example' } }, 'mail.smtp_url'],
    ] as const
    for (const [keys, field] of reach) {
      expectError(await api('main', writer, 'POST', '/tenants', { id: 'x9', issuer: `${umbrella()}/x9`, ...keys }), 400, 'invalid_request', field)
    }
    expect(await s.server.ctx.store.tenants.get('x9')).toBeNull()

    expect((await api('main', writer, 'DELETE', '/tenants/umbrella')).status).toBe(204)
    expect(await s.server.ctx.store.tenants.get('umbrella')).toBeNull()
    expect(await tenantStore.clients.get('u-service')).toBeNull()
    const deleted = await lastRecord('default', 'admin.tenant.deleted')
    expectApiRecord(deleted, { type: 'tenant', id: 'umbrella' })
    expect(deleted.data.after).toBeNull()
    expect(JSON.stringify(deleted)).not.toContain(SMTP_PASSWORD)
    expectError(await api('main', writer, 'DELETE', '/tenants/umbrella'), 404, 'not_found')
  })

  it('issue 11: the default tenant cannot be deleted, a tenant of the config file is deleted there (409)', async () => {
    expectError(await api('main', writer, 'DELETE', '/tenants/default'), 400, 'invalid_request')
    expectError(await api('main', writer, 'DELETE', '/tenants/acme'), 409, 'conflict', 'tenant acme is defined in the config file')
    expect(await s.server.ctx.store.tenants.get('acme')).not.toBeNull()
  })

  it('issue 14: at another tenant\'s admin API the tenants routes are 404 not_found for every caller, before the token is read', async () => {
    const acme = await adminToken('acme')
    for (const [method, path] of [['GET', '/tenants'], ['GET', '/tenants/acme'], ['POST', '/tenants'], ['DELETE', '/tenants/globex']] as const) {
      expectError(await api('acme', acme, method, path), 404, 'not_found')
      expectError(await api('acme', undefined, method, path), 404, 'not_found')
      expectError(await api('initech', undefined, method, path), 404, 'not_found')
    }
    expect(await s.server.ctx.store.tenants.get('globex')).not.toBeNull()
  })
})

describe('issue 14: the OpenAPI document with clients, keys and tenants', () => {
  it('OpenAPI 3.1: the document validates and lists every operation with its scope and its 404/409', async () => {
    const res = await call(url('main', '/openapi.json'))
    expect(res.status).toBe(200)
    const doc = res.body as unknown as OpenAPIV3_1.Document
    await SwaggerParser.validate(structuredClone(doc) as never)
    const ops = Object.values(doc.paths!).flatMap((p) => Object.values(p as Record<string, OpenAPIV3_1.OperationObject>)).map((o) => o.operationId)
    expect(ops).toEqual(expect.arrayContaining(['listClients', 'createClient', 'getClient', 'updateClient', 'deleteClient', 'rotateClientSecret', 'listKeys', 'rotateKeys', 'listTenants', 'createTenant', 'getTenant', 'deleteTenant']))
    const patch = doc.paths!['/clients/{client_id}']!.patch!
    expect(patch.security).toEqual([{ bearer: ['admin:write'] }, { client_credentials: ['admin:write'] }])
    expect(Object.keys(patch.responses!)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409']))
    expect((doc.paths!['/keys/rotate']!.post!.requestBody as OpenAPIV3_1.RequestBodyObject).required).toBe(false)
    const client = doc.components!.schemas!.Client as { properties: Record<string, unknown> }
    expect(Object.keys(client.properties).filter((p) => /secret|hash/.test(p))).toEqual([])
    // Another tenant's document has no tenants: those routes are the default tenant's.
    const acme = (await call(url('acme', '/openapi.json'))).body as unknown as OpenAPIV3_1.Document
    await SwaggerParser.validate(structuredClone(acme) as never)
    expect(Object.keys(acme.paths!)).toEqual(expect.arrayContaining(['/clients', '/keys']))
    expect(Object.keys(acme.paths!).filter((p) => p.startsWith('/tenants'))).toEqual([])
    expect(acme.components!.schemas).not.toHaveProperty('Tenant')
    expect(Object.keys(doc.paths!)).toEqual(expect.arrayContaining(['/tenants', '/tenants/{id}']))
  })

  it('issue 14: no secret of the config or the tenants appears in any answer; each generated secret in one answer only', () => {
    const all = answers.join('\n')
    for (const secret of [WRITER_SECRET, READER_SECRET, SERVICE_SECRET, WEB_SECRET, TEST_SECRET, SMTP_PASSWORD, 'u-service-secret']) expect(all).not.toContain(secret)
    for (const secret of generated) expect(answers.filter((a) => a.includes(secret))).toHaveLength(1)
  })
})
