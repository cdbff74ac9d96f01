/**
 * Issue 12, federated logout: Latch's logout of a session signed in through a connection with
 * `federated_logout` also ends the upstream session, through the upstream's RP-initiated logout,
 * and then finishes where Latch's own logout would have. The upstream is a second Latch on real
 * HTTP (its `/logout` is RP-initiated logout), the browser a cookie jar per origin.
 */
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { isLoginPage } from '../browser.js'
import { LOGGED_OUT, baseTestConfig, freePort, startServer, type TestServer } from '../helpers.js'
import { connectionLink, FederatedBrowser, payloadOf, redeem, webRequest } from '../support/federation.js'
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js'

const UPSTREAM_SECRET = 'upstream-secret-0123456789abcdef0123456789'
const CAROL = { email: 'carol@example.com', password: 'carol-password-123' }

const clock = new ManualClock()
let upstream: TestServer
let downstream: TestServer
let receiver: LogoutReceiver
let port: number

beforeAll(async () => {
  port = await freePort()
  receiver = await startLogoutReceiver()
  const base = `http://127.0.0.1:${port}/connections`
  upstream = await startServer({
    clients: [{
      client_id: 'downstream', client_secret: UPSTREAM_SECRET, redirect_uris: [`${base}/upstream/callback`, `${base}/plain/callback`],
      post_logout_redirect_uris: [`${base}/upstream/logged-out`],
      scope: 'openid profile email', skip_consent: true,
    }],
    users: [{ ...CAROL, email_verified: true, name: 'Carol Upstream' }],
  })
  const connection = { type: 'oidc', issuer: upstream.url, client_id: 'downstream', client_secret: UPSTREAM_SECRET }
  downstream = await startServer({
    clients: baseTestConfig.clients.map((c) => (c.client_id === 'web' ? { ...c, backchannel_logout_uri: `${receiver.url}/web` } : c)),
    connections: [
      { ...connection, id: 'upstream', display_name: 'Upstream', federated_logout: true },
      { ...connection, id: 'plain', display_name: 'Plain' },
    ],
  }, { port, clock })
})

afterAll(async () => {
  await downstream?.close()
  await upstream?.close()
  await receiver?.close()
})

/** Signs Carol in to `web` through `connection`; the browser, and the downstream ID token. */
async function signedIn(connection: 'Upstream' | 'Plain', browser = new FederatedBrowser()) {
  const request = webRequest(downstream.url)
  const atUpstream = await browser.open(connectionLink(await browser.open(request.url), connection))
  expect(atUpstream.url.startsWith(upstream.url)).toBe(true)
  const end = await browser.submit(atUpstream, CAROL)
  const { body } = await redeem(downstream.url, end.redirect!, request.verifier)
  return { browser, idToken: body.id_token!, sid: String(payloadOf(body.id_token!).sid) }
}

/** The logout request of `web` with its ID token, a registered post-logout URI and a state. */
function logoutUrl(idToken: string, state = randomBytes(6).toString('hex')): { url: URL; state: string } {
  const url = new URL(`${downstream.url}/logout`)
  url.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: LOGGED_OUT, state }).toString()
  return { url, state }
}

/** Whether the browser still has a session at the upstream: an authorization request there answers without asking for a password. */
async function upstreamSignedIn(browser: FederatedBrowser): Promise<boolean> {
  const url = new URL(`${upstream.url}/authorize`)
  url.search = new URLSearchParams({
    response_type: 'code', client_id: 'downstream', redirect_uri: `${downstream.url}/connections/upstream/callback`, scope: 'openid', state: 'probe',
    nonce: 'n', code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'), code_challenge_method: 'S256',
  }).toString()
  const page = await browser.open(url, downstream.url)
  if (page.redirect?.searchParams.get('code')) return true
  expect(isLoginPage(page)).toBe(true)
  return false
}

