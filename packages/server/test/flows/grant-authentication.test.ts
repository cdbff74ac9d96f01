/**
 * Issue 13: a grant keeps how its user authenticated (`amr`, so `acr`, and `auth_time`), and every
 * token of the grant says so: refreshed access and ID tokens, the device flow's, token exchange's.
 * A refresh is not a new authentication, and a step-up of the session since does not raise a grant
 * made before it. End to end over HTTP: the pages as a browser without JavaScript drives them,
 * openid-client as the relying party, tokens verified with jose against the JWKS, and an API
 * guarded by @latch/resource-server `requireAuth({ acr })` (RFC 9470) on a real port.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2.1
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fastifyAuth } from '../../../resource-server/src/adapters/fastify.js'
import { ORGANIZATION_NEEDS_MFA } from '../../src/grants/token-exchange.js'
import { ManualClock } from '../../src/lib/clock.js'
import { totpCode } from '../../src/users/totp.js'
import { Browser, formOf, isConsentPage, isLoginPage, type Page } from '../browser.js'
import { ALICE, API, BOB, SERVICE_SECRET, baseTestConfig, startServer, type TestServer } from '../helpers.js'
import { enrolTotp, isSecondFactorPage, secondFactorForm } from '../support/mfa.js'
import { basicAuth, client, discover, newRequestSecrets, postForm, verifyJwt } from './relying-party.js'

const APP_SECRET = 'app-secret-0123456789abcdef0123456789abc'
const APP_CALLBACK = 'http://127.0.0.1:5712/app/callback'
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
const REFRESH_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:refresh_token'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const CAROL = { email: 'carol@example.com', password: 'carol-password-123' }
const MFA_AMR = ['pwd', 'otp', 'mfa']
const ACR_MFA = 'urn:latch:acr:mfa'
const ACR_1FA = 'urn:latch:acr:1fa'

// Ten minutes behind the real clock: the API checks that no token was issued in its future
// (RFC 7519 §4.1.6), and the tests move this one on by the minute (TOTP steps, refreshes).
const clock = new ManualClock(Math.floor(Date.now() / 1000) - 600)
let server: TestServer
let app: client.Configuration
let tokenEndpoint: string
let alice: { userId: string; secret: string }
let api: FastifyInstance
let apiUrl: string

beforeAll(async () => {
  server = await startServer({
    clients: [
      ...baseTestConfig.clients,
      {
        client_id: 'app', client_name: 'App', client_secret: APP_SECRET, token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT, EXCHANGE_GRANT], redirect_uris: [APP_CALLBACK],
        scope: 'openid email offline_access read:data', resources: [API], skip_consent: true,
      },
    ],
    users: [...baseTestConfig.users, CAROL],
    organizations: [{ id: 'secure', name: 'Secure', mfa_required: true, members: [{ email: ALICE.email }, { email: BOB.email }] }],
  }, { clock })
  app = await discover(server.url, 'app', client.ClientSecretBasic(APP_SECRET))
  tokenEndpoint = app.serverMetadata().token_endpoint as string
  alice = await enrolTotp(server.server.ctx, ALICE.email)
  // RFC 9470: an API whose route requires two factors.
  api = Fastify()
  await api.register(fastifyAuth, { issuer: server.url, audience: API })
  api.get('/mfa', { preHandler: api.requireAuth({ acr: ACR_MFA }) }, async (request) => ({ acr: request.auth?.acr }))
  apiUrl = await api.listen({ port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await api?.close()
  await server?.close()
})

/** A code of a time step no test has used yet. */
function freshCode(secret: string): string {
  clock.advance(30)
  return totpCode(secret, clock.now())
}

/** Signs in on `page` (password, then the TOTP code when the step comes) and returns the page after. */
async function signIn(browser: Browser, page: Page, user: { email: string; password: string }, secret?: string): Promise<Page> {
  let next = isLoginPage(page) ? await browser.signIn(page, user.email, user.password) : page
  if (isSecondFactorPage(next)) {
    if (!secret) throw new Error('a second factor was asked of a user without one')
    next = await browser.submit(secondFactorForm(next), { code: freshCode(secret) })
  }
  return next
}

/** A grant through the authorization code flow, for the API, with a refresh token. */
async function codeGrant(browser: Browser, user: { email: string; password: string }, secret?: string, params: Record<string, string> = {}) {
  const s = await newRequestSecrets()
  const url = client.buildAuthorizationUrl(app, {
    redirect_uri: APP_CALLBACK, scope: 'openid email offline_access read:data', resource: API, state: s.state, nonce: s.nonce,
    code_challenge: s.challenge, code_challenge_method: 'S256', ...params,
  })
  const done = await signIn(browser, await browser.open(url), user, secret)
  if (!done.redirect) throw new Error(`no redirect to the client: ${done.status}\n${done.html.slice(0, 500)}`)
  const tokens = await client.authorizationCodeGrant(app, done.redirect, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce })
  if (!tokens.refresh_token || !tokens.id_token) throw new Error('no refresh or ID token issued')
  return tokens as typeof tokens & { refresh_token: string; id_token: string }
}

