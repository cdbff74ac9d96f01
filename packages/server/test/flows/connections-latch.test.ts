/**
 * Issue 12: sign-in through a connection, with a second Latch as the upstream OpenID Provider,
 * both on real HTTP. The downstream Latch is configured with the upstream's issuer (discovery) and
 * the upstream with the downstream's callback URL, so the downstream's port is chosen first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isLoginPage } from '../browser.js'
import { ALICE, freePort, startServer, type TestServer } from '../helpers.js'
import { connectionLink, FederatedBrowser, payloadOf, redeem, webRequest } from '../support/federation.js'

const UPSTREAM_SECRET = 'upstream-secret-0123456789abcdef0123456789'
const CAROL = { email: 'carol@example.com', password: 'carol-password-123' }
const DAVE = { email: 'dave@example.com', password: 'dave-password-1234' }
const ALICE_UPSTREAM = { email: ALICE.email, password: 'alice-upstream-pass' }

let upstream: TestServer
let downstream: TestServer
const upstreamJtis: string[] = []
const events: { name: string; payload: Record<string, unknown> }[] = []

beforeAll(async () => {
  const port = await freePort()
  upstream = await startServer({
    clients: [{
      client_id: 'downstream', client_secret: UPSTREAM_SECRET, redirect_uris: [`http://127.0.0.1:${port}/connections/upstream/callback`],
      scope: 'openid profile email', skip_consent: true,
    }],
    users: [
      { ...CAROL, email_verified: true, name: 'Carol Upstream', given_name: 'Carol', locale: 'de' },
      // Alice exists downstream with a verified email: linked by it.
      { ...ALICE_UPSTREAM, email_verified: true, name: 'Alice Upstream' },
      // Bob exists downstream with an unverified email: never linked.
      { email: 'bob@example.com', password: 'bob-upstream-pass1', email_verified: true },
      // Dave's email is not verified upstream.
      { ...DAVE, email_verified: false },
    ],
  })
  upstream.server.ctx.events.on('token.issued', (e) => upstreamJtis.push(e.jti))
  downstream = await startServer({
    connections: [{ id: 'upstream', type: 'oidc', display_name: 'Upstream', issuer: upstream.url, client_id: 'downstream', client_secret: UPSTREAM_SECRET, trust_amr: true }],
  }, { port })
  downstream.server.ctx.events.onAny((name, payload) => events.push({ name, payload: payload as Record<string, unknown> }))
})

afterAll(async () => {
  await downstream?.close()
  await upstream?.close()
})

/** Downstream request → "Continue with Upstream" → upstream sign-in → back; the last page (a redirect to `web`, or a downstream page). */
async function signInThroughUpstream(user: { email: string; password: string }, browser = new FederatedBrowser(), params: Record<string, string> = {}) {
  const request = webRequest(downstream.url, params)
  const signInPage = await browser.open(request.url)
  expect(isLoginPage(signInPage)).toBe(true)
  const atUpstream = await browser.open(connectionLink(signInPage, 'Upstream'))
  expect(atUpstream.url.startsWith(upstream.url)).toBe(true)
  const end = await browser.submit(atUpstream, user)
  return { end, request, browser, signInPage }
}