describe('federated logout (a second Latch upstream)', () => {
  it('RP-Initiated Logout §2: the upstream session ends with Latch\'s (id_token_hint, client_id, post_logout_redirect_uri at the upstream), then §3: on to the RP\'s registered URI with its state', async () => {
    const { browser, idToken, sid } = await signedIn('Upstream')
    const stored = await downstream.server.ctx.store.upstreamSessions.get(sid, clock.now())
    expect(stored?.connection_id).toBe('upstream')
    // Encrypted at rest: a compact JWE, not the upstream's ID token.
    expect(stored!.id_token_encrypted.split('.')).toHaveLength(5)
    expect(await upstreamSignedIn(browser)).toBe(true)

    const { url, state } = logoutUrl(idToken)
    const first = await browser.browser(downstream.url).fetch(url)
    expect(first.status).toBe(303)
    const atUpstream = new URL(first.headers.get('location')!)
    expect(atUpstream.origin + atUpstream.pathname).toBe(`${upstream.url}/logout`)
    expect(atUpstream.searchParams.get('client_id')).toBe('downstream')
    expect(atUpstream.searchParams.get('post_logout_redirect_uri')).toBe(`${downstream.url}/connections/upstream/logged-out`)
    expect(payloadOf(atUpstream.searchParams.get('id_token_hint')!)).toMatchObject({ iss: upstream.url, aud: 'downstream' })
    // Latch's session ended before the browser left: no upstream can keep it alive.
    expect(await downstream.server.ctx.store.sessions.getById(sid, clock.now())).toBeNull()
    expect(await downstream.server.ctx.store.upstreamSessions.get(sid, clock.now())).toBeNull()

    const end = await browser.open(atUpstream, LOGGED_OUT)
    expect(end.url).toMatch(new RegExp(`^${downstream.url}/connections/upstream/logged-out\\?state=`))
    expect(end.status).toBe(303)
    expect(end.redirect?.href).toBe(`${LOGGED_OUT}?state=${state}`)
    // The upstream asks for the password again.
    expect(await upstreamSignedIn(browser)).toBe(false)
  })

  it('OIDC Back-Channel Logout §2.5: the logout token of the ended session is still sent to the RP', async () => {
    const { browser, idToken, sid } = await signedIn('Upstream')
    await browser.open(logoutUrl(idToken).url, LOGGED_OUT)
    for (let i = 0; i < 50 && !receiver.received.some((r) => r.logoutToken !== null && payloadOf(r.logoutToken).sid === sid); i++) await new Promise((r) => setTimeout(r, 100))
    expect(receiver.received.some((r) => r.path === '/web' && r.logoutToken !== null && payloadOf(r.logoutToken).sid === sid)).toBe(true)
  })

  it('without post_logout_redirect_uri: back from the upstream, Latch\'s signed-out page', async () => {
    const { browser } = await signedIn('Upstream')
    const end = await browser.open(`${downstream.url}/logout`)
    // Nobody's hint: the confirmation page, whose form may go on to the upstream (CSP form-action).
    expect(end.headers.get('content-security-policy')).toContain(`form-action 'self' ${upstream.url}`)
    const done = await browser.submit(end)
    expect(done.url.startsWith(`${downstream.url}/connections/upstream/logged-out?`)).toBe(true)
    expect(done.status).toBe(200)
    expect(done.html).toContain('You are signed out')
    expect(await upstreamSignedIn(browser)).toBe(false)
  })

  it('a state altered, sealed for another connection, or missing is an error page, never a redirect', async () => {
    const { browser, idToken } = await signedIn('Upstream')
    const atUpstream = new URL((await browser.browser(downstream.url).fetch(logoutUrl(idToken).url)).headers.get('location')!)
    const state = atUpstream.searchParams.get('state')!
    const [payload, mac] = state.split('.') as [string, string]
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), d: { client_id: null, redirect_uri: 'https://evil.example/', state: null } })).toString('base64url')
    for (const target of [
      `${downstream.url}/connections/upstream/logged-out?state=${forged}.${mac}`,
      `${downstream.url}/connections/upstream/logged-out?state=${payload}.${mac.slice(0, -2)}AA`,
      `${downstream.url}/connections/plain/logged-out?state=${state}`,
      `${downstream.url}/connections/upstream/logged-out`,
    ]) {
      const res = await browser.browser(downstream.url).fetch(target)
      expect(res.status).toBe(400)
      expect(res.headers.get('location')).toBeNull()
      expect(await res.text()).toContain('this sign-out link has expired or was altered')
    }
    // The genuine one still works.
    const ok = await browser.browser(downstream.url).fetch(`${downstream.url}/connections/upstream/logged-out?state=${encodeURIComponent(state)}`)
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')!.startsWith(LOGGED_OUT)).toBe(true)
  })

  it('an expired state is refused', async () => {
    const { browser, idToken } = await signedIn('Upstream')
    const atUpstream = new URL((await browser.browser(downstream.url).fetch(logoutUrl(idToken).url)).headers.get('location')!)
    clock.advance(601)
    const res = await browser.browser(downstream.url).fetch(`${downstream.url}/connections/upstream/logged-out?state=${encodeURIComponent(atUpstream.searchParams.get('state')!)}`)
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
  })

  it('a connection without federated_logout: Latch\'s logout as before, the upstream session stays', async () => {
    const { browser, idToken, sid } = await signedIn('Plain')
    expect(await downstream.server.ctx.store.upstreamSessions.get(sid, clock.now())).toBeNull()
    const { url, state } = logoutUrl(idToken)
    const res = await browser.browser(downstream.url).fetch(url)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${LOGGED_OUT}?state=${state}`)
    expect(await upstreamSignedIn(browser)).toBe(true)
  })

  it('an upstream that cannot be reached: Latch\'s logout completes by itself', async () => {
    const { browser, idToken, sid } = await signedIn('Upstream')
    await upstream.close()
    // Past the hour its discovery document is kept: the upstream is asked again, and does not answer.
    clock.advance(3601)
    const { url, state } = logoutUrl(idToken)
    const res = await browser.browser(downstream.url).fetch(url)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${LOGGED_OUT}?state=${state}`)
    expect(await downstream.server.ctx.store.sessions.getById(sid, clock.now())).toBeNull()
  })
})
