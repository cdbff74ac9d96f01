/**
 * Issue 14: who may call each operation of the admin API, for EVERY operation the registry
 * declares (`ADMIN_API_RESOURCES`: each resource's operations, whoever wrote them), so that a route
 * added without its `adminAuthorization` hook, or with the wrong access level, fails here:
 * - no credentials: 401 with the bare challenge `Bearer realm="latch"` and no error (RFC 6750 §3.1);
 * - a live admin token of another tenant (with `admin:*`): 401 `invalid_token` (issue 11);
 * - a token with only the other access (`admin:read` for a change, `admin:write` for a read): 403
 *   `insufficient_scope` naming the scope needed (RFC 6750 §3.1).
 * Path parameters are a dummy id, and writes carry a body that no operation accepts: the refusal
 * comes first (`onRequest`), before any lookup, parsing or validation.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_API_RESOURCES } from '../../src/endpoints/admin-api.js'
import { adminResourceOf, type AdminAccess } from '../../src/rules/admin-api.js'
import { baseTestConfig, basic, freePort } from '../helpers.js'
import { hostFetch, startTenantsServer, tenantIssuers, type TenantName, type TenantsServer } from '../support/tenants.js'

const SECRET = 'authz-secret-0123456789abcdef0123456789'

const OPERATIONS = ADMIN_API_RESOURCES.flatMap((r) => r.operations)

let s: TenantsServer
let issuers: Record<TenantName, string>
const tokens: Record<'read' | 'write' | 'acme', string> = { read: '', write: '', acme: '' }

function clients(issuer: string) {
  const resources = [adminResourceOf(issuer)]
  return [
    ...baseTestConfig.clients,
    { client_id: 'admin-read', client_secret: SECRET, grant_types: ['client_credentials'], scope: 'admin:read', resources },
    { client_id: 'admin-write', client_secret: SECRET, grant_types: ['client_credentials'], scope: 'admin:write', resources },
    { client_id: 'admin-all', client_secret: SECRET, grant_types: ['client_credentials'], scope: 'admin:*', resources },
  ]
}

async function token(tenant: TenantName, clientId: string): Promise<string> {
  const res = await hostFetch(`${issuers[tenant]}/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: adminResourceOf(issuers[tenant]) }).toString(),
  })
  const body = (await res.json()) as { access_token?: string }
  expect(body.access_token, `${tenant} ${clientId}`).toBeTruthy()
  return body.access_token!
}

beforeAll(async () => {
  const port = await freePort()
  issuers = tenantIssuers(port)
  s = await startTenantsServer({ port, perTenant: { main: { clients: clients(issuers.main) }, acme: { clients: clients(issuers.acme) } } })
  ;[tokens.read, tokens.write, tokens.acme] = await Promise.all([token('main', 'admin-read'), token('main', 'admin-write'), token('acme', 'admin-all')])
})
afterAll(() => s?.close())

async function call(method: string, path: string, accessToken?: string): Promise<{ status: number; headers: Headers; text: string }> {
  const write = method !== 'get'
  const res = await hostFetch(`${adminResourceOf(issuers.main)}${path}`, {
    method: method.toUpperCase(),
    headers: { ...(accessToken !== undefined && { authorization: `Bearer ${accessToken}` }), ...(write && { 'content-type': 'application/json' }) },
    ...(write && { body: '{"not_a_field_of_any_operation":' }),
  })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

const otherAccess = (access: AdminAccess) => (access === 'admin:read' ? tokens.write : tokens.read)

describe('issue 14: every admin API operation refuses the wrong caller (RFC 6750 §3.1)', () => {
  it('issue 14: the registry declares operations, each once, each with an access level', () => {
    expect(OPERATIONS.length).toBeGreaterThan(1)
    expect(new Set(OPERATIONS.map((op) => `${op.method} ${op.path}`)).size).toBe(OPERATIONS.length)
    for (const op of OPERATIONS) expect(['admin:read', 'admin:write'], op.operationId).toContain(op.access)
    // Reads are GETs and nothing else is: the access level follows the method.
    for (const op of OPERATIONS) expect(op.access, op.operationId).toBe(op.method === 'get' ? 'admin:read' : 'admin:write')
  })

  for (const op of OPERATIONS) {
    const path = op.path.replace(/\{[^}]+\}/g, 'dummy-id')
    it(`RFC 6750 §3.1: ${op.method.toUpperCase()} ${op.path} (${op.access}): no token 401 bare, another tenant's 401 invalid_token, ${op.access === 'admin:read' ? 'admin:write' : 'admin:read'} only 403`, async () => {
      const bare = await call(op.method, path)
      expect(bare.status, 'no token').toBe(401)
      expect(bare.headers.get('www-authenticate')).toBe('Bearer realm="latch"')
      expect(bare.text).toBe('')
      expect(bare.headers.get('cache-control')).toBe('no-store')

      const foreign = await call(op.method, path, tokens.acme)
      expect(foreign.status, 'acme token').toBe(401)
      expect(JSON.parse(foreign.text).error).toBe('invalid_token')
      expect(foreign.headers.get('www-authenticate')).toMatch(/^Bearer realm="latch", error="invalid_token"/)

      const lacking = await call(op.method, path, otherAccess(op.access))
      expect(lacking.status, 'other access').toBe(403)
      expect(JSON.parse(lacking.text).error).toBe('insufficient_scope')
      expect(lacking.headers.get('www-authenticate')).toMatch(new RegExp(`^Bearer realm="latch", error="insufficient_scope", error_description="[^"]*", scope="${op.access}"$`))
      expect(lacking.headers.get('cache-control')).toBe('no-store')
    })
  }
})