describe('sign-in through a connection (a second Latch upstream)', () => {
  it('OIDC Core §3.1.3.7: a first sign-in creates the user with the mapped claims; the downstream ID token says amr fed and pwd; no upstream token reaches the RP', async () => {
    const { end, request } = await signInThroughUpstream(CAROL)
    expect(end.redirect?.searchParams.get('code')).toBeTruthy()
    const { text, body } = await redeem(downstream.url, end.redirect!, request.verifier)
    const idToken = payloadOf(body.id_token!)
    expect(idToken).toMatchObject({ iss: downstream.url, aud: 'web', nonce: request.nonce, email: 'carol@example.com', email_verified: true, name: 'Carol Upstream', amr: ['fed', 'pwd'] })
    expect(typeof idToken.sid).toBe('string')
    const user = await downstream.server.ctx.store.users.getByEmail('carol@example.com')
    expect(user).toMatchObject({ email_verified: true, password_hash: null, claims: { name: 'Carol Upstream', given_name: 'Carol', locale: 'de' } })
    expect(idToken.sub).toBe(user!.id)
    // The upstream's tokens (their jti, its issuer) appear nowhere in what the RP got.
    expect(upstreamJtis.length).toBeGreaterThan(0)
    const everything = text + JSON.stringify(Object.values(body).filter((v) => typeof v === 'string' && v.split('.').length === 3).map(payloadOf))
    for (const jti of upstreamJtis) expect(everything).not.toContain(jti)
    expect(everything).not.toContain(upstream.url)
    expect(events.find((e) => e.name === 'user.provisioned')?.payload).toEqual({ user_id: user!.id, connection_id: 'upstream' })
  })

  it('OIDC Core §5.7: the second sign-in is the same user (same sub), identified by iss + sub, not by email', async () => {
    const first = await downstream.server.ctx.store.users.getByEmail('carol@example.com')
    const { end, request } = await signInThroughUpstream(CAROL)
    const { body } = await redeem(downstream.url, end.redirect!, request.verifier)
    expect(payloadOf(body.id_token!).sub).toBe(first!.id)
    expect((await downstream.server.ctx.store.users.list()).filter((u) => u.email === 'carol@example.com')).toHaveLength(1)
  })

  it('linking by email: an existing user whose email both sides assert verified is linked (her password stays)', async () => {
    const alice = await downstream.server.ctx.store.users.getByEmail(ALICE.email)
    const { end, request } = await signInThroughUpstream(ALICE_UPSTREAM)
    const { body } = await redeem(downstream.url, end.redirect!, request.verifier)
    expect(payloadOf(body.id_token!).sub).toBe(alice!.id)
    expect((await downstream.server.ctx.store.users.getById(alice!.id))?.password_hash).toBe(alice!.password_hash)
    expect(await downstream.server.ctx.store.identities.listForUser(alice!.id)).toHaveLength(1)
    expect(events.find((e) => e.name === 'identity.linked')?.payload).toEqual({ user_id: alice!.id, connection_id: 'upstream', reason: 'verified_email' })
  })

  it('linking by email is refused when the local email is unverified: back to the sign-in page with a notice, nothing linked or created, no session', async () => {
    const bob = await downstream.server.ctx.store.users.getByEmail('bob@example.com')
    expect(bob?.email_verified).toBe(false)
    const users = (await downstream.server.ctx.store.users.list()).length
    const { end, browser } = await signInThroughUpstream({ email: 'bob@example.com', password: 'bob-upstream-pass1' })
    expect(end.redirect).toBeUndefined()
    expect(isLoginPage(end)).toBe(true)
    expect(end.html).toContain('This account cannot be used to sign in here.')
    expect(await downstream.server.ctx.store.identities.listForUser(bob!.id)).toEqual([])
    expect((await downstream.server.ctx.store.users.list()).length).toBe(users)
    expect(browser.browser(downstream.url).cookies.has('latch_session')).toBe(false)
  })

  it('an email the upstream does not assert verified is never linked nor used for a second account (same notice)', async () => {
    await downstream.server.ctx.store.users.upsert({ email: DAVE.email, email_verified: true, password_hash: null, claims: {} }, downstream.server.ctx.clock.now())
    const { end } = await signInThroughUpstream(DAVE)
    expect(end.html).toContain('This account cannot be used to sign in here.')
    expect((await downstream.server.ctx.store.users.list()).filter((u) => u.email === DAVE.email)).toHaveLength(1)
  })

  it('RFC 6749 §10.12: a replayed callback is an error page, with no session', async () => {
    const browser = new FederatedBrowser()
    const request = webRequest(downstream.url)
    const signInPage = await browser.open(request.url)
    const atUpstream = await browser.open(connectionLink(signInPage, 'Upstream'))
    // Stop at the downstream's callback, to replay it.
    const callback = await browser.submit(atUpstream, CAROL, downstream.url)
    expect(callback.redirect?.pathname).toBe('/connections/upstream/callback')
    const first = await browser.open(callback.redirect!)
    expect(first.redirect?.searchParams.get('code')).toBeTruthy()
    const fresh = new FederatedBrowser()
    // The same browser again, and another browser: both find nothing.
    for (const b of [browser, fresh]) {
      const replay = await b.browser(downstream.url).fetch(callback.redirect!)
      const html = await replay.text()
      expect(replay.status).toBe(400)
      expect(html).toContain('was started in another browser')
      expect(replay.headers.getSetCookie().some((c) => c.startsWith('latch_session='))).toBe(false)
    }
    expect(events.filter((e) => e.name === 'upstream_login.failed' && e.payload.reason === 'unknown_state').length).toBeGreaterThanOrEqual(2)
  })

  it('RFC 6749 §10.12: a state started in another browser is refused there (the callback never reaches a session)', async () => {
    const victim = new FederatedBrowser()
    const attacker = new FederatedBrowser()
    const request = webRequest(downstream.url)
    const atUpstream = await attacker.open(connectionLink(await attacker.open(request.url), 'Upstream'))
    const callback = await attacker.submit(atUpstream, CAROL, downstream.url)
    // The attacker hands their callback URL to the victim's browser (which never started it).
    await victim.open(webRequest(downstream.url).url)
    const res = await victim.browser(downstream.url).fetch(callback.redirect!)
    expect(res.status).toBe(400)
    expect(victim.browser(downstream.url).cookies.has('latch_session')).toBe(false)
    // Still usable by the browser that started it: nothing was consumed by the foreign attempt.
    const own = await attacker.open(callback.redirect!)
    expect(own.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('OIDC Core §3.1.2.1: prompt=login and login_hint of the application reach the upstream', async () => {
    const browser = new FederatedBrowser()
    const page = await browser.open(webRequest(downstream.url, { login_hint: 'carol@example.com' }).url)
    const start = await browser.browser(downstream.url).fetch(connectionLink(page, 'Upstream'))
    const location = new URL(start.headers.get('location')!)
    expect(location.origin).toBe(upstream.url)
    expect(location.searchParams.get('login_hint')).toBe('carol@example.com')
    expect(location.searchParams.get('code_challenge_method')).toBe('S256')
    expect(location.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(start.headers.get('cache-control')).toBe('no-store')
    expect(start.headers.getSetCookie().find((c) => c.startsWith('latch_upstream='))).toMatch(/HttpOnly/i)
    const fresh = await browser.open(webRequest(downstream.url, { prompt: 'login' }).url)
    const forced = new URL((await browser.browser(downstream.url).fetch(connectionLink(fresh, 'Upstream'))).headers.get('location')!)
    expect(forced.searchParams.get('prompt')).toBe('login')
  })
})

describe('the account page signed in to through a connection (issue 13)', () => {
  it('Sign in on /account offers the connections too; signing in through one comes back to /account with a session whose method is "another service"', async () => {
    const browser = new FederatedBrowser()
    const start = await browser.open(`${downstream.url}/account`)
    expect(start.html).toContain('<h1>You are not signed in</h1>')
    const signInPage = await browser.submit(start)
    expect(isLoginPage(signInPage)).toBe(true)
    const atUpstream = await browser.open(connectionLink(signInPage, 'Upstream'))
    expect(atUpstream.url.startsWith(upstream.url)).toBe(true)
    const end = await browser.submit(atUpstream, CAROL)
    expect(end.url).toBe(`${downstream.url}/account`)
    expect(end.html).toContain('Signed in as <strong>carol@example.com</strong>')
    expect(end.html).toMatch(/<strong class="this-device">This device<\/strong><br>\n<span class="muted" id="session-[0-9a-f-]+"><time [^>]*>[^<]*<\/time> · With another service, password<\/span>/)
  })
})

describe('an upstream that is down', () => {
  let lonely: TestServer
  beforeAll(async () => {
    const closed = await freePort()
    lonely = await startServer({ connections: [{ id: 'gone', type: 'oidc', display_name: 'Gone', issuer: `http://127.0.0.1:${closed}`, client_id: 'x', client_secret: 'y' }] })
  })
  afterAll(async () => lonely?.close())

  it('the sign-in page still shows; the button comes back with a notice; the password still signs in', async () => {
    const browser = new FederatedBrowser()
    const request = webRequest(lonely.url)
    const page = await browser.open(request.url)
    const back = await browser.open(connectionLink(page, 'Gone'))
    expect(isLoginPage(back)).toBe(true)
    expect(back.html).toContain('Gone cannot be reached right now.')
    const signedIn = await browser.submit(back, ALICE)
    const { body } = await redeem(lonely.url, signedIn.redirect!, request.verifier)
    expect(payloadOf(body.id_token!).amr).toEqual(['pwd'])
  })
})
