/**
 * Who may get a token for which API (RFC 8707 §2, RFC 9068 §3), over real HTTP with openid-client
 * as the relying party: a client gets access tokens only for the resources it is registered for
 * (client metadata `resources`; none named: only `default_resource`), at the authorization, token
 * and device authorization endpoints and for every grant; remembered consent is per resource; a
 * refresh mints from the client's current registration. A token the client may not have is never
 * minted, so the API's introspection never gets to see one.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-3
 * @see issue 8
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import type { ClientRecord } from '../../src/storage/store.js'
import { Browser, isConsentPage } from '../browser.js'
import { ALICE, API, startServer, type TestServer } from '../helpers.js'
import { basicAuth, client, discover, expectNoStore, expectResponseError, newRequestSecrets, postForm, verifyJwt } from './relying-party.js'

const PAYMENTS = 'https://payments.example.com'
const APP_SECRET = 'app-secret-0123456789abcdef0123456789ab'
const LOGIN_SECRET = 'login-secret-0123456789abcdef01234567'
const PAYMENTS_SECRET = 'payments-secret-0123456789abcdef012345'
const APP_CB = 'http://127.0.0.1:5801/app/cb'
const LOGIN_CB = 'http://127.0.0.1:5802/login/cb'
const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code'
/** Users each test may delete without disturbing the others. */
const CAROL = { email: 'carol@example.com', password: 'carol-password-123456' }

const APP: Record<string, unknown> = {
  client_id: 'app',
  client_name: 'Budget App',
  client_secret: APP_SECRET,
  grant_types: ['authorization_code', 'refresh_token', 'password', DEVICE],
  redirect_uris: [APP_CB],
  scope: 'openid profile offline_access read:data pay',
  resources: [API, PAYMENTS],
}

let s: TestServer
let app: client.Configuration
let loginOnly: client.Configuration
let payments: client.Configuration

beforeAll(async () => {
  s = await startServer({
    resources: [
      { identifier: API, scopes: ['read:data', 'write:data'] },
      { identifier: PAYMENTS, name: 'Payments', scopes: ['pay'] },
    ],
    default_resource: API,
    scopes: [
      { name: 'read:data', description: 'Read your data' },
      { name: 'pay', description: 'Make payments' },
    ],
    clients: [
      APP,
      // A client that only signs users in: it names no resources, so it may have default_resource only.
      {
        client_id: 'login-only',
        client_secret: LOGIN_SECRET,
        grant_types: ['authorization_code', 'refresh_token', 'password', 'client_credentials', DEVICE],
        redirect_uris: [LOGIN_CB],
        scope: 'openid profile offline_access read:data pay',
      },
      // The payments API as a client, to introspect the tokens issued for it (RFC 7662 §2.1).
      { client_id: PAYMENTS, client_secret: PAYMENTS_SECRET, grant_types: [], scope: '' },
    ],
    users: [{ ...ALICE, name: 'Alice' }, { ...CAROL, name: 'Carol' }],
  })
  app = await discover(s.url, 'app', client.ClientSecretBasic(APP_SECRET))
  loginOnly = await discover(s.url, 'login-only', client.ClientSecretBasic(LOGIN_SECRET))
  payments = await discover(s.url, PAYMENTS, client.ClientSecretBasic(PAYMENTS_SECRET))
})

afterAll(async () => {
  await s?.close()
})

/** Every `token.issued` event from here on: proof that nothing was minted, not only that nothing was returned. */
function issuedTokens(): { client_id: string }[] {
  const seen: { client_id: string }[] = []
  s.server.ctx.events.on('token.issued', (e) => seen.push(e))
  return seen
}

async function password(config: client.Configuration, params: Record<string, string>, user = ALICE) {
  return client.genericGrantRequest(config, 'password', { username: user.email, password: user.password, ...params })
}

