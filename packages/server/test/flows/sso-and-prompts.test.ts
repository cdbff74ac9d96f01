/**
 * Single sign-on and the authorization endpoint's decisions (OIDC Core §3.1.2): the IdP session
 * reused across clients, `prompt` and `max_age`, remembered consent, denial, the response types
 * Latch refuses (RFC 9700 §2.1.2), PKCE enforcement, where errors go (redirected only to a
 * verified redirect_uri, RFC 6749 §4.1.2.1), loopback redirects of native apps (RFC 8252 §7.3),
 * and the sign-in page's failure answers and throttling. Time is a frozen clock the tests move.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.2
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { alertText, Browser, formOf, isConsentPage, isLoginPage, type Page } from '../browser.js'
import { BOB, ALICE, baseTestConfig, startServer, type TestServer } from '../helpers.js'
import { client, discover, newRequestSecrets, verifyJwt } from './relying-party.js'

const SECRET = 'sso-secret-0123456789abcdef0123456789abcd'
const A_CALLBACK = 'http://127.0.0.1:5801/a/callback'
const B_CALLBACK = 'http://127.0.0.1:5802/b/callback'
const C_CALLBACK = 'http://127.0.0.1:5803/c/callback'
const NATIVE_REGISTERED = 'http://127.0.0.1/cb'
const MAX_FAILURES = 3

const user = (name: string) => ({ email: `${name}@example.com`, password: `${name}-password-long-enough` })
const CAROL = user('carol')
const DAVE = user('dave')
const ERIN = user('erin')
const FRANK = user('frank')
const GRACE = user('grace')
const IVAN = user('ivan')

const confidential = (id: string, name: string, redirect: string, scope: string, skipConsent: boolean) => ({
  client_id: id,
  client_name: name,
  client_secret: SECRET,
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code'],
  redirect_uris: [redirect],
  scope,
  skip_consent: skipConsent,
})

const config = {
  security: { login_max_failures_per_account: MAX_FAILURES },
  clients: [
    ...baseTestConfig.clients,
    confidential('app-a', 'App A', A_CALLBACK, 'openid profile email', false),
    confidential('app-b', 'App B', B_CALLBACK, 'openid profile', true),
    confidential('app-c', 'App C', C_CALLBACK, 'openid profile email', false),
    {
      client_id: 'native',
      client_name: 'Native App',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      redirect_uris: [NATIVE_REGISTERED],
      scope: 'openid',
    },
  ],
  users: [...baseTestConfig.users, CAROL, DAVE, ERIN, FRANK, GRACE, IVAN],
}

const clock = new ManualClock()
let server: TestServer
let appA: client.Configuration
let appB: client.Configuration
let appC: client.Configuration
let native: client.Configuration

beforeAll(async () => {
  server = await startServer(config, { clock })
  ;[appA, appB, appC, native] = await Promise.all([
    discover(server.url, 'app-a', client.ClientSecretBasic(SECRET)),
    discover(server.url, 'app-b', client.ClientSecretBasic(SECRET)),
    discover(server.url, 'app-c', client.ClientSecretBasic(SECRET)),
    discover(server.url, 'native', client.None()),
  ])
})

afterAll(async () => {
  await server?.close()
})

interface AuthzRequest {
  url: URL
  secrets: Awaited<ReturnType<typeof newRequestSecrets>>
}

async function request(config: client.Configuration, redirectUri: string, params: Record<string, string> = {}): Promise<AuthzRequest> {
  const secrets = await newRequestSecrets()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid',
    state: secrets.state,
    nonce: secrets.nonce,
    code_challenge: secrets.challenge,
    code_challenge_method: 'S256',
    ...params,
  })
  return { url, secrets }
}

/** The raw first answer of the authorization endpoint (no redirect followed). */
async function firstHop(browser: Browser, url: URL): Promise<{ status: number; location: URL | null; headers: Headers; html: string }> {
  const response = await browser.fetch(url)
  const location = response.headers.get('location')
  return { status: response.status, location: location === null ? null : new URL(location, url), headers: response.headers, html: await response.text() }
}

async function redeem(config: client.Configuration, req: AuthzRequest, callback: URL) {
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: req.secrets.verifier,
    expectedState: req.secrets.state,
    expectedNonce: req.secrets.nonce,
  })
  const { payload } = await verifyJwt(config, tokens.id_token as string, { audience: config.clientMetadata().client_id })
  return { tokens, id: payload }
}

