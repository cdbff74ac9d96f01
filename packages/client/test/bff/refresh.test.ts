/**
 * Keeping the session's access token fresh, against a real Latch whose access tokens live 2
 * seconds (`tokens.access_token_ttl: 2`; the schema's minimum is 1): the proxy refreshes before a
 * call when the token expires within the skew; a burst of calls at expiry spends the rotating
 * refresh token once (a second use would be a replay that revokes the grant, RFC 9700 §4.14.2);
 * `POST /auth/refresh` refreshes on demand; a refresh the OP refuses ends the session
 * (`login_required`), one it cannot answer keeps it (`temporarily_unavailable`): also when a
 * gateway in front of the OP answers 502 with an HTML page, 503 without an OAuth error, or 429.
 * A refreshed ID token about another user ends the session (OIDC Core §12.2).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Browser } from '../../../server/test/browser.js'
import { ALICE, API, BOB, basic, postForm } from '../../../server/test/helpers.js'
import { createAuthorizationCodeClient } from '../../src/index.js'
import {
  BFF_SECRET,
  bffClients,
  freePort,
  me,
  newAgent,
  setCookies,
  signIn,
  startBff,
  startGateway,
  startServer,
  startUpstream,
  storedSession,
  type Agent,
  type BffApp,
  type Gateway,
  type GatewayFailure,
  type TestServer,
  type Upstream,
} from './harness.js'
import type { LatchBffOptions } from '../../src/bff/index.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('BFF refresh', () => {
  let latch: TestServer
  let upstream: Upstream
  // One port per test: a server restarted on the same port races the client's pooled keep-alive sockets.
  const ports: number[] = []
  let noRefreshPort: number
  let bff: BffApp | undefined

  beforeAll(async () => {
    for (let i = 0; i < 10; i++) ports.push(await freePort())
    noRefreshPort = await freePort()
    const noRefresh = {
      client_id: 'bff-no-refresh',
      client_secret: BFF_SECRET,
      grant_types: ['authorization_code'],
      redirect_uris: [`http://127.0.0.1:${noRefreshPort}/auth/callback`],
      scope: 'openid profile email read:data',
      resources: [API],
      skip_consent: true,
    }
    latch = await startServer({ clients: [...bffClients(ports), noRefresh], tokens: { access_token_ttl: 2 } })
    upstream = await startUpstream(latch)
  })
  afterEach(async () => {
    await bff?.close()
    bff = undefined
  })
  afterAll(async () => {
    await upstream?.close()
    await latch?.close()
  })

  /** A BFF on the registered port (one per test) and a signed-in agent with its csrf token. */
  async function signedIn(overrides: Partial<LatchBffOptions> = {}, fixedPort?: number): Promise<{ app: BffApp; agent: Agent; csrf: string }> {
    const port = fixedPort ?? ports.shift()
    if (port === undefined) throw new Error('out of registered ports: add more')
    const app = await startBff(port, latch, upstream, { refreshSkew: 1, ...overrides })
    bff = app
    const agent = newAgent(app.url, latch)
    await signIn(agent, app.url)
    return { app, agent, csrf: (await me(agent, app.url)).csrfToken as string }
  }

  /** Waits until the stored access token is within the 1-second skew of its expiry. */
  async function untilExpiring(app: BffApp, agent: Agent): Promise<void> {
    const { expiresAt } = await storedSession(app, agent)
    await sleep(Math.max(0, ((expiresAt as number) - 1) * 1000 - Date.now() + 50))
  }

  it('RFC 6749 §6: an access token about to expire is refreshed before the API call, which succeeds', async () => {
    const { app, agent } = await signedIn()
    const first = await storedSession(app, agent)
    expect((first.expiresAt as number) - Date.now() / 1000).toBeLessThanOrEqual(2)
    expect((await agent.app.fetch(`${app.url}/api/data`)).status).toBe(200)
    await untilExpiring(app, agent)
    const count = upstream.received.length
    const res = await agent.app.fetch(`${app.url}/api/data`)
    expect(res.status).toBe(200)
    const second = await storedSession(app, agent)
    expect(second.accessToken).not.toBe(first.accessToken)
    expect(second.refreshToken).not.toBe(first.refreshToken)
    expect(second.expiresAt).toBeGreaterThan(first.expiresAt as number)
    // Refreshed before the call: the API saw only the new token, once.
    expect(upstream.received.slice(count).map((r) => r.token)).toEqual([second.accessToken])
    expect((await me(agent, app.url)).expiresAt).toBe(second.expiresAt)
  })

  it('RFC 9700 §4.14.2: ten concurrent API calls at expiry spend the refresh token once, and the grant survives', async () => {
    const { app, agent } = await signedIn()
    const first = await storedSession(app, agent)
    await untilExpiring(app, agent)
    const count = upstream.received.length
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => agent.app.fetch(`${app.url}/api/data?i=${i}`)))
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200))
    const tokens = new Set(upstream.received.slice(count).map((r) => r.token))
    const after = await storedSession(app, agent)
    expect([...tokens]).toEqual([after.accessToken])
    expect(after.accessToken).not.toBe(first.accessToken)
    // Had a rotated refresh token been presented twice, Latch would have revoked the grant: this refresh would fail.
    const refreshed = await postForm(`${latch.url}/token`, { grant_type: 'refresh_token', refresh_token: after.refreshToken as string }, { authorization: basic('bff', BFF_SECRET) })
    expect(refreshed.status).toBe(200)
  })

  it('RFC 6749 §6: POST /auth/refresh refreshes now and answers the new expiresAt, no token', async () => {
    const { app, agent, csrf } = await signedIn({ refreshSkew: 0 })
    const first = await storedSession(app, agent)
    await sleep(1100) // a new token must expire later than the first (whole seconds)
    const res = await agent.app.fetch(`${app.url}/auth/refresh`, { method: 'POST', headers: { 'x-latch-csrf': csrf } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = (await res.json()) as Record<string, unknown>
    const after = await storedSession(app, agent)
    expect(body).toEqual({ expiresAt: after.expiresAt })
    expect(after.expiresAt).toBeGreaterThan(first.expiresAt as number)
    expect(after.accessToken).not.toBe(first.accessToken)
  })

  it('RFC 6749 §5.2 invalid_grant: when the OP refuses the refresh (grant revoked), the session ends: 401 login_required', async () => {
    const { app, agent, csrf } = await signedIn()
    const { refreshToken } = await storedSession(app, agent)
    await postForm(`${latch.url}/revoke`, { token: refreshToken as string, token_type_hint: 'refresh_token' }, { authorization: basic('bff', BFF_SECRET) })
    const res = await agent.app.fetch(`${app.url}/auth/refresh`, { method: 'POST', headers: { 'x-latch-csrf': csrf } })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: 'login_required', error_description: 'sign in first' })
    expect(setCookies(res).get('latch_bff')?.value).toBe('')
    expect(await me(agent, app.url)).toEqual({ authenticated: false })
  })

  it('RFC 6749 §5.2 invalid_grant: an API call that needs a refresh the OP refuses is 401 login_required, and the API is not called', async () => {
    const { app, agent } = await signedIn()
    const { refreshToken } = await storedSession(app, agent)
    await postForm(`${latch.url}/revoke`, { token: refreshToken as string, token_type_hint: 'refresh_token' }, { authorization: basic('bff', BFF_SECRET) })
    await untilExpiring(app, agent)
    const count = upstream.received.length
    const res = await agent.app.fetch(`${app.url}/api/data`)
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: 'login_required' })
    expect(upstream.received.length).toBe(count)
    expect(await me(agent, app.url)).toEqual({ authenticated: false })
  })

  it('RFC 6749 §1.5: without a refresh token, once the access token expires the API call is 401 login_required and the session ends', async () => {
    const { app, agent } = await signedIn({ clientId: 'bff-no-refresh', redirectUri: `http://127.0.0.1:${noRefreshPort}/auth/callback`, scope: 'openid profile email' }, noRefreshPort)
    expect((await storedSession(app, agent)).refreshToken).toBeNull()
    expect((await agent.app.fetch(`${app.url}/api/data`)).status).toBe(200)
    await untilExpiring(app, agent)
    const res = await agent.app.fetch(`${app.url}/api/data`)
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: 'login_required' })
    expect(await me(agent, app.url)).toEqual({ authenticated: false })
  })

  it('OWASP session management: a session ends after sessionTtl whatever its tokens say', async () => {
    const { app, agent } = await signedIn({ sessionTtl: 1 })
    expect((await me(agent, app.url)).authenticated).toBe(true)
    await sleep(1100)
    expect(await me(agent, app.url)).toEqual({ authenticated: false })
    expect((await agent.app.fetch(`${app.url}/api/data`)).status).toBe(401)
  })

  it('OIDC Core §12.2 / issue: a refreshed ID token about another user ends the session (login_required)', async () => {
    const port = ports.shift() as number
    // An ID token Latch really issued to the BFF's client, for Bob ...
    const core = createAuthorizationCodeClient({ issuer: latch.url, clientId: 'bff', clientSecret: BFF_SECRET, redirectUri: `http://127.0.0.1:${port}/auth/callback`, scope: 'openid' })
    const started = await core.authorizationUrl()
    const page = await new Browser(latch.url).authorize(started.url, BOB)
    const bob = await core.handleCallback(page.redirect as URL, started.transaction)
    // ... slipped into Alice's refresh response on the way to the BFF.
    let swap = false
    const swapping: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!swap || !String(input).endsWith('/token') || response.status !== 200) return response
      const body = (await response.json()) as Record<string, unknown>
      body.id_token = bob.idToken
      return new Response(JSON.stringify(body), { status: 200, headers: response.headers })
    }
    const { app, agent, csrf } = await signedIn({ fetch: swapping }, port)
    swap = true
    const res = await agent.app.fetch(`${app.url}/auth/refresh`, { method: 'POST', headers: { 'x-latch-csrf': csrf } })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: 'login_required' })
    expect(await me(agent, app.url)).toEqual({ authenticated: false })
  })

  it('RFC 6749 §5.2: a refresh the OP cannot answer (down) is 503 temporarily_unavailable and keeps the session', async () => {
    const { app, agent, csrf } = await signedIn()
    // Point a second instance, sharing the store, at an issuer that is down (Latch's metadata comes from the per-issuer cache of the first).
    const deadIssuer = `http://127.0.0.1:${await freePort()}`
    const down = await startBff(await freePort(), latch, upstream, { issuer: deadIssuer, redirectUri: `${app.url}/auth/callback`, sessionStore: app.store, timeout: 2000 })
    try {
      const res = await fetch(`${down.url}/auth/refresh`, { method: 'POST', headers: { 'x-latch-csrf': csrf, cookie: `latch_bff=${agent.app.cookies.get('latch_bff') as string}` } })
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' })
    } finally {
      await down.close()
    }
    expect((await me(agent, app.url)).authenticated).toBe(true)
  })
})

