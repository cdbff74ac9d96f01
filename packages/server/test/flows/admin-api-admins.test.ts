/**
 * Issue 14, lane E: signed-in administrators of the admin API over real HTTP, on the tenants server
 * (test/support/tenants.ts). A user with the role `latch:admin` (or `latch:viewer`) of a tenant
 * gets a token for `<issuer>/admin/api/v1` by the authorization code flow, after a consent page that
 * names the admin access, and calls the API; the roles decide what is granted (RFC 6749 §3.3) and
 * are read again at every call, so removing one takes effect at once. A user without an admin role
 * never gets admin access; the password grant and token exchange never grant it. With
 * `admin.require_mfa`, a one-factor token is refused as RFC 9470 §3 says and the authorization asks
 * for the second factor.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
import { createHash, randomBytes } from 'node:crypto'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminResourceOf } from '../../src/rules/admin-api.js'
import { totpCode } from '../../src/users/totp.js'
import { Browser, formOf, isConsentPage, type Page } from '../browser.js'
import { ALICE, BOB, FORM, WEB_REDIRECT, baseTestConfig, basic, freePort } from '../helpers.js'
import { continueHref, isEnrolmentPage, shownSecret } from '../support/mfa.js'
import { hostAgent, hostFetch, startTenantsServer, tenantIssuers, type TenantName, type TenantsServer } from '../support/tenants.js'

const APP_SECRET = 'admin-app-secret-0123456789abcdef012345'
const CAROL = { email: 'carol@example.com', password: ALICE.password }
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

/** Alice administers each tenant, Carol (Alice's password hash: no extra argon2 hash) only reads main, Bob has no admin role. */
function tenantKeys(issuer: string) {
  const [alice, bob] = baseTestConfig.users
  return {
    clients: [
      ...baseTestConfig.clients,
      {
        client_id: 'admin-app',
        client_name: 'Ops Tool',
        client_secret: APP_SECRET,
        grant_types: ['authorization_code', 'refresh_token', 'password', TOKEN_EXCHANGE, 'urn:ietf:params:oauth:grant-type:device_code'],
        redirect_uris: [WEB_REDIRECT],
        scope: 'openid admin:read admin:write admin:*',
        resources: [adminResourceOf(issuer)],
      },
    ],
    users: [
      { ...alice, roles: ['latch:admin'] },
      { ...bob, roles: ['editor'] },
      { email: CAROL.email, password_hash: alice!.password_hash, roles: ['latch:viewer'] },
    ],
  }
}

let s: TenantsServer
let issuers: Record<TenantName, string>

beforeAll(async () => {
  const port = await freePort()
  issuers = tenantIssuers(port)
  s = await startTenantsServer({
    port,
    // Reloads run when a test says so.
    config: { tenancy: { reload_interval: 3600 } },
    perTenant: { main: tenantKeys(issuers.main), acme: tenantKeys(issuers.acme) },
  })
}, 60_000)
afterAll(() => s?.close())

function adminApi(tenant: TenantName): string {
  return adminResourceOf(issuers[tenant])
}

interface Authorized {
  page: Page
  verifier: string
  state: string
}

async function authorize(tenant: TenantName, user: { email: string; password: string }, params: Record<string, string>, browser = new Browser(issuers[tenant], { dispatcher: hostAgent })): Promise<Authorized & { browser: Browser }> {
  const verifier = randomBytes(32).toString('base64url')
  const state = randomBytes(8).toString('hex')
  const url = new URL(`${issuers[tenant]}/authorize`)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'admin-app',
    redirect_uri: WEB_REDIRECT,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    resource: adminApi(tenant),
    ...params,
  }).toString()
  let page = await browser.open(url)
  if (page.redirect === undefined && !isConsentPage(page) && /name="password"/.test(page.html)) page = await browser.signIn(page, user.email, user.password)
  return { page, verifier, state, browser }
}

async function tokenCall(tenant: TenantName, params: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const res = await hostFetch(`${issuers[tenant]}/token`, { method: 'POST', headers: { authorization: basic('admin-app', APP_SECRET), 'content-type': FORM }, body: new URLSearchParams(params).toString() })
  return { status: res.status, body: (await res.json()) as Record<string, string> }
}

/** Allows on the consent page (when shown) and redeems the code. */
async function adminTokens(tenant: TenantName, user: { email: string; password: string }, scope: string): Promise<{ consent: Page | null; tokens: Record<string, string> }> {
  const a = await authorize(tenant, user, { scope })
  const consent = isConsentPage(a.page) ? a.page : null
  const done = consent === null ? a.page : await a.browser.decide(consent, 'allow')
  const code = done.redirect?.searchParams.get('code')
  if (!code) throw new Error(`no code: ${done.redirect?.href ?? done.html.slice(0, 400)}`)
  const res = await tokenCall(tenant, { grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT, code_verifier: a.verifier })
  expect(res.status).toBe(200)
  return { consent, tokens: res.body }
}

