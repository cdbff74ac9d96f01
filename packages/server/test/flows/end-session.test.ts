/**
 * RP-Initiated Logout 1.0 over real HTTP with a browser session: silent logout when the hint names
 * the signed-in user, a CSRF-protected confirmation page otherwise, and redirects only to
 * registered post_logout_redirect_uris.
 */
import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { hashHandle } from '../../src/lib/random.js'
import { Browser, parseForms } from '../browser.js'
import { ALICE, BOB, LOGGED_OUT, WEB_REDIRECT, WEB_SECRET, rawGet, startServer, userToken, type TestServer } from '../helpers.js'

describe('end session', () => {
  const clock = new ManualClock()
  let s: TestServer
  let logout: string
  let aliceIdToken: string

  /** Signs Alice in through /authorize and the login page (`web` skips consent), leaving the IdP session cookie. */
  const signedInBrowser = async () => {
    const browser = new Browser(s.url)
    const authorize = new URL(`${s.url}/authorize`)
    authorize.search = new URLSearchParams({ client_id: 'web', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid', state: 's' }).toString()
    const page = await browser.authorize(authorize, ALICE)
    if (page.redirect?.searchParams.get('code') == null) throw new Error(`sign-in: expected a code at ${WEB_REDIRECT}, got status ${page.status} at ${page.url}`)
    if (!browser.cookies.has('latch_session')) throw new Error('sign-in: no session cookie')
    return browser
  }
  const sessionAlive = async (cookie: string | undefined) =>
    cookie !== undefined && (await s.server.ctx.store.sessions.get(hashHandle(cookie), clock.now())) !== null
  const logoutUrl = (params: Record<string, string>) => `${logout}?${new URLSearchParams(params).toString()}`
  const expectPage = (res: Response) => {
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('location')).toBeNull()
  }

  beforeAll(async () => {
    s = await startServer({}, { clock })
    logout = `${s.url}/logout`
    aliceIdToken = (await userToken(s.url, { scope: 'openid' })).id_token as string
  })
  afterAll(() => s.close())

  it('OIDC RP-Initiated Logout §2: a hint naming the signed-in user signs out silently and redirects with state', async () => {
    const browser = await signedInBrowser()
    const cookie = browser.cookies.get('latch_session')
    const res = await browser.fetch(logoutUrl({ id_token_hint: aliceIdToken, post_logout_redirect_uri: LOGGED_OUT, state: 'af0ifjsldkj' }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${LOGGED_OUT}?state=af0ifjsldkj`)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(browser.cookies.has('latch_session')).toBe(false)
    expect(await sessionAlive(cookie)).toBe(false)
  })

  it('OIDC RP-Initiated Logout §3: the registered query is kept and state is appended', async () => {
    const browser = await signedInBrowser()
    const res = await browser.fetch(logoutUrl({ id_token_hint: aliceIdToken, post_logout_redirect_uri: 'https://rp.example.com/bye?from=latch', state: 'a b&c' }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('https://rp.example.com/bye?from=latch&state=a%20b%26c')
  })

  it('OIDC RP-Initiated Logout §2: without post_logout_redirect_uri the user sees "You are signed out"', async () => {
    const browser = await signedInBrowser()
    const res = await browser.fetch(logoutUrl({ id_token_hint: aliceIdToken }))
    expect(res.status).toBe(200)
    expectPage(res)
    expect(await res.text()).toContain('You are signed out')
    expect(browser.cookies.has('latch_session')).toBe(false)
  })

  it('OIDC RP-Initiated Logout §2: with no session a GET just shows signed out', async () => {
    const res = await fetch(logout)
    expect(res.status).toBe(200)
    expectPage(res)
    expect(await res.text()).toContain('You are signed out')
  })

  it('OIDC RP-Initiated Logout §3: an unregistered post_logout_redirect_uri is never redirected to', async () => {
    const browser = await signedInBrowser()
    for (const uri of ['https://evil.example/', `${LOGGED_OUT}/extra`, 'https://rp2.example.com/']) {
      const res = await browser.fetch(logoutUrl({ id_token_hint: aliceIdToken, post_logout_redirect_uri: uri }))
      expect(res.status).toBe(400)
      expectPage(res)
      expect(await res.text()).toContain('invalid_request')
    }
    expect(await sessionAlive(browser.cookies.get('latch_session'))).toBe(true)
  })

  it('OIDC RP-Initiated Logout §3: post_logout_redirect_uri without a client to check it against is an error page', async () => {
    const res = await fetch(logoutUrl({ post_logout_redirect_uri: LOGGED_OUT }))
    expect(res.status).toBe(400)
    expectPage(res)
  })

  it('OIDC RP-Initiated Logout §2: client_id and the hint\'s aud must agree', async () => {
    const res = await fetch(logoutUrl({ id_token_hint: aliceIdToken, client_id: 'web2' }))
    expect(res.status).toBe(400)
    expectPage(res)
    const unknown = await fetch(logoutUrl({ client_id: 'nobody' }))
    expect(unknown.status).toBe(400)
  })

  it('OIDC RP-Initiated Logout §2: a forged hint or an access token as hint is rejected', async () => {
    const [h, p, sig] = aliceIdToken.split('.') as [string, string, string]
    const { access_token } = await userToken(s.url, { scope: 'openid' })
    for (const hint of ['garbage', `${h}.${p}.${sig.slice(0, -4)}${sig.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`, access_token]) {
      const res = await fetch(logoutUrl({ id_token_hint: hint, post_logout_redirect_uri: LOGGED_OUT }))
      expect(res.status).toBe(400)
      expectPage(res)
    }
  })

  it('OIDC RP-Initiated Logout §2: without a hint for the signed-in user, a confirmation page asks first', async () => {
    const browser = await signedInBrowser()
    const res = await browser.fetch(logoutUrl({ client_id: 'web', post_logout_redirect_uri: LOGGED_OUT, state: 'xyz' }))
    expect(res.status).toBe(200)
    expectPage(res)
    const page = await res.text()
    expect(page).toMatch(/<button[^>]*>Sign out<\/button>/)
    expect(page).toContain(`action="${logout}"`)
    expect(page).toContain('alice@example.com')
    expect(await sessionAlive(browser.cookies.get('latch_session'))).toBe(true)

    const hidden = parseForms(page)[0]?.fields ?? {}
    const fields: Record<string, string> = {}
    for (const name of ['csrf', 'confirm', 'client_id', 'post_logout_redirect_uri', 'state']) fields[name] = hidden[name] ?? ''
    expect(fields).toMatchObject({ client_id: 'web', post_logout_redirect_uri: LOGGED_OUT, state: 'xyz' })
    expect(page).not.toContain('id_token_hint')
    const cookie = browser.cookies.get('latch_session')
    const confirm = await browser.postForm(logout, fields)
    expect(confirm.status).toBe(303)
    expect(confirm.headers.get('location')).toBe(`${LOGGED_OUT}?state=xyz`)
    expect(await sessionAlive(cookie)).toBe(false)
  })

  it('OIDC RP-Initiated Logout §2: a hint for another user asks for confirmation', async () => {
    const browser = await signedInBrowser()
    const bobHint = (await userToken(s.url, { user: BOB, scope: 'openid' })).id_token as string
    const res = await browser.fetch(logoutUrl({ id_token_hint: bobHint, post_logout_redirect_uri: LOGGED_OUT }))
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('Sign out')
    expect(await sessionAlive(browser.cookies.get('latch_session'))).toBe(true)
  })

  it('CSRF: the confirmation POST without a matching csrf token signs nobody out', async () => {
    const browser = await signedInBrowser()
    const page = await (await browser.fetch(logoutUrl({ client_id: 'web' }))).text()
    expect(parseForms(page)[0]?.fields.csrf).toBeTruthy()
    const res = await browser.postForm(logout, { confirm: 'yes', client_id: 'web', csrf: 'forged-value' })
    expect(res.status).toBe(403)
    expectPage(res)
    const missing = await browser.postForm(logout, { confirm: 'yes' })
    expect(missing.status).toBe(403)
    expect(await sessionAlive(browser.cookies.get('latch_session'))).toBe(true)
  })

  it('OIDC RP-Initiated Logout §2: an RP POST without the (SameSite=Lax) session cookie gets the confirmation page', async () => {
    const res = await fetch(logout, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id_token_hint: aliceIdToken, post_logout_redirect_uri: LOGGED_OUT }),
      redirect: 'manual',
    })
    expect(res.status).toBe(200)
    expectPage(res)
    expect(await res.text()).toMatch(/<button[^>]*>Sign out<\/button>/)
  })

  it('ARCHITECTURE §2: the confirmation form posts to the issuer\'s URL whatever the Host header says', async () => {
    const browser = await signedInBrowser()
    const cookie = `latch_session=${browser.cookies.get('latch_session') ?? ''}`
    const res = await rawGet(logoutUrl({ client_id: 'web' }), { host: 'evil.example', cookie })
    expect(res.status).toBe(200)
    expect(res.body).toContain(`action="${logout}"`)
    expect(res.body).not.toContain('evil.example')
  })

  it('OIDC RP-Initiated Logout §2: openid-client builds an end-session URL that Latch honours', async () => {
    const config = await oidc.discovery(new URL(s.url), 'web', undefined, oidc.ClientSecretBasic(WEB_SECRET), { execute: [oidc.allowInsecureRequests] })
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: aliceIdToken, post_logout_redirect_uri: LOGGED_OUT, state: 'st' })
    const browser = await signedInBrowser()
    const res = await browser.fetch(url.href)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${LOGGED_OUT}?state=st`)
  })

  it('OIDC RP-Initiated Logout §2: an expired ID token is still accepted as a hint', async () => {
    const browser = await signedInBrowser()
    clock.advance(s.server.config.tokens.id_token_ttl + 60)
    const res = await browser.fetch(logoutUrl({ id_token_hint: aliceIdToken, post_logout_redirect_uri: LOGGED_OUT }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(LOGGED_OUT)
    expect(browser.cookies.has('latch_session')).toBe(false)
  })
})
