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
import { ALICE, basic, postForm } from '../../../server/test/helpers.js'
import { MemorySessionStore } from '../../src/bff/index.js'
import { BFF_SECRET, bffClients, freePort, HTTPS_ORIGIN, me, newAgent, setCookies, signIn, startBff, startServer, startUpstream, storedSession, type BffApp, type TestServer, type Upstream } from './harness.js'

const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/

describe('BFF sign-in', () => {
  let latch: TestServer
  let upstream: Upstream
  let bff: BffApp
  let consentPort: number
  let floodPort: number

  beforeAll(async () => {
    const port = await freePort()
    consentPort = await freePort()
    floodPort = await freePort()
    latch = await startServer({ clients: bffClients([port, floodPort], consentPort) })
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

  it('issue 10: organization is passed on to the OP when it is a plausible id, dropped otherwise', async () => {
    const agent = newAgent(bff.url, latch)
    const acme = new URL((await agent.app.fetch(`${bff.url}/auth/login?organization=acme`)).headers.get('location') as string)
    expect(acme.searchParams.get('organization')).toBe('acme')
    for (const odd of ['acme%20globex', '', 'a'.repeat(65), 'acme%26prompt%3Dnone']) {
      const url = new URL((await agent.app.fetch(`${bff.url}/auth/login?organization=${odd}`)).headers.get('location') as string)
      expect(url.searchParams.has('organization'), odd).toBe(false)
      expect(url.searchParams.has('prompt'), odd).toBe(false)
    }
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
    // The transaction is used once (see the replay test); its cookie, which names this browser and
    // may have other tabs' sign-ins pending under it, is left to expire.
    expect(cookies.has('latch_bff_tx')).toBe(false)
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
    // Dot segments that collapse into a scheme-relative //host when normalised (issue: open redirect).
    const collapsing = ['/.//evil.example', '/a/..//evil.example/x', '/%2e//evil.example']
    for (const attack of attacks) {
      it(`returnTo=${JSON.stringify(attack)} lands on /`, async () => {
        const agent = newAgent(bff.url, latch)
        const back = await signIn(agent, bff.url, `?returnTo=${encodeURIComponent(attack)}`)
        expect(back.status).toBe(302)
        expect(back.headers.get('location')).toBe('/')
      })
    }

    for (const attack of collapsing) {
      it(`RFC 9700 §4.11 / issue: returnTo=${JSON.stringify(attack)} (dot segments collapsing into //host) lands on /, never on //evil.example`, async () => {
        const agent = newAgent(bff.url, latch)
        const back = await signIn(agent, bff.url, `?returnTo=${encodeURIComponent(attack)}`)
        expect(back.status).toBe(302)
        expect(back.headers.get('location')).toBe('/')
      })
    }

    it('RFC 9700 §4.11 / issue: the refresh form\'s returnTo cannot redirect to //evil.example through dot segments either', async () => {
      const agent = newAgent(bff.url, latch)
      await signIn(agent, bff.url)
      const csrf = (await me(agent, bff.url)).csrfToken as string
      for (const attack of collapsing) {
        const res = await agent.app.fetch(`${bff.url}/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: bff.url },
          body: new URLSearchParams({ csrf, returnTo: attack }).toString(),
        })
        expect(res.status, attack).toBe(303)
        expect(res.headers.get('location'), attack).toBe('/')
      }
    })

    it('a relative path with dot segments is normalised and stays on the origin', async () => {
      const agent = newAgent(bff.url, latch)
      const back = await signIn(agent, bff.url, `?returnTo=${encodeURIComponent('/a/../b/./c?x=y#z')}`)
      expect(back.headers.get('location')).toBe('/b/c?x=y#z')
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

  it('RFC 6749 §10.12 / issue: a forged callback (a cross-site navigation to /auth/callback) removes nothing: the sign-in pending in this browser still completes', async () => {
    const agent = newAgent(bff.url, latch)
    const login = await agent.app.fetch(`${bff.url}/auth/login?returnTo=/pending`)
    // Another site sends the browser to the callback with a state of its own, or none.
    for (const query of [`?code=forged&state=${'F'.repeat(43)}&iss=${encodeURIComponent(latch.url)}`, '?error=access_denied', '']) {
      const forged = await agent.app.fetch(`${bff.url}/auth/callback${query}`)
      expect(forged.headers.get('location'), query).toBe('/?auth_error=state_mismatch')
    }
    const page = await agent.op.authorize(login.headers.get('location') as string, ALICE)
    const back = await agent.app.fetch(page.redirect as URL)
    expect(back.headers.get('location')).toBe('/pending')
    expect((await me(agent, bff.url)).authenticated).toBe(true)
  })

  it('RFC 6749 §10.12 / issue: two tabs signing in at once both complete, each with its own transaction', async () => {
    const agent = newAgent(bff.url, latch)
    const first = await agent.app.fetch(`${bff.url}/auth/login?returnTo=/first`)
    const second = await agent.app.fetch(`${bff.url}/auth/login?returnTo=/second`)
    const firstPage = await agent.op.authorize(first.headers.get('location') as string, ALICE)
    const secondPage = await agent.op.authorize(second.headers.get('location') as string, ALICE)
    expect((await agent.app.fetch(firstPage.redirect as URL)).headers.get('location')).toBe('/first')
    expect((await agent.app.fetch(secondPage.redirect as URL)).headers.get('location')).toBe('/second')
    expect((await me(agent, bff.url)).authenticated).toBe(true)
    // One browser, one transaction cookie: the second sign-in kept the first one's id.
    expect(setCookies(second).get('latch_bff_tx')?.value).toBe(setCookies(first).get('latch_bff_tx')?.value)
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
    // No state: no transaction of this browser matches it.
    expect(res.headers.get('location')).toBe('/?auth_error=state_mismatch')
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

  it('RFC 7009 §2.1 / issue: a sign-in that replaces a session revokes the replaced session\'s grant; the new session works', async () => {
    const agent = newAgent(bff.url, latch)
    await signIn(agent, bff.url)
    const first = await storedSession(bff, agent)
    await signIn(agent, bff.url)
    const refresh = await postForm(`${latch.url}/token`, { grant_type: 'refresh_token', refresh_token: first.refreshToken as string }, { authorization: basic('bff', BFF_SECRET) })
    expect(refresh.status).toBe(400)
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' })
    expect((await agent.app.fetch(`${bff.url}/api/data`)).status).toBe(200)
  })

  it('issue: a flood of anonymous /auth/login requests never evicts a signed-in session', async () => {
    const small = await startBff(floodPort, latch, null, { sessionStore: new MemorySessionStore({ maxEntries: 10, maxTransactions: 10 }) })
    try {
      const agent = newAgent(small.url, latch)
      await signIn(agent, small.url)
      for (let i = 0; i < 50; i++) expect((await fetch(`${small.url}/auth/login`, { redirect: 'manual' })).status).toBe(302)
      expect((await me(agent, small.url)).authenticated).toBe(true)
    } finally {
      await small.close()
    }
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
