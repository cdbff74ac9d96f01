/**
 * Tenant isolation on every route (issue 11): "a token, code, refresh token, session cookie or
 * device code of tenant A is worthless at tenant B". Every tenant of `startTenantsServer` has the
 * same client ids, secrets, redirect URIs and users, so a credential of one is well-formed at
 * another and only isolation can refuse it. A is `acme` (its own host) unless a test says
 * otherwise; B is `globex` (another host), `initech` (a path under the default tenant's host) or
 * `main` (the default tenant). Each refusal has a control: the same request at A succeeds.
 * Also here: the resource-server middleware (@latch/resource-server) configured for B refuses A's
 * token, and requests for hosts and paths no tenant has (path tricks included) get a 404.
 * Runs on SQLite and PostgreSQL (vitest projects).
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
import { createHash, randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose'
import { getGlobalDispatcher, setGlobalDispatcher } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fastifyAuth } from '../../../resource-server/src/adapters/fastify.js'
import { alertText, Browser, formOf, isLoginPage, type Page } from '../browser.js'
import { ALICE, API, API_SECRET, baseTestConfig, basic, FORM, WEB_REDIRECT, WEB_SECRET } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { hostAgent, hostFetch, startTenantsServer, type TenantName, type TenantsServer } from '../support/tenants.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const REFRESH_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:refresh_token'
const ACME_ONLY_SECRET = 'acme-only-secret-0123456789abcdef012345'
/** A user only acme has. */
const CAROL = { email: 'carol@acme.example', password: 'carol-only-at-acme-horse' }
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** The key of `jwt-client`, registered with the same public key at every tenant. */
const jwtKey = await generateKeyPair('ES256')
const EXPIRED_INTERACTION = 'This sign-in request has expired or was already completed.'
const INVALID_USER_CODE = 'That code is not valid or has expired.'