async function accessClaims(token: string) {
  return (await verifyJwt(app, token, { typ: 'at+jwt', audience: API })).payload
}

async function idClaims(token: string) {
  return (await verifyJwt(app, token, { audience: 'app' })).payload
}

async function refresh(refreshToken: string) {
  clock.advance(60)
  const tokens = await client.refreshTokenGrant(app, refreshToken)
  if (!tokens.refresh_token) throw new Error('no refresh token on refresh')
  return tokens as typeof tokens & { refresh_token: string }
}

// First, while the clock the server runs on is furthest behind the real one the API verifies with.
describe('an API requiring an acr (RFC 9470)', () => {
  it('RFC 9470 §3, §6: @latch/resource-server requireAuth({ acr: mfa }) accepts a refreshed token of an MFA sign-in and refuses one of a one-factor sign-in with insufficient_user_authentication', async () => {
    const call = (token: string) => fetch(`${apiUrl}/mfa`, { headers: { authorization: `Bearer ${token}` } })
    const strong = await refresh((await codeGrant(new Browser(server.url), ALICE, alice.secret)).refresh_token)
    const ok = await call(strong.access_token)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ acr: ACR_MFA })
    const weak = await refresh((await codeGrant(new Browser(server.url), BOB)).refresh_token)
    const refused = await call(weak.access_token)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('error="insufficient_user_authentication"')
    expect(refused.headers.get('www-authenticate')).toContain(`acr_values="${ACR_MFA}"`)
  })
})

describe('refresh (OIDC Core §12.2, RFC 9470 §6, RFC 9068 §2.2.1)', () => {
  it('OIDC Core §12.2 / RFC 9068 §2.2.1: refreshed access and ID tokens keep the MFA sign-in\'s amr, acr and auth_time (jose against the JWKS), through every rotation', async () => {
    const first = await codeGrant(new Browser(server.url), ALICE, alice.secret)
    const original = await idClaims(first.id_token)
    expect(original).toMatchObject({ amr: MFA_AMR, acr: ACR_MFA })
    const authTime = original.auth_time
    expect(authTime).toBeTypeOf('number')
    expect(await accessClaims(first.access_token)).toMatchObject({ amr: MFA_AMR, acr: ACR_MFA, auth_time: authTime })
    let current = first.refresh_token
    for (let i = 0; i < 2; i++) {
      const next = await refresh(current)
      expect(await accessClaims(next.access_token)).toMatchObject({ sub: alice.userId, amr: MFA_AMR, acr: ACR_MFA, auth_time: authTime })
      const id = await idClaims(next.id_token as string)
      expect(id).toMatchObject({ sub: alice.userId, amr: MFA_AMR, acr: ACR_MFA, auth_time: authTime })
      expect(id.iat).toBeGreaterThan(authTime as number)
      expect(id.nonce).toBeUndefined()
      current = next.refresh_token
    }
  })

  it('OIDC Core §12.2: a one-factor sign-in\'s refreshed tokens say 1fa and pwd; a step-up of its session since raises only new grants, not this one', async () => {
    const browser = new Browser(server.url)
    const before = await codeGrant(browser, CAROL)
    expect(await accessClaims(before.access_token)).toMatchObject({ amr: ['pwd'], acr: ACR_1FA })
    // Carol adds TOTP, and her session steps up for a new authorization (acr_values, OIDC Core §3.1.2.1).
    const carol = await enrolTotp(server.server.ctx, CAROL.email)
    const after = await codeGrant(browser, CAROL, carol.secret, { acr_values: ACR_MFA })
    expect(await idClaims(after.id_token)).toMatchObject({ amr: MFA_AMR, acr: ACR_MFA })
    // Same session (sid), two grants: each keeps what it was granted on.
    expect((await idClaims(after.id_token)).sid).toBe((await idClaims(before.id_token)).sid)
    const old = await refresh(before.refresh_token)
    expect(await accessClaims(old.access_token)).toMatchObject({ amr: ['pwd'], acr: ACR_1FA })
    expect(await idClaims(old.id_token as string)).toMatchObject({ amr: ['pwd'], acr: ACR_1FA })
    const stepped = await refresh(after.refresh_token)
    expect(await accessClaims(stepped.access_token)).toMatchObject({ amr: MFA_AMR, acr: ACR_MFA })
  })
})

