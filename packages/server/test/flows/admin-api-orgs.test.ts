/**
 * Issue 14: organizations (issue 10, with issue 11's branding and issue 13's `mfa_required`), their
 * members, and connections (issue 12) through the admin API, over real HTTP on one server with
 * tenants (test/support/tenants.ts). Each write goes through the management service `latch orgs …`
 * and `latch connections …` use, so it is validated by the config loader's rules and recorded as
 * `admin.<resource>.<action>` with the calling client as actor, via `api`, the caller's address;
 * connection secrets are write-only. Bad input is a 400 `invalid_request` naming the field, an
 * unknown id a 404 `not_found`, a taken one a 409 `conflict` (design 22, "Conventions").
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.3.4 (PUT: 201 when created, 200 when replaced)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
import SwaggerParser from '@apidevtools/swagger-parser'
import type { OpenAPIV3_1 } from 'openapi-types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { adminResourceOf } from '../../src/rules/admin-api.js'
import { ALICE, BOB, TEST_SECRET, baseTestConfig, basic, freePort } from '../helpers.js'
import { hostFetch, startTenantsServer, tenantIssuers, type TenantName, type TenantsServer } from '../support/tenants.js'

const OPS_SECRET = 'ops-secret-0123456789abcdef0123456789ab'
const UPSTREAM_SECRET = 'upstream-secret-do-not-echo-4f1c9a'

let s: TenantsServer
let issuers: Record<TenantName, string>
let ops: string
let acmeOps: string
let aliceId: string
const bodies: string[] = []

function opsClient(issuer: string) {
  return { client_id: 'admin-ops', client_secret: OPS_SECRET, grant_types: ['client_credentials'], scope: 'admin:read admin:write', resources: [adminResourceOf(issuer)] }
}

async function token(tenant: TenantName): Promise<string> {
  const res = await hostFetch(`${issuers[tenant]}/token`, {
    method: 'POST',
    headers: { authorization: basic('admin-ops', OPS_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: adminResourceOf(issuers[tenant]), scope: 'admin:read admin:write' }).toString(),
  })
  return ((await res.json()) as { access_token: string }).access_token
}

beforeAll(async () => {
  const port = await freePort()
  issuers = tenantIssuers(port)
  s = await startTenantsServer({
    port,
    perTenant: {
      main: { clients: [...baseTestConfig.clients, opsClient(issuers.main)], organizations: [{ id: 'from-file', name: 'From the file' }], connections: [{ id: 'sso-file', type: 'github', client_id: 'file-client', client_secret: 'file-secret' }] },
      acme: { clients: [...baseTestConfig.clients, opsClient(issuers.acme)] },
    },
  })
  ;[ops, acmeOps] = await Promise.all([token('main'), token('acme')])
  aliceId = (await s.server.ctx.store.users.getByEmail(ALICE.email))!.id
})
afterAll(() => s?.close())

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

async function api(method: string, path: string, body?: unknown, options: { tenant?: TenantName; token?: string; raw?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? ops}`, 'user-agent': 'admin-api-orgs-test/1' }
  if (body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json'
  const res = await hostFetch(`${adminResourceOf(issuers[options.tenant ?? 'main'])}${path}`, { method, headers, ...((body !== undefined || options.raw !== undefined) && { body: options.raw ?? JSON.stringify(body) }) })
  const text = await res.text()
  bodies.push(text)
  return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }
}

/** The newest audit record of `type` about `subjectId`. */
async function recordOf(type: string, subjectId: string): Promise<AuditRecord> {
  const page = await s.server.ctx.store.audit.list({ types: [type], limit: 50 })
  const record = page.records.find((r) => r.subject?.id === subjectId)
  expect(record, `${type} ${subjectId}`).toBeDefined()
  return record!
}

function expectApiChange(record: AuditRecord, subject: { type: string; id: string }) {
  expect(record.actor).toEqual({ type: 'client', id: 'admin-ops' })
  expect(record.client_id).toBe('admin-ops')
  expect(record.subject).toEqual(subject)
  expect(record.data.via).toBe('api')
  expect(record.ip).toBe('127.0.0.1')
  expect(record.user_agent).toBe('admin-api-orgs-test/1')
  expect(record.outcome).toBe('success')
  expect(record.tenant).toBe('default')
}

