/**
 * Issue 13, self-service in a real browser (Debian's Chromium through playwright-core), at phone
 * width (375 px) and with the keyboard only: sign-up → the mailed link (from the in-process SMTP
 * server) → signed in at the client; and Forgot password? → the mailed reset link → a new password
 * → the sign-in page, which says so → signed in with it. Every page fits without horizontal
 * scrolling (WCAG 2.2 §1.4.10) and is worked by Tab, typing and Enter (WCAG 2.2 §2.1.1), the first
 * field or the page's button having focus on arrival.
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://www.w3.org/TR/WCAG22/#keyboard
 * @see https://www.w3.org/TR/WCAG22/#reflow
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { hasChromium, launchChromium } from '../chromium.js'
import { baseTestConfig, startCallbackServer, startServer, type CallbackServer, type TestServer } from '../helpers.js'
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js'

describe.skipIf(!hasChromium)('self-service in a real browser (issue 13)', () => {
  let s: TestServer
  let sink: SmtpSink
  let browser: Browser
  let callback: CallbackServer

  beforeAll(async () => {
    sink = await startSmtpSink()
    callback = await startCallbackServer()
    s = await startServer({
      mail: { smtp_url: sink.url },
      sign_up: { enabled: true },
      clients: [
        ...baseTestConfig.clients,
        { client_id: 'phone-app', client_name: 'Phone App', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: [callback.url], scope: 'openid', skip_consent: true },
      ],
    })
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await s?.close()
    await sink?.close()
    await callback?.close()
  })

  async function phone(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 375, height: 667 }, isMobile: true })
    context.setDefaultTimeout(10_000)
    return { context, page: await context.newPage() }
  }

  function authorizationUrl(): string {
    const url = new URL(`${s.url}${PATHS.authorization}`)
    url.search = new URLSearchParams({
      client_id: 'phone-app',
      redirect_uri: callback.url,
      response_type: 'code',
      scope: 'openid',
      state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString()
    return url.href
  }

  /** The focused element as `tag text-or-label`. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      if (!el) return 'nothing'
      const label = el instanceof HTMLInputElement ? (el.labels?.[0]?.textContent ?? el.name) : (el.textContent ?? '').trim()
      return `${el.tagName.toLowerCase()} ${label}`
    })

  /** Presses Tab until `target` has focus (at most 12 times); fails otherwise. */
  async function tabTo(page: Page, target: string): Promise<void> {
    for (let i = 0; i < 12 && (await focused(page)) !== target; i++) await page.keyboard.press('Tab')
    expect(await focused(page)).toBe(target)
  }

  /** WCAG 2.2 §1.4.10: no horizontal scrolling at 375 px. */
  async function fits(page: Page): Promise<void> {
    const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }))
    expect(w.scroll).toBeLessThanOrEqual(w.client)
    expect(w.client).toBeLessThanOrEqual(375)
  }

  const linkOf = (text: string) => /https?:\/\/\S+/.exec(text)![0]

  it('NIST SP 800-63B §5.1.1.2, WCAG 2.2 §2.1.1 and §1.4.10: sign-up → the mailed link → signed in at the client, by keyboard at 375 px', async () => {
    const { context, page } = await phone()
    try {
      await page.goto(authorizationUrl())
      await fits(page)
      await tabTo(page, 'a Create account')
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Create account' }).waitFor()
      await fits(page)
      expect(await focused(page)).toBe('input Email')
      await page.keyboard.type('phone.user@example.org')
      await page.keyboard.press('Tab')
      expect(await focused(page)).toBe('input Password')
      // A common password first: refused, with focus back on the password and the reason read out.
      await page.keyboard.type('password123')
      await page.keyboard.press('Enter')
      await page.getByRole('alert').filter({ hasText: 'most commonly used' }).waitFor()
      expect(await focused(page)).toBe('input Password')
      expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true')
      await page.keyboard.type('otter-violet-compass')
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Check your email' }).waitFor()
      await fits(page)
      await page.screenshot({ path: '/tmp/latch-sign-up-check-email.png', fullPage: true })
      const mail = await sink.next('phone.user@example.org')
      await page.goto(linkOf(mail.text))
      await page.getByRole('heading', { name: 'Confirm your email address' }).waitFor()
      await fits(page)
      expect(await focused(page)).toBe('button Confirm email address')
      const before = callback.callbacks.length
      await page.keyboard.press('Enter')
      await page.waitForURL((url) => url.href.startsWith(callback.url))
      expect(callback.callbacks.length).toBe(before + 1)
      expect(callback.callbacks.at(-1)?.get('code')).toBeTruthy()
    } finally {
      await context.close()
    }
  })

  it('OWASP Forgot Password, WCAG 2.2 §2.1.1 and §1.4.10: Forgot password? → the mailed link → a new password → signed in with it, by keyboard at 375 px', async () => {
    const { context, page } = await phone()
    try {
      await page.goto(authorizationUrl())
      await tabTo(page, 'a Forgot password?')
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Reset your password' }).waitFor()
      await fits(page)
      expect(await focused(page)).toBe('input Email')
      await page.keyboard.type(baseTestConfig.users[1]!.email)
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Check your email' }).waitFor()
      await fits(page)
      const mail = await sink.next(baseTestConfig.users[1]!.email)
      await page.goto(linkOf(mail.text))
      await page.getByRole('heading', { name: 'Choose a new password' }).waitFor()
      await fits(page)
      expect(await focused(page)).toBe('input New password')
      await page.keyboard.type('harbor-pepper-nimbus')
      await page.keyboard.press('Enter')
      await page.getByText('Your password was changed. Sign in with your new password.').waitFor()
      await fits(page)
      await page.screenshot({ path: '/tmp/latch-password-reset-done.png', fullPage: true })
      expect(await focused(page)).toBe('input Email')
      await page.keyboard.type(baseTestConfig.users[1]!.email)
      await page.keyboard.press('Tab')
      await page.keyboard.type('harbor-pepper-nimbus')
      const before = callback.callbacks.length
      await page.keyboard.press('Enter')
      await page.waitForURL((url) => url.href.startsWith(callback.url))
      expect(callback.callbacks.length).toBe(before + 1)
      expect(callback.callbacks.at(-1)?.get('code')).toBeTruthy()
    } finally {
      await context.close()
    }
  })
})