function callbackOf(page: Page): URL {
  if (!page.redirect) throw new Error(`expected a redirect to the client, got ${page.status} at ${page.url}\n${page.html.slice(0, 400)}`)
  return page.redirect
}

/** Asserts an error authorization response redirected to `redirectUri` (RFC 6749 §4.1.2.1, RFC 9207). */
function expectRedirectedError(hop: { status: number; location: URL | null }, redirectUri: string, error: string, state: string): void {
  expect(hop.status).toBe(303)
  const location = hop.location as URL
  expect(location).not.toBeNull()
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri)
  expect(location.searchParams.get('error')).toBe(error)
  expect(location.searchParams.get('state')).toBe(state)
  expect(location.searchParams.get('iss')).toBe(server.url)
  expect(location.searchParams.get('code')).toBeNull()
}

/** Signs `who` in through app-b (first-party, no consent) and returns the browser holding the session. */
async function signedInBrowser(who: { email: string; password: string }): Promise<{ browser: Browser; authTime: number }> {
  const browser = new Browser(server.url)
  const req = await request(appB, B_CALLBACK)
  const page = await browser.authorize(req.url, who)
  const { id } = await redeem(appB, req, callbackOf(page))
  return { browser, authTime: id.auth_time as number }
}

describe('single sign-on', () => {
  it('OIDC Core §3.1.2.3: after signing in for client A, client B and client C get no password form (B redirects at once, C only asks consent)', async () => {
    const browser = new Browser(server.url)
    const reqA = await request(appA, A_CALLBACK, { scope: 'openid profile' })
    const login = await browser.open(reqA.url)
    expect(isLoginPage(login)).toBe(true)
    const consent = await browser.signIn(login, ALICE.email, ALICE.password)
    expect(isConsentPage(consent)).toBe(true)
    const a = await redeem(appA, reqA, callbackOf(await browser.decide(consent, 'allow')))

    clock.advance(5)
    // B is first-party: the authorization endpoint answers the code straight away.
    const reqB = await request(appB, B_CALLBACK, { scope: 'openid profile' })
    const hopB = await firstHop(browser, reqB.url)
    expect(hopB.status).toBe(303)
    expect(`${hopB.location?.origin}${hopB.location?.pathname}`).toBe(B_CALLBACK)
    expect(hopB.location?.searchParams.get('code')).toMatch(/\S/)
    const b = await redeem(appB, reqB, hopB.location as URL)
    expect(b.id.sub).toBe(a.id.sub)
    // Same session: the authentication happened once, at A's sign-in.
    expect(b.id.auth_time).toBe(a.id.auth_time)
    expect(b.id.sid).toBe(a.id.sid)

    // C needs consent, but not a password.
    const reqC = await request(appC, C_CALLBACK)
    const pageC = await browser.open(reqC.url)
    expect(isLoginPage(pageC)).toBe(false)
    expect(isConsentPage(pageC)).toBe(true)
    expect(pageC.html).toContain('App C')
    const c = await redeem(appC, reqC, callbackOf(await browser.decide(pageC, 'allow')))
    expect(c.id.sub).toBe(a.id.sub)
    expect(c.id.auth_time).toBe(a.id.auth_time)
  })

  it('OIDC Core §3.1.2.1: skip_consent (first-party) clients never see the consent page', async () => {
    const browser = new Browser(server.url)
    const req = await request(appB, B_CALLBACK, { scope: 'openid profile' })
    const login = await browser.open(req.url)
    expect(isLoginPage(login)).toBe(true)
    const after = await browser.signIn(login, BOB.email, BOB.password)
    expect(isConsentPage(after)).toBe(false)
    const { id } = await redeem(appB, req, callbackOf(after))
    expect(id.name).toBe('Bob Example')
  })
})