function expectInvalid(res: Answer, field: string, why = field) {
  expect(res.status, `${why}: ${JSON.stringify(res.body)}`).toBe(400)
  expect(res.body.error, why).toBe('invalid_request')
  expect(String(res.body.error_description).startsWith(field), `${why}: ${String(res.body.error_description)}`).toBe(true)
}

describe('issue 14: admin API, organizations', () => {
  it('issue 10, 11, 13: POST creates an organization with branding and mfa_required (201, Location), recorded as admin.organization.created by the client via api', async () => {
    const res = await api('POST', '/organizations', {
      id: 'globex', name: 'Globex', domains: ['globex.example'], mfa_required: true,
      branding: { product_name: 'Globex Sign-in', primary_color: '#FFFF00', logo_url: 'https://cdn.globex.example/logo.svg', css: '.card{border-radius:0}' },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.headers.get('location')).toBe(`${adminResourceOf(issuers.main)}/organizations/globex`)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(res.body).toMatchObject({
      id: 'globex', name: 'Globex', domains: ['globex.example'], mfa_required: true,
      branding: { product_name: 'Globex Sign-in', primary_color: '#ffff00', logo_url: 'https://cdn.globex.example/logo.svg', css: '.card{border-radius:0}' },
    })
    expect(res.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    // WCAG 2.2 §1.4.3: yellow buttons with white text fail AA; the CLI prints the same warning.
    expect((res.body.warnings as string[]).some((w) => w.startsWith('branding.primary_color'))).toBe(true)
    const record = await recordOf('admin.organization.created', 'globex')
    expectApiChange(record, { type: 'organization', id: 'globex' })
    expect(record.data.before).toBeNull()
    expect(record.data.after).toMatchObject({ id: 'globex', name: 'Globex', mfa_required: true, branding: { product_name: 'Globex Sign-in' } })
    // The store has what the answer says: the pages of globex's requests wear it.
    expect(await s.server.ctx.store.organizations.branding('globex')).toMatchObject({ css: '.card{border-radius:0}' })
    expect(await s.server.ctx.store.mfa.required('organization', 'globex')).toBe(true)

    const again = await api('POST', '/organizations', { id: 'globex', name: 'Other' })
    expect(again.status).toBe(409)
    expect(again.body.error).toBe('conflict')
  })

  it('issue 14: GET one and the list, a page at a time along next_cursor, every item once', async () => {
    for (const id of ['alpha', 'beta']) expect((await api('POST', '/organizations', { id, name: id.toUpperCase() })).status).toBe(201)
    const one = await api('GET', '/organizations/globex')
    expect(one.status).toBe(200)
    expect(one.body).toMatchObject({ id: 'globex', mfa_required: true, branding: { product_name: 'Globex Sign-in' } })
    expect(one.body.warnings).toBeUndefined()
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: Answer = await api('GET', `/organizations?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)
      expect(page.status).toBe(200)
      seen.push(...(page.body.data as { id: string }[]).map((o) => o.id))
      cursor = page.body.next_cursor as string | null
      pages++
    } while (cursor !== null)
    expect(seen).toEqual(['alpha', 'beta', 'from-file', 'globex'])
    expect(pages).toBe(2)
    expect((await api('GET', '/organizations/nope')).body.error).toBe('not_found')
    expect((await api('GET', '/organizations/nope')).status).toBe(404)
    // An id no organization or connection can have (U+0000, which PostgreSQL refuses as a parameter) names nothing: 404, never a 500.
    for (const path of ['/organizations/%00', '/organizations/a%00/members', '/connections/%00', '/organizations/alpha/members/%00']) {
      const res = await api(path.endsWith('%00') && path.includes('members/') ? 'DELETE' : 'GET', path)
      expect([res.status, res.body.error], path).toEqual([404, 'not_found'])
    }
  })

  it('issue 14: PATCH changes what it names (branding null removes it), recorded with before and after; the config file\'s organization is the file\'s (second review M2: 409, the next start would undo it)', async () => {
    const res = await api('PATCH', '/organizations/globex', { name: 'Globex Corp', branding: null, mfa_required: false })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ id: 'globex', name: 'Globex Corp', domains: ['globex.example'], branding: {}, mfa_required: false, warnings: [] })
    const record = await recordOf('admin.organization.updated', 'globex')
    expectApiChange(record, { type: 'organization', id: 'globex' })
    expect(record.data.before).toMatchObject({ name: 'Globex', mfa_required: true, branding: { product_name: 'Globex Sign-in' } })
    expect(record.data.after).toMatchObject({ name: 'Globex Corp', mfa_required: false, branding: {} })
    for (const [method, body] of [['PATCH', { domains: ['file.example'] }], ['DELETE', undefined]] as const) {
      const file = await api(method, '/organizations/from-file', body)
      expect([file.status, file.body.error], method).toEqual([409, 'conflict'])
      expect(file.body.error_description).toContain('listed in the config file')
    }
    expect((await s.server.ctx.store.organizations.get('from-file'))!.domains).toEqual([])
    expect((await api('PATCH', '/organizations/nope', { name: 'x' })).status).toBe(404)
  })

  it('RFC 6749 §5.2: bad bodies are 400 invalid_request naming the field, with the config file\'s rules', async () => {
    expectInvalid(await api('POST', '/organizations', { id: 'x', name: 'X', domain: ['x.example'] }), 'domain', 'unknown field')
    expectInvalid(await api('POST', '/organizations', { id: 'x' }), 'name', 'missing name')
    expectInvalid(await api('POST', '/organizations', { id: 'x', name: 7 }), 'name', 'wrong type')
    expectInvalid(await api('POST', '/organizations', { id: 'Not Valid', name: 'X' }), 'id', 'the loader\'s id pattern')
    expectInvalid(await api('POST', '/organizations', { id: 'x', name: 'X', domains: 'x.example' }), 'domains', 'not an array')
    expectInvalid(await api('POST', '/organizations', { id: 'x', name: 'X', mfa_required: 'yes' }), 'mfa_required', 'not a boolean')
    expectInvalid(await api('POST', '/organizations', { id: 'x', name: 'X', branding: { logo_url: 'javascript:alert(1)' } }), 'branding.logo_url', 'issue 11: a script URL')
    expectInvalid(await api('POST', '/organizations', { id: 'x', name: 'X', branding: { primary_color: 'red' } }), 'branding.primary_color', 'a colour name')
    // The server reads no file for a caller.
    expectInvalid(await api('POST', '/organizations', { id: 'x', name: 'X', branding: { css_file: '/etc/passwd' } }), 'branding.css_file', 'css_file')
    expectInvalid(await api('POST', '/organizations', { id: 'x', name: 'X', branding: { css: 'a'.repeat(64 * 1024 + 1) } }), 'branding.css', 'css too long')
    // A stylesheet of the largest size fits, line breaks escaped and all (the route's body limit is above security.body_limit).
    const largest = '.a{}\n'.repeat(13107)
    expect(Buffer.byteLength(largest)).toBeLessThanOrEqual(64 * 1024)
    expect((await api('POST', '/organizations', { id: 'styled', name: 'Styled', branding: { css: largest } })).status).toBe(201)
    const huge = await api('POST', '/organizations', { id: 'x', name: 'X', branding: { css: '\n'.repeat(200_000) } })
    expect(huge.status).toBe(413)
    expect(huge.body.error).toBe('invalid_request')
    expectInvalid(await api('POST', '/organizations', [{ id: 'x' }]), 'the body', 'an array')
    expectInvalid(await api('POST', '/organizations', undefined, { raw: '{"id":' }), 'the request body', 'malformed JSON')
    expectInvalid(await api('PATCH', '/organizations/globex', {}), 'the body changes nothing', 'empty PATCH')
    expectInvalid(await api('PATCH', '/organizations/globex', { id: 'other' }), 'id', 'the id is not changed')
    expect((await api('GET', '/organizations/x')).status).toBe(404)
    expectInvalid(await api('GET', '/organizations?limit=0'), 'limit')
    expectInvalid(await api('GET', '/organizations?limit=201'), 'limit')
    expectInvalid(await api('GET', '/organizations?cursor=%%%'), 'cursor')
    expectInvalid(await api('GET', '/organizations?page=2'), 'page', 'unknown parameter')
  })

  it('issue 14: a ${VAR} in a value is taken literally, never substituted from the environment', async () => {
    const res = await api('POST', '/organizations', { id: 'literal', name: '${LATCH_SECRET}', branding: { product_name: '${LATCH_SECRET:-x}' } })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body).toMatchObject({ name: '${LATCH_SECRET}', branding: { product_name: '${LATCH_SECRET:-x}' } })
    expect(JSON.stringify(res.body)).not.toContain(TEST_SECRET)
  })

  it('RFC 9110 §9.3.4: PUT adds a member by user id (201) or replaces its roles (200); DELETE removes it; each recorded', async () => {
    const added = await api('PUT', `/organizations/globex/members/${aliceId}`, { roles: ['admin', 'billing', 'admin'] })
    expect(added.status, JSON.stringify(added.body)).toBe(201)
    expect(added.headers.get('location')).toBe(`${adminResourceOf(issuers.main)}/organizations/globex/members/${aliceId}`)
    expect(added.body).toEqual({ organization_id: 'globex', user_id: aliceId, email: ALICE.email.toLowerCase(), roles: ['admin', 'billing'] })
    const addedRecord = await recordOf('admin.organization_member.added', aliceId)
    expectApiChange(addedRecord, { type: 'user', id: aliceId })
    expect(addedRecord.data.after).toMatchObject({ organization_id: 'globex', roles: ['admin', 'billing'] })

    const replaced = await api('PUT', `/organizations/globex/members/${aliceId}`, { roles: [] })
    expect(replaced.status).toBe(200)
    expect(replaced.body.roles).toEqual([])
    const updated = await recordOf('admin.organization_member.updated', aliceId)
    expect(updated.data.before).toMatchObject({ roles: ['admin', 'billing'] })
    expect(updated.data.after).toMatchObject({ roles: [] })

    const bob = (await s.server.ctx.store.users.getByEmail(BOB.email))!
    expect((await api('PUT', `/organizations/globex/members/${bob.id}`, { roles: ['member'] })).status).toBe(201)
    const members = await api('GET', '/organizations/globex/members?limit=1')
    expect(members.status).toBe(200)
    expect((members.body.data as { email: string }[]).map((m) => m.email)).toEqual([ALICE.email.toLowerCase()])
    const rest = await api('GET', `/organizations/globex/members?cursor=${members.body.next_cursor as string}`)
    expect(rest.body).toEqual({ data: [{ organization_id: 'globex', user_id: bob.id, email: BOB.email.toLowerCase(), roles: ['member'] }], next_cursor: null })

    const removed = await api('DELETE', `/organizations/globex/members/${aliceId}`)
    expect(removed.status).toBe(204)
    const removedRecord = await recordOf('admin.organization_member.removed', aliceId)
    expectApiChange(removedRecord, { type: 'user', id: aliceId })
    expect(removedRecord.data.after).toBeNull()
    expect(await s.server.ctx.store.organizations.membership('globex', aliceId)).toBeNull()
    const again = await api('DELETE', `/organizations/globex/members/${aliceId}`)
    expect(again.status).toBe(404)
    expect(again.body.error).toBe('not_found')
  })

  it('issue 10: member roles follow users[].roles; an unknown user or organization is 404', async () => {
    expectInvalid(await api('PUT', `/organizations/globex/members/${aliceId}`, { roles: ['two words'] }), 'roles', 'a role with a space')
    expectInvalid(await api('PUT', `/organizations/globex/members/${aliceId}`, { roles: 'admin' }), 'roles', 'not an array')
    expectInvalid(await api('PUT', `/organizations/globex/members/${aliceId}`, {}), 'roles', 'missing')
    expect((await api('PUT', '/organizations/globex/members/no-such-user', { roles: [] })).status).toBe(404)
    expect((await api('PUT', `/organizations/nope/members/${aliceId}`, { roles: [] })).status).toBe(404)
    expect((await api('GET', '/organizations/nope/members')).status).toBe(404)
    expect((await api('DELETE', '/organizations/globex/members/no-such-user')).status).toBe(404)
  })

  it('issue 10: DELETE removes the organization and its memberships (204), recorded; then 404', async () => {
    const res = await api('DELETE', '/organizations/globex')
    expect(res.status).toBe(204)
    const record = await recordOf('admin.organization.deleted', 'globex')
    expectApiChange(record, { type: 'organization', id: 'globex' })
    expect(record.data.after).toBeNull()
    expect(record.data.before).toMatchObject({ id: 'globex', name: 'Globex Corp' })
    expect(await s.server.ctx.store.organizations.get('globex')).toBeNull()
    expect((await api('DELETE', '/organizations/globex')).status).toBe(404)
    expect((await api('GET', '/organizations/globex/members')).status).toBe(404)
  })

  it('issue 11: a token of tenant acme is invalid_token at main\'s organizations; acme\'s own API sees only acme\'s', async () => {
    const res = await api('GET', '/organizations', undefined, { token: acmeOps })
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('invalid_token')
    const acme = await api('GET', '/organizations', undefined, { tenant: 'acme', token: acmeOps })
    expect(acme.status).toBe(200)
    expect(acme.body).toEqual({ data: [], next_cursor: null })
  })
})

describe('issue 14: admin API, connections', () => {
  const github = { id: 'github', type: 'github', client_id: 'gh-client', client_secret: UPSTREAM_SECRET }

  it('issue 12: POST creates a connection (201, Location, redirect_uri); the client_secret is write-only and masked in the audit record', async () => {
    const res = await api('POST', '/connections', github)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.headers.get('location')).toBe(`${adminResourceOf(issuers.main)}/connections/github`)
    expect(res.body).toMatchObject({ id: 'github', type: 'github', protocol: 'oauth2', display_name: 'GitHub', client_id: 'gh-client', enabled: true, source: 'cli', redirect_uri: `${issuers.main}/connections/github/callback` })
    expect(Object.keys(res.body).filter((k) => /secret|digest|encrypted/.test(k))).toEqual([])
    const record = await recordOf('admin.connection.created', 'github')
    expectApiChange(record, { type: 'connection', id: 'github' })
    expect((record.data.after as Record<string, unknown>).secrets_encrypted).toBe('[masked]')
    expect(JSON.stringify(record)).not.toContain(UPSTREAM_SECRET)
    const stored = (await s.server.ctx.store.connections.get('github'))!
    expect(stored.secrets_encrypted).not.toContain(UPSTREAM_SECRET)

    const one = await api('GET', '/connections/github')
    expect(one.status).toBe(200)
    expect(one.body).toEqual(res.body)
    const list = await api('GET', '/connections')
    expect((list.body.data as { id: string }[]).map((c) => c.id)).toEqual(['github', 'sso-file'])
    expect(list.body.next_cursor).toBeNull()
    const again = await api('POST', '/connections', github)
    expect(again.status).toBe(409)
    expect(again.body.error).toBe('conflict')
  })

  it('issue 12: an organization connection keeps its organization; an unknown organization is refused', async () => {
    expect((await api('POST', '/organizations', { id: 'initrode', name: 'Initrode' })).status).toBe(201)
    const res = await api('POST', '/connections', { id: 'initrode-sso', type: 'oidc', issuer: 'https://idp.initrode.example', client_id: 'latch', client_secret: UPSTREAM_SECRET, organization: 'initrode', required: true })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body).toMatchObject({ organization_id: 'initrode', required: true, protocol: 'oidc', issuer: 'https://idp.initrode.example' })
    expect((await s.server.ctx.store.connections.get('initrode-sso'))!.organization_id).toBe('initrode')
    expectInvalid(await api('POST', '/connections', { id: 'ghost-sso', type: 'oidc', issuer: 'https://idp.example', client_id: 'c', client_secret: 's', organization: 'ghost' }), 'organization')
  })

  it('RFC 6749 §5.2: bad connections are 400 naming the field; no file is read and nothing is substituted for a caller', async () => {
    expectInvalid(await api('POST', '/connections', { ...github, id: 'x', client: 'y' }), 'client', 'unknown field')
    expectInvalid(await api('POST', '/connections', { id: 'x', type: 'oidc', client_id: 'c', client_secret: 's' }), 'issuer', 'oidc without issuer')
    expectInvalid(await api('POST', '/connections', { id: 'x', type: 'github' }), 'client_id', 'missing client_id')
    expectInvalid(await api('POST', '/connections', { ...github, id: 'x', type: 'myspace' }), 'type', 'unknown type')
    expectInvalid(await api('POST', '/connections', { ...github, id: 'x', client_secret: 42 }), 'client_secret', 'secret not a string')
    const long = await api('POST', '/connections', { ...github, id: 'x', client_secret: `${UPSTREAM_SECRET}${'x'.repeat(4096)}` })
    expectInvalid(long, 'client_secret', 'secret too long')
    expectInvalid(await api('POST', '/connections', { id: 'x', type: 'apple', client_id: 'c', team_id: 't', key_id: 'k', private_key_file: '/etc/passwd' }), 'private_key_file', 'a file path')
    expectInvalid(await api('POST', '/connections', { id: 'x', type: 'apple', client_id: 'c', team_id: 't', key_id: 'k', private_key: UPSTREAM_SECRET }), 'private_key', 'not a PEM')
    const literal = await api('POST', '/connections', { ...github, id: 'literal', client_id: '${LATCH_SECRET}' })
    expect(literal.status).toBe(201)
    expect(literal.body.client_id).toBe('${LATCH_SECRET}')
  })

  it('issue 12: a user who signs in through a connection and never verified their email gets no organization roles (400), as with the CLI', async () => {
    const bob = (await s.server.ctx.store.users.getByEmail(BOB.email))!
    expect(bob.email_verified).toBe(false)
    expect(await s.server.ctx.store.identities.link({ connection_id: 'literal', subject: 'bob-upstream', user_id: bob.id, email: bob.email, email_verified: false }, Math.floor(Date.now() / 1000))).toBe('linked')
    expectInvalid(await api('PUT', `/organizations/initrode/members/${bob.id}`, { roles: ['admin'] }), 'user', 'unverified federated user')
    expect(await s.server.ctx.store.organizations.membership('initrode', bob.id)).toBeNull()
  })

  it('issue 14: a connection of the config file is the file\'s: DELETE is 409 conflict and changes nothing (a start or reload would bring it back)', async () => {
    const refused = await api('DELETE', '/connections/sso-file')
    expect(refused.status).toBe(409)
    expect(refused.body.error).toBe('conflict')
    expect(String(refused.body.error_description)).toMatch(/defined in the config file/)
    expect((await s.server.ctx.store.connections.get('sso-file'))!.source).toBe('config')
    expect((await s.server.ctx.store.audit.list({ types: ['admin.connection.deleted'], limit: 50 })).records.filter((r) => r.subject?.id === 'sso-file')).toEqual([])
  })

  it('issue 12: private_network (loopback and private addresses) is the operator\'s decision: POST with private_network true is 400 naming it, nothing stored', async () => {
    const refused = await api('POST', '/connections', { id: 'intranet', type: 'oidc', issuer: 'http://10.0.0.5', client_id: 'c', client_secret: UPSTREAM_SECRET, private_network: true })
    expectInvalid(refused, 'private_network', 'private_network true')
    expect(await s.server.ctx.store.connections.get('intranet')).toBeNull()
  })

  it('review H1: a tenant administrator cannot aim a connection at loopback, private or plain-http URLs: each endpoint field is 400 naming it, nothing stored', async () => {
    const base = { type: 'oauth2', client_id: 'c', client_secret: UPSTREAM_SECRET, authorization_endpoint: 'https://idp.example/authorize', token_endpoint: 'https://idp.example/token', userinfo_endpoint: 'https://idp.example/userinfo' }
    const cases: [string, Record<string, unknown>][] = [
      ['issuer', { type: 'oidc', client_id: 'c', client_secret: UPSTREAM_SECRET, issuer: 'http://127.0.0.1:4444' }],
      ['issuer', { type: 'oidc', client_id: 'c', client_secret: UPSTREAM_SECRET, issuer: 'https://localhost:4444' }],
      ['authorization_endpoint', { ...base, authorization_endpoint: 'http://idp.example/authorize' }],
      ['token_endpoint', { ...base, token_endpoint: 'https://[::1]/token' }],
      ['userinfo_endpoint', { ...base, userinfo_endpoint: 'https://169.254.169.254/latest/meta-data' }],
      ['userinfo_endpoint', { ...base, userinfo_endpoint: 'https://10.1.2.3/userinfo' }],
      ['emails_endpoint', { ...base, emails_endpoint: 'https://192.168.0.1/emails' }],
    ]
    for (const [i, [field, entry]] of cases.entries()) {
      expectInvalid(await api('POST', '/connections', { id: `internal-${i}`, ...entry }), field, `${field} ${JSON.stringify(entry)}`)
      expect(await s.server.ctx.store.connections.get(`internal-${i}`)).toBeNull()
    }
    const publicOne = await api('POST', '/connections', { id: 'public-oauth2', ...base })
    expect(publicOne.status, JSON.stringify(publicOne.body)).toBe(201)
  })

  it('issue 12: DELETE removes the connection (204), recorded; then 404', async () => {
    expect((await api('DELETE', '/connections/github')).status).toBe(204)
    const record = await recordOf('admin.connection.deleted', 'github')
    expectApiChange(record, { type: 'connection', id: 'github' })
    expect((record.data.before as Record<string, unknown>).secrets_encrypted).toBe('[masked]')
    const gone = await api('GET', '/connections/github')
    expect(gone.status).toBe(404)
    expect(gone.body.error).toBe('not_found')
    expect((await api('DELETE', '/connections/github')).status).toBe(404)
  })
})

describe('issue 14: the OpenAPI document and secrets', () => {
  it('OpenAPI 3.1: the document validates with the organizations and connections operations, their bodies and access', async () => {
    const res = await hostFetch(`${adminResourceOf(issuers.main)}/openapi.json`)
    const doc = (await res.json()) as OpenAPIV3_1.Document
    await SwaggerParser.validate(structuredClone(doc) as never)
    expect(Object.keys(doc.paths!)).toEqual(expect.arrayContaining(['/organizations', '/organizations/{id}', '/organizations/{id}/members', '/organizations/{id}/members/{user_id}', '/connections', '/connections/{id}']))
    expect(doc.paths!['/organizations']!.post!.security).toEqual([{ bearer: ['admin:write'] }, { client_credentials: ['admin:write'] }])
    expect(doc.paths!['/connections/{id}']!.get!.security).toEqual([{ bearer: ['admin:read'] }, { client_credentials: ['admin:read'] }])
    const create = doc.components!.schemas!.ConnectionCreate as { properties: Record<string, { writeOnly?: boolean }> }
    expect(create.properties.client_secret!.writeOnly).toBe(true)
    expect(create.properties.private_key_file).toBeUndefined()
    expect(Object.keys((doc.components!.schemas!.Connection as { properties: object }).properties).filter((k) => /secret|key$/.test(k))).toEqual([])
  })

  it('issue 14: no secret appears in any answer of this file', () => {
    const all = bodies.join('\n')
    for (const secret of [UPSTREAM_SECRET, OPS_SECRET, TEST_SECRET]) expect(all).not.toContain(secret)
  })
})
