/**
 * The SPA example end to end in a real browser (Debian's Chromium driven by playwright-core):
 * the Vite build of examples/spa served by its own server (`createSpaServer`: the BFF of
 * `@latch/client/bff` plus the static files), a real Latch, and the example API behind the BFF's
 * `/api` proxy, each on an ephemeral port.
 *
 * BFF mode: the user signs in on Latch's real login and consent pages, the page shows the user,
 * calls the API (GET, and a POST that carries the CSRF header), waits past the access token's
 * expiry and calls again (the BFF refreshes), and signs out through Latch's end-session endpoint.
 * Throughout, no token (access, refresh, ID token, PKCE verifier, anything JWT-shaped) is readable
 * by the page: not in localStorage, sessionStorage, a cookie or the HTML; nor in the server's log.
 * A denied consent comes back signed out with a readable error. A second tab that signs out and in
 * again leaves the first with a stale CSRF token, which is refreshed and the request resent once.
 * Back from Latch's login page (a back-forward cache restore), Sign in works again. A protected
 * page that is also the BFF's error path does not loop while the OP is down: <ProtectedRoute>
 * shows the error and leaves the next attempt to the user.
 *
 * PKCE mode (pkce.html, a development build so React StrictMode runs every effect twice): the
 * public client signs in from the browser, the code is exchanged exactly once, the transaction
 * leaves sessionStorage, UserInfo is called with the in-memory Bearer token, a reload forgets the
 * tokens, and logout goes through end-session.
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
import { rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { JWT_SHAPED, RecordingSessionStore } from '../../../packages/client/test/bff/recording-session-store.js'
import { hasChromium, launchChromium } from '../../../packages/server/test/chromium.js'
import { ALICE, API, baseTestConfig, freePort, startServer, type TestServer } from '../../../packages/server/test/helpers.js'
import { createApi } from '../../api/src/api.js'
import { createSpaServer } from '../src/server/spa-server.js'
import { BFF_SECRET, bffClient, buildSpa, expectNoTokenInTheBrowser, me, shownResult, signInAtLatch, watchForErrors } from './support.js'


describe.skipIf(!hasChromium)('examples/spa, BFF mode, in a real browser', () => {
  let latch: TestServer
  let api: Server
  let browser: Browser
  let staticDir: string
  /** The SPA of the main flow, and a second one (its own client, so consent was never remembered) for the denial. */
  const spas: FastifyInstance[] = []
  let spaOrigin: string
  let denyOrigin: string
  /** A SPA whose OP is down and whose BFF sends sign-in failures to a protected page (errorPath /data). */
  let loopOrigin: string
  const store = new RecordingSessionStore()
  const logLines: string[] = []
  const events: { name: string; payload: Record<string, unknown> }[] = []

  beforeAll(async () => {
    staticDir = await buildSpa('production')
    const [spaPort, denyPort, apiPort] = [await freePort(), await freePort(), await freePort()]
    // `localhost`, as in the demo: the browser's origin for the BFF's Origin check and cookies.
    spaOrigin = `http://localhost:${spaPort}`
    denyOrigin = `http://localhost:${denyPort}`
    latch = await startServer({
      // As in latch.config.yaml: access tokens are for the example API unless a resource is named.
      default_resource: API,
      clients: [...baseTestConfig.clients, bffClient('spa-bff', spaOrigin), bffClient('spa-bff-deny', denyOrigin)],
      // Short-lived access tokens, so the test can wait past one and see the BFF refresh it.
      tokens: { access_token_ttl: 2 },
    })
    latch.server.ctx.events.onAny((name, payload) => events.push({ name, payload: payload as Record<string, unknown> }))

    const apiApp = await createApi({ issuer: latch.url, audience: API })
    api = await new Promise<Server>((resolve) => {
      const server = apiApp.listen(apiPort, '127.0.0.1', () => resolve(server))
    })

    for (const [clientId, origin, port] of [['spa-bff', spaOrigin, spaPort], ['spa-bff-deny', denyOrigin, denyPort]] as const) {
      const spa = await createSpaServer({
        issuer: latch.url,
        appOrigin: origin,
        clientId,
        clientSecret: BFF_SECRET,
        apiUpstream: `http://127.0.0.1:${apiPort}/api`,
        staticDir,
        pkceClientId: null,
        // No early refresh: the token is used until it has expired, then refreshed on the next call.
        bff: { sessionStore: store, refreshSkew: 0 },
        logger: { level: 'info', stream: { write: (line: string) => void logLines.push(line) } },
      })
      spas.push(spa)
      await spa.listen({ port, host: '127.0.0.1' })
    }
    const [loopPort, deadPort] = [await freePort(), await freePort()]
    loopOrigin = `http://localhost:${loopPort}`
    const loop = await createSpaServer({
      // Nothing listens there: every sign-in fails with temporarily_unavailable.
      issuer: `http://127.0.0.1:${deadPort}`,
      appOrigin: loopOrigin,
      clientId: 'spa-bff-loop',
      clientSecret: BFF_SECRET,
      apiUpstream: `http://127.0.0.1:${apiPort}/api`,
      staticDir,
      pkceClientId: null,
      bff: { errorPath: '/data' },
    })
    spas.push(loop)
    await loop.listen({ port: loopPort, host: '127.0.0.1' })
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    for (const spa of spas) await spa.close()
    await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()))
    await latch?.close()
    if (staticDir) rmSync(staticDir, { recursive: true, force: true })
  })

  it('BFF §6.1: sign in, call the API (GET and CSRF-protected POST), refresh after expiry, sign out; no token ever reaches the page', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = watchForErrors(page)
    try {
      // The protected page starts the sign-in (ProtectedRoute) and comes back to itself (returnTo).
      await page.goto(`${spaOrigin}/data`)
      await page.waitForURL((url) => url.origin === latch.url)
      await signInAtLatch(page, 'Allow')
      await page.waitForURL(`${spaOrigin}/data`)
      await page.getByRole('heading', { name: 'Protected data' }).waitFor()
      expect(await page.getByText('Signed in as').textContent()).toContain('Alice Example')

      // The BFF's session cookie: HttpOnly, SameSite=Lax, host-only (http://localhost: no Secure, no __Host-).
      const sessionCookie = (await context.cookies(spaOrigin)).find((c) => c.name === 'latch_bff')
      expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', domain: 'localhost' })

      const session = await me(page)
      expect(session).toMatchObject({ authenticated: true, user: { name: 'Alice Example', email: ALICE.email } })
      expect(store.secrets.size).toBeGreaterThanOrEqual(3)

      // GET through the BFF proxy: the browser sent its cookie, the BFF the Bearer token.
      await page.getByRole('button', { name: 'Load data' }).click()
      await page.getByText('GET /api/data:').waitFor()
      const loaded = await shownResult(page)
      expect(loaded.status).toBe('200')
      // The API saw a token for this user, issued to the BFF's client.
      expect(loaded.body).toMatchObject({ sub: session.user?.sub, client_id: 'spa-bff', items: [] })

      // POST: @latch/react adds the session's CSRF token (and the browser its Origin).
      const posted = page.waitForRequest((r) => r.url() === `${spaOrigin}/api/data` && r.method() === 'POST')
      await page.getByRole('button', { name: 'Save data' }).click()
      const post = await posted
      expect(post.headers()['x-latch-csrf']).toBe(session.csrfToken)
      await page.getByText('POST /api/data:').waitFor()
      const saved = await shownResult(page)
      expect(saved.status).toBe('201')
      expect(saved.body).toMatchObject({ id: 1, data: { note: expect.stringMatching(/^saved at /) }, created_by: { sub: session.user?.sub, client_id: 'spa-bff' } })

      // The same POST without the header is refused (the BFF's CSRF rule), with an OAuth error body.
      const forged = await page.evaluate(async () => {
        const r = await window.fetch('/api/data', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
        return { status: r.status, body: (await r.json()) as { error?: string } }
      })
      expect(forged).toMatchObject({ status: 403, body: { error: 'invalid_request' } })

      await expectNoTokenInTheBrowser(page, context, store.secrets)

      // Wait until the access token has expired, then call again: the BFF refreshes first.
      const expiresAt = session.expiresAt as number
      await page.getByText(/Access token expired/).waitFor({ timeout: 10_000 })
      expect(Date.now() / 1000).toBeGreaterThan(expiresAt)
      const refreshesBefore = events.filter((e) => e.name === 'token.issued' && e.payload.grant_type === 'refresh_token').length
      const reloaded = page.waitForResponse((r) => r.url() === `${spaOrigin}/api/data` && r.request().method() === 'GET')
      await page.getByRole('button', { name: 'Load data' }).click()
      expect((await reloaded).status()).toBe(200)
      await expect.poll(async () => (await shownResult(page)).body).toMatchObject({ items: [{ id: 1 }] })
      const refreshesAfter = events.filter((e) => e.name === 'token.issued' && e.payload.grant_type === 'refresh_token').length
      expect(refreshesAfter).toBeGreaterThan(refreshesBefore)
      const refreshed = await me(page)
      expect(refreshed.authenticated).toBe(true)
      expect(refreshed.expiresAt as number).toBeGreaterThan(expiresAt)
      // The indicator picked up the new expiry (@latch/react re-reads /auth/me after the call).
      await expect.poll(async () => Number(await page.locator('[data-expires-at]').getAttribute('data-expires-at'))).toBeGreaterThan(expiresAt)

      await expectNoTokenInTheBrowser(page, context, store.secrets)

      // Sign out: the BFF ends the session and answers Latch's end-session URL, which the page follows.
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.waitForURL((url) => url.origin === spaOrigin && url.pathname === '/', { timeout: 15_000 })
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
      expect(await me(page)).toEqual({ authenticated: false })
      // The old session is gone for the API proxy too.
      const after = await page.evaluate(async () => {
        const r = await window.fetch('/api/data')
        return { status: r.status, body: (await r.json()) as { error?: string } }
      })
      expect(after).toMatchObject({ status: 401, body: { error: 'login_required' } })
      // Latch ended its own session (RP-Initiated Logout) and the BFF revoked the refresh token.
      await vi.waitFor(() => expect(events.some((e) => e.name === 'session.ended')).toBe(true))
      await vi.waitFor(() => expect(events.some((e) => e.name === 'token.revoked' || e.name === 'grant.revoked')).toBe(true))

      await expectNoTokenInTheBrowser(page, context, store.secrets)
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  }, 90_000)

  it('CSRF: after another tab signed out and in again, a POST with the old token is refused once and resent with the new one', async () => {
    const context = await browser.newContext()
    const first = await context.newPage()
    const errors = watchForErrors(first)
    const posts: number[] = []
    first.on('response', (r) => {
      if (r.url() === `${spaOrigin}/api/data` && r.request().method() === 'POST') posts.push(r.status())
    })
    try {
      await first.goto(`${spaOrigin}/data`)
      await first.waitForURL((url) => url.origin === latch.url)
      await signInAtLatch(first, 'Allow if asked', spaOrigin)
      await first.getByRole('heading', { name: 'Protected data' }).waitFor()
      const before = await me(first)

      // Another tab of the same browser ends the session and starts a new one (new CSRF token).
      const second = await context.newPage()
      await second.goto(`${spaOrigin}/`)
      await second.getByRole('button', { name: 'Sign out' }).click()
      await second.waitForURL((url) => url.origin === spaOrigin && url.pathname === '/')
      await second.getByRole('button', { name: 'Sign in', exact: true }).click()
      await second.waitForURL((url) => url.origin === latch.url)
      await signInAtLatch(second, 'Allow if asked', spaOrigin)
      await second.getByText('Signed in as').waitFor()
      const after = await me(second)
      expect(after.csrfToken).not.toBe(before.csrfToken)

      // The first tab still holds the old token: the BFF refuses it, @latch/react reloads /auth/me and resends.
      await first.getByRole('button', { name: 'Save data' }).click()
      await first.getByText('POST /api/data:').waitFor()
      expect((await shownResult(first)).status).toBe('201')
      expect(posts).toEqual([403, 201])
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  }, 60_000)

  it('RFC 6749 §4.1.2.1: a denied consent comes back signed out, with the error shown and removed from the URL', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = watchForErrors(page)
    try {
      await page.goto(`${denyOrigin}/`)
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await page.waitForURL((url) => url.origin === latch.url)
      await signInAtLatch(page, 'Deny')
      await page.waitForURL((url) => url.origin === denyOrigin)
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('Sign-in was cancelled or access was denied.')
      expect(new URL(page.url()).search).toBe('')
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
      expect(await me(page)).toEqual({ authenticated: false })
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  }, 60_000)

  it('RFC 6749 §4.1.2.1 / issue: a <ProtectedRoute> page that is also the error path does not loop when sign-in fails (OP down): it shows the error and waits for the user', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = watchForErrors(page)
    const logins: string[] = []
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/auth/login') logins.push(request.url())
    })
    try {
      // Protected: the first visit starts a sign-in, which fails and comes back to /data?auth_error=…
      await page.goto(`${loopOrigin}/data`)
      await page.getByRole('alert').waitFor({ timeout: 15_000 })
      expect(await page.getByRole('alert').textContent()).toBe('The sign-in service is temporarily unavailable. Please try again later.')
      expect(new URL(page.url()).pathname).toBe('/data')
      // A round trip to the server, so a sign-in the page was still going to start would have been sent by now.
      expect(await me(page)).toEqual({ authenticated: false })
      expect(logins).toHaveLength(1)
      // The next attempt is the user's: one click, one more attempt, and the error again.
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await expect.poll(() => logins.length).toBe(2)
      await page.getByRole('alert').waitFor({ timeout: 15_000 })
      expect(await me(page)).toEqual({ authenticated: false })
      expect(logins).toHaveLength(2)
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  }, 60_000)

  it('HTML pageshow.persisted (back-forward cache): back from Latch\'s login page with the Back button, Sign in works again', async () => {
    // Playwright turns Chromium's back-forward cache off by default; this browser has it on.
    const bfBrowser = await launchChromium({ ignoreDefaultArgs: ['--disable-back-forward-cache'] })
    try {
      const page = await bfBrowser.newPage()
      const errors = watchForErrors(page)
      await page.goto(`${denyOrigin}/`)
      await page.evaluate(() => Object.assign(window, { latchTestMarker: true }))
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await page.waitForURL((url) => url.origin === latch.url)
      await page.goBack({ waitUntil: 'commit' })
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
      // The page came back from the cache with its JavaScript state (so mid-navigation).
      expect(await page.evaluate(() => (window as { latchTestMarker?: boolean }).latchTestMarker)).toBe(true)
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await page.waitForURL((url) => url.origin === latch.url, { timeout: 10_000 })
      expect(errors).toEqual([])
    } finally {
      await bfBrowser.close()
    }
  }, 60_000)

  it('CSP: the pages allow only their own scripts and styles and cannot be framed; the HTML is revalidated', async () => {
    for (const path of ['/', '/data', '/some/client/route']) {
      const res = await fetch(`${spaOrigin}${path}`, { headers: { accept: 'text/html' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      const csp = res.headers.get('content-security-policy') ?? ''
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(res.headers.get('referrer-policy')).toBe('no-referrer')
      expect(res.headers.get('cache-control')).toBe('no-cache')
      expect(await res.text()).toContain('<div id="root">')
    }
    // Hashed assets are cached for good; a missing file is a 404, not the index page.
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await (await fetch(`${spaOrigin}/`)).text())?.[1]
    expect(script).toBeDefined()
    const asset = await fetch(`${spaOrigin}${script}`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect((await fetch(`${spaOrigin}/assets/missing.js`)).status).toBe(404)
  })

  it('logging: the server log never contains a token, a code verifier or an authorization code', () => {
    // Runs after the flows above, which logged every request of a sign-in, refresh and logout.
    expect(logLines.length).toBeGreaterThan(0)
    const log = logLines.join('\n')
    expect([...store.secrets].some((secret) => log.includes(secret))).toBe(false)
    expect(JWT_SHAPED.test(log)).toBe(false)
    expect(log).not.toMatch(/[?&]code=/)
  })
})

describe.skipIf(!hasChromium)('examples/spa, in-memory PKCE mode, in a real browser (React StrictMode)', () => {
  let latch: TestServer
  let spa: FastifyInstance
  let browser: Browser
  let staticDir: string
  let spaOrigin: string
  const events: { name: string; payload: Record<string, unknown> }[] = []

  beforeAll(async () => {
    // A development build: StrictMode mounts, unmounts and mounts every effect again.
    staticDir = await buildSpa('development')
    const spaPort = await freePort()
    spaOrigin = `http://localhost:${spaPort}`
    latch = await startServer({
      // As in latch.config.yaml: access tokens are for the example API unless a resource is named.
      default_resource: API,
      clients: [
        ...baseTestConfig.clients,
        {
          client_id: 'spa-pkce',
          client_name: 'SPA Test (PKCE)',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: [`${spaOrigin}/callback`],
          post_logout_redirect_uris: [`${spaOrigin}/`],
          scope: 'openid profile email read:data',
          skip_consent: true,
        },
      ],
    })
    latch.server.ctx.events.onAny((name, payload) => events.push({ name, payload: payload as Record<string, unknown> }))
    spa = await createSpaServer({
      issuer: latch.url,
      appOrigin: spaOrigin,
      clientId: 'unused-bff',
      clientSecret: BFF_SECRET,
      staticDir,
      pkceClientId: 'spa-pkce',
    })
    await spa.listen({ port: spaPort, host: '127.0.0.1' })
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await spa?.close()
    await latch?.close()
    if (staticDir) rmSync(staticDir, { recursive: true, force: true })
  })

  /** @see issue 8 */
  it('a fresh visit to the PKCE home page shows no sign-in error and does not try to complete a sign-in', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = watchForErrors(page)
    try {
      await page.goto(`${spaOrigin}/pkce`)
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
      // Rendered with the button: no "Signing you in…" (no exchange is pending on this page).
      expect(await page.getByText('Signing you in…').count()).toBe(0)
      // An exchange attempt would fail without a network round trip and render its alert at once.
      await page.waitForLoadState('networkidle')
      expect(await page.getByRole('alert').count()).toBe(0)
      expect(await page.getByText('Sign-in could not be completed').count()).toBe(0)
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  }, 60_000)

  it('RFC 7636 + RFC 6749 §4.1.2: signs in once under StrictMode, calls UserInfo with the in-memory token, keeps no token in web storage', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = watchForErrors(page)
    // The token responses the browser received (it is the client here): the values to look for.
    const secrets = new Set<string>()
    page.on('response', async (response) => {
      if (response.url().startsWith(`${latch.url}/token`) && response.request().method() === 'POST') {
        const body = (await response.json().catch(() => ({}))) as Record<string, unknown>
        for (const key of ['access_token', 'refresh_token', 'id_token']) if (typeof body[key] === 'string') secrets.add(body[key])
      }
    })
    try {
      await page.goto(`${spaOrigin}/pkce/data`)
      await page.waitForURL((url) => url.origin === latch.url)
      await signInAtLatch(page, null)
      // Back at /callback, the exchange runs and the URL is replaced by the page the sign-in began at.
      await page.waitForURL(`${spaOrigin}/pkce/data`)
      await page.getByRole('heading', { name: 'Protected data' }).waitFor()
      expect(await page.getByText('Signed in as').textContent()).toContain('Alice Example')
      expect(new URL(page.url()).search).toBe('')

      // Exactly one code exchange, although StrictMode ran the callback effect twice.
      const exchanges = events.filter((e) => e.name === 'token.issued' && e.payload.grant_type === 'authorization_code' && e.payload.client_id === 'spa-pkce')
      expect(exchanges).toHaveLength(1)
      expect(events.some((e) => e.name === 'authorization_code.reused')).toBe(false)
      await vi.waitFor(() => expect(secrets.size).toBeGreaterThanOrEqual(2))

      // The transaction (state, nonce, verifier) left sessionStorage at the callback.
      expect(await page.evaluate(() => window.sessionStorage.length)).toBe(0)

      await page.getByRole('button', { name: 'Load profile' }).click()
      await page.getByText('GET UserInfo:').waitFor()
      const shown = await shownResult(page)
      expect(shown.status).toBe('200')
      expect(shown.body).toMatchObject({ email: ALICE.email, name: 'Alice Example' })

      await expectNoTokenInTheBrowser(page, context, secrets)

      // By design a reload forgets the in-memory tokens: the home page is signed out.
      await page.goto(`${spaOrigin}/pkce`)
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
      expect(await page.getByRole('alert').count()).toBe(0)
      await expectNoTokenInTheBrowser(page, context, secrets)

      // Signing in again reuses Latch's SSO session (no login page), then sign out via end-session.
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await page.waitForURL(`${spaOrigin}/pkce/`)
      // Signing out from a protected page must not restart a sign-in on the way out.
      await page.getByRole('link', { name: 'Protected data' }).click()
      await page.getByRole('heading', { name: 'Protected data' }).waitFor()
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.waitForURL((url) => url.origin === spaOrigin && url.pathname === '/', { timeout: 15_000 })
      await vi.waitFor(() => expect(events.some((e) => e.name === 'session.ended')).toBe(true))
      await vi.waitFor(() => expect(events.some((e) => e.name === 'token.revoked' && e.payload.client_id === 'spa-pkce')).toBe(true))
      await expectNoTokenInTheBrowser(page, context, secrets)
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  }, 90_000)
})
