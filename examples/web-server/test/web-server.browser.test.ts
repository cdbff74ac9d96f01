/**
 * The web server example end to end in a real browser (Debian's Chromium driven by
 * playwright-core): a real Latch, the example API (`createApi` of examples/api) and the example
 * app (`createWebServerApp`), each on an ephemeral port. The user signs in on Latch's real login
 * and consent pages, sees the profile, has the server call the API, waits past the access
 * token's expiry (Latch's `access_token_ttl` is 3 s here) and calls it again (the BFF refreshes),
 * refreshes on demand, and signs out through Latch's end-session endpoint, landing back signed
 * out. All of it also with JavaScript off.
 *
 * Throughout, no token is within the page's reach: the BFF's store records every secret it holds
 * (access, refresh and ID tokens, PKCE verifier, state, nonce), and none of them, nor anything
 * JWT-shaped, may appear in localStorage, sessionStorage, a cookie readable by scripts, or any HTML
 * the app serves; nor in the app's log (with the authorization code).
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JWT_SHAPED, RecordingSessionStore, SECRET_FIELDS } from '../../../packages/client/test/bff/recording-session-store.js'
import { hasChromium, launchChromium } from '../../../packages/server/test/chromium.js'
import { ALICE, API, baseTestConfig, freePort, startServer, type TestServer } from '../../../packages/server/test/helpers.js'
import { createApi } from '../../api/src/api.js'
import { createWebServerApp } from '../src/app.js'
import { GENERIC_AUTH_ERROR } from '../src/page.js'


const SECRET = 'web-example-secret-0123456789abcdef012345'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!hasChromium)('examples/web-server in a real browser', () => {
  let latch: TestServer
  let api: Server
  let web: FastifyInstance
  let browser: Browser
  let appUrl: string
  const store = new RecordingSessionStore([...SECRET_FIELDS, 'state'])
  const logLines: string[] = []
  /** Every HTML body the app served, and every authorization code the browser carried to the callback. */
  const htmlBodies: string[] = []
  const codes = new Set<string>()

  beforeAll(async () => {
    const port = await freePort()
    appUrl = `http://127.0.0.1:${port}`
    latch = await startServer({
      clients: [
        ...baseTestConfig.clients,
        {
          client_id: 'web-example',
          client_name: 'Web Server Example',
          client_secret: SECRET,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: [`${appUrl}/auth/callback`],
          post_logout_redirect_uris: [`${appUrl}/`],
          scope: 'openid profile email offline_access read:data',
          resources: [API],
        },
      ],
      tokens: { access_token_ttl: 3 },
    })
    const apiApp = createApi({ issuer: latch.url, audience: API })
    api = await new Promise<Server>((resolve) => {
      const server = apiApp.listen(0, '127.0.0.1', () => resolve(server))
    })
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'))
        done()
      },
    })
    web = await createWebServerApp({
      issuer: latch.url,
      clientId: 'web-example',
      clientSecret: SECRET,
      baseUrl: appUrl,
      apiUrl,
      resource: API,
      refreshSkew: 1,
      sessionStore: store,
      logger: { level: 'info', stream: logStream },
    })
    await web.listen({ port, host: '127.0.0.1' })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await web?.close()
    await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()))
    await latch?.close()
  })

  /** A fresh browser profile that records the app's HTML and the codes sent to its callback. */
  async function newPage(javaScriptEnabled = true): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ javaScriptEnabled })
    context.setDefaultTimeout(10_000)
    const page = await context.newPage()
    page.on('request', (request) => {
      const url = new URL(request.url())
      if (url.origin === appUrl && url.pathname === '/auth/callback') {
        const code = url.searchParams.get('code')
        if (code) codes.add(code)
      }
    })
    page.on('response', async (response) => {
      if (!response.url().startsWith(appUrl) || !(response.headers()['content-type'] ?? '').startsWith('text/html')) return
      htmlBodies.push(await response.text().catch(() => ''))
    })
    return { context, page }
  }

  async function signIn(page: Page): Promise<void> {
    const home = await page.goto(appUrl)
    const csp = (await home?.allHeaders())?.['content-security-policy'] ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    await page.getByText('You are signed out').waitFor()
    await page.getByRole('link', { name: 'Sign in' }).click()
    await page.getByLabel('Email').fill(ALICE.email)
    await page.getByLabel('Password').fill(ALICE.password)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    // Consent is remembered after the first Allow (OIDC Core §3.1.2.1), so it may not be asked again.
    const allow = page.getByRole('button', { name: 'Allow' })
    const hello = page.getByRole('heading', { name: 'Hello, Alice Example' })
    await allow.or(hello).first().waitFor()
    if (await allow.isVisible()) await allow.click()
    await hello.waitFor()
    expect(new URL(page.url()).href).toBe(`${appUrl}/`)
  }

  async function expiresAt(page: Page): Promise<number> {
    return Number(await page.locator('time[data-expires-at]').getAttribute('data-expires-at'))
  }

  async function callApi(page: Page): Promise<Record<string, unknown>> {
    await page.getByRole('button', { name: 'Call the API' }).click()
    await page.getByTestId('api-status').waitFor()
    expect(await page.getByTestId('api-status').textContent()).toBe('200')
    return JSON.parse((await page.getByTestId('api-body').textContent()) ?? '') as Record<string, unknown>
  }

  /** No secret the BFF holds, and nothing JWT-shaped, where page scripts could read it. */
  async function expectNoTokensInBrowser(context: BrowserContext, page: Page, javaScriptEnabled: boolean): Promise<void> {
    expect(store.secrets.size).toBeGreaterThan(0)
    const readable: string[] = []
    for (const cookie of await context.cookies()) {
      if (!cookie.httpOnly) readable.push(`${cookie.name}=${cookie.value}`)
      // HttpOnly cookies are out of the page's reach; still, they hold ids, never tokens.
      for (const secret of store.secrets) expect(cookie.value).not.toContain(secret)
      expect(cookie.value).not.toMatch(JWT_SHAPED)
    }
    if (javaScriptEnabled) {
      for (const origin of [appUrl, latch.url]) {
        const probe = await context.newPage()
        await probe.goto(`${origin}/${origin === appUrl ? 'style.css' : 'healthz'}`)
        readable.push(await probe.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })))
        await probe.close()
      }
    }
    readable.push(...htmlBodies)
    const everything = readable.join('\n')
    expect(everything).not.toMatch(JWT_SHAPED)
    for (const secret of store.secrets) expect(everything.includes(secret), 'a secret of the BFF reached the browser').toBe(false)
    expect(page.url()).not.toMatch(JWT_SHAPED)
  }

  function expectCleanLog(): void {
    const log = logLines.join('')
    expect(log.length).toBeGreaterThan(0)
    expect(log).not.toMatch(JWT_SHAPED)
    for (const secret of [...store.secrets, ...codes]) expect(log.includes(secret), 'a secret or code reached the log').toBe(false)
  }

  // First, while Latch has no remembered consent for Alice and this client.
  it('RFC 6749 §4.1.2.1: denying consent at Latch lands back signed out with a readable message', async () => {
    const { context, page } = await newPage()
    try {
      await page.goto(appUrl)
      await page.getByRole('link', { name: 'Sign in' }).click()
      await page.getByLabel('Email').fill(ALICE.email)
      await page.getByLabel('Password').fill(ALICE.password)
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await page.getByRole('button', { name: 'Deny' }).click()
      await page.getByText('You declined the sign-in at Latch.').waitFor()
      await page.getByText('You are signed out').waitFor()
      expect(new URL(page.url()).pathname).toBe('/')
      expect(new URL(page.url()).searchParams.get('auth_error')).toBe('access_denied')
    } finally {
      await context.close()
    }
  })

  it('OpenID Connect Core §3.1, RFC 6749 §6: sign in, call the API, call it again after expiry (refresh), refresh on demand, sign out', async () => {
    const { context, page } = await newPage()
    try {
      await signIn(page)
      const profile = (await page.locator('dl.profile').textContent()) ?? ''
      expect(profile).toContain('Alice Example')
      expect(profile).toContain(ALICE.email)
      expect(profile).toMatch(/Subject \(sub\)\S+/)

      const first = await callApi(page)
      await page.screenshot({ path: '/tmp/latch-web-server.png', fullPage: true })
      expect(JSON.stringify(first)).not.toMatch(JWT_SHAPED)
      const firstExpiry = await expiresAt(page)

      // Past the access token's expiry: the BFF refreshes before calling the API, which accepts the new token.
      await sleep(Math.max(0, firstExpiry * 1000 - Date.now() + 300))
      await callApi(page)
      const secondExpiry = await expiresAt(page)
      expect(secondExpiry).toBeGreaterThan(firstExpiry)

      // Refresh tokens (a plain form POST with the CSRF field): back on / with a later expiry.
      await sleep(1100)
      await page.getByRole('button', { name: 'Refresh tokens' }).click()
      await page.waitForURL(`${appUrl}/`)
      await page.getByRole('heading', { name: 'Hello, Alice Example' }).waitFor()
      expect(await expiresAt(page)).toBeGreaterThan(secondExpiry)

      await expectNoTokensInBrowser(context, page, true)

      // Sign out: the form posts to /auth/logout, 303 to Latch's end-session endpoint, 303 back to /.
      const visited: string[] = []
      page.on('request', (request) => {
        if (request.isNavigationRequest()) visited.push(request.url())
      })
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.getByText('You are signed out').waitFor()
      expect(new URL(page.url()).href).toBe(`${appUrl}/`)
      expect(visited.some((u) => u.startsWith(`${latch.url}/logout?`))).toBe(true)
      // Signed out at Latch too: its session cookie is gone, so signing in again asks for the password.
      expect((await context.cookies(latch.url)).some((c) => c.name === 'latch_session')).toBe(false)
      await page.getByRole('link', { name: 'Sign in' }).click()
      await page.getByLabel('Password').waitFor()
      await page.goto(appUrl)
      await page.getByText('You are signed out').waitFor()

      await expectNoTokensInBrowser(context, page, true)
      expectCleanLog()
    } finally {
      await context.close()
    }
  })

  it('works without JavaScript: sign in, call the API, sign out', async () => {
    const { context, page } = await newPage(false)
    try {
      await signIn(page)
      await callApi(page)
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.getByText('You are signed out').waitFor()
      expect(new URL(page.url()).href).toBe(`${appUrl}/`)
      await expectNoTokensInBrowser(context, page, false)
      expectCleanLog()
    } finally {
      await context.close()
    }
  })

  it('shows no request text it does not know (auth_error) and sends its security headers on every page', async () => {
    const res = await fetch(`${appUrl}/?auth_error=${encodeURIComponent('<script>alert(1)</script>')}`)
    const body = await res.text()
    expect(body).not.toContain('script')
    expect(body).toContain(GENERIC_AUTH_ERROR)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('same-origin')
    expect(res.headers.get('content-security-policy')).toContain(`form-action 'self' ${latch.url}`)
  })
})
