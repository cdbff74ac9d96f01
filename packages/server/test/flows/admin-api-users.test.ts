/**
 * Issue 14 (session 22): the admin API's users, their sessions and the apps they authorized, over
 * real HTTP on four tenants (test/support/tenants.ts), and the rule that a disabled user signs in
 * by no path: the password page and the password grant answer as for a wrong password, an emailed
 * code (asked before the disable) as a wrong code, a passkey as one that cannot be used; refresh
 * tokens and sessions of before are dead, a browser with a session of theirs is signed out, no mail
 * goes to them, a device they approved gets access_denied, and enabling restores sign-in but not
 * what was ended. Connections and second factors end in the same session start (`startSession`,
 * checked directly here) and token issuance (`issueTokenSet`). Every write's audit record is checked (type,
 * actor the client, subject, before/after masked, via 'api', ip).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { adminResourceOf } from '../../src/rules/admin-api.js'
import { startSession } from '../../src/sessions/idp-session.js'
import { alertText, Browser, formOf, isConsentPage, isLoginPage, parseForms } from '../browser.js'
import { ALICE, BOB, WEB_REDIRECT, WEB_SECRET, baseTestConfig, basic, freePort } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { registerPasskey, signInWithPasskey } from '../support/passkeys.js'
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js'
import { SoftwareAuthenticator } from '../support/software-authenticator.js'
import { hostAgent, hostFetch, startTenantsServer, tenantIssuers, type TenantName, type TenantsServer } from '../support/tenants.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const ADMIN_SECRET = 'admin-secret-0123456789abcdef0123456789'
const READER_SECRET = 'reader-secret-0123456789abcdef01234567'

function adminClients(issuer: string) {
  const admin = adminResourceOf(issuer)
  return [
    ...baseTestConfig.clients,
    { client_id: 'admin', client_secret: ADMIN_SECRET, grant_types: ['client_credentials'], scope: 'admin:read admin:write', resources: [admin] },
    { client_id: 'reader', client_secret: READER_SECRET, grant_types: ['client_credentials'], scope: 'admin:read', resources: [admin] },
    { client_id: 'tv', client_name: 'TV', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT], scope: 'openid' },
  ]
}

let s: TenantsServer
let issuers: Record<TenantName, string>
let admin: string
let reader: string
let sink: SmtpSink
const bodies: string[] = []

type Json = Record<string, unknown>
async function call(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await hostFetch(url, init)
  const text = await res.text()
  bodies.push(text)
  return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as Json) }
}

async function adminToken(tenant: TenantName, clientId: string, secret: string): Promise<string> {
  const res = await call(`${issuers[tenant]}/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: adminResourceOf(issuers[tenant]) }).toString(),
  })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.access_token as string
}

const api = (path: string, tenant: TenantName = 'main') => `${adminResourceOf(issuers[tenant])}${path}`
function send(method: string, path: string, body?: unknown, token = admin) {
  return call(api(path), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
}

/** The token endpoint as the `web` client (password, refresh_token). */
function tokenRequest(params: Record<string, string>) {
  return call(`${issuers.main}/token`, { method: 'POST', headers: { authorization: basic('web', WEB_SECRET), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() })
}
const passwordGrant = (user: { email: string; password: string }) => tokenRequest({ grant_type: 'password', username: user.email, password: user.password, scope: 'openid offline_access' })

/** A browser signed in as `user` through the sign-in page (authorization code, `web` skips consent); the page after the password. */
async function browserSignIn(user: { email: string; password: string }, browser = new Browser(issuers.main, { dispatcher: hostAgent }), signIn = true) {
  const verifier = randomBytes(32).toString('base64url')
  const url = `${issuers.main}/authorize?${new URLSearchParams({
    response_type: 'code', client_id: 'web', redirect_uri: WEB_REDIRECT, scope: 'openid', state: 'st',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  }).toString()}`
  const first = await browser.open(url)
  const page = isLoginPage(first) && signIn ? await browser.signIn(first, user.email, user.password) : first
  return { browser, page, first }
}

/** The newest audit record of `type` in the main tenant. */
async function lastRecord(type: string): Promise<AuditRecord> {
  const res = await call(api(`/audit-events?type=${type}&limit=1`), { headers: { authorization: `Bearer ${admin}` } })
  expect(res.status).toBe(200)
  const record = (res.body.data as AuditRecord[])[0]
  expect(record, type).toBeDefined()
  return record!
}
function expectApiRecord(record: AuditRecord, type: string, subject: { type: string; id: string }) {
  expect(record.type).toBe(type)
  expect(record.actor).toEqual({ type: 'client', id: 'admin' })
  expect(record.client_id).toBe('admin')
  expect(record.subject).toEqual(subject)
  expect(record.data.via).toBe('api')
  expect(record.ip).toBe('127.0.0.1')
}

beforeAll(async () => {
  const port = await freePort()
  issuers = tenantIssuers(port)
  sink = await startSmtpSink()
  s = await startTenantsServer({
    port,
    perTenant: { main: { clients: adminClients(issuers.main), mail: { smtp_url: sink.url, from: 'Latch <no-reply@latch.test>' }, passwordless: { email_code: true } }, acme: { clients: adminClients(issuers.acme) } },
  })
  admin = await adminToken('main', 'admin', ADMIN_SECRET)
  reader = await adminToken('main', 'reader', READER_SECRET)
})
afterAll(async () => {
  await s?.close()
  await sink?.close()
})

describe('issue 14: admin API, users', () => {
  let carolId: string

  it('README "Admin API": POST /users creates a user (201, Location, never a password field) and records admin.user.created', async () => {
    const res = await send('POST', '/users', { email: 'Carol@Example.com', name: 'Carol', roles: ['latch:viewer', 'editor'], claims: { team: 'blue' } })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    carolId = res.body.id as string
    expect(res.headers.get('location')).toBe(api(`/users/${carolId}`))
    expect(res.body).toEqual({
      id: carolId, email: 'carol@example.com', email_verified: false, name: 'Carol', roles: ['latch:viewer', 'editor'], claims: { team: 'blue' },
      has_password: false, disabled_at: null, created_at: expect.any(String), updated_at: expect.any(String),
    })
    const record = await lastRecord('admin.user.created')
    expectApiRecord(record, 'admin.user.created', { type: 'user', id: carolId })
    expect((record.data.after as Json).email).toBe('carol@example.com')
    expect((record.data.after as Json).password_hash).toBeNull()
  })

  it('README "Admin API": a taken email is 409 conflict; an unknown field, a wrong type, a missing email, a non-object body are 400 invalid_request naming it', async () => {
    expect((await send('POST', '/users', { email: 'carol@example.com' })).body.error).toBe('conflict')
    const cases: [unknown, RegExp][] = [
      [{ email: 'x@example.com', admin: true }, /^admin: unknown field/],
      [{ email: 'x@example.com', roles: 'editor' }, /^roles: must be an array of strings/],
      [{ email: 7 }, /^email: must be a string/],
      [{ name: 'x' }, /^email: is required/],
      [[1], /body must be a JSON object/],
      [{ email: 'not-an-email' }, /email/],
    ]
    for (const [body, description] of cases) {
      const res = await send('POST', '/users', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error).toBe('invalid_request')
      expect(res.body.error_description).toMatch(description)
    }
    const form = await call(api('/users'), { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=form%40example.com' })
    expect(form.status).toBe(400)
    expect(form.body.error_description).toBe('the body must be application/json')
    const malformed = await send('POST', '/users', '{"email":')
    expect(malformed.status).toBe(400)
    expect(malformed.body.error).toBe('invalid_request')
  })

  it('README "Admin API": GET /users pages by email with limit and cursor, filters by email; unknown parameters and bad limits are 400', async () => {
    const first = await send('GET', '/users?limit=1')
    expect(first.status).toBe(200)
    expect((first.body.data as Json[]).map((u) => u.email)).toEqual(['alice@example.com'])
    expect(first.body.next_cursor).toBe('alice@example.com')
    const rest = await send('GET', `/users?limit=200&cursor=${encodeURIComponent(first.body.next_cursor as string)}`)
    expect((rest.body.data as Json[]).map((u) => u.email)).toEqual(['bob@example.com', 'carol@example.com'])
    expect(rest.body.next_cursor).toBeNull()
    const one = await send('GET', '/users?email=CAROL%40example.com')
    expect((one.body.data as Json[]).map((u) => u.id)).toEqual([carolId])
    expect((await send('GET', '/users?email=nobody%40example.com')).body).toEqual({ data: [], next_cursor: null })
    for (const query of ['?mail=x', '?limit=0', '?limit=201', '?limit=a', '?email=a&email=b', '?email=%00']) {
      const res = await send('GET', `/users${query}`)
      expect(res.status, query).toBe(400)
      expect(res.body.error).toBe('invalid_request')
    }
  })

  it('README "Admin API": GET and PATCH /users/{id} (name, roles with the reserved latch: prefix, claims replaced) record admin.user.updated; unknown ids are 404', async () => {
    expect((await send('GET', `/users/${carolId}`)).body.email).toBe('carol@example.com')
    const patched = await send('PATCH', `/users/${carolId}`, { name: null, roles: ['latch:admin'], claims: { team: 'red', level: 2 } })
    expect(patched.status, JSON.stringify(patched.body)).toBe(200)
    expect(patched.body).toMatchObject({ name: null, roles: ['latch:admin'], claims: { team: 'red', level: 2 } })
    expect((await send('GET', `/users/${carolId}`)).body).toMatchObject({ name: null, roles: ['latch:admin'], claims: { team: 'red', level: 2 } })
    const record = await lastRecord('admin.user.updated')
    expectApiRecord(record, 'admin.user.updated', { type: 'user', id: carolId })
    expect((record.data.before as Json).roles).toEqual(['latch:viewer', 'editor'])
    expect((record.data.after as Json).roles).toEqual(['latch:admin'])
    expect((await send('PATCH', `/users/${carolId}`, { email: 'x@example.com' })).body.error_description).toMatch(/^email: unknown field/)
    expect((await send('PATCH', `/users/${carolId}`, { name: 3 })).body.error_description).toMatch(/^name: must be a string or null/)
    // Longer than Fastify's maxParamLength (100): a malformed URL, 400.
    expect((await send('GET', `/users/${'x'.repeat(300)}`)).body.error).toBe('invalid_request')
    for (const id of ['no-such-user', 'x'.repeat(100), '%00']) {
      const res = await send('GET', `/users/${id}`)
      expect(res.status, `${id} ${JSON.stringify(res.body)}`).toBe(404)
      expect(res.body.error).toBe('not_found')
    }
    expect((await send('PATCH', '/users/no-such-user', { name: 'x' })).status).toBe(404)
  })

  it('review M2: a user the config file lists is the file\'s: PATCH of what the file sets again and DELETE are 409 conflict, nothing changed or recorded', async () => {
    const bob = (await s.server.ctx.store.users.getByEmail(BOB.email))!
    for (const [method, body] of [['PATCH', { name: 'Robert' }], ['DELETE', undefined]] as const) {
      const res = await send(method, `/users/${bob.id}`, body)
      expect([res.status, res.body.error], method).toEqual([409, 'conflict'])
      expect(res.body.error_description).toContain('listed in the config file')
    }
    expect(await s.server.ctx.store.users.getById(bob.id)).toEqual(bob)
  })

  it('README "Admin API": POST /users/{id}/reset-mfa (optional body) answers what was removed and records admin.user.mfa_reset', async () => {
    const res = await send('POST', `/users/${carolId}/reset-mfa`, { passkeys: true })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toEqual({ totp_removed: false, passkeys_removed: 0 })
    expect((await send('POST', `/users/${carolId}/reset-mfa`)).body).toEqual({ totp_removed: false, passkeys_removed: null })
    expectApiRecord(await lastRecord('admin.user.mfa_reset'), 'admin.user.mfa_reset', { type: 'user', id: carolId })
    expect((await send('POST', `/users/${carolId}/reset-mfa`, { passkeys: 'yes' })).body.error_description).toMatch(/^passkeys: must be true or false/)
  })

  it('RFC 6750 §3.1: admin:read cannot write (403 insufficient_scope before the body is read); a token of tenant acme is 401 on main\'s API', async () => {
    const refused = await send('POST', '/users', '{not json', reader)
    expect(refused.status).toBe(403)
    expect(refused.body.error).toBe('insufficient_scope')
    expect(refused.headers.get('www-authenticate')).toContain('scope="admin:write"')
    expect((await send('GET', `/users/${carolId}`, undefined, reader)).status).toBe(200)
    const acme = await adminToken('acme', 'admin', ADMIN_SECRET)
    const cross = await send('GET', `/users/${carolId}`, undefined, acme)
    expect(cross.status).toBe(401)
    expect(cross.body.error).toBe('invalid_token')
    // acme's own API does not see main's users.
    expect((await call(api(`/users/${carolId}`, 'acme'), { headers: { authorization: `Bearer ${acme}` } })).status).toBe(404)
  })

  it('README "Admin API": DELETE /users/{id} is 204 and records admin.user.deleted; again 404', async () => {
    expect((await send('DELETE', `/users/${carolId}`)).status).toBe(204)
    expectApiRecord(await lastRecord('admin.user.deleted'), 'admin.user.deleted', { type: 'user', id: carolId })
    expect((await send('GET', `/users/${carolId}`)).status).toBe(404)
    expect((await send('DELETE', `/users/${carolId}`)).status).toBe(404)
  })
})

describe('issue 14: inviting a user', () => {
  it('README "Admin API": POST /users/{id}/invite mails a set-password link valid 7 days; choosing the password through it lets the user sign in and verifies the email', async () => {
    const created = await send('POST', '/users', { email: 'dana@example.com' })
    const danaId = created.body.id as string
    expect((await send('POST', `/users/${danaId}/invite`, { locale: 'xx' })).body.error_description).toMatch(/^locale: must be one of/)
    const before = Math.floor(Date.now() / 1000)
    const res = await send('POST', `/users/${danaId}/invite`, { locale: 'fr' })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.email).toBe('dana@example.com')
    const expires = Date.parse(res.body.expires_at as string) / 1000
    expect(expires - before).toBeGreaterThanOrEqual(604_800 - 5)
    expect(expires - before).toBeLessThanOrEqual(604_800 + 5)
    const record = await lastRecord('admin.user.invited')
    expectApiRecord(record, 'admin.user.invited', { type: 'user', id: danaId })
    expect(JSON.stringify(record)).not.toMatch(/token=/)
    const mail = await sink.next('dana@example.com')
    expect(mail.subject).toBe('Vous êtes invité à Latch')
    expect(mail.text).toContain('7 jours')
    const link = /https?:\/\/\S+\/reset-password\?\S+/.exec(mail.text)![0]
    expect(bodies.join('\n')).not.toContain(new URL(link).searchParams.get('token'))
    const browser = new Browser(issuers.main, { dispatcher: hostAgent })
    const page = await browser.open(link)
    expect(page.status).toBe(200)
    const done = await browser.submit(formOf(page), { password: 'dana-chooses-a-password' })
    expect(done.status).toBe(200)
    expect((await send('GET', `/users/${danaId}`)).body).toMatchObject({ has_password: true, email_verified: true })
    expect((await passwordGrant({ email: 'dana@example.com', password: 'dana-chooses-a-password' })).status).toBe(200)
    // Now that she has a password an invitation is a conflict; unknown users are 404.
    expect((await send('POST', `/users/${danaId}/invite`)).status).toBe(409)
    expect((await send('POST', '/users/no-such-user/invite')).status).toBe(404)
  })
})

describe('security review: invitations', () => {
  it('review L2: an invitation link opened before the user was disabled sets no password after it (answered as expired, the form and the link alike)', async () => {
    const id = (await send('POST', '/users', { email: 'gail@example.com' })).body.id as string
    expect((await send('POST', `/users/${id}/invite`)).status).toBe(200)
    const link = /https?:\/\/\S+\/reset-password\?\S+/.exec((await sink.next('gail@example.com')).text)![0]
    const browser = new Browser(issuers.main, { dispatcher: hostAgent })
    const page = await browser.open(link)
    expect(page.status).toBe(200)
    expect((await send('POST', `/users/${id}/disable`)).status).toBe(200)
    expect((await browser.submit(formOf(page), { password: 'gail-chooses-a-password' })).status).toBe(400)
    expect((await browser.open(link)).status).toBe(400)
    expect((await send('GET', `/users/${id}`)).body).toMatchObject({ has_password: false, email_verified: false })
  })

  it('review L3: a user whose email\'s organization requires its connection is not invited (400 naming the connection), as "Forgot password?" mails them nothing', async () => {
    expect((await send('POST', '/organizations', { id: 'sso-only', name: 'SSO only', domains: ['sso-only.example'] })).status).toBe(201)
    const connection = await send('POST', '/connections', { id: 'sso-only-idp', type: 'oidc', issuer: 'https://idp.sso-only.example', client_id: 'latch', client_secret: 'upstream-secret-0123456789', organization: 'sso-only', required: true })
    expect(connection.status, JSON.stringify(connection.body)).toBe(201)
    const id = (await send('POST', '/users', { email: 'hal@sso-only.example' })).body.id as string
    const refused = await send('POST', `/users/${id}/invite`)
    expect(refused.status, JSON.stringify(refused.body)).toBe(400)
    expect(refused.body.error).toBe('invalid_request')
    expect(String(refused.body.error_description)).toMatch(/signs in through the connection sso-only-idp/)
    expect((await s.server.ctx.store.audit.list({ types: ['admin.user.invited'], limit: 50 })).records.filter((r) => r.subject?.id === id)).toEqual([])
    // Gone again, so that the pages of the other tests offer no connection.
    expect((await send('DELETE', '/connections/sso-only-idp')).status).toBe(204)
  })

  it('review L8: invitations to one address are bounded by mail.max_per_address (5): the sixth is 429 temporarily_unavailable with Retry-After', async () => {
    const id = (await send('POST', '/users', { email: 'ivy@example.com' })).body.id as string
    for (let i = 0; i < 5; i++) expect((await send('POST', `/users/${id}/invite`)).status).toBe(200)
    const refused = await send('POST', `/users/${id}/invite`)
    expect(refused.status, JSON.stringify(refused.body)).toBe(429)
    expect(refused.body.error).toBe('temporarily_unavailable')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(refused.headers.get('www-authenticate')).toBeNull()
  })
})

describe('issue 14: a disabled user signs in by no path', () => {
  let bobId: string
  let refreshToken: string
  let accessToken: string
  let signedIn: Browser
  let wrongPasswordPage: { status: number; alert: string | undefined }
  let wrongPasswordGrant: Json

  beforeAll(async () => {
    bobId = (await s.server.ctx.store.users.getByEmail(BOB.email))!.id
    const tokens = await passwordGrant(BOB)
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200)
    refreshToken = tokens.body.refresh_token as string
    accessToken = tokens.body.access_token as string
    const session = await browserSignIn(BOB)
    expect(session.page.redirect?.searchParams.get('code')).toBeTruthy()
    signedIn = session.browser
    const wrong = await browserSignIn({ email: BOB.email, password: 'not-the-password' })
    wrongPasswordPage = { status: wrong.page.status, alert: alertText(wrong.page.html) }
    wrongPasswordGrant = (await passwordGrant({ email: BOB.email, password: 'not-the-password' })).body
  })

  it('README "Admin API": POST /users/{id}/disable ends every session and grant at once and records admin.user.disabled', async () => {
    expect((await send('GET', `/users/${bobId}/sessions`)).body.data).toHaveLength(1)
    const res = await send('POST', `/users/${bobId}/disable`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.disabled_at).toEqual(expect.any(String))
    const record = await lastRecord('admin.user.disabled')
    expectApiRecord(record, 'admin.user.disabled', { type: 'user', id: bobId })
    expect((record.data.before as Json).disabled_at).toBeNull()
    expect((await send('GET', `/users/${bobId}/sessions`)).body).toEqual({ data: [], next_cursor: null })
    expect((await send('GET', `/users/${bobId}/grants`)).body).toEqual({ data: [], next_cursor: null })
    // Disabling again changes nothing and records nothing.
    expect((await send('POST', `/users/${bobId}/disable`)).body.disabled_at).toBe(res.body.disabled_at)
    expect((await lastRecord('admin.user.disabled')).id).toBe(record.id)
  })

  it('RFC 6749 §5.2: the password grant answers invalid_grant exactly as for a wrong password', async () => {
    const res = await passwordGrant(BOB)
    expect(res.status).toBe(400)
    expect(res.body).toEqual(wrongPasswordGrant)
  })

  it('RFC 6749 §6, RFC 7009 §2.1: the refresh token of before is invalid_grant, the access token of before is inactive', async () => {
    const res = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_grant')
    const userinfo = await call(`${issuers.main}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })
    expect(userinfo.status).toBe(401)
  })

  it('OIDC Core §3.1.2.3: the sign-in page answers the right password as a wrong one; the browser signed in before is asked to sign in again', async () => {
    const again = await browserSignIn(BOB)
    expect({ status: again.page.status, alert: alertText(again.page.html) }).toEqual(wrongPasswordPage)
    expect(isLoginPage(again.page)).toBe(true)
    const before = await browserSignIn(BOB, signedIn, false)
    expect(isLoginPage(before.first)).toBe(true)
  })

  it('issue 13 passwordless: an emailed code asked for before the disable signs nobody in after it (answered as a wrong code); a disabled user is mailed nothing', async () => {
    const created = await send('POST', '/users', { email: 'erin@example.com', email_verified: true })
    const erinId = created.body.id as string
    const askCode = async () => {
      const browser = new Browser(issuers.main, { dispatcher: hostAgent })
      const form = formOf(await browser.open(`${issuers.main}/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'web', redirect_uri: WEB_REDIRECT, scope: 'openid', state: 's', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }).toString()}`))
      const res = await browser.fetch(form.action.replace(/\/login$/, '/email'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...form.fields, method: 'email_code', email: 'erin@example.com' }) })
      return { browser, html: await res.text() }
    }
    const postCode = async (asked: { browser: Browser; html: string }, code: string) => {
      const form = parseForms(asked.html).find((f) => f.action.endsWith('/email/code'))!
      const res = await asked.browser.fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...form.fields, code }) })
      return { status: res.status, alert: alertText(await res.text()) }
    }
    const asked = await askCode()
    const code = /: (\d{6})\b/.exec((await sink.next('erin@example.com')).text)![1]!
    expect((await send('POST', `/users/${erinId}/disable`)).status).toBe(200)
    const wrong = await postCode(asked, code === '000000' ? '111111' : '000000')
    expect(await postCode(asked, code)).toEqual(wrong)
    expect((await send('GET', `/users/${erinId}/sessions`)).body.data).toEqual([])
    // Asked while disabled: the same "check your email" page, and no mail.
    const again = await askCode()
    expect(again.html).toContain('erin@example.com')
    await s.server.ctx.background.settled()
    expect(sink.pending('erin@example.com')).toEqual([])
  })

  it('issue 14: every way of signing in ends in startSession, which starts no session for a disabled user (passkeys, email links, connections, second factors)', async () => {
    const bob = (await s.server.ctx.store.users.getByEmail(BOB.email))!
    expect(bob.disabled_at).toEqual(expect.any(Number))
    const ctx = s.server.ctx
    expect(await startSession(ctx, { get: () => undefined } as never, bob, ['hwk', 'user'])).toBeNull()
    // A sign-in that read the user before the disable: the insert re-checks it in the same statement.
    expect(await ctx.store.sessions.insert({ session_hash: 'h-bob', id: 'sid-bob', user_id: bob.id, auth_time: 1, amr: ['pwd'], created_at: 1, expires_at: 4_000_000_000 }, { enabledUser: bob.id })).toBe(false)
    expect(await startSession(ctx, { get: () => undefined } as never, { ...bob, disabled_at: null }, ['hwk'])).toBeNull()
  })

  it('README "Admin API": POST /users/{id}/enable restores sign-in (not the old sessions or tokens) and records admin.user.enabled', async () => {
    const res = await send('POST', `/users/${bobId}/enable`)
    expect(res.status).toBe(200)
    expect(res.body.disabled_at).toBeNull()
    expectApiRecord(await lastRecord('admin.user.enabled'), 'admin.user.enabled', { type: 'user', id: bobId })
    expect((await passwordGrant(BOB)).status).toBe(200)
    expect((await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken })).status).toBe(400)
    expect((await browserSignIn(BOB)).page.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('RFC 8628 §3.5: a device the user approved before the disable gets access_denied at its next poll', async () => {
    const form = (body: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() })
    const started = (await call(`${issuers.main}/device/authorize`, form({ client_id: 'tv', scope: 'openid' }))).body
    const browser = new Browser(issuers.main, { dispatcher: hostAgent })
    let page = await browser.submit(formOf(await browser.open(started.verification_uri as string)), { user_code: started.user_code as string })
    if (isLoginPage(page)) page = await browser.signIn(page, BOB.email, BOB.password)
    if (isConsentPage(page)) page = await browser.decide(page, 'allow')
    expect(page.html).toContain('Device connected')
    expect((await send('POST', `/users/${bobId}/disable`)).status).toBe(200)
    const polled = await call(`${issuers.main}/token`, form({ grant_type: DEVICE_GRANT, device_code: started.device_code as string, client_id: 'tv' }))
    expect(polled.status).toBe(400)
    expect(polled.body.error).toBe('access_denied')
    expect((await send('POST', `/users/${bobId}/enable`)).status).toBe(200)
  })
})

describe('issue 14: a user\'s sessions and grants', () => {
  let aliceId: string

  beforeAll(async () => {
    aliceId = (await s.server.ctx.store.users.getByEmail(ALICE.email))!.id
  })

  it('README "Admin API": GET /users/{id}/sessions lists live sessions (no cookie hash); DELETE ends one and records admin.session.revoked', async () => {
    const { browser } = await browserSignIn(ALICE)
    const list = await send('GET', `/users/${aliceId}/sessions`)
    expect(list.status).toBe(200)
    const sessions = list.body.data as Json[]
    expect(sessions).toHaveLength(1)
    expect(Object.keys(sessions[0]!).sort()).toEqual(['amr', 'auth_time', 'created_at', 'expires_at', 'id', 'user_agent'])
    expect(sessions[0]!.amr).toEqual(['pwd'])
    expect((await send('DELETE', `/users/${aliceId}/sessions/no-such-session`)).status).toBe(404)
    // Another user's session id names nothing under this user.
    const bobId = (await s.server.ctx.store.users.getByEmail(BOB.email))!.id
    expect((await send('DELETE', `/users/${bobId}/sessions/${sessions[0]!.id as string}`)).status).toBe(404)
    expect((await send('DELETE', `/users/${aliceId}/sessions/${sessions[0]!.id as string}`)).status).toBe(204)
    const record = await lastRecord('admin.session.revoked')
    expectApiRecord(record, 'admin.session.revoked', { type: 'session', id: sessions[0]!.id as string })
    expect(record.data.after).toBeNull()
    expect((await send('GET', `/users/${aliceId}/sessions`)).body.data).toEqual([])
    expect(isLoginPage((await browserSignIn(ALICE, browser, false)).first)).toBe(true)
  })

  it('README "Admin API": GET /users/{id}/grants lists what the user authorized; DELETE revokes the client\'s grants and tokens and records admin.grant.revoked', async () => {
    const tokens = await passwordGrant(ALICE)
    expect(tokens.status).toBe(200)
    const list = await send('GET', `/users/${aliceId}/grants`)
    expect(list.status).toBe(200)
    expect(list.body.data).toEqual([{ client_id: 'web', resource: null, scope: expect.stringContaining('offline_access'), created_at: expect.any(String) }])
    expect((await send('DELETE', `/users/${aliceId}/grants/service`)).status).toBe(404)
    expect((await send('DELETE', `/users/${aliceId}/grants/web`)).status).toBe(204)
    const record = await lastRecord('admin.grant.revoked')
    expectApiRecord(record, 'admin.grant.revoked', { type: 'user', id: aliceId })
    expect(record.data.client_id).toBe('web')
    expect((await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token as string })).body.error).toBe('invalid_grant')
    expect((await send('GET', `/users/${aliceId}/grants`)).body.data).toEqual([])
    expect((await send('DELETE', `/users/${aliceId}/grants/web`)).status).toBe(404)
  })

  it('README "Admin API": POST /users/{id}/sign-out ends every session and grant (offline_access too) and records admin.user.signed_out', async () => {
    const tokens = await passwordGrant(ALICE)
    const { browser } = await browserSignIn(ALICE)
    const res = await send('POST', `/users/${aliceId}/sign-out`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toEqual({ sessions_ended: 1 })
    const record = await lastRecord('admin.user.signed_out')
    expectApiRecord(record, 'admin.user.signed_out', { type: 'user', id: aliceId })
    expect(record.data.sessions_ended).toBe(1)
    expect((await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token as string })).body.error).toBe('invalid_grant')
    expect(isLoginPage((await browserSignIn(ALICE, browser, false)).first)).toBe(true)
    // Signed out, not disabled: the password still works.
    expect((await passwordGrant(ALICE)).status).toBe(200)
    expect((await send('POST', '/users/no-such-user/sign-out')).status).toBe(404)
  })

  it('WebAuthn L3 §7.2: a passkey of a disabled user signs nobody in (answered as a passkey that cannot be used); enabled again, it works', async () => {
    const browser = new Browser(issuers.main, { dispatcher: hostAgent })
    expect((await browser.authorize(webAuthorizeUrl(issuers.main), ALICE)).redirect?.searchParams.get('code')).toBeTruthy()
    const device = new SoftwareAuthenticator(new URL(issuers.main).hostname, new URL(issuers.main).origin)
    expect((await registerPasskey(issuers.main, browser, device)).status).toBe(303)
    expect((await send('POST', `/users/${aliceId}/disable`)).status).toBe(200)
    const refused = await signInWithPasskey(issuers.main, device, {}, new Browser(issuers.main, { dispatcher: hostAgent }))
    expect(refused.res.status).toBe(401)
    expect(alertText(await refused.res.text())).toBe('That passkey could not be used to sign in here. Try again, or sign in another way.')
    expect((await send('POST', `/users/${aliceId}/enable`)).status).toBe(200)
    const accepted = await signInWithPasskey(issuers.main, device, {}, new Browser(issuers.main, { dispatcher: hostAgent }))
    expect(accepted.res.status).toBe(303)
  })

  it('OpenAPI 3.1: the document lists every users operation with the scope it needs (admin-api.test.ts validates the whole document)', async () => {
    const doc = (await call(api('/openapi.json'))).body as { paths: Record<string, Record<string, { operationId: string; security: Record<string, string[]>[] }>> }
    const ops = Object.entries(doc.paths).filter(([path]) => path.startsWith('/users')).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [`${method} ${path}`, op.security[0]!.bearer![0]]))
    expect(Object.fromEntries(ops)).toEqual({
      'get /users': 'admin:read', 'post /users': 'admin:write', 'get /users/{id}': 'admin:read', 'patch /users/{id}': 'admin:write', 'delete /users/{id}': 'admin:write',
      'post /users/{id}/disable': 'admin:write', 'post /users/{id}/enable': 'admin:write', 'post /users/{id}/reset-mfa': 'admin:write', 'post /users/{id}/invite': 'admin:write',
      'post /users/{id}/sign-out': 'admin:write', 'get /users/{id}/sessions': 'admin:read', 'delete /users/{id}/sessions/{session_id}': 'admin:write',
      'get /users/{id}/grants': 'admin:read', 'delete /users/{id}/grants/{client_id}': 'admin:write',
    })
  })

  it('README "Admin API": no answer carries a password, a hash or a session cookie hash', () => {
    const all = bodies.join('\n')
    expect(all).not.toMatch(/\$argon2/)
    expect(all).not.toMatch(/password_hash"\s*:\s*"[^[]/)
    expect(all).not.toMatch(/session_hash/)
    expect(all).not.toContain(ALICE.password)
  })
})