const auditEvents = (tenant: TenantName, accessToken: string) => hostFetch(`${adminApi(tenant)}/audit-events?limit=1`, { headers: { authorization: `Bearer ${accessToken}` } })

async function userId(email: string, tenant: 'default' | 'acme' = 'default'): Promise<string> {
  const store = tenant === 'default' ? s.server.ctx.store : s.server.ctx.store.forTenant(tenant)
  return (await store.users.getByEmail(email))!.id
}

describe('issue 14: administrators of a tenant through the authorization code flow', () => {
  it('RFC 6749 §4.1, RFC 8707: a latch:admin consents to a page that names the admin access and reads the audit log with a user token', async () => {
    const { consent, tokens } = await adminTokens('main', ALICE, 'openid admin:read admin:write')
    expect(consent).not.toBeNull()
    expect(consent!.html).toContain('This gives the app administrator access')
    expect(consent!.html).toContain('Change this service’s administrative data')
    expect(consent!.html).toContain('(admin:write)')
    expect(tokens.scope).toBe('openid admin:read admin:write')
    const claims = decodeJwt(tokens.access_token!)
    expect(claims).toMatchObject({ sub: await userId(ALICE.email), client_id: 'admin-app', aud: adminApi('main'), scope: 'openid admin:read admin:write', acr: 'urn:latch:acr:1fa' })
    const res = await auditEvents('main', tokens.access_token!)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('RFC 6749 §3.3: a latch:viewer asking admin:* and admin:write is granted admin:read only, the response\'s scope says so, and the consent page names what is not granted', async () => {
    const { consent, tokens } = await adminTokens('main', CAROL, 'openid admin:* admin:write')
    expect(consent!.html).toMatch(/Not granted, because your account does not have this access: admin:\*, admin:write\./)
    expect(tokens.scope).toBe('openid admin:read')
    expect((await auditEvents('main', tokens.access_token!)).status).toBe(200)
  })

  it('RFC 6749 §3.3, §4.1.2.1: without an admin role the admin scopes are dropped (a token without them is 403); asked alone, they are invalid_scope at the redirect URI', async () => {
    const { consent, tokens } = await adminTokens('main', BOB, 'openid admin:read')
    expect(consent!.html).not.toContain('administrator access')
    expect(tokens.scope).toBe('openid')
    const refused = await auditEvents('main', tokens.access_token!)
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="admin:read"/)

    const alone = await authorize('main', BOB, { scope: 'admin:read admin:write' })
    const redirect = alone.page.redirect!
    expect(redirect.origin + redirect.pathname).toBe(WEB_REDIRECT)
    expect(redirect.searchParams.get('error')).toBe('invalid_scope')
    expect(redirect.searchParams.get('error_description')).toMatch(/needs an administrator of this tenant/)
    expect(redirect.searchParams.get('state')).toBe(alone.state)
    expect(redirect.searchParams.get('iss')).toBe(issuers.main)
    expect(redirect.searchParams.get('code')).toBeNull()
    // The same answer once signed in (single sign-on, no page in between).
    const again = await authorize('main', BOB, { scope: 'admin:read' }, alone.browser)
    expect(again.page.redirect!.searchParams.get('error')).toBe('invalid_scope')
  })

  it('RFC 9700 §2.4, RFC 8628 §5.4, RFC 8693 §2.2.1: the password grant and the device flow never grant admin scopes, even to a latch:admin; token exchange refuses them asked and leaves them out omitted', async () => {
    const password = await tokenCall('main', { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid admin:read', resource: adminApi('main') })
    expect(password.status).toBe(400)
    expect(password.body.error).toBe('invalid_scope')
    // RFC 8628 §5.4: a device code can be relayed to a victim, so it never asks for admin access.
    const device = await hostFetch(`${issuers.main}/device/authorize`, { method: 'POST', headers: { authorization: basic('admin-app', APP_SECRET), 'content-type': FORM }, body: new URLSearchParams({ scope: 'openid admin:read', resource: adminApi('main') }).toString() })
    expect(device.status).toBe(400)
    expect(((await device.json()) as { error: string }).error).toBe('invalid_scope')
    const { tokens } = await adminTokens('main', ALICE, 'openid admin:read')
    const exchange = (scope?: string) => tokenCall('main', { grant_type: TOKEN_EXCHANGE, subject_token: tokens.access_token!, subject_token_type: ACCESS_TOKEN_TYPE, ...(scope !== undefined && { scope }) })
    const asked = await exchange('admin:read')
    expect(asked.status).toBe(400)
    expect(asked.body.error).toBe('invalid_scope')
    const omitted = await exchange()
    expect(omitted.status).toBe(200)
    expect(omitted.body.scope).toBe('openid')
    expect((await auditEvents('main', omitted.body.access_token!)).status).toBe(403)
  })

  it('RFC 6750 §3.1: a latch:viewer\'s user token is 403 insufficient_scope on a write; a latch:admin\'s creates a client recorded with the user as actor, the app as client_id, via api', async () => {
    const viewer = await adminTokens('main', CAROL, 'admin:read')
    const body = JSON.stringify({ client_id: 'by-alice', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:5557/cb'] })
    const post = (token: string) => hostFetch(`${adminApi('main')}/clients`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
    const refused = await post(viewer.tokens.access_token!)
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="admin:write"/)
    expect(await s.server.ctx.store.clients.get('by-alice')).toBeNull()
    const admin = await adminTokens('main', ALICE, 'admin:read admin:write')
    const created = await post(admin.tokens.access_token!)
    expect(created.status, await created.clone().text()).toBe(201)
    const [record] = (await s.server.ctx.store.audit.list({ types: ['admin.client.created'], limit: 1 })).records
    expect(record).toMatchObject({ actor: { type: 'user', id: await userId(ALICE.email) }, subject: { type: 'client', id: 'by-alice' }, client_id: 'admin-app', outcome: 'success' })
    expect(record!.data.via).toBe('api')
  })

  it('issue 14: roles are read at every call: a role taken away refuses the token and its refreshed successor at once, given back it works again; a deleted user\'s token is invalid_token', async () => {
    const { tokens } = await adminTokens('main', CAROL, 'admin:read')
    const carol = await userId(CAROL.email)
    const store = s.server.ctx.store
    expect((await auditEvents('main', tokens.access_token!)).status).toBe(200)
    await store.users.update(carol, { roles: [] }, Date.now())
    const refused = await auditEvents('main', tokens.access_token!)
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: string }).error).toBe('insufficient_scope')
    // RFC 6749 §6: the refresh keeps what was granted; the API still decides by the roles.
    const refreshed = await tokenCall('main', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })
    expect(refreshed.body.scope).toBe('admin:read')
    expect((await auditEvents('main', refreshed.body.access_token!)).status).toBe(403)
    await store.users.update(carol, { roles: ['latch:viewer'] }, Date.now())
    expect((await auditEvents('main', refreshed.body.access_token!)).status).toBe(200)
    // Deleting a user revokes their grants: whichever check sees it first, the answer is invalid_token.
    await store.users.delete(carol, Date.now())
    const gone = await auditEvents('main', refreshed.body.access_token!)
    expect(gone.status).toBe(401)
    expect(gone.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
  })

  it('issue 14: admin roles are per tenant: main\'s administrator token is invalid_token on acme\'s admin API', async () => {
    const { tokens } = await adminTokens('main', ALICE, 'admin:read')
    const res = await auditEvents('acme', tokens.access_token!)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
  })

  it('RFC 9470 §3: once acme turns admin.require_mfa on, a one-factor admin token is 401 insufficient_user_authentication with acr_values, and a new authorization asks for the second factor before its code', async () => {
    const { tokens } = await adminTokens('acme', ALICE, 'admin:read')
    expect((await auditEvents('acme', tokens.access_token!)).status).toBe(200)
    const row = (await s.server.ctx.store.tenants.get('acme'))!
    await s.server.ctx.store.tenants.upsert({ id: 'acme', issuer: row.issuer, settings: { ...row.settings, admin: { require_mfa: true } } }, Date.now() + 1000)
    await s.server.reloadTenants()
    const res = await auditEvents('acme', tokens.access_token!)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="latch", error="insufficient_user_authentication", error_description="[^"]+", acr_values="urn:latch:acr:mfa"$/)
    expect(((await res.json()) as { error: string }).error).toBe('insufficient_user_authentication')
    // Alice has no second factor on acme: the authorization enrols one instead of issuing a code,
    // then issues a code whose token passes.
    const again = await authorize('acme', ALICE, { scope: 'admin:read' })
    expect(again.page.redirect).toBeUndefined()
    expect(isEnrolmentPage(again.page)).toBe(true)
    const codes = await again.browser.submit(formOf(again.page), { code: totpCode(shownSecret(again.page), Math.floor(Date.now() / 1000)) })
    // Alice consented to admin:read on acme before: remembered, so straight back with a code.
    const done = await again.browser.open(new URL(continueHref(codes), issuers.acme))
    const code = done.redirect!.searchParams.get('code')!
    const strong = await tokenCall('acme', { grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT, code_verifier: again.verifier })
    expect(decodeJwt(strong.body.access_token!)).toMatchObject({ acr: 'urn:latch:acr:mfa', scope: 'admin:read' })
    expect((await auditEvents('acme', strong.body.access_token!)).status).toBe(200)
  })
})