describe('device flow (RFC 8628) and token exchange (RFC 8693)', () => {
  it('RFC 8628 §3.5 / RFC 9068 §2.2.1: device flow tokens carry the approving sign-in\'s amr, acr and auth_time, and keep them when refreshed', async () => {
    const started = await client.initiateDeviceAuthorization(app, { scope: 'openid offline_access read:data', resource: API })
    const browser = new Browser(server.url)
    const form = await browser.open(started.verification_uri)
    let page = await signIn(browser, await browser.submit(formOf(form), { user_code: started.user_code }), ALICE, alice.secret)
    expect(isConsentPage(page), page.html.slice(0, 400)).toBe(true)
    page = await browser.decide(page, 'allow')
    expect(page.status).toBe(200)
    clock.advance(10)
    const polled = await postForm(tokenEndpoint, { grant_type: DEVICE_GRANT, device_code: started.device_code }, { authorization: basicAuth('app', APP_SECRET) })
    expect(polled.status, JSON.stringify(polled.body)).toBe(200)
    const id = await idClaims(polled.body.id_token as string)
    expect(id).toMatchObject({ sub: alice.userId, amr: MFA_AMR, acr: ACR_MFA })
    expect(await accessClaims(polled.body.access_token as string)).toMatchObject({ amr: MFA_AMR, acr: ACR_MFA, auth_time: id.auth_time })
    const next = await refresh(polled.body.refresh_token as string)
    expect(await accessClaims(next.access_token)).toMatchObject({ amr: MFA_AMR, acr: ACR_MFA, auth_time: id.auth_time })
    expect(await idClaims(next.id_token as string)).toMatchObject({ amr: MFA_AMR, acr: ACR_MFA, auth_time: id.auth_time })
  })

  it('RFC 8693 §2.2.1 / RFC 9470 §6: token exchange keeps the subject\'s amr, acr and auth_time, from a refresh token (and its new grant\'s refreshes) or an access token', async () => {
    const grant = await codeGrant(new Browser(server.url), ALICE, alice.secret)
    const authTime = (await idClaims(grant.id_token)).auth_time
    const expected = { amr: MFA_AMR, acr: ACR_MFA, auth_time: authTime }
    const exchange = (params: Record<string, string>) => postForm(tokenEndpoint, { grant_type: EXCHANGE_GRANT, ...params }, { authorization: basicAuth('app', APP_SECRET) })
    const fromRefresh = await exchange({ subject_token: grant.refresh_token, subject_token_type: REFRESH_TOKEN_TYPE, requested_token_type: REFRESH_TOKEN_TYPE })
    expect(fromRefresh.status, JSON.stringify(fromRefresh.body)).toBe(200)
    expect(await accessClaims(fromRefresh.body.access_token as string)).toMatchObject(expected)
    // The exchanged grant keeps the subject's sign-in through its own rotation.
    const forked = await refresh(fromRefresh.body.refresh_token as string)
    expect(await accessClaims(forked.access_token)).toMatchObject(expected)
    const fromAccess = await exchange({ subject_token: forked.access_token, subject_token_type: ACCESS_TOKEN_TYPE })
    expect(fromAccess.status, JSON.stringify(fromAccess.body)).toBe(200)
    expect(await accessClaims(fromAccess.body.access_token as string)).toMatchObject(expected)
  })

  it('RFC 8693 / issue 13: a refresh token of an MFA sign-in may be switched into an organization that requires MFA (its grant says mfa); one of a one-factor sign-in may not', async () => {
    const exchange = (subject: string) => postForm(tokenEndpoint, {
      grant_type: EXCHANGE_GRANT, subject_token: subject, subject_token_type: REFRESH_TOKEN_TYPE, organization: 'secure',
    }, { authorization: basicAuth('app', APP_SECRET) })
    const strong = await exchange((await refresh((await codeGrant(new Browser(server.url), ALICE, alice.secret)).refresh_token)).refresh_token)
    expect(strong.status, JSON.stringify(strong.body)).toBe(200)
    expect(await accessClaims(strong.body.access_token as string)).toMatchObject({ org_id: 'secure', acr: ACR_MFA, amr: MFA_AMR })
    const weak = await exchange((await codeGrant(new Browser(server.url), BOB)).refresh_token)
    expect(weak.body).toEqual({ error: 'invalid_grant', error_description: ORGANIZATION_NEEDS_MFA })
  })

  it('RFC 9068 §2.2.1: a client credentials token has no user authentication: no amr, acr or auth_time', async () => {
    const res = await postForm(tokenEndpoint, { grant_type: 'client_credentials', scope: 'read:data', resource: API }, { authorization: basicAuth('service', SERVICE_SECRET) })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const { payload } = await verifyJwt(app, res.body.access_token as string, { typ: 'at+jwt', audience: API })
    expect(payload).not.toHaveProperty('amr')
    expect(payload).not.toHaveProperty('acr')
    expect(payload).not.toHaveProperty('auth_time')
  })
})
