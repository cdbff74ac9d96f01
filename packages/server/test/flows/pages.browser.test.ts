/**
 * The pages in a real browser (docs/architecture.md §2 "Pages"): Debian's Chromium driven by
 * playwright-core. A confidential client's redirect_uri is a tiny HTTP server started here that
 * records the callback query; the browser signs in by the labels a person reads (Email, Password,
 * Sign in), consents (Allow), and lands there with `code`, `state` and `iss` (RFC 9207); the code
 * is then exchanged with fetch. Also: the pages cannot be framed (CSP `frame-ancestors 'none'`),
 * the login form fits a phone without horizontal scrolling, everything works with JavaScript off,
 * and the device verification page (Code, Continue) leads to the same sign-in and consent.
 * Screenshots of the login and consent pages go to /tmp for a person to look at.
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed (docs/architecture.md §2
 * "Commands": tests that need Chromium say clearly when they are skipped).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, BrowserContextOptions, Page, Response as PageResponse } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { hashHandle } from '../../src/lib/random.js'
import { normalizeUserCode } from '../../src/rules/user-code.js'
import { hasChromium, launchChromium } from '../chromium.js'
import { ALICE, API, baseTestConfig, basic, postForm, startCallbackServer, startServer, type CallbackServer, type TestServer } from '../helpers.js'


const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const APP_SECRET = 'browser-app-secret-0123456789abcdef0123'
const APP_NAME = 'Browser Test App'
const TV_NAME = 'Browser Test TV'
const PHONE = { width: 390, height: 844 }

describe.skipIf(!hasChromium)('pages in a real browser', () => {
  let s: TestServer
  let browser: Browser
  let callbackServer: CallbackServer
  let callbackUrl: string
  /** Every query string the client's redirect_uri received, in order. */
  let callbacks: URLSearchParams[]

  beforeAll(async () => {
    callbackServer = await startCallbackServer()
    ;({ url: callbackUrl, callbacks } = callbackServer)
    s = await startServer({
      clients: [
        ...baseTestConfig.clients,
        {
          client_id: 'browser-app',
          client_name: APP_NAME,
          client_secret: APP_SECRET,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: [callbackUrl],
          scope: 'openid profile email read:data',
          resources: [API],
        },
        { client_id: 'browser-tv', client_name: TV_NAME, token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT], scope: 'openid profile' },
      ],
    })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await s?.close()
    await callbackServer?.close()
  })

  /** A fresh browser profile (no cookies): one user, one flow. */
  async function newPage(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext(options)
    // Fail inside the test's own timeout, with Playwright's message naming what was awaited.
    context.setDefaultTimeout(10_000)
    return { context, page: await context.newPage() }
  }

  function pkce(): { verifier: string; challenge: string } {
    const verifier = randomBytes(32).toString('base64url')
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
  }

  /** `extra`: e.g. `prompt=consent`, since consent is remembered after the first test allows (OIDC Core §3.1.2.1). */
  function authorizationUrl(state: string, nonce: string, challenge: string, extra: Record<string, string> = {}): string {
    const url = new URL(`${s.url}${PATHS.authorization}`)
    url.search = new URLSearchParams({
      client_id: 'browser-app',
      redirect_uri: callbackUrl,
      response_type: 'code',
      scope: 'openid profile email read:data',
      resource: API,
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    }).toString()
    return url.href
  }

  /** The CSP of a page response: the clickjacking defence of the login and consent buttons. */
  async function expectUnframeable(response: PageResponse | null): Promise<void> {
    expect(response, 'a page response').not.toBeNull()
    const headers = await (response as PageResponse).allHeaders()
    expect(headers['content-security-policy'], (response as PageResponse).url()).toContain("frame-ancestors 'none'")
  }

  /** Fills the sign-in form by its labels and clicks Sign in. */
  async function signIn(page: Page, user = ALICE): Promise<void> {
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  }

  /** Runs `click`, waits for the browser to land on the client's redirect_uri; returns the query the client recorded. */
  async function waitForCallback(page: Page, click: () => Promise<void>): Promise<URLSearchParams> {
    const before = callbacks.length
    await click()
    await page.waitForURL((url) => url.href.startsWith(callbackUrl))
    expect(callbacks.length, 'the client received exactly one callback').toBe(before + 1)
    const recorded = callbacks[callbacks.length - 1] as URLSearchParams
    expect(recorded.toString()).toBe(new URL(page.url()).searchParams.toString())
    return recorded
  }

  async function exchange(code: string, verifier: string): Promise<Record<string, unknown>> {
    const res = await postForm(
      `${s.url}${PATHS.token}`,
      { grant_type: 'authorization_code', code, redirect_uri: callbackUrl, code_verifier: verifier },
      { authorization: basic('browser-app', APP_SECRET) },
    )
    const body = (await res.json()) as Record<string, unknown>
    expect(res.status, JSON.stringify(body)).toBe(200)
    return body
  }

  function jwtPayload(jwt: unknown): Record<string, unknown> {
    return JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
  }

  it('architecture.md §2 Pages, RFC 6749 §4.1: a browser signs in, allows, and the client gets code, state and iss, then tokens', async () => {
    const { context, page } = await newPage()
    try {
      const { verifier, challenge } = pkce()
      const state = randomBytes(12).toString('base64url')
      const nonce = randomBytes(12).toString('base64url')
      const pageResponses: PageResponse[] = []
      page.on('response', (r) => {
        if (r.url().startsWith(`${s.url}${PATHS.interaction}/`) && r.request().method() === 'GET' && r.status() === 200) pageResponses.push(r)
      })

      const login = await page.goto(authorizationUrl(state, nonce, challenge))
      expect(login?.status()).toBe(200)
      await expectUnframeable(login)
      await page.getByLabel('Email').waitFor({ state: 'visible' })
      await page.getByLabel('Password').waitFor({ state: 'visible' })
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor({ state: 'visible' })
      await page.screenshot({ path: '/tmp/latch-login.png', fullPage: true })

      await signIn(page)
      const allow = page.getByRole('button', { name: 'Allow' })
      await allow.waitFor({ state: 'visible' })
      await page.getByRole('button', { name: 'Deny' }).waitFor({ state: 'visible' })
      // The consent page names the client and describes each requested scope.
      expect(await page.getByRole('heading').first().textContent()).toContain(APP_NAME)
      for (const description of ['Sign you in with your account', 'See your name and basic profile', 'See your email address', 'Read your data']) {
        await page.getByText(description).waitFor({ state: 'visible' })
      }
      // RFC 8707 (issue 8): and the API the token will be for.
      await page.getByText(`For the API ${API}, it is asking to:`).waitFor({ state: 'visible' })
      expect(pageResponses.length, 'login and consent pages were served').toBeGreaterThanOrEqual(2)
      for (const r of pageResponses) await expectUnframeable(r)
      await page.screenshot({ path: '/tmp/latch-consent.png', fullPage: true })

      const query = await waitForCallback(page, () => allow.click())
      expect(await page.getByRole('heading').textContent()).toBe('Callback received')
      expect(query.get('state')).toBe(state)
      expect(query.get('iss')).toBe(s.url)
      expect(query.get('error')).toBeNull()
      const code = query.get('code')
      expect(code).toBeTruthy()

      const tokens = await exchange(code as string, verifier)
      expect(tokens).toMatchObject({ token_type: 'Bearer' })
      expect(String(tokens.scope).split(' ').sort()).toEqual(['email', 'openid', 'profile', 'read:data'])
      const idToken = jwtPayload(tokens.id_token)
      expect(idToken).toMatchObject({ iss: s.url, aud: 'browser-app', nonce })
      const access = jwtPayload(tokens.access_token)
      expect(access).toMatchObject({ iss: s.url, aud: API, client_id: 'browser-app', sub: idToken.sub })
      const userinfo = await fetch(`${s.url}${PATHS.userinfo}`, { headers: { authorization: `Bearer ${String(tokens.access_token)}` } })
      expect(await userinfo.json()).toMatchObject({ sub: idToken.sub, email: ALICE.email })
      // RFC 6749 §4.1.2: the code is single use.
      const again = await postForm(
        `${s.url}${PATHS.token}`,
        { grant_type: 'authorization_code', code: code as string, redirect_uri: callbackUrl, code_verifier: verifier },
        { authorization: basic('browser-app', APP_SECRET) },
      )
      expect(again.status).toBe(400)
    } finally {
      await context.close()
    }
  })

  it('architecture.md §2 Pages: a wrong password shows an alert on the sign-in page, then the right one continues', async () => {
    const { context, page } = await newPage()
    try {
      const { challenge } = pkce()
      await page.goto(authorizationUrl('s-wrong', 'n-wrong', challenge, { prompt: 'consent' }))
      await signIn(page, { email: ALICE.email, password: 'not-the-password' })
      const alert = page.getByRole('alert')
      await alert.waitFor({ state: 'visible' })
      expect(await alert.textContent()).toContain('Incorrect email or password.')
      // The email is kept, the password is not.
      expect(await page.getByLabel('Email').inputValue()).toBe(ALICE.email)
      expect(await page.getByLabel('Password').inputValue()).toBe('')
      await signIn(page)
      await page.getByRole('button', { name: 'Allow' }).waitFor({ state: 'visible' })
    } finally {
      await context.close()
    }
  })

  it('architecture.md §2 Pages: login page labels Email and Password and button Sign in fit a phone without horizontal scroll', async () => {
    const { context, page } = await newPage({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 3 })
    try {
      const { challenge } = pkce()
      const response = await page.goto(authorizationUrl('s-phone', 'n-phone', challenge))
      await expectUnframeable(response)
      for (const field of [page.getByLabel('Email'), page.getByLabel('Password'), page.getByRole('button', { name: 'Sign in', exact: true })]) {
        await field.waitFor({ state: 'visible' })
        const box = await field.boundingBox()
        expect(box).not.toBeNull()
        expect((box as { x: number }).x).toBeGreaterThanOrEqual(0)
        expect((box as { x: number; width: number }).x + (box as { width: number }).width).toBeLessThanOrEqual(PHONE.width)
      }
      const scrollWidth = await page.evaluate("document.documentElement.scrollWidth")
      expect(scrollWidth).toBeLessThanOrEqual(PHONE.width)
    } finally {
      await context.close()
    }
  })

  it('architecture.md §2 Pages: sign-in and consent work with JavaScript turned off', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: false })
    try {
      const { verifier, challenge } = pkce()
      await page.goto(authorizationUrl('s-nojs', 'n-nojs', challenge, { prompt: 'consent' }))
      await signIn(page)
      const query = await waitForCallback(page, () => page.getByRole('button', { name: 'Allow' }).click())
      expect(query.get('state')).toBe('s-nojs')
      expect(query.get('iss')).toBe(s.url)
      await exchange(query.get('code') as string, verifier)
    } finally {
      await context.close()
    }
  })

  it('RFC 6749 §4.1.2.1: Deny sends the browser back to the client with access_denied, state and iss', async () => {
    const { context, page } = await newPage()
    try {
      const { challenge } = pkce()
      await page.goto(authorizationUrl('s-deny', 'n-deny', challenge, { prompt: 'consent' }))
      await signIn(page)
      const query = await waitForCallback(page, () => page.getByRole('button', { name: 'Deny' }).click())
      expect(query.get('error')).toBe('access_denied')
      expect(query.get('state')).toBe('s-deny')
      expect(query.get('iss')).toBe(s.url)
      expect(query.get('code')).toBeNull()
    } finally {
      await context.close()
    }
  })

  it('architecture.md §2 Pages, RFC 8628 §3.3: the device verification page has a Code field and a Continue button and leads to consent', async () => {
    const started = await postForm(`${s.url}${PATHS.device_authorization}`, { client_id: 'browser-tv', scope: 'openid profile' })
    const device = (await started.json()) as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string }
    expect(started.status).toBe(200)
    const { context, page } = await newPage()
    try {
      // verification_uri_complete pre-fills the code but never submits it (RFC 8628 §5.4).
      await page.goto(device.verification_uri_complete)
      expect(await page.getByLabel('Code').inputValue()).toBe(device.user_code)
      expect(new URL(page.url()).pathname).toBe(PATHS.device_verification)

      const response = await page.goto(device.verification_uri)
      await expectUnframeable(response)
      await page.getByLabel('Code').fill(device.user_code.toLowerCase())
      await page.getByRole('button', { name: 'Continue' }).click()
      await signIn(page)
      const allow = page.getByRole('button', { name: 'Allow' })
      await allow.waitFor({ state: 'visible' })
      expect(await page.getByRole('heading').first().textContent()).toContain(TV_NAME)
      await allow.click()
      await page.getByRole('heading', { name: 'Device connected' }).waitFor({ state: 'visible' })

      const token = await postForm(`${s.url}${PATHS.token}`, { grant_type: DEVICE_GRANT, device_code: device.device_code, client_id: 'browser-tv' })
      const body = (await token.json()) as Record<string, unknown>
      expect(token.status, JSON.stringify(body)).toBe(200)
      expect(body).toMatchObject({ token_type: 'Bearer' })
      expect(jwtPayload(body.id_token)).toMatchObject({ aud: 'browser-tv', iss: s.url })
    } finally {
      await context.close()
    }
  })
  /** WCAG 2.1 contrast ratio of two computed `rgb(...)` colours. */
  function contrast(a: string, b: string): number {
    const luminance = (rgb: string) => {
      const [r, g, bl] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((c) => {
        const v = Number(c) / 255
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
      }) as [number, number, number]
      return 0.2126 * r + 0.7152 * g + 0.0722 * bl
    }
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
    return (hi + 0.05) / (lo + 0.05)
  }

  /** @see issue 8 */
  it('RFC 8628 §3.3.1 + §5.4: verification_uri_complete shows the code large to compare with the device, and only Allow (keyboard, no JavaScript, phone width) connects it', async () => {
    const started = await postForm(`${s.url}${PATHS.device_authorization}`, { client_id: 'browser-tv', scope: 'openid profile' })
    const device = (await started.json()) as { device_code: string; user_code: string; verification_uri_complete: string }
    const pollOnce = async () => (await (await postForm(`${s.url}${PATHS.token}`, { grant_type: DEVICE_GRANT, device_code: device.device_code, client_id: 'browser-tv' })).json()) as Record<string, unknown>
    const { context, page } = await newPage({ viewport: PHONE, isMobile: true, hasTouch: true, javaScriptEnabled: false })
    try {
      await expectUnframeable(await page.goto(device.verification_uri_complete))
      const code = page.getByLabel('Code')
      expect(await code.inputValue()).toBe(device.user_code)
      // Prominent, and described by the request to compare it with the device.
      const fontSize = await code.evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize))
      expect(fontSize).toBeGreaterThanOrEqual(24)
      const described = await code.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '')
      expect(described).toContain('Check that this code is the one your device shows')
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width)
      // Keyboard: from the field, Tab reaches Continue and Enter submits.
      await code.focus()
      await page.keyboard.press('Tab')
      expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Continue')
      await page.keyboard.press('Enter')
      await signIn(page)

      const allow = page.getByRole('button', { name: 'Allow' })
      await allow.waitFor({ state: 'visible' })
      expect(await page.getByRole('heading').first().textContent()).toContain(TV_NAME)
      await page.getByText('Code on your device').waitFor({ state: 'visible' })
      const shown = page.locator('p.user-code')
      expect(await shown.textContent()).toBe(device.user_code)
      const colours = await shown.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el.closest('main') as Element).backgroundColor])
      expect(contrast(colours[0] as string, colours[1] as string)).toBeGreaterThanOrEqual(4.5)
      for (const muted of await page.locator('.muted').all()) {
        const [fg, bg] = await muted.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el.closest('main') as Element).backgroundColor])
        expect(contrast(fg as string, bg as string)).toBeGreaterThanOrEqual(4.5)
      }
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width)
      await page.screenshot({ path: '/tmp/latch-device-consent.png', fullPage: true })
      // Link followed, code confirmed, signed in: still nothing approved until Allow.
      const stored = await s.server.ctx.store.deviceCodes.getByUserCode(hashHandle(normalizeUserCode(device.user_code)), Math.floor(Date.now() / 1000))
      expect(stored?.status).toBe('pending')

      await allow.focus()
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Device connected' }).waitFor({ state: 'visible' })
      const body = await pollOnce()
      expect(body.token_type, JSON.stringify(body)).toBe('Bearer')
    } finally {
      await context.close()
    }
  })
})
