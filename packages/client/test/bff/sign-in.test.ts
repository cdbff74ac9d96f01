/**
 * The BFF's sign-in over real HTTP against a real Latch: `/auth/login` (the authorization request
 * with state, nonce and PKCE S256, the transaction bound to the browser by an HttpOnly cookie,
 * `returnTo` kept same-origin), `/auth/callback` (the session cookie and its attributes; forged,
 * replayed and refused callbacks go to the error path without a session), `/auth/me` and
 * `request.latchSession`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALICE } from '../../../server/test/helpers.js'
import { bffClients, freePort, HTTPS_ORIGIN, me, newAgent, setCookies, signIn, startBff, startServer, startUpstream, type BffApp, type TestServer, type Upstream } from './harness.js'

const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/

describe('BFF sign-in', () => {
  let latch: TestServer
  let upstream: Upstream
  let bff: BffApp
  let consentPort: number

  beforeAll(async () => {
    const port = await freePort()
    consentPort = await freePort()
    latch = await startServer({ clients: bffClients(port, consentPort) })
    upstream = await startUpstream(latch)
    bff = await startBff(port, latch, upstream)
  })
  afterAll(async () => {
    await bff?.close()
    await upstream?.close()
    await latch?.close()
  })

  it('RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1: /auth/login redirects to the OP with state, nonce and an S256 code challenge', async () => {
    const agent = newAgent(bff.url, latch)
    const res = await agent.app.fetch(`${bff.url}/auth/login`)
    expect(res.status).toBe(302)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const location = new URL(res.headers.get('location') as string)
    expect(location.origin + location.pathname).toBe(`${latch.url}/authorize`)
    const q = location.searchParams
    expect(q.get('response_type')).toBe('code')
    expect(q.get('client_id')).toBe('bff')
    expect(q.get('redirect_uri')).toBe(`${bff.url}/auth/callback`)
    expect(q.get('scope')).toBe('openid profile email offline_access')
    expect(q.get('code_challenge_method')).toBe('S256')
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(q.get('state')?.length).toBeGreaterThanOrEqual(22)
    expect(q.get('nonce')?.length).toBeGreaterThanOrEqual(22)
    // The transaction is server side: the cookie is an opaque id, HttpOnly and short-lived.
    const tx = setCookies(res).get('latch_bff_tx')
    expect(tx?.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(tx?.value).not.toContain(q.get('state') as string)
    expect(tx?.attributes).toEqual(expect.arrayContaining(['Max-Age=600', 'Path=/', 'HttpOnly', 'SameSite=Lax']))
    expect(tx?.attributes).not.toContain('Secure')
  })

  it('RFC 6749 §10.12: two logins never share state, nonce or PKCE verifier', async () => {
    const agent = newAgent(bff.url, latch)
    const a = new URL((await agent.app.fetch(`${bff.url}/auth/login`)).headers.get('location') as string).searchParams
    const b = new URL((await agent.app.fetch(`${bff.url}/auth/login`)).headers.get('location') as string).searchParams
    for (const p of ['state', 'nonce', 'code_challenge']) expect(a.get(p)).not.toBe(b.get(p))
  })

  it('OIDC Core §3.1.2.1: prompt=none is passed on, an unknown prompt value is not', async () => {
    const agent = newAgent(bff.url, latch)
    const none = new URL((await agent.app.fetch(`${bff.url}/auth/login?prompt=none`)).headers.get('location') as string)
    expect(none.searchParams.get('prompt')).toBe('none')
    const odd = new URL((await agent.app.fetch(`${bff.url}/auth/login?prompt=evil%20login`)).headers.get('location') as string)
    expect(odd.searchParams.has('prompt')).toBe(false)
  })

  it('OIDC Core §3.1.2.6: prompt=none without an OP session comes back as auth_error=login_required, no session', async () => {
    const agent = newAgent(bff.url, latch)
    const login = await agent.app.fetch(`${bff.url}/auth/login?prompt=none`)
    const page = await agent.op.open(login.headers.get('location') as string)
    expect(page.redirect?.searchParams.get('error')).toBe('login_required')
    const back = await agent.app.fetch(page.redirect as URL)
    expect(back.status).toBe(302)
    expect(back.headers.get('location')).toBe('/?auth_error=login_required')
    expect(await me(agent, bff.url)).toEqual({ authenticated: false })
  })

  it('RFC 6749 §4.1.2: the callback creates the session and redirects to returnTo; /auth/me shows the user, never a token', async () => {
    const agent = newAgent(bff.url, latch)
    const back = await signIn(agent, bff.url, `?returnTo=${encodeURIComponent('/orders?page=2#top')}`)
    expect(back.status).toBe(302)
    expect(back.headers.get('location')).toBe('/orders?page=2#top')
    const cookies = setCookies(back)
    const session = cookies.get('latch_bff')
    expect(session?.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(session?.attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Lax']))
    expect(session?.attributes).not.toContain('Secure')
    // The transaction cookie is cleared: one use.
    expect(cookies.get('latch_bff_tx')?.value).toBe('')
    expect(back.headers.getSetCookie().join('\n')).not.toMatch(JWT)

    const res = await agent.app.fetch(`${bff.url}/auth/me`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const text = await res.text()
    expect(text).not.toMatch(JWT)
    const body = JSON.parse(text) as { authenticated: boolean; user: Record<string, unknown>; expiresAt: number; csrfToken: string }
    expect(body.authenticated).toBe(true)
    expect(body.user).toMatchObject({ email: ALICE.email, name: 'Alice Example', given_name: 'Alice', email_verified: true })
    expect(typeof body.user.sub).toBe('string')
    for (const claim of ['iss', 'aud', 'exp', 'iat', 'nonce', 'at_hash', 'auth_time']) expect(body.user).not.toHaveProperty(claim)
    expect(body.expiresAt).toBeGreaterThan(Date.now() / 1000 + 800)
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // Nothing in the session record reaches the page beyond these four keys.
    expect(Object.keys(body).sort()).toEqual(['authenticated', 'csrfToken', 'expiresAt', 'user'])
  })

  it('/auth/me without a session is { authenticated: false }, no-store; a made-up cookie is no session', async () => {
    const agent = newAgent(bff.url, latch)
    const res = await agent.app.fetch(`${bff.url}/auth/me`)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.json()).toEqual({ authenticated: false })
    agent.app.cookies.set('latch_bff', 'A'.repeat(43))
    expect(await me(agent, bff.url)).toEqual({ authenticated: false })
  })

  it('request.latchSession: the app\'s own routes see the user and call the API with the session\'s token', async () => {
    const agent = newAgent(bff.url, latch)
    expect(await (await agent.app.fetch(`${bff.url}/whoami`)).json()).toEqual({ signedIn: false })
    await signIn(agent, bff.url)
    const who = (await (await agent.app.fetch(`${bff.url}/whoami`)).json()) as { signedIn: boolean; sub: string; api: number }
    expect(who).toMatchObject({ signedIn: true, api: 200 })
    expect(upstream.received.at(-1)?.sub).toBe(who.sub)
  })

  describe('RFC 9700 §4.11, RFC 6749 §10.15: returnTo is a same-origin path, never an open redirect', () => {
    const attacks = ['//evil.com', '/\\evil.com', 'https://evil.com', 'http:evil.com', '/\t/evil.com', '\\\\evil.com', 'javascript:alert(1)', '%2F%2Fevil.com', '']
    for (const attack of attacks) {
      it(`returnTo=${JSON.stringify(attack)} lands on /`, async () => {
        const agent = newAgent(bff.url, latch)
        const back = await signIn(agent, bff.url, `?returnTo=${encodeURIComponent(attack)}`)
        expect(back.status).toBe(302)
        expect(back.headers.get('location')).toBe('/')
      })
    }

    it('a relative path with dot segments is normalised and stays on the origin', async () => {
      const agent = newAgent(bff.url, latch)
      const back = await signIn(agent, bff.url, `?returnTo=${encodeURIComponent('/a/../b/./c?x=\\y')}`)
      expect(back.headers.get('location')).toBe('/b/c?x=%5Cy')
    })
  })

  it('RFC 6749 §10.12: a callback without this browser\'s transaction (CSRF, another browser) makes no session', async () => {
    const victim = newAgent(bff.url, latch)
    const attacker = newAgent(bff.url, latch)
    // The attacker starts a sign-in, gets a code for their account, and hands the callback URL to the victim.
    const login = await attacker.app.fetch(`${bff.url}/auth/login`)
    const page = await attacker.op.authorize(login.headers.get('location') as string, ALICE)
    const res = await victim.app.fetch(page.redirect as URL)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/?auth_error=state_mismatch')
    expect(setCookies(res).has('latch_bff')).toBe(false)
    expect(await me(victim, bff.url)).toEqual({ authenticated: false })
  })

  it('RFC 6749 §10.12: a callback whose state is not the transaction\'s is refused (state_mismatch)', async () => {
    const agent = newAgent(bff.url, latch)
    const login = await agent.app.fetch(`${bff.url}/auth/login`)
    const page = await agent.op.authorize(login.headers.get('location') as string, ALICE)
    const forged = new URL(page.redirect as URL)
    forged.searchParams.set('state', 'not-the-state')
    const res = await agent.app.fetch(forged)
    expect(res.headers.get('location')).toBe('/?auth_error=state_mismatch')
    expect(await me(agent, bff.url)).toEqual({ authenticated: false })
  })

  it('RFC 9207 §2.4: a callback with another issuer in iss is refused (iss_mismatch)', async () => {
    const agent = newAgent(bff.url, latch)
    const login = await agent.app.fetch(`${bff.url}/auth/login`)
    const page = await agent.op.authorize(login.headers.get('location') as string, ALICE)
    const forged = new URL(page.redirect as URL)
    forged.searchParams.set('iss', 'https://evil.example')
    const res = await agent.app.fetch(forged)
    expect(res.headers.get('location')).toBe('/?auth_error=iss_mismatch')
    expect(await me(agent, bff.url)).toEqual({ authenticated: false })
  })

  it('RFC 6749 §4.1.2: replaying a callback (same browser, same URL) makes no second session', async () => {
    const agent = newAgent(bff.url, latch)
    const login = await agent.app.fetch(`${bff.url}/auth/login`)
    const txCookie = agent.app.cookies.get('latch_bff_tx') as string
    const page = await agent.op.authorize(login.headers.get('location') as string, ALICE)
    const first = await agent.app.fetch(page.redirect as URL)
    expect(first.headers.get('location')).toBe('/')
    const firstSession = agent.app.cookies.get('latch_bff')
    // Replay with the transaction cookie put back, as an attacker holding both would.
    agent.app.cookies.set('latch_bff_tx', txCookie)
    agent.app.cookies.delete('latch_bff')
    const replay = await agent.app.fetch(page.redirect as URL)
    expect(replay.headers.get('location')).toBe('/?auth_error=state_mismatch')
    expect(agent.app.cookies.has('latch_bff')).toBe(false)
    expect(firstSession).toBeDefined()
  })

  it('RFC 6749 §4.1.2.1: access_denied from the OP goes to /?auth_error=access_denied without a session, never a 500', async () => {
    const denying = await startBff(consentPort, latch, null, { clientId: 'bff-consent', redirectUri: `http://127.0.0.1:${consentPort}/auth/callback` })
    try {
      const agent = newAgent(denying.url, latch)
      const back = await signIn(agent, denying.url, '?returnTo=/account', 'deny')
      expect(back.status).toBe(302)
      expect(back.headers.get('location')).toBe('/?auth_error=access_denied')
      expect(setCookies(back).has('latch_bff')).toBe(false)
      expect(await me(agent, denying.url)).toEqual({ authenticated: false })
    } finally {
      await denying.close()
    }
  })

  it('RFC 9207 §2.4, RFC 6749 §10.12: a hand-made error callback (no iss, no state) is refused as forged, not reported as access_denied', async () => {
    const agent = newAgent(bff.url, latch)
    await agent.app.fetch(`${bff.url}/auth/login`)
    const res = await agent.app.fetch(`${bff.url}/auth/callback?error=access_denied`)
    expect(res.status).toBe(302)
    // Latch advertises authorization_response_iss_parameter_supported, so iss is checked first.
    expect(res.headers.get('location')).toBe('/?auth_error=iss_missing')
    await agent.app.fetch(`${bff.url}/auth/login`)
    const withIss = await agent.app.fetch(`${bff.url}/auth/callback?error=access_denied&iss=${encodeURIComponent(latch.url)}`)
    expect(withIss.headers.get('location')).toBe('/?auth_error=state_mismatch')
  })

  it('a callback with garbage parameters is a redirect to the error path, never a 500', async () => {
    const agent = newAgent(bff.url, latch)
    for (const query of ['', '?code=', '?code=x&state=y&state=z', `?${'a'.repeat(5000)}=1`, '?error=%00%0d%0a']) {
      await agent.app.fetch(`${bff.url}/auth/login`)
      const res = await agent.app.fetch(`${bff.url}/auth/callback${query}`)
      expect(res.status, query).toBe(302)
      expect(res.headers.get('location'), query).toMatch(/^\/\?auth_error=[a-z_]+$/)
    }
  })

  it('OWASP session management: signing in always issues a new session id, and a planted id never becomes a session', async () => {
    const agent = newAgent(bff.url, latch)
    const planted = 'P'.repeat(43)
    agent.app.cookies.set('latch_bff', planted)
    await signIn(agent, bff.url)
    const first = agent.app.cookies.get('latch_bff') as string
    expect(first).not.toBe(planted)
    await signIn(agent, bff.url)
    const second = agent.app.cookies.get('latch_bff') as string
    expect(second).not.toBe(first)
    // The first session ended when the second began.
    agent.app.cookies.set('latch_bff', first)
    expect(await me(agent, bff.url)).toEqual({ authenticated: false })
    agent.app.cookies.set('latch_bff', second)
    expect((await me(agent, bff.url)).authenticated).toBe(true)
  })

  it('RFC 6265bis §4.1.3.2: on an https app origin both cookies are Secure and __Host- prefixed, and the Origin check uses that origin', async () => {
    const behindTls = await startBff(await freePort(), latch, null, { clientId: 'bff-https', redirectUri: `${HTTPS_ORIGIN}/auth/callback` })
    try {
      // TLS ends at a proxy in front of the app: the browser is at https://app.example.test, the app listens on http.
      const agent = newAgent(behindTls.url, latch)
      const login = await agent.app.fetch(`${behindTls.url}/auth/login`)
      const tx = setCookies(login).get('__Host-latch_bff_tx')
      expect(tx?.attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']))
      expect(tx?.attributes.some((a) => a.toLowerCase().startsWith('domain='))).toBe(false)
      expect(new URL(login.headers.get('location') as string).searchParams.get('redirect_uri')).toBe(`${HTTPS_ORIGIN}/auth/callback`)
      const page = await agent.op.authorize(login.headers.get('location') as string, ALICE)
      expect(page.redirect?.origin).toBe(HTTPS_ORIGIN)
      const back = await agent.app.fetch(`${behindTls.url}/auth/callback${(page.redirect as URL).search}`)
      expect(back.headers.get('location')).toBe('/')
      const session = setCookies(back).get('__Host-latch_bff')
      expect(session?.attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']))
      expect(session?.attributes.some((a) => a.toLowerCase().startsWith('domain='))).toBe(false)
      const state = await me(agent, behindTls.url)
      expect(state.authenticated).toBe(true)
      const csrf = state.csrfToken as string
      const foreign = await agent.app.fetch(`${behindTls.url}/auth/refresh`, { method: 'POST', headers: { 'x-latch-csrf': csrf, origin: behindTls.url } })
      expect(foreign.status).toBe(403)
      const own = await agent.app.fetch(`${behindTls.url}/auth/refresh`, { method: 'POST', headers: { 'x-latch-csrf': csrf, origin: HTTPS_ORIGIN } })
      expect(own.status).toBe(200)
      const logout = (await (await agent.app.fetch(`${behindTls.url}/auth/logout`, { method: 'POST', headers: { 'x-latch-csrf': csrf, origin: HTTPS_ORIGIN } })).json()) as { logoutUrl: string }
      expect(new URL(logout.logoutUrl).searchParams.get('post_logout_redirect_uri')).toBe(`${HTTPS_ORIGIN}/`)
    } finally {
      await behindTls.close()
    }
  })
})
