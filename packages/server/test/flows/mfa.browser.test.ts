/**
 * Issue 13: two-step verification in a real browser (Debian's Chromium driven by playwright-core)
 * at phone width (375 px, WCAG 2.2 §1.4.10: no horizontal scrolling) and with the keyboard only
 * (WCAG 2.2 §2.1.1): a client that requires MFA forces the enrolment, whose QR code is an inline
 * SVG drawn by the server with the key beside it in groups; the first code confirms it, the
 * recovery codes are shown once, and **Continue** goes on to the client. The next sign-in asks for
 * the code (`autocomplete="one-time-code"`, focused), and **Use a recovery code** opens its form by
 * keyboard too.
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://www.w3.org/TR/WCAG22/#keyboard
 * @see https://www.w3.org/TR/WCAG22/#reflow
 * @see https://www.rfc-editor.org/rfc/rfc6238
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { ManualClock } from '../../src/lib/clock.js'
import { totpCode } from '../../src/users/totp.js'
import { hasChromium, launchChromium } from '../chromium.js'
import { baseTestConfig, startCallbackServer, startServer, type CallbackServer, type TestServer } from '../helpers.js'

const SECRET = 'mfa-app-secret-0123456789abcdef0123456'
const DANA = { email: 'dana@example.com', password: 'dana-password-long-enough' }

describe.skipIf(!hasChromium)('two-step verification in a real browser', () => {
  let s: TestServer
  let browser: Browser
  let callbackServer: CallbackServer
  const clock = new ManualClock()
  let totpSecret = ''
  let recoveryCodes: string[] = []

  beforeAll(async () => {
    callbackServer = await startCallbackServer()
    s = await startServer({
      clients: [
        ...baseTestConfig.clients,
        {
          client_id: 'mfa-app', client_name: 'MFA App', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code'], redirect_uris: [callbackServer.url], scope: 'openid', skip_consent: true, mfa_required: true,
        },
      ],
      users: [...baseTestConfig.users, DANA],
    }, { clock })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await s?.close()
    await callbackServer?.close()
  })

  async function phone(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true })
    context.setDefaultTimeout(10_000)
    return { context, page: await context.newPage() }
  }

  function authorizationUrl(): string {
    const url = new URL(`${s.url}${PATHS.authorization}`)
    url.search = new URLSearchParams({
      client_id: 'mfa-app', redirect_uri: callbackServer.url, response_type: 'code', scope: 'openid', state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'), code_challenge_method: 'S256',
    }).toString()
    return url.href
  }

  /** The focused element's id (or tag), to follow the keyboard. */
  const focused = (page: Page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName.toLowerCase() || 'nothing')
  const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)

  /** Email, Tab, password, Enter: the keyboard's way through the sign-in form (focus starts on Email). */
  async function signInByKeyboard(page: Page): Promise<void> {
    await page.goto(authorizationUrl())
    await expect.poll(() => focused(page)).toBe('email')
    await page.keyboard.type(DANA.email)
    await page.keyboard.press('Tab')
    expect(await focused(page)).toBe('password')
    await page.keyboard.type(DANA.password)
    await page.keyboard.press('Enter')
  }

  async function reachesClient(page: Page, act: () => Promise<void>): Promise<URLSearchParams> {
    const before = callbackServer.callbacks.length
    await act()
    await page.waitForURL((url) => url.href.startsWith(callbackServer.url))
    expect(callbackServer.callbacks.length).toBe(before + 1)
    return callbackServer.callbacks[callbackServer.callbacks.length - 1] as URLSearchParams
  }

  it('issue 13, WCAG 2.2 §2.1.1, §1.4.10: enrolment with the server-drawn QR code, by keyboard at 375 px; recovery codes once; Continue to the client', async () => {
    const { context, page } = await phone()
    try {
      await signInByKeyboard(page)
      await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor()
      const qr = page.getByRole('img', { name: 'QR code for your authenticator app' })
      await qr.waitFor()
      expect(await qr.evaluate((el) => el.tagName.toLowerCase())).toBe('svg')
      const box = await qr.boundingBox()
      expect(box && box.width >= 150 && box.width <= 375).toBe(true)
      expect(await fitsWidth(page)).toBe(true)
      totpSecret = (await page.locator('#secret').innerText()).replace(/\s/g, '')
      expect(totpSecret).toMatch(/^[A-Z2-7]{32}$/)
      // The code field has the focus, and phones get the numeric keyboard and one-time-code autofill.
      await expect.poll(() => focused(page)).toBe('code')
      const field = page.getByLabel('Code', { exact: true })
      expect(await field.getAttribute('autocomplete')).toBe('one-time-code')
      expect(await field.getAttribute('inputmode')).toBe('numeric')
      clock.advance(30)
      await page.keyboard.type(totpCode(totpSecret, clock.now()))
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor()
      recoveryCodes = (await page.locator('#recovery-codes code').allInnerTexts()).map((c) => c.trim())
      expect(recoveryCodes).toHaveLength(10)
      expect(await fitsWidth(page)).toBe(true)
      await page.keyboard.press('Tab')
      expect(await focused(page)).toBe('continue')
      const query = await reachesClient(page, () => page.keyboard.press('Enter'))
      expect(query.get('code')).toBeTruthy()
    } finally {
      await context.close()
    }
  })

  it('issue 13, WCAG 2.2 §2.1.1: the next sign-in asks for the code (focused, one-time-code) by keyboard; a recovery code works through its disclosure', async () => {
    const { context, page } = await phone()
    try {
      await signInByKeyboard(page)
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor()
      await expect.poll(() => focused(page)).toBe('code')
      expect(await page.getByLabel('Code', { exact: true }).getAttribute('autocomplete')).toBe('one-time-code')
      expect(await fitsWidth(page)).toBe(true)
      clock.advance(30)
      await page.keyboard.type(totpCode(totpSecret, clock.now()))
      expect((await reachesClient(page, () => page.keyboard.press('Enter'))).get('code')).toBeTruthy()
    } finally {
      await context.close()
    }
    const other = await phone()
    try {
      await signInByKeyboard(other.page)
      await other.page.getByRole('heading', { name: 'Two-step verification' }).waitFor()
      // Tab past the code field and Verify to the disclosure; Enter opens it; Tab to its field.
      for (let i = 0; i < 5 && (await focused(other.page)) !== 'summary'; i++) await other.page.keyboard.press('Tab')
      expect(await focused(other.page)).toBe('summary')
      await other.page.keyboard.press('Enter')
      await other.page.keyboard.press('Tab')
      expect(await focused(other.page)).toBe('recovery_code')
      await other.page.keyboard.type(recoveryCodes[0] as string)
      expect((await reachesClient(other.page, () => other.page.keyboard.press('Enter'))).get('code')).toBeTruthy()
    } finally {
      await other.context.close()
    }
  })
})
