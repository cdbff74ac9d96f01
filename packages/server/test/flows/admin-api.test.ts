/**
 * Issue 14: the admin REST API's foundation over real HTTP, on four tenants (test/support/tenants.ts):
 * a client with client credentials and `admin:read` for the built-in resource `<issuer>/admin/api/v1`
 * lists the tenant's audit events (filters, a cursor walk along `Link: rel="next"`), and every other
 * caller is refused as RFC 6750 §3.1 says: no token, a malformed one, an expired or revoked one, one
 * for another audience, one of another tenant, one without the scope (403 `insufficient_scope`), an
 * opaque refresh token or an ID token. The admin scopes are never granted by the password grant, and
 * never to a user without an admin role (admin-api-admins.test.ts has the administrators). The OpenAPI
 * 3.1 document validates (@apidevtools/swagger-parser) and lists the route. No secret in any answer.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
import SwaggerParser from '@apidevtools/swagger-parser'
import type { OpenAPIV3_1 } from 'openapi-types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { ManualClock } from '../../src/lib/clock.js'
import { sortableId } from '../../src/lib/sortable-id.js'
import { adminResourceOf } from '../../src/rules/admin-api.js'
import { accountTagOf, tenantKeySecret } from '../../src/users/login-throttle.js'
import { Browser } from '../browser.js'
import { ALICE, API, SERVICE_SECRET, TEST_SECRET, WEB_REDIRECT, WEB_SECRET, baseTestConfig, basic, freePort } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { hostAgent, hostFetch, startTenantsServer, tenantIssuers, type TenantName, type TenantsServer } from '../support/tenants.js'

const ADMIN_SECRET = 'admin-secret-0123456789abcdef0123456789'
const NONE_SECRET = 'none-secret-0123456789abcdef01234567890'
const WRITER_SECRET = 'writer-secret-0123456789abcdef012345678'

/** The admin clients of one tenant: a reader (also allowed the password grant) and a sign-in client (the code flow), to prove users without an admin role never get admin scopes; one without admin scopes, a writer. */
function adminClients(issuer: string) {
  const admin = adminResourceOf(issuer)
  return [
    ...baseTestConfig.clients,
    { client_id: 'admin-reader', client_secret: ADMIN_SECRET, grant_types: ['client_credentials', 'password'], scope: 'openid admin:read', resources: [admin] },
    // Review L7: the code flow is another client's (with client_credentials too, its secret would bypass the roles).
    { client_id: 'admin-signin', client_secret: ADMIN_SECRET, grant_types: ['authorization_code'], redirect_uris: [WEB_REDIRECT], scope: 'openid admin:read', resources: [admin] },
    { client_id: 'admin-none', client_secret: NONE_SECRET, grant_types: ['client_credentials'], scope: 'read:data', resources: [API, admin] },
    { client_id: 'admin-writer', client_secret: WRITER_SECRET, grant_types: ['client_credentials'], scope: 'admin:write', resources: [admin] },
  ]
}

let s: TenantsServer
let issuers: Record<TenantName, string>
const clock = new ManualClock()
/** Every answer's body, to look for secrets at the end. */
const bodies: string[] = []

beforeAll(async () => {
  const port = await freePort()
  issuers = tenantIssuers(port)
  s = await startTenantsServer({
    port,
    clock,
    perTenant: { main: { clients: adminClients(issuers.main) }, acme: { clients: adminClients(issuers.acme) }, initech: { clients: adminClients(issuers.initech) } },
  })
})
afterAll(() => s?.close())

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await hostFetch(url, init)
  const text = await res.text()
  const headers: string[] = []
  res.headers.forEach((v, k) => headers.push(`${k}: ${v}`))
  bodies.push(text, headers.join('\n'))
  return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }
}