describe('BFF refresh: the OP behind a gateway that fails', () => {
  let gateway: Gateway
  let latch: TestServer
  let bff: BffApp
  let agent: Agent
  let csrf: string

  beforeAll(async () => {
    // Latch's issuer is the gateway's origin: every request of the BFF and of the browser to the OP goes through it.
    gateway = await startGateway()
    const port = await freePort()
    latch = await startServer({ issuer: gateway.url, clients: bffClients(port) })
    gateway.target = latch.url
    bff = await startBff(port, latch, null, { issuer: gateway.url })
    agent = { app: new Browser(bff.url), op: new Browser(gateway.url) }
    await signIn(agent, bff.url)
    csrf = (await me(agent, bff.url)).csrfToken as string
  })
  afterEach(() => {
    if (gateway) gateway.tokenFailure = null
  })
  afterAll(async () => {
    await bff?.close()
    await latch?.close()
    await gateway?.close()
  })

  const failures: [string, GatewayFailure][] = [
    ['502 with an HTML page', { status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }],
    ['503 JSON without error', { status: 503, contentType: 'application/json', body: '{"message":"down for maintenance"}' }],
    ['504 with no body', { status: 504, contentType: 'text/plain', body: '' }],
    ['429 {"error":"slow_down"}', { status: 429, contentType: 'application/json', body: '{"error":"slow_down"}' }],
    ['429 with an HTML page', { status: 429, contentType: 'text/html', body: '<h1>Too Many Requests</h1>' }],
  ]
  for (const [name, failure] of failures) {
    it(`RFC 6749 §5.2 / issue: a ${name} from the token endpoint keeps the BFF session (temporarily_unavailable)`, async () => {
      gateway.tokenFailure = failure
      const res = await agent.app.fetch(`${bff.url}/auth/refresh`, { method: 'POST', headers: { 'x-latch-csrf': csrf } })
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' })
      expect(setCookies(res).has('latch_bff')).toBe(false)
      expect((await me(agent, bff.url)).authenticated).toBe(true)
      // Once the gateway recovers, the same refresh token works: it was never spent.
      gateway.tokenFailure = null
      const again = await agent.app.fetch(`${bff.url}/auth/refresh`, { method: 'POST', headers: { 'x-latch-csrf': csrf } })
      expect(again.status).toBe(200)
    })
  }

  it('RFC 6749 §5.2 / issue: a 502 page at the code exchange is auth_error=temporarily_unavailable, not a validation failure', async () => {
    const other = { app: new Browser(bff.url), op: new Browser(gateway.url) }
    const login = await other.app.fetch(`${bff.url}/auth/login`)
    const page = await other.op.authorize(login.headers.get('location') as string, ALICE)
    gateway.tokenFailure = failures[0]?.[1] as GatewayFailure
    const back = await other.app.fetch(page.redirect as URL)
    expect(back.status).toBe(302)
    expect(back.headers.get('location')).toBe('/?auth_error=temporarily_unavailable')
    expect(await me(other, bff.url)).toEqual({ authenticated: false })
  })

  it('RFC 6749 §5.2: a real refusal behind the gateway (invalid_grant) still ends the session', async () => {
    const { refreshToken } = await storedSession(bff, agent)
    await postForm(`${latch.url}/revoke`, { token: refreshToken as string, token_type_hint: 'refresh_token' }, { authorization: basic('bff', BFF_SECRET) })
    const res = await agent.app.fetch(`${bff.url}/auth/refresh`, { method: 'POST', headers: { 'x-latch-csrf': csrf } })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: 'login_required' })
    expect(await me(agent, bff.url)).toEqual({ authenticated: false })
  })
})
