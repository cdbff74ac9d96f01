/**
 * The Arabic pages in a real browser (docs/architecture.md "Pages", languages): Chromium with an
 * Arabic locale (so `Accept-Language: ar`, RFC 9110 §12.5.4) gets the right-to-left sign-in page,
 * finds its fields and button by their Arabic accessible names, signs in from the keyboard alone
 * (autofocus on the email field, Tab, Enter), and allows on the Arabic consent page. The layout is
 * mirrored: headings start at the right edge of the card. Skipped, with a console line, when
 * /usr/bin/chromium is not installed.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.4
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { ar } from '../../src/interaction/views/catalogues/ar.js'
import { hasChromium, launchChromium } from '../chromium.js'
import { ALICE, baseTestConfig, startCallbackServer, startServer, type CallbackServer, type TestServer } from '../helpers.js'

const APP_NAME = 'Arabic Test App'

describe.skipIf(!hasChromium)('the Arabic pages in a real browser', () => {
  let s: TestServer
  let browser: Browser
  let callbackServer: CallbackServer

  beforeAll(async () => {
    callbackServer = await startCallbackServer()
    s = await startServer({
      clients: [
        ...baseTestConfig.clients,
        {
          client_id: 'rtl-app',
          client_name: APP_NAME,
          client_secret: 'rtl-app-secret-0123456789abcdef01234567',
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code'],
          redirect_uris: [callbackServer.url],
          scope: 'openid profile',
        },
      ],
    })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await s?.close()
    await callbackServer?.close()
  })

  it('RFC 9110 §12.5.4: with Accept-Language ar, the sign-in page is right to left, labelled in Arabic, and usable from the keyboard', async () => {
    const context = await browser.newContext({ locale: 'ar' })
    context.setDefaultTimeout(10_000)
    try {
      const page = await context.newPage()
      const url = new URL(`${s.url}${PATHS.authorization}`)
      url.search = new URLSearchParams({
        client_id: 'rtl-app',
        redirect_uri: callbackServer.url,
        response_type: 'code',
        scope: 'openid profile',
        state: randomBytes(8).toString('hex'),
        code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString()
      const response = await page.goto(url.href)
      expect(response?.status()).toBe(200)
      expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir, getComputedStyle(document.body).direction])).toEqual(['ar', 'rtl', 'rtl'])

      const email = page.getByLabel(ar.login.email)
      const password = page.getByLabel(ar.login.password)
      const submit = page.getByRole('button', { name: ar.login.submit, exact: true })
      await submit.waitFor({ state: 'visible' })
      // Mirrored: the heading's text starts at the card's right edge, not its left.
      const gaps = await page.evaluate(() => {
        const h1 = document.querySelector('h1') as HTMLElement
        const range = document.createRange()
        range.selectNodeContents(h1)
        const text = range.getBoundingClientRect()
        const card = (document.querySelector('main') as HTMLElement).getBoundingClientRect()
        return { right: card.right - text.right, left: text.left - card.left }
      })
      expect(gaps.right).toBeLessThan(gaps.left)
      await page.screenshot({ path: '/tmp/latch-login-ar.png', fullPage: true })

      // Keyboard only: the email field has focus, Tab moves to the password, then to the button.
      await expect.poll(() => email.evaluate((el) => el === document.activeElement)).toBe(true)
      await page.keyboard.type(ALICE.email)
      await page.keyboard.press('Tab')
      expect(await password.evaluate((el) => el === document.activeElement)).toBe(true)
      await page.keyboard.type(ALICE.password)
      await page.keyboard.press('Tab')
      expect(await submit.evaluate((el) => el === document.activeElement)).toBe(true)
      await page.keyboard.press('Enter')

      const allow = page.getByRole('button', { name: ar.consent.allow, exact: true })
      await allow.waitFor({ state: 'visible' })
      await page.getByRole('button', { name: ar.consent.deny, exact: true }).waitFor({ state: 'visible' })
      expect(await page.getByRole('heading').textContent()).toBe(ar.consent.heading(APP_NAME))
      expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl')
      await page.screenshot({ path: '/tmp/latch-consent-ar.png', fullPage: true })

      // Tab to Allow (after Deny in the document order) and press Enter: the client gets its code.
      for (let i = 0; i < 10 && !(await allow.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab')
      expect(await allow.evaluate((el) => el === document.activeElement)).toBe(true)
      await page.keyboard.press('Enter')
      await page.waitForURL((u) => u.href.startsWith(callbackServer.url))
      expect(new URL(page.url()).searchParams.get('code')).toBeTruthy()
    } finally {
      await context.close()
    }
  })
})