/** Changes `app`'s registration as an operator would (config reload or CLI), and drops the cached copy. */
async function reregister(changes: Partial<ClientRecord>): Promise<void> {
  const { ctx } = s.server
  const current = await ctx.store.clients.get('app')
  if (!current) throw new Error('app is not registered')
  await ctx.store.clients.upsert({ ...current, ...changes }, ctx.clock.now())
  ctx.clients.invalidate('app')
}

describe('only registered resources', () => {
  it('RFC 8707 §2: a client that names no resources gets default_resource; asking the token endpoint for another API is invalid_target and mints nothing', async () => {
    const issued = issuedTokens()
    const err = await expectResponseError(client.clientCredentialsGrant(loginOnly, { scope: 'pay', resource: PAYMENTS }))
    expect(err).toMatchObject({ error: 'invalid_target', status: 400 })
    expectNoStore(err.headers)
    expect(issued).toEqual([])
    // The default still works, so the demo config's clients (which name no resources) keep working.
    const tokens = await client.clientCredentialsGrant(loginOnly, { scope: 'read:data' })
    const { payload } = await verifyJwt(loginOnly, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(payload).toMatchObject({ client_id: 'login-only', scope: 'read:data' })
  })

  it('RFC 8707 §2: the audience parameter is held to the same rule as resource', async () => {
    const res = await postForm(`${s.url}${PATHS.token}`, { grant_type: 'client_credentials', audience: PAYMENTS }, { authorization: basicAuth('login-only', LOGIN_SECRET) })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_target')
  })

  it('RFC 8707 §2: password grant: another API is invalid_target', async () => {
    const err = await expectResponseError(password(loginOnly, { scope: 'openid pay', resource: PAYMENTS }))
    expect(err).toMatchObject({ error: 'invalid_target', status: 400 })
    const tokens = await password(loginOnly, { scope: 'openid read:data' })
    await verifyJwt(loginOnly, tokens.access_token, { typ: 'at+jwt', audience: API })
  })

  it('RFC 8707 §2 + RFC 8628 §3.1: the device authorization endpoint refuses another API with invalid_target', async () => {
    const res = await postForm(`${s.url}${PATHS.device_authorization}`, { scope: 'openid pay', resource: PAYMENTS }, { authorization: basicAuth('login-only', LOGIN_SECRET) })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_target')
    expectNoStore(res.headers)
    expect(res.body.device_code).toBeUndefined()
  })

  it('RFC 8707 §2 + RFC 6749 §4.1.2.1: the authorization endpoint redirects invalid_target (with state and iss) once client_id and redirect_uri are verified', async () => {
    const browser = new Browser(s.url)
    const secrets = await newRequestSecrets()
    const url = client.buildAuthorizationUrl(loginOnly, {
      redirect_uri: LOGIN_CB, scope: 'openid pay', resource: PAYMENTS, state: secrets.state, code_challenge: secrets.challenge, code_challenge_method: 'S256',
    })
    const page = await browser.open(url)
    expect(page.redirect?.origin + (page.redirect?.pathname ?? '')).toBe(LOGIN_CB)
    expect(page.redirect?.searchParams.get('error')).toBe('invalid_target')
    expect(page.redirect?.searchParams.get('state')).toBe(secrets.state)
    expect(page.redirect?.searchParams.get('iss')).toBe(s.url)
    // Before the redirect_uri is trusted, the same error is a page, never a redirect.
    url.searchParams.set('redirect_uri', 'https://attacker.example/cb')
    const unverified = await browser.open(url)
    expect(unverified.redirect).toBeUndefined()
    expect(unverified.status).toBe(400)
  })

  it('RFC 8707 §2 + RFC 9068 §3: a token for an API the client is registered for is minted and that API\'s introspection reads it active', async () => {
    const tokens = await password(app, { scope: 'pay', resource: PAYMENTS })
    const { payload } = await verifyJwt(app, tokens.access_token, { typ: 'at+jwt', audience: PAYMENTS })
    expect(payload).toMatchObject({ client_id: 'app', scope: 'pay' })
    expect(await client.tokenIntrospection(payments, tokens.access_token)).toMatchObject({ active: true, aud: PAYMENTS })
  })

  it('RFC 8707 §2 + RFC 6749 §3.3: a resource\'s scope is granted only for that resource', async () => {
    const err = await expectResponseError(password(app, { scope: 'pay', resource: API }))
    expect(err).toMatchObject({ error: 'invalid_scope', status: 400 })
  })
})

/** An authorization request of `app` for `resource`, with its PKCE verifier, state and nonce. */
async function authorize(resource: string, scope: string, extra: Record<string, string> = {}) {
  const secrets = await newRequestSecrets()
  const url = client.buildAuthorizationUrl(app, {
    redirect_uri: APP_CB, scope, resource, state: secrets.state, nonce: secrets.nonce, code_challenge: secrets.challenge, code_challenge_method: 'S256', ...extra,
  })
  return { url, secrets }
}

describe('authorization code', () => {
  it('RFC 8707 §2.2: a resource at the token request must be the one authorized (invalid_target otherwise)', async () => {
    const browser = new Browser(s.url)
    for (const [resource, expected] of [[PAYMENTS, 'invalid_target'], [API, 'ok']] as const) {
      const { url, secrets } = await authorize(API, 'openid read:data')
      const page = await browser.authorize(url, ALICE)
      if (!page.redirect) throw new Error(`no redirect: ${page.status}`)
      const redeem = client.authorizationCodeGrant(app, page.redirect, { pkceCodeVerifier: secrets.verifier, expectedState: secrets.state, expectedNonce: secrets.nonce }, { resource })
      if (expected === 'ok') {
        const tokens = await redeem
        await verifyJwt(app, tokens.access_token, { typ: 'at+jwt', audience: API })
      } else {
        expect(await expectResponseError(redeem)).toMatchObject({ error: 'invalid_target', status: 400 })
      }
    }
  })
})

describe('consent per resource', () => {
  it('RFC 8707 §2 + OIDC Core §3.1.2.4: consent to a scope for one API does not skip the consent page for the same scope on another API', async () => {
    const browser = new Browser(s.url)
    // Consent to `openid profile` for the default API...
    const first = await authorize(API, 'openid profile')
    let page = await browser.open(first.url)
    page = await browser.signIn(page, ALICE.email, ALICE.password)
    expect(isConsentPage(page)).toBe(true)
    expect(page.html).toContain(`For the API <strong>${API}</strong>`)
    page = await browser.decide(page, 'allow')
    expect(page.redirect?.searchParams.get('code')).toBeTruthy()
    // ...is remembered for that API (prompt=none gets a code)...
    const again = await authorize(API, 'openid profile', { prompt: 'none' })
    expect((await browser.open(again.url)).redirect?.searchParams.get('code')).toBeTruthy()
    // ...but not for the payments API: prompt=none is consent_required, and without it the page shows.
    const silent = await authorize(PAYMENTS, 'openid profile', { prompt: 'none' })
    expect((await browser.open(silent.url)).redirect?.searchParams.get('error')).toBe('consent_required')
    const other = await authorize(PAYMENTS, 'openid profile')
    const consent = await browser.open(other.url)
    expect(isConsentPage(consent)).toBe(true)
    // The page names the API by its configured name and its identifier.
    expect(consent.html).toContain(`For the API <strong>Payments</strong> <span class="muted">(${PAYMENTS})</span>`)
  })
})

describe('refresh re-checks the registration', () => {
  /** A fresh grant of `app` with a refresh token, for `resource`. */
  async function grant(scope: string, resource: string, user = ALICE) {
    const tokens = await password(app, { scope, resource }, user)
    if (!tokens.refresh_token) throw new Error('no refresh token')
    return tokens.refresh_token
  }

  it('RFC 6749 §5.2 invalid_scope (the client may still narrow): a scope removed from the client is not minted on refresh', async () => {
    const refresh = await grant('openid offline_access read:data', API)
    await reregister({ scope: 'openid profile offline_access pay' })
    try {
      const issued = issuedTokens()
      const err = await expectResponseError(client.refreshTokenGrant(app, refresh))
      expect(err).toMatchObject({ error: 'invalid_scope', status: 400 })
      expectNoStore(err.headers)
      expect(issued).toEqual([])
      // Asking for what the client is still registered for works: the token was not burnt.
      const narrowed = await client.refreshTokenGrant(app, refresh, { scope: 'openid offline_access' })
      expect(narrowed.scope).toBe('openid offline_access')
    } finally {
      await reregister({ scope: APP.scope as string })
    }
  })

  it('RFC 8707 §2 invalid_target (the grant\'s one audience is gone): a resource removed from the client is not minted on refresh', async () => {
    const refresh = await grant('openid offline_access pay', PAYMENTS)
    await reregister({ resources: [API] })
    try {
      const err = await expectResponseError(client.refreshTokenGrant(app, refresh))
      expect(err).toMatchObject({ error: 'invalid_target', status: 400 })
    } finally {
      await reregister({ resources: [API, PAYMENTS] })
    }
    // Registered again, the same refresh token works: nothing was revoked by the refusal.
    const tokens = await client.refreshTokenGrant(app, refresh)
    await verifyJwt(app, tokens.access_token, { typ: 'at+jwt', audience: PAYMENTS })
  })

  it('RFC 6749 §5.2 unauthorized_client (the client may not use this grant type): refresh_token removed from the client\'s grant_types', async () => {
    const refresh = await grant('openid offline_access read:data', API)
    await reregister({ grant_types: ['authorization_code', 'password'] })
    try {
      const err = await expectResponseError(client.refreshTokenGrant(app, refresh))
      expect(err).toMatchObject({ error: 'unauthorized_client', status: 400 })
    } finally {
      await reregister({ grant_types: APP.grant_types as string[] })
    }
  })

  it('RFC 6749 §5.2: after the client is deleted its refresh token is refused (invalid_client), and stays dead (invalid_grant) when the client_id is registered again', async () => {
    const refresh = await grant('openid offline_access read:data', API)
    const { ctx } = s.server
    const saved = await ctx.store.clients.get('app')
    if (!saved) throw new Error('app is not registered')
    expect(await ctx.store.clients.delete('app', ctx.clock.now())).toBe(true)
    ctx.clients.invalidate('app')
    try {
      // Raw: openid-client reports a 401 with WWW-Authenticate as a challenge, not a body error.
      const res = await postForm(`${s.url}${PATHS.token}`, { grant_type: 'refresh_token', refresh_token: refresh }, { authorization: basicAuth('app', APP_SECRET) })
      expect(res.status).toBe(401)
      expect(res.body.error).toBe('invalid_client')
    } finally {
      await ctx.store.clients.upsert(saved, ctx.clock.now())
      ctx.clients.invalidate('app')
    }
    const err = await expectResponseError(client.refreshTokenGrant(app, refresh))
    expect(err).toMatchObject({ error: 'invalid_grant', status: 400 })
  })

  it('RFC 6749 §5.2 invalid_grant (the resource owner is gone): after the user is deleted, refresh mints nothing', async () => {
    const refresh = await grant('openid offline_access read:data', API, CAROL)
    const { ctx } = s.server
    const carol = await ctx.store.users.getByEmail(CAROL.email)
    expect(await ctx.store.users.delete(carol?.id ?? '', ctx.clock.now())).toBe(true)
    const issued = issuedTokens()
    const err = await expectResponseError(client.refreshTokenGrant(app, refresh))
    expect(err).toMatchObject({ error: 'invalid_grant', status: 400 })
    expect(issued).toEqual([])
  })
})