async function token(tenant: TenantName, clientId: string, secret: string, params: Record<string, string> = {}): Promise<Record<string, string>> {
  const res = await call(`${issuers[tenant]}/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: adminResourceOf(issuers[tenant]), ...params }).toString(),
  })
  return res.body as Record<string, string>
}

const events = (tenant: TenantName, query = '') => `${adminResourceOf(issuers[tenant])}/audit-events${query}`
const get = (url: string, accessToken?: string) => call(url, accessToken === undefined ? {} : { headers: { authorization: `Bearer ${accessToken}` } })

/** Records planted in the log, oldest first, one minute apart, ending a minute ago. */
function plant(tenant: string, now: number, aliceId: string): AuditRecord[] {
  const rows: Omit<AuditRecord, 'id' | 'time' | 'tenant' | 'version'>[] = [
    { type: 'login.failed', actor: { type: 'anonymous', id: null }, subject: { type: 'account', id: accountTagOf(tenantKeySecret(TEST_SECRET, tenant), ALICE.email) }, client_id: 'web', ip: '192.0.2.1', user_agent: 'ua', outcome: 'failure', data: { reason: 'bad_password' } },
    { type: 'login.succeeded', actor: { type: 'user', id: aliceId }, subject: { type: 'session', id: 's1' }, client_id: 'web', ip: '192.0.2.1', user_agent: 'ua', outcome: 'success', data: {} },
    { type: 'token.issued', actor: { type: 'client', id: 'web' }, subject: { type: 'user', id: aliceId }, client_id: 'web', ip: null, user_agent: null, outcome: 'success', data: { grant_type: 'authorization_code' } },
    { type: 'token.issued', actor: { type: 'client', id: 'service' }, subject: { type: 'client', id: aliceId }, client_id: 'service', ip: null, user_agent: null, outcome: 'success', data: { grant_type: 'client_credentials' } },
    { type: 'login.failed', actor: { type: 'anonymous', id: null }, subject: { type: 'account', id: 'someone-else-hash' }, client_id: 'web', ip: '192.0.2.2', user_agent: 'ua', outcome: 'failure', data: { reason: 'unknown_user' } },
  ]
  return rows.map((r, i) => {
    const ms = now - (rows.length - i) * 60_000
    return { ...r, id: sortableId(ms), time: new Date(ms).toISOString(), tenant, version: 1 }
  })
}

describe('issue 14: admin API, audit events', () => {
  let reader: string
  let planted: AuditRecord[]
  // The planted records' window: this file's own token requests add token.issued records after it.
  const window = () => `since=${encodeURIComponent(planted[0]!.time)}&until=${encodeURIComponent(new Date(Date.parse(planted.at(-1)!.time) + 1).toISOString())}`

  beforeAll(async () => {
    const alice = (await s.server.ctx.store.users.getByEmail(ALICE.email))!
    planted = plant('default', Date.now(), alice.id)
    await s.server.ctx.store.audit.append([...planted, ...plant('acme', Date.now(), 'acme-user')])
    const t = await token('main', 'admin-reader', ADMIN_SECRET, { scope: 'admin:read' })
    expect(t.scope).toBe('admin:read')
    reader = t.access_token!
  })

  it('RFC 6749 §4.4, RFC 8707 §2: a client with admin:read gets a token for the admin API and lists its tenant\'s audit events, newest first', async () => {
    const res = await get(events('main', `?${window()}`), reader)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const data = res.body.data as AuditRecord[]
    expect(data.map((r) => r.id)).toEqual(planted.map((r) => r.id).reverse())
    expect(data.every((r) => r.tenant === 'default' && r.version === 1)).toBe(true)
    expect(data[2]).toEqual(planted[2])
    expect(res.body.next_cursor).toBeNull()
    expect(res.headers.get('link')).toBeNull()
    // The acme records stay acme's.
    expect(data.some((r) => r.subject?.id === 'acme-user')).toBe(false)
  })

  it('issue 14: filters type (comma list and repeated), client_id, outcome, since/until (ISO and durations), user by email and by id', async () => {
    const ids = async (query: string) => {
      const res = await get(events('main', `?${query.includes('until=') ? `since=${encodeURIComponent(planted[0]!.time)}` : window()}&${query}`), reader)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return (res.body.data as AuditRecord[]).map((r) => planted.findIndex((p) => p.id === r.id))
    }
    expect(await ids('type=login.failed')).toEqual([4, 0])
    expect(await ids('type=login.failed,login.succeeded')).toEqual([4, 1, 0])
    expect(await ids('type=login.succeeded&type=token.issued')).toEqual([3, 2, 1])
    expect(await ids('client_id=service')).toEqual([3])
    expect(await ids('outcome=failure')).toEqual([4, 0])
    expect(await ids(`until=${encodeURIComponent(planted[2]!.time)}`)).toEqual([1, 0])
    expect(await ids('until=150s')).toEqual([2, 1, 0])
    const alice = (await s.server.ctx.store.users.getByEmail(ALICE.email))!
    // audit/user-filter.ts: as actor or subject (by type: the client with Alice's id is not Alice), and the failed sign-ins by the keyed hash.
    expect(await ids(`user=${encodeURIComponent('Alice@Example.com')}`)).toEqual([2, 1, 0])
    expect(await ids(`user=${alice.id}`)).toEqual([2, 1, 0])
    expect(await ids(`user=${encodeURIComponent('ghost@example.com')}`)).toEqual([])
  })

  it('RFC 8288 §3: a cursor walk along Link rel="next" visits every record once, with the filters kept and a relative since made absolute', async () => {
    let url: string | null = events('main', '?limit=2&since=1h&type=login.failed,login.succeeded,token.issued')
    const seen: string[] = []
    let pages = 0
    while (url !== null) {
      const res = await get(url, reader)
      expect(res.status).toBe(200)
      seen.push(...(res.body.data as AuditRecord[]).map((r) => r.id))
      const link = res.headers.get('link')
      if (res.body.next_cursor === null) {
        expect(link).toBeNull()
        url = null
      } else {
        const m = /^<([^>]+)>; rel="next"$/.exec(link ?? '')
        expect(m, link ?? 'no Link').not.toBeNull()
        const next = new URL(m![1]!)
        expect(next.origin + next.pathname).toBe(events('main'))
        expect(next.searchParams.get('cursor')).toBe(res.body.next_cursor)
        expect(next.searchParams.get('limit')).toBe('2')
        expect(next.searchParams.get('type')).toBe('login.failed,login.succeeded,token.issued')
        expect(next.searchParams.get('since')).toMatch(/^\d{4}-\d{2}-\d{2}T/)
        url = next.href
      }
      pages++
    }
    // The planted five, plus the token.issued records of this file's own token requests (written in batches).
    const planted5 = planted.map((r) => r.id).reverse()
    expect(seen.filter((id) => planted5.includes(id))).toEqual(planted5)
    expect(new Set(seen).size).toBe(seen.length)
    // A full last page has no next (the store reads one more than the limit): no empty page at the end.
    expect(pages).toBe(Math.ceil(seen.length / 2))
  })

  it('RFC 6749 §5.2: bad input is 400 invalid_request naming the parameter', async () => {
    for (const [query, name] of [
      ['limit=0', 'limit'], ['limit=1001', 'limit'], ['limit=ten', 'limit'], ['limit=1&limit=2', 'limit'],
      ['cursor=NOT-A-CURSOR', 'cursor'], ['since=yesterday', 'since'], ['until=', 'until'], ['since=1h&until=2h', 'since'],
      ['outcome=maybe', 'outcome'], ['type=no.such.event', 'type'], ['client=web', 'client'], ['user=', 'user'],
      // U+0000, which PostgreSQL refuses as a text parameter: refused before any read, never a 500.
      ['user=a%00b', 'user'], ['client_id=%00', 'client_id'], ['type=a%00', 'type'],
    ] as const) {
      const res = await get(events('main', `?${query}`), reader)
      expect(res.status, query).toBe(400)
      expect(res.body.error, query).toBe('invalid_request')
      expect(String(res.body.error_description).startsWith(`${name}:`), `${query}: ${String(res.body.error_description)}`).toBe(true)
      expect(res.headers.get('cache-control')).toBe('no-store')
    }
    // RFC 9110 §15.5.6: a method the route does not have.
    const post = await call(events('main'), { method: 'POST', headers: { authorization: `Bearer ${reader}` } })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toMatch(/GET/)
    // RFC 6750 §2.3: not in the query string.
    const inQuery = await get(events('main', `?access_token=${reader}`))
    expect(inQuery.status).toBe(400)
    expect(inQuery.body.error).toBe('invalid_request')
  })

  it('RFC 6750 §3.1: a 400 carries a Bearer challenge only when the token request is at fault (access_token in the query), not for a parameter of the API', async () => {
    const bad = await get(events('main', '?limit=0'), reader)
    expect(bad.status).toBe(400)
    expect(bad.headers.get('www-authenticate')).toBeNull()
    const inQuery = await get(events('main', `?access_token=${reader}`))
    expect(inQuery.status).toBe(400)
    expect(inQuery.headers.get('www-authenticate')).toMatch(/^Bearer realm="latch", error="invalid_request", error_description="access_token: [^"]+"$/)
  })
})

describe('issue 14: admin API authorization (RFC 6750 §3.1)', () => {
  const expectInvalidToken = (res: Awaited<ReturnType<typeof call>>, why: string) => {
    expect(res.status, why).toBe(401)
    expect(res.body.error, why).toBe('invalid_token')
    expect(res.headers.get('www-authenticate'), why).toMatch(/^Bearer realm="latch", error="invalid_token", error_description="[^"]*"$/)
    expect(res.headers.get('cache-control')).toBe('no-store')
  }

  it('RFC 6750 §3.1: no credentials get the bare challenge, without error information; a malformed token or another scheme: 401 invalid_token with a Bearer challenge', async () => {
    const bare = await get(events('main'))
    expect(bare.status).toBe(401)
    expect(bare.headers.get('www-authenticate')).toBe('Bearer realm="latch"')
    expect(bare.body.error).toBeUndefined()
    expectInvalidToken(await call(events('main'), { headers: { authorization: 'Bearer' } }), 'empty Bearer')
    expectInvalidToken(await call(events('main'), { headers: { authorization: 'Bearer not a token' } }), 'spaces')
    expectInvalidToken(await call(events('main'), { headers: { authorization: 'Bearer abc.def.ghi' } }), 'not a JWT of ours')
    expectInvalidToken(await call(events('main'), { headers: { authorization: basic('admin-reader', ADMIN_SECRET) } }), 'Basic')
  })

  it('RFC 9068 §4: an expired token and a revoked one are invalid_token', async () => {
    const t = await token('main', 'admin-reader', ADMIN_SECRET)
    expect((await get(events('main', '?limit=1'), t.access_token)).status).toBe(200)
    const at = clock.now()
    clock.advance(Number(t.expires_in) + 120)
    try {
      expectInvalidToken(await get(events('main', '?limit=1'), t.access_token), 'expired')
    } finally {
      clock.set(at)
    }
    const revoke = await hostFetch(`${issuers.main}/revoke`, {
      method: 'POST',
      headers: { authorization: basic('admin-reader', ADMIN_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t.access_token!, token_type_hint: 'access_token' }).toString(),
    })
    expect(revoke.status).toBe(200)
    expectInvalidToken(await get(events('main', '?limit=1'), t.access_token), 'revoked')
  })

  it('RFC 8707 §2, RFC 6750 §3.1: a token for another audience (an API, the issuer itself) is invalid_token', async () => {
    const forApi = await token('main', 'service', SERVICE_SECRET, { resource: API })
    expect(forApi.access_token).toBeTruthy()
    expectInvalidToken(await get(events('main'), forApi.access_token), 'aud API')
    // The web client's user token (password grant: aud is the API it is registered for).
    const user = await call(`${issuers.main}/token`, {
      method: 'POST',
      headers: { authorization: basic('web', WEB_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid offline_access' }).toString(),
    })
    expect(user.status).toBe(200)
    expectInvalidToken(await get(events('main'), user.body.access_token as string), 'user token for the issuer')
    // RFC 6749 §1.5: an opaque refresh token; OIDC Core §2: an ID token (typ JWT, not at+jwt).
    expectInvalidToken(await get(events('main'), user.body.refresh_token as string), 'refresh token')
    expectInvalidToken(await get(events('main'), user.body.id_token as string), 'ID token')
  })

  it('issue 11: a token of another tenant (by host or by path) is invalid_token; each tenant\'s own token works at its own admin API only', async () => {
    const acme = (await token('acme', 'admin-reader', ADMIN_SECRET)).access_token!
    const initech = (await token('initech', 'admin-reader', ADMIN_SECRET)).access_token!
    const main = (await token('main', 'admin-reader', ADMIN_SECRET)).access_token!
    expectInvalidToken(await get(events('main'), acme), 'acme token at main')
    expectInvalidToken(await get(events('acme'), main), 'main token at acme')
    expectInvalidToken(await get(events('initech'), main), 'main token at initech (path tenant)')
    expectInvalidToken(await get(events('main'), initech), 'initech token at main')
    const acmeList = await get(events('acme', '?type=login.succeeded'), acme)
    expect(acmeList.status).toBe(200)
    expect((acmeList.body.data as AuditRecord[]).map((r) => r.actor.id)).toEqual(['acme-user'])
    const initechList = await get(events('initech'), initech)
    expect(initechList.status).toBe(200)
    expect((initechList.body.data as AuditRecord[]).every((r) => r.tenant === 'initech')).toBe(true)
  })

  it('RFC 6750 §3.1: a token for the admin API without admin:read is 403 insufficient_scope naming the scope', async () => {
    const none = await token('main', 'admin-none', NONE_SECRET)
    expect(none.access_token).toBeTruthy()
    expect(none.scope).toBe('')
    const writer = await token('main', 'admin-writer', WRITER_SECRET)
    expect(writer.scope).toBe('admin:write')
    for (const t of [none.access_token!, writer.access_token!]) {
      const res = await get(events('main'), t)
      expect(res.status).toBe(403)
      expect(res.body.error).toBe('insufficient_scope')
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="latch", error="insufficient_scope", error_description="[^"]*", scope="admin:read"$/)
    }
  })

  it('issue 14: the admin scopes are never granted by the password grant, never to a user without an admin role, never to a client that does not list them, and only for the admin API', async () => {
    // RFC 6749 §4.1.2.1: Alice holds no latch: role here; asking for admin scopes alone is invalid_scope at the redirect URI.
    const browser = new Browser(issuers.main, { dispatcher: hostAgent })
    const authorized = await browser.authorize(webAuthorizeUrl(issuers.main, { client_id: 'admin-signin', scope: 'admin:read', resource: adminResourceOf(issuers.main) }), ALICE)
    expect(authorized.redirect?.searchParams.get('error')).toBe('invalid_scope')
    expect(authorized.redirect?.searchParams.get('code')).toBeNull()
    const password = await call(`${issuers.main}/token`, {
      method: 'POST',
      headers: { authorization: basic('admin-reader', ADMIN_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid admin:read', resource: adminResourceOf(issuers.main) }).toString(),
    })
    expect(password.status).toBe(400)
    expect(password.body.error).toBe('invalid_scope')
    const service = await token('main', 'service', SERVICE_SECRET, { scope: 'admin:read' })
    expect(service.error).toBe('invalid_target')
    const none = await token('main', 'admin-none', NONE_SECRET, { scope: 'admin:read' })
    expect(none.error).toBe('invalid_scope')
    const elsewhere = await token('main', 'admin-reader', ADMIN_SECRET, { scope: 'admin:read', resource: API })
    expect(elsewhere.error).toBe('invalid_target')
  })
})

describe('issue 14: the OpenAPI 3.1 document', () => {
  it('OpenAPI 3.1: GET /admin/api/v1/openapi.json validates and lists audit-events with its parameters, scopes and errors, for each tenant', async () => {
    for (const tenant of ['main', 'initech'] as const) {
      const res = await get(`${adminResourceOf(issuers[tenant])}/openapi.json`)
      expect(res.status).toBe(200)
      const doc = res.body as unknown as OpenAPIV3_1.Document
      expect(doc.openapi).toBe('3.1.0')
      await SwaggerParser.validate(structuredClone(doc) as never)
      expect(doc.servers![0]!.url).toBe(adminResourceOf(issuers[tenant]))
      const op = doc.paths!['/audit-events']!.get!
      expect(op.operationId).toBe('listAuditEvents')
      expect((op.parameters as OpenAPIV3_1.ParameterObject[]).map((p) => p.name)).toEqual(['since', 'until', 'type', 'user', 'client_id', 'outcome', 'limit', 'cursor'])
      expect(op.security).toEqual([{ bearer: ['admin:read'] }, { client_credentials: ['admin:read'] }])
      expect(Object.keys(op.responses!)).toEqual(expect.arrayContaining(['200', '400', '401', '403']))
      const schemes = doc.components!.securitySchemes as Record<string, Record<string, unknown>>
      expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
      expect(schemes.client_credentials).toMatchObject({ type: 'oauth2', flows: { clientCredentials: { tokenUrl: `${issuers[tenant]}/token` } } })
      expect(Object.keys((schemes.client_credentials!.flows as { clientCredentials: { scopes: object } }).clientCredentials.scopes)).toEqual(['admin:read', 'admin:write', 'admin:*'])
    }
  })

  it('issue 14: no secret, password or token appears in any answer of this file', () => {
    const all = bodies.join('\n')
    for (const secret of [ADMIN_SECRET, NONE_SECRET, WRITER_SECRET, SERVICE_SECRET, WEB_SECRET, TEST_SECRET, ALICE.password]) expect(all).not.toContain(secret)
    // Audit answers (every 200 with `data`) never echo an access token.
    const listings = bodies.filter((b) => b.startsWith('{"data":'))
    expect(listings.length).toBeGreaterThan(5)
    for (const b of listings) expect(b).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+\./)
  })
})