describe('prompt and max_age', () => {
  it('OIDC Core §3.1.2.6: prompt=none without a session redirects error=login_required with state and iss', async () => {
    const req = await request(appB, B_CALLBACK, { prompt: 'none' })
    const hop = await firstHop(new Browser(server.url), req.url)
    expectRedirectedError(hop, B_CALLBACK, 'login_required', req.secrets.state)
    // The relying party accepts it as an authentic error response from this issuer.
    const err = await client.authorizationCodeGrant(appB, hop.location as URL, { expectedState: req.secrets.state }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(client.AuthorizationResponseError)
    expect((err as client.AuthorizationResponseError).error).toBe('login_required')
  })

  it('OIDC Core §3.1.2.6: prompt=none with a session but without consent redirects error=consent_required', async () => {
    const { browser } = await signedInBrowser(FRANK)
    const req = await request(appA, A_CALLBACK, { prompt: 'none' })
    expectRedirectedError(await firstHop(browser, req.url), A_CALLBACK, 'consent_required', req.secrets.state)
  })

  it('OIDC Core §3.1.2.1: prompt=login shows the sign-in form despite a session, and auth_time is the new sign-in\'s', async () => {
    const { browser, authTime } = await signedInBrowser(BOB)
    clock.advance(30)
    const req = await request(appB, B_CALLBACK, { prompt: 'login' })
    const login = await browser.open(req.url)
    expect(isLoginPage(login)).toBe(true)
    const { id } = await redeem(appB, req, callbackOf(await browser.signIn(login, BOB.email, BOB.password)))
    expect(id.auth_time).toBe(clock.now())
    expect(id.auth_time).toBe(authTime + 30)
  })

  it('OIDC Core §3.1.2.1: a session older than max_age forces a new sign-in', async () => {
    const { browser, authTime } = await signedInBrowser(BOB)
    clock.advance(11)
    const req = await request(appB, B_CALLBACK, { max_age: '10' })
    const login = await browser.open(req.url)
    expect(isLoginPage(login)).toBe(true)
    const page = await browser.signIn(login, BOB.email, BOB.password)
    const tokens = await client.authorizationCodeGrant(appB, callbackOf(page), {
      pkceCodeVerifier: req.secrets.verifier, expectedState: req.secrets.state, expectedNonce: req.secrets.nonce, maxAge: 10,
    })
    expect(tokens.claims()?.auth_time).toBe(authTime + 11)
  })

  it('OIDC Core §3.1.2.1: a session within max_age is reused without a password form', async () => {
    const { browser, authTime } = await signedInBrowser(BOB)
    clock.advance(5)
    const req = await request(appB, B_CALLBACK, { max_age: '10' })
    const hop = await firstHop(browser, req.url)
    expect(hop.status).toBe(303)
    const { id } = await redeem(appB, req, hop.location as URL)
    expect(id.auth_time).toBe(authTime)
  })

  it('OIDC Core §3.1.2.1: max_age=0 is equivalent to prompt=login, even within the second of the last sign-in', async () => {
    const { browser } = await signedInBrowser(BOB)
    // No clock movement: the session is 0 seconds old.
    const req = await request(appB, B_CALLBACK, { max_age: '0' })
    const page = await browser.open(req.url)
    expect(page.redirect?.searchParams.get('code') ?? null, 'max_age=0 must not be answered from the existing session').toBeNull()
    expect(isLoginPage(page)).toBe(true)
  })
})

describe('consent', () => {
  it('OIDC Core §3.1.2.4: consent is remembered for the same scopes (no page, prompt=none works) and asked again for new scopes', async () => {
    const browser = new Browser(server.url)
    const first = await request(appC, C_CALLBACK, { scope: 'openid profile' })
    const consent = await browser.signIn(await browser.open(first.url), CAROL.email, CAROL.password)
    expect(isConsentPage(consent)).toBe(true)
    await redeem(appC, first, callbackOf(await browser.decide(consent, 'allow')))

    const again = await request(appC, C_CALLBACK, { scope: 'openid profile' })
    const hop = await firstHop(browser, again.url)
    expect(hop.status).toBe(303)
    expect(`${hop.location?.origin}${hop.location?.pathname}`).toBe(C_CALLBACK)
    await redeem(appC, again, hop.location as URL)

    const silent = await request(appC, C_CALLBACK, { scope: 'openid', prompt: 'none' })
    const silentHop = await firstHop(browser, silent.url)
    expect(silentHop.location?.searchParams.get('error')).toBeNull()
    await redeem(appC, silent, silentHop.location as URL)

    const wider = await request(appC, C_CALLBACK, { scope: 'openid profile email' })
    const asked = await browser.open(wider.url)
    expect(isConsentPage(asked)).toBe(true)
    expect(asked.html).toContain('(email)')
    const { id } = await redeem(appC, wider, callbackOf(await browser.decide(asked, 'allow')))
    expect(id.email).toBe(CAROL.email)
  })

  it('RFC 6749 §4.1.2.1: Deny redirects error=access_denied with state and iss, and nothing is remembered', async () => {
    const browser = new Browser(server.url)
    const req = await request(appA, A_CALLBACK)
    const consent = await browser.signIn(await browser.open(req.url), GRACE.email, GRACE.password)
    const denied = await browser.decide(consent, 'deny')
    expectRedirectedError({ status: denied.status, location: denied.redirect ?? null }, A_CALLBACK, 'access_denied', req.secrets.state)

    const again = await request(appA, A_CALLBACK)
    expect(isConsentPage(await browser.open(again.url))).toBe(true)
  })
})

describe('request validation', () => {
  for (const responseType of ['token', 'id_token', 'code id_token', 'code token', 'id_token token']) {
    it(`RFC 9700 §2.1.2: response_type=${responseType} is redirected as unsupported_response_type`, async () => {
      const req = await request(appB, B_CALLBACK, { response_type: responseType })
      const hop = await firstHop(new Browser(server.url), req.url)
      expectRedirectedError(hop, B_CALLBACK, 'unsupported_response_type', req.secrets.state)
      // Errors go in the query, never a fragment carrying tokens.
      expect(hop.location?.hash).toBe('')
    })
  }

  it('RFC 9700 §2.1.1: a public client without PKCE is redirected invalid_request', async () => {
    const state = client.randomState()
    const url = client.buildAuthorizationUrl(native, { redirect_uri: 'http://127.0.0.1:49152/cb', scope: 'openid', state })
    expectRedirectedError(await firstHop(new Browser(server.url), url), 'http://127.0.0.1:49152/cb', 'invalid_request', state)
  })

  it('RFC 9700 §2.1.1: code_challenge_method=plain is redirected invalid_request', async () => {
    const req = await request(appB, B_CALLBACK, { code_challenge_method: 'plain', code_challenge: client.randomPKCECodeVerifier() })
    expectRedirectedError(await firstHop(new Browser(server.url), req.url), B_CALLBACK, 'invalid_request', req.secrets.state)
  })

  it('RFC 6749 §4.1.2.1: an unknown client_id gets an HTML error page (400) and no redirect', async () => {
    const url = new URL(appB.serverMetadata().authorization_endpoint as string)
    url.search = new URLSearchParams({ client_id: 'nobody', redirect_uri: B_CALLBACK, response_type: 'code', scope: 'openid', state: 'st' }).toString()
    const hop = await firstHop(new Browser(server.url), url)
    expect(hop.status).toBe(400)
    expect(hop.location).toBeNull()
    expect(hop.headers.get('content-type')).toMatch(/^text\/html/)
    expect(hop.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(hop.html).not.toContain(B_CALLBACK)
  })

  it('RFC 6749 §4.1.2.1 + RFC 9700 §4.1.3: an unregistered redirect_uri gets an HTML error page (400) and no redirect', async () => {
    const evil = 'https://attacker.example/cb'
    const req = await request(appB, evil)
    const hop = await firstHop(new Browser(server.url), req.url)
    expect(hop.status).toBe(400)
    expect(hop.location).toBeNull()
    expect(hop.headers.get('content-type')).toMatch(/^text\/html/)
    expect(hop.html).not.toContain('attacker.example')

    // Even a request that is wrong in other ways is not redirected to it.
    const bad = await request(appB, evil, { response_type: 'token', prompt: 'none' })
    const badHop = await firstHop(new Browser(server.url), bad.url)
    expect(badHop.status).toBe(400)
    expect(badHop.location).toBeNull()
  })

  it('RFC 8252 §7.3: a native client registered with http://127.0.0.1/cb may use any port on the loopback address', async () => {
    const redirect = 'http://127.0.0.1:49152/cb'
    const req = await request(native, redirect)
    const page = await new Browser(server.url).authorize(req.url, ALICE)
    const callback = callbackOf(page)
    expect(`${callback.origin}${callback.pathname}`).toBe(redirect)
    const { id } = await redeem(native, req, callback)
    expect(id.aud).toBe('native')

    // Only the port may vary: another path or host is still unregistered.
    for (const other of ['http://127.0.0.1:49152/other', 'http://localhost:49152/cb']) {
      const bad = await request(native, other)
      const hop = await firstHop(new Browser(server.url), bad.url)
      expect(hop.status).toBe(400)
      expect(hop.location).toBeNull()
    }
  })
  it('RFC 9700 §4.1.3: other clients\' redirect URIs match exactly, even on the loopback address (only native apps may vary the port)', async () => {
    // app-b is a confidential web client registered with http://127.0.0.1:5802/b/callback.
    const req = await request(appB, 'http://127.0.0.1:5999/b/callback')
    const hop = await firstHop(new Browser(server.url), req.url)
    expect(hop.location?.href ?? null, 'a code must not be sent to a port the confidential client did not register').toBeNull()
    expect(hop.status).toBe(400)
  })
})

describe('the sign-in form', () => {
  it('OWASP CSRF prevention: a sign-in post without the form\'s csrf token is refused (403) and signs nobody in', async () => {
    const browser = new Browser(server.url)
    const login = await browser.open((await request(appB, B_CALLBACK)).url)
    const form = formOf(login)
    const forged = await browser.submit({ ...form, fields: {} }, { email: BOB.email, password: BOB.password })
    expect(forged.status).toBe(403)
    expect(forged.headers.get('content-type')).toMatch(/^text\/html/)
    expect(forged.redirect).toBeUndefined()
    expect(browser.cookies.has('latch_session')).toBe(false)
  })

  it('OWASP authentication: an unknown email and a wrong password get the identical answer', async () => {
    const browser = new Browser(server.url)
    const login = await browser.open((await request(appB, B_CALLBACK)).url)
    const unknown = await browser.submit(formOf(login), { email: 'nobody@example.com', password: 'whatever-password' })
    const wrong = await browser.submit(formOf(login), { email: DAVE.email, password: 'not-daves-password' })
    expect(unknown.status).toBe(401)
    expect(wrong.status).toBe(401)
    expect(alertText(unknown.html)).toBe('Incorrect email or password.')
    expect(alertText(wrong.html)).toBe(alertText(unknown.html))
    // The whole page is the same once the echoed email is set aside.
    expect(wrong.html.replace(DAVE.email, '<email>')).toBe(unknown.html.replace('nobody@example.com', '<email>'))
    expect(isLoginPage(wrong)).toBe(true)
  })

  it(`OWASP brute-force protection: after ${MAX_FAILURES} failures the page answers 429 and says when to retry`, async () => {
    const browser = new Browser(server.url)
    const req = await request(appB, B_CALLBACK)
    let page = await browser.open(req.url)
    for (let i = 0; i < MAX_FAILURES; i++) {
      page = await browser.submit(formOf(page), { email: ERIN.email, password: `wrong-password-${i}` })
      expect(page.status).toBe(401)
    }
    // Even the right password is refused now.
    const throttled = await browser.submit(formOf(page), { email: ERIN.email, password: ERIN.password })
    expect(throttled.status).toBe(429)
    const retryAfter = Number(throttled.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(900)
    expect(alertText(throttled.html)).toMatch(/Try again in \d+ minutes?\./)
    expect(throttled.redirect).toBeUndefined()
    expect(browser.cookies.has('latch_session')).toBe(false)

    // Once the window has passed, the right password works again.
    clock.advance(retryAfter)
    const ok = await browser.submit(formOf(throttled), { email: ERIN.email, password: ERIN.password })
    await redeem(appB, req, callbackOf(ok))
  })

  it('RFC 6749 §4.3.2, OWASP brute-force protection: parallel guesses cannot slip past the limit', async () => {
    const browser = new Browser(server.url)
    const login = await browser.open((await request(appB, B_CALLBACK)).url)
    const form = formOf(login)
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => browser.submit(form, { email: IVAN.email, password: `parallel-guess-${i}` })),
    )
    const checked = answers.filter((a) => a.status === 401).length
    expect(checked).toBeLessThanOrEqual(MAX_FAILURES)
    expect(answers.filter((a) => a.status === 429).length).toBe(12 - checked)
  })
})