/** Every tenant's clients: the base ones, `web` also exchanging tokens, and a device client. */
const clients = [
  ...baseTestConfig.clients.map((c) => (c.client_id === 'web' ? { ...c, grant_types: [...c.grant_types, EXCHANGE_GRANT] } : c)),
  { client_id: 'tv', client_name: 'Living Room TV', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT, 'refresh_token'], scope: 'openid profile offline_access read:data' },
  {
    client_id: 'jwt-client',
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: ['client_credentials'],
    scope: 'read:data',
    resources: [API],
    jwks: { keys: [{ ...(await exportJWK(jwtKey.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] },
  },
]
const common = { clients, default_resource: API }

let t: TenantsServer
const NAMES: TenantName[] = ['main', 'acme', 'globex', 'initech']
const OTHERS = ['main', 'globex', 'initech'] as const

beforeAll(async () => {
  t = await startTenantsServer({
    perTenant: {
      main: common,
      globex: common,
      initech: common,
      acme: {
        ...common,
        clients: [...clients, { client_id: 'acme-only', client_secret: ACME_ONLY_SECRET, grant_types: ['client_credentials', 'password'], scope: 'openid read:data', resources: [API] }],
        users: [...baseTestConfig.users, CAROL],
      },
    },
  })
})
afterAll(async () => {
  await t?.close()
})

// ---------------------------------------------------------------------------------------------
// Helpers

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

async function post(name: TenantName, path: string, params: Record<string, string>, authorization?: string): Promise<Answer> {
  const res = await hostFetch(`${t.issuers[name]}${path}`, {
    method: 'POST',
    headers: { 'content-type': FORM, ...(authorization !== undefined && { authorization }) },
    body: new URLSearchParams(params),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }
}

const WEB = basic('web', WEB_SECRET)
const RESOURCE_SERVER = basic(API, API_SECRET)

function token(name: TenantName, params: Record<string, string>, authorization = WEB): Promise<Answer> {
  return post(name, '/token', params, authorization)
}

function expectError(answer: Answer, status: number, error: string): void {
  expect({ status: answer.status, error: answer.body.error }, JSON.stringify(answer.body)).toEqual({ status, error })
}

/** RFC 7662 by the token's own client, `web`. */
async function active(name: TenantName, value: string): Promise<boolean> {
  const answer = await post(name, '/introspect', { token: value }, WEB)
  expect(answer.status).toBe(200)
  return answer.body.active === true
}

function browserAt(name: TenantName): Browser {
  return new Browser(t.issuers[name], { dispatcher: hostAgent })
}

interface Signed {
  browser: Browser
  code: string
  verifier: string
}

/** Alice signs in at `name` through its pages with `web` (PKCE): the browser and a fresh code. */
async function signIn(name: TenantName, browser = browserAt(name), params: Record<string, string> = {}): Promise<Signed> {
  const verifier = randomBytes(32).toString('base64url')
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  const page = await browser.authorize(webAuthorizeUrl(t.issuers[name], { code_challenge: challenge, scope: 'openid offline_access read:data', ...params }), ALICE)
  const code = page.redirect?.searchParams.get('code')
  if (!code) throw new Error(`no code from ${name}: ${page.status} ${page.html.slice(0, 300)}`)
  return { browser, code, verifier }
}

interface TokenSet {
  access_token: string
  refresh_token: string
  id_token: string
}

async function redeem(name: TenantName, signed: Signed): Promise<Answer> {
  return token(name, { grant_type: 'authorization_code', code: signed.code, code_verifier: signed.verifier, redirect_uri: WEB_REDIRECT })
}

/** Alice's tokens of `web` at `name` (password grant: no browser needed). */
async function tokensAt(name: TenantName): Promise<TokenSet> {
  const answer = await token(name, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid offline_access read:data' })
  expect(answer.status, JSON.stringify(answer.body)).toBe(200)
  return answer.body as unknown as TokenSet
}

/** The cookie `base` of tenant `from`'s browser, under the name tenant `to` reads. */
function cookieFor(from: TenantName, to: TenantName, base: string, browser: Browser): [string, string] {
  const suffix = (name: TenantName) => (name === 'main' ? '' : `_${name}`)
  const value = browser.cookies.get(`${base}${suffix(from)}`)
  if (value === undefined) throw new Error(`no ${base} cookie of ${from}: ${[...browser.cookies.keys()].join(', ')}`)
  return [`${base}${suffix(to)}`, value]
}

/** The interaction id in a sign-in page's form action. */
function interactionId(page: Page): string {
  const m = /\/interaction\/([^/]+)\/login$/.exec(formOf(page).action)
  if (!m) throw new Error(`no interaction in ${formOf(page).action}`)
  return m[1] as string
}

/** A raw HTTP/1.1 request to the server's port with any `Host` and request target (fetch would normalise both). */
function raw(method: string, host: string, target: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: t.port, method, path: target, headers: { host, ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

// ---------------------------------------------------------------------------------------------

describe('authorization endpoint and interaction pages (issue 11)', () => {
  it('issue 11 (OIDC Core §3.1.2.6): acme\'s session cookie gives no single sign-on at globex: prompt=none is login_required, else the sign-in page', async () => {
    const { browser } = await signIn('acme')
    const globex = browserAt('globex')
    globex.cookies.set(...cookieFor('acme', 'globex', 'latch_session', browser))
    const none = await globex.open(webAuthorizeUrl(t.issuers.globex, { prompt: 'none' }))
    expect(none.redirect?.searchParams.get('error')).toBe('login_required')
    expect(none.redirect?.searchParams.get('iss')).toBe(t.issuers.globex)
    expect(isLoginPage(await globex.open(webAuthorizeUrl(t.issuers.globex)))).toBe(true)
    // Control: the cookie is a live session at acme.
    const again = await browser.open(webAuthorizeUrl(t.issuers.acme, { prompt: 'none' }))
    expect(again.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('issue 11: the default tenant\'s session (cookie path /, sent to every path of its host) gives no SSO at the path tenant under it, nor under the path tenant\'s name', async () => {
    const { browser } = await signIn('main')
    // The browser sends latch_session (Path=/) with requests to /t/initech/… too.
    const none = await browser.open(webAuthorizeUrl(t.issuers.initech, { prompt: 'none' }))
    expect(none.redirect?.searchParams.get('error')).toBe('login_required')
    browser.cookies.set(...cookieFor('main', 'initech', 'latch_session', browser))
    const planted = await browser.open(webAuthorizeUrl(t.issuers.initech, { prompt: 'none' }))
    expect(planted.redirect?.searchParams.get('error')).toBe('login_required')
  })

  it('issue 11: acme\'s interaction id is unknown at globex and at the path tenant: the same "expired" page as an id that never existed, and it still works at acme', async () => {
    const acme = browserAt('acme')
    const page = await acme.open(webAuthorizeUrl(t.issuers.acme))
    const id = interactionId(page)
    for (const other of ['globex', 'initech'] as const) {
      const browser = browserAt(other)
      const foreign = await browser.open(`${t.issuers[other]}/interaction/${id}`)
      const unknown = await browser.open(`${t.issuers[other]}/interaction/${randomBytes(16).toString('base64url')}`)
      expect(foreign.status).toBe(unknown.status)
      expect(foreign.status).toBe(400)
      expect(foreign.html).toContain(EXPIRED_INTERACTION)
      // Signing in to it at B, with B's own CSRF pair: refused the same way, and no session starts.
      const own = formOf(await browser.open(webAuthorizeUrl(t.issuers[other])))
      const res = await browser.postForm(`${t.issuers[other]}/interaction/${id}/login`, { csrf: own.fields.csrf ?? '', email: ALICE.email, password: ALICE.password })
      expect(res.status).toBe(400)
      expect(await res.text()).toContain(EXPIRED_INTERACTION)
      expect([...browser.cookies.keys()].some((name) => name.startsWith('latch_session'))).toBe(false)
    }
    const done = await acme.signIn(page, ALICE.email, ALICE.password)
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('issue 11: a CSRF token of one tenant is refused by another (403), on another host and on the path tenant under the same host', async () => {
    // Path tenant: the browser holds main's latch_csrf (Path=/) and initech's own; main's pair is not initech's.
    const browser = browserAt('main')
    const mainForm = formOf(await browser.open(webAuthorizeUrl(t.issuers.main)))
    const initechForm = formOf(await browser.open(webAuthorizeUrl(t.issuers.initech)))
    expect(browser.cookies.get('latch_csrf')).toBe(mainForm.fields.csrf)
    const crossed = await browser.submit(initechForm, { csrf: mainForm.fields.csrf ?? '', ...ALICE })
    expect(crossed.status).toBe(403)
    // Another host: acme's cookie sent along (as a browser never would) and acme's field.
    const acme = browserAt('acme')
    const acmeForm = formOf(await acme.open(webAuthorizeUrl(t.issuers.acme)))
    const globex = browserAt('globex')
    const globexForm = formOf(await globex.open(webAuthorizeUrl(t.issuers.globex)))
    const [name, value] = cookieFor('acme', 'acme', 'latch_csrf', acme)
    const res = await hostFetch(globexForm.action, {
      method: 'POST',
      headers: { 'content-type': FORM, cookie: `${name}=${value}` },
      body: new URLSearchParams({ ...globexForm.fields, csrf: acmeForm.fields.csrf ?? '', ...ALICE }),
      redirect: 'manual',
    })
    expect(res.status).toBe(403)
    // Control: initech's own pair signs in.
    expect((await browser.submit(initechForm, ALICE)).redirect?.searchParams.get('code')).toBeTruthy()
  })
})

describe('token endpoint (issue 11)', () => {
  it('issue 11 (RFC 6749 §5.2): acme\'s authorization code is invalid_grant at every other tenant, then still redeems at acme', async () => {
    const signed = await signIn('acme')
    for (const other of OTHERS) expectError(await redeem(other, signed), 400, 'invalid_grant')
    expect((await redeem('acme', signed)).status).toBe(200)
  })

  it('issue 11 (RFC 6749 §6): acme\'s refresh token is invalid_grant at every other tenant, and refreshes at acme', async () => {
    const tokens = await tokensAt('acme')
    for (const other of OTHERS) expectError(await token(other, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }), 400, 'invalid_grant')
    expect((await token('acme', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status).toBe(200)
  })

  it('issue 11 (RFC 8628 §3.4): acme\'s device code is invalid_grant at every other tenant; acme answers authorization_pending', async () => {
    const device = await post('acme', '/device/authorize', { client_id: 'tv', scope: 'openid read:data' })
    expect(device.status).toBe(200)
    const deviceCode = String(device.body.device_code)
    for (const other of OTHERS) expectError(await post(other, '/token', { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'tv' }), 400, 'invalid_grant')
    expectError(await post('acme', '/token', { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'tv' }), 400, 'authorization_pending')
  })

  it('issue 11 (RFC 6749 §5.2): a client only acme has is invalid_client at every other tenant (token, introspection, revocation, device authorization)', async () => {
    const auth = basic('acme-only', ACME_ONLY_SECRET)
    expect((await token('acme', { grant_type: 'client_credentials', scope: 'read:data' }, auth)).status).toBe(200)
    for (const other of OTHERS) {
      expectError(await token(other, { grant_type: 'client_credentials', scope: 'read:data' }, auth), 401, 'invalid_client')
      expectError(await post(other, '/introspect', { token: 'x' }, auth), 401, 'invalid_client')
      expectError(await post(other, '/revoke', { token: 'x' }, auth), 401, 'invalid_client')
      expectError(await post(other, '/device/authorize', { scope: 'openid' }, auth), 401, 'invalid_client')
    }
  })

  it('issue 11 (RFC 7523 §3): a client assertion made for acme\'s token endpoint is invalid_client at every other tenant that has the same client and key', async () => {
    const assertion = () =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('jwt-client')
        .setSubject('jwt-client')
        .setAudience(`${t.issuers.acme}/token`)
        .setJti(randomBytes(16).toString('base64url'))
        .setIssuedAt()
        .setExpirationTime('2m')
        .sign(jwtKey.privateKey)
    const params = async () => ({ grant_type: 'client_credentials', scope: 'read:data', client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion() })
    for (const other of OTHERS) expectError(await post(other, '/token', await params()), 401, 'invalid_client')
    expect((await post('acme', '/token', await params())).status).toBe(200)
  })

  it('issue 11 (RFC 6749 §4.3.2): the password grant for a user only acme has is invalid_grant at every other tenant', async () => {
    const params = { grant_type: 'password', username: CAROL.email, password: CAROL.password, scope: 'openid' }
    expect((await token('acme', params)).status).toBe(200)
    for (const other of OTHERS) expectError(await token(other, params), 400, 'invalid_grant')
  })

  it('issue 11 (RFC 8693 §2.2.2): acme\'s access or refresh token as the subject of a token exchange is invalid_grant at every other tenant', async () => {
    const tokens = await tokensAt('acme')
    const subjects = [
      { subject_token: tokens.access_token, subject_token_type: ACCESS_TOKEN_TYPE },
      { subject_token: tokens.refresh_token, subject_token_type: REFRESH_TOKEN_TYPE },
    ]
    for (const subject of subjects) {
      for (const other of OTHERS) expectError(await token(other, { grant_type: EXCHANGE_GRANT, ...subject }), 400, 'invalid_grant')
      // An actor token of acme beside the other tenant's own subject: refused too.
      const own = await tokensAt('globex')
      expectError(await token('globex', { grant_type: EXCHANGE_GRANT, subject_token: own.access_token, subject_token_type: ACCESS_TOKEN_TYPE, actor_token: tokens.access_token, actor_token_type: ACCESS_TOKEN_TYPE }), 400, 'invalid_grant')
      const answer = await token('acme', { grant_type: EXCHANGE_GRANT, ...subject })
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
      expect(decodeJwt(String(answer.body.access_token)).iss).toBe(t.issuers.acme)
    }
  })
})

describe('introspection, revocation, userinfo (issue 11)', () => {
  it('issue 11 (RFC 7662 §2.2): acme\'s access and refresh tokens introspect active: false (and nothing else) at every other tenant', async () => {
    const tokens = await tokensAt('acme')
    for (const value of [tokens.access_token, tokens.refresh_token]) {
      expect(await active('acme', value)).toBe(true)
      for (const other of OTHERS) {
        for (const caller of [WEB, RESOURCE_SERVER]) {
          const answer = await post(other, '/introspect', { token: value }, caller)
          expect(answer).toMatchObject({ status: 200, body: { active: false } })
          expect(Object.keys(answer.body)).toEqual(['active'])
        }
      }
    }
  })

  it('issue 11 (RFC 7009 §2.2): revoking acme\'s tokens at another tenant answers 200 and revokes nothing: they stay active at acme', async () => {
    const tokens = await tokensAt('acme')
    for (const other of OTHERS) {
      for (const [value, hint] of [[tokens.access_token, 'access_token'], [tokens.refresh_token, 'refresh_token']] as const) {
        const answer = await post(other, '/revoke', { token: value, token_type_hint: hint }, WEB)
        expect(answer.status).toBe(200)
      }
    }
    expect(await active('acme', tokens.access_token)).toBe(true)
    expect(await active('acme', tokens.refresh_token)).toBe(true)
    expect((await token('acme', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status).toBe(200)
  })

  it('issue 11 (RFC 6750 §3.1): acme\'s access token at another tenant\'s userinfo is 401 invalid_token (GET and POST); at acme it answers', async () => {
    const tokens = await tokensAt('acme')
    for (const other of OTHERS) {
      const get = await hostFetch(`${t.issuers[other]}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
      expect(get.status).toBe(401)
      expect(get.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
      const viaForm = await post(other, '/userinfo', { access_token: tokens.access_token })
      expect(viaForm.status).toBe(401)
      expect(viaForm.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
    }
    const own = await hostFetch(`${t.issuers.acme}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(own.status).toBe(200)
  })
})

describe('end session (issue 11)', () => {
  it('issue 11 (OIDC RP-Initiated Logout §2): acme\'s ID token is no id_token_hint at another tenant: the error page, and that tenant\'s session is not ended', async () => {
    const acme = await tokensAt('acme')
    const { browser } = await signIn('globex')
    const page = await browser.open(`${t.issuers.globex}/logout?${new URLSearchParams({ id_token_hint: acme.id_token, post_logout_redirect_uri: 'https://rp.example.com/logged-out' })}`)
    expect(page.status).toBe(400)
    expect(page.redirect).toBeUndefined()
    expect(page.html).toContain('Error code: invalid_request')
    expect((await browser.open(webAuthorizeUrl(t.issuers.globex, { prompt: 'none' }))).redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('issue 11: signing out of the default tenant leaves the path tenant\'s session on the same host signed in, and the reverse', async () => {
    const browser = browserAt('main')
    await signIn('main', browser)
    await signIn('initech', browser)
    const confirm = await browser.open(`${t.issuers.main}/logout`)
    const out = await browser.submit(formOf(confirm))
    expect(out.html).toContain('You are signed out')
    expect((await browser.open(webAuthorizeUrl(t.issuers.main, { prompt: 'none' }))).redirect?.searchParams.get('error')).toBe('login_required')
    expect((await browser.open(webAuthorizeUrl(t.issuers.initech, { prompt: 'none' }))).redirect?.searchParams.get('code')).toBeTruthy()
    await signIn('main', browser)
    const initechOut = await browser.submit(formOf(await browser.open(`${t.issuers.initech}/logout`)))
    expect(initechOut.html).toContain('You are signed out')
    expect((await browser.open(webAuthorizeUrl(t.issuers.initech, { prompt: 'none' }))).redirect?.searchParams.get('error')).toBe('login_required')
    expect((await browser.open(webAuthorizeUrl(t.issuers.main, { prompt: 'none' }))).redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('issue 11: acme\'s session cookie sent to globex\'s logout (under globex\'s name) does not end acme\'s session', async () => {
    const { browser } = await signIn('acme')
    const globex = browserAt('globex')
    globex.cookies.set(...cookieFor('acme', 'globex', 'latch_session', browser))
    // No session of globex's own: the GET signs out at once, ending whatever the cookie names there.
    const out = await globex.open(`${t.issuers.globex}/logout?client_id=web`)
    expect(out.html).toContain('You are signed out')
    expect((await browser.open(webAuthorizeUrl(t.issuers.acme, { prompt: 'none' }))).redirect?.searchParams.get('code')).toBeTruthy()
  })
})

describe('device authorization and verification (issue 11)', () => {
  it('issue 11 (RFC 8628 §3.3): acme\'s user code typed at another tenant\'s verification page is the wrong-code message; at acme it is accepted', async () => {
    const device = await post('acme', '/device/authorize', { client_id: 'tv', scope: 'openid read:data' })
    const userCode = String(device.body.user_code)
    expect(device.body.verification_uri).toBe(`${t.issuers.acme}/device`)
    for (const other of OTHERS) {
      const browser = browserAt(other)
      const typed = await browser.submit(formOf(await browser.open(`${t.issuers[other]}/device`)), { user_code: userCode })
      expect(typed.status).toBe(400)
      expect(alertText(typed.html)).toContain(INVALID_USER_CODE)
      const complete = await browser.open(`${t.issuers[other]}/device?user_code=${encodeURIComponent(userCode)}`)
      const submitted = await browser.submit(formOf(complete))
      expect(alertText(submitted.html)).toContain(INVALID_USER_CODE)
    }
    const browser = browserAt('acme')
    const typed = await browser.submit(formOf(await browser.open(`${t.issuers.acme}/device`)), { user_code: userCode })
    expect(isLoginPage(typed)).toBe(true)
  })
})

describe('JWKS, discovery and the root page (issue 11)', () => {
  it('issue 11 (RFC 7517, OIDC Discovery §4.3): acme\'s token names acme and is signed by a key no other tenant publishes; no other tenant\'s JWK Set verifies it', async () => {
    const { access_token } = await tokensAt('acme')
    expect(decodeJwt(access_token).iss).toBe(t.issuers.acme)
    const kid = decodeProtectedHeader(access_token).kid
    for (const name of NAMES) {
      const doc = (await (await hostFetch(`${t.issuers[name]}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string }
      expect(doc.issuer).toBe(t.issuers[name])
      expect(doc.jwks_uri).toBe(`${t.issuers[name]}/jwks`)
      const { keys } = (await (await hostFetch(doc.jwks_uri)).json()) as { keys: { kid: string }[] }
      expect(keys.some((k) => k.kid === kid), name).toBe(name === 'acme')
    }
  })

  it('issue 11: each tenant\'s root page and root JSON name its own issuer and no other tenant\'s', async () => {
    for (const name of NAMES) {
      const json = (await (await hostFetch(`${t.issuers[name]}/`, { headers: { accept: 'application/json' } })).json()) as { issuer: string; openid_configuration: string }
      expect(json).toEqual({ issuer: t.issuers[name], openid_configuration: `${t.issuers[name]}/.well-known/openid-configuration` })
      const page = await (await hostFetch(`${t.issuers[name]}/`)).text()
      expect(page).toContain(`${t.issuers[name]}/.well-known/openid-configuration`)
      for (const other of NAMES) if (other !== name && !t.issuers[name].startsWith(t.issuers[other])) expect(page, `${name} names ${other}`).not.toContain(t.issuers[other])
      for (const other of NAMES) if (other !== name) expect(page).not.toContain(`${t.issuers[other]}/.well-known`)
    }
  })
})

describe('the resource-server middleware configured for one tenant (issue 11)', () => {
  let api: FastifyInstance
  let apiUrl: string
  const previous = getGlobalDispatcher()

  beforeAll(async () => {
    // The middleware fetches globex's discovery and JWKS with the global fetch: reach `*.test` names.
    setGlobalDispatcher(hostAgent)
    api = Fastify()
    await api.register(fastifyAuth, { issuer: t.issuers.globex, audience: API })
    api.get('/data', { preHandler: api.requireAuth({ scopes: ['read:data'] }) }, async (request) => ({ iss: request.auth?.iss }))
    apiUrl = await api.listen({ port: 0, host: '127.0.0.1' })
  })
  afterAll(async () => {
    await api?.close()
    setGlobalDispatcher(previous)
  })

  it('issue 11 (RFC 6750 §3.1, RFC 9068 §4): an API guarded for globex refuses acme\'s, main\'s and initech\'s tokens with 401 invalid_token and accepts globex\'s', async () => {
    const call = async (value: string) => fetch(`${apiUrl}/data`, { headers: { authorization: `Bearer ${value}` } })
    const own = await call((await tokensAt('globex')).access_token)
    expect(own.status).toBe(200)
    expect(await own.json()).toEqual({ iss: t.issuers.globex })
    for (const other of ['acme', 'main', 'initech'] as const) {
      const res = await call((await tokensAt(other)).access_token)
      expect(res.status, other).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
    }
  })

  it('issue 11: acme\'s token fails jose verification against globex\'s JWK Set even when the issuer check is left out (other keys)', async () => {
    const { access_token } = await tokensAt('acme')
    const jwks = createRemoteJWKSet(new URL(`${t.issuers.globex}/jwks`))
    await expect(jwtVerify(access_token, jwks)).rejects.toThrow()
  })
})

describe('addresses no tenant has (issue 11)', () => {
  const D = '/.well-known/openid-configuration'

  async function expectNoTenant(host: string, target: string, method = 'GET'): Promise<void> {
    const res = await raw(method, host, target)
    expect(res.status, `${host} ${target}`).toBe(404)
    for (const name of NAMES) expect(res.body, `${host} ${target}`).not.toContain(new URL(t.issuers[name]).host)
  }

  it('issue 11: an unknown host, a Host with a trailing dot, another port, or no tenant\'s name is the plain 404 page', async () => {
    for (const host of [`login.unknown.test:${t.port}`, `login.acme.test.:${t.port}`, `auth.main.test.:${t.port}`, `login.acme.test:1${t.port}`, `127.0.0.1:${t.port}`, `acme:${t.port}`]) {
      const res = await raw('GET', host, D)
      expect(res.status, host).toBe(404)
      expect(res.type).toMatch(/^text\/html/)
      expect(res.body).toContain('Page not found')
      for (const name of NAMES) expect(res.body).not.toContain(new URL(t.issuers[name]).host)
    }
  })

  it('issue 11: path tricks around the path tenant\'s prefix reach no tenant\'s endpoint (404), and the exact prefix does', async () => {
    const main = `auth.main.test:${t.port}`
    for (const target of [
      `/t/initech/..${D}`,
      `/t/initech/../token`,
      `/t/INITECH${D}`,
      `/T/initech${D}`,
      `//t/initech${D}`,
      `/%74/initech${D}`,
      `/t%2Finitech${D}`,
      `/t/initech%2F..${D}`,
      `/t/initech/%2E%2E${D}`,
      `/t/./initech${D}`,
      `/t//initech${D}`,
      `/t/initech;x${D}`,
      `/t/initechx${D}`,
      `/t/initech/t/initech${D}`,
    ]) {
      await expectNoTenant(main, target)
    }
    await expectNoTenant(main, '/t/initech/../token', 'POST')
    const exact = await raw('GET', main, `/t/initech${D}`)
    expect(exact.status).toBe(200)
    expect(JSON.parse(exact.body)).toMatchObject({ issuer: t.issuers.initech })
  })

  it('issue 11: another tenant\'s Host with the path tenant\'s prefix is that host\'s tenant answering 404, never the path tenant', async () => {
    for (const host of [`login.acme.test:${t.port}`, `login.globex.test:${t.port}`]) {
      await expectNoTenant(host, `/t/initech${D}`)
      await expectNoTenant(host, `/.well-known/oauth-authorization-server/t/initech`)
    }
  })

  it('issue 11 (RFC 9112 §3.2.2): an absolute-form request target is routed by its own host, never by the Host header of another tenant', async () => {
    const acme = `login.acme.test:${t.port}`
    const byTarget = await raw('GET', acme, `${t.issuers.globex}${D}`)
    expect(byTarget.status).toBe(200)
    expect(JSON.parse(byTarget.body)).toMatchObject({ issuer: t.issuers.globex })
    const path = await raw('GET', acme, `${t.issuers.initech}${D}`)
    expect(path.status).toBe(200)
    expect(JSON.parse(path.body)).toMatchObject({ issuer: t.issuers.initech })
    const unknown = await raw('GET', acme, `http://login.unknown.test:${t.port}${D}`)
    expect(unknown.status).toBe(404)
    expect(unknown.body).toContain('Page not found')
  })
})
