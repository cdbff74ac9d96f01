/**
 * Issue 13: passwordless sign-in by email in a real browser (Debian's Chromium via playwright-core),
 * with the mail through Latch's real SMTP mailer to an in-process SMTP server. At phone width
 * (375 px, no horizontal scrolling) and with the keyboard only (Tab and Enter, focus always on the
 * next thing to do):
 * - **Email me a sign-in link**, the link opened in the same browser, to the client's redirect URI
 *   and a code exchange whose ID token says `amr: ["email"]`;
 * - **Email me a code**, typed into the `one-time-code` field, to the same end;
 * - the link opened in another browser: **Continue signing in on this device?**, Enter, signed in there;
 * - **Change email address** on the account page, confirmed from the link mailed to the new address.
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://www.w3.org/TR/WCAG22/#keyboard
 * @see https://www.w3.org/TR/WCAG22/#reflow
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5
 */
import { createHash, randomBytes } from 'node:crypto'
import { decodeJwt } from 'jose'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { hasChromium, launchChromium } from '../chromium.js'
import { baseTestConfig, basic, postForm, startCallbackServer, startServer, type CallbackServer, type TestServer } from '../helpers.js'
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js'

const SECRET = 'mail-app-secret-0123456789abcdef012345'

describe.skipIf(!hasChromium)('passwordless sign-in by email in a real browser (issue 13)', () => {
  let s: TestServer
  let sink: SmtpSink
  let browser: Browser
  let callbackServer: CallbackServer

  beforeAll(async () => {
    sink = await startSmtpSink()
    callbackServer = await startCallbackServer()
    s = await startServer({
      clients: [...baseTestConfig.clients, {
        client_id: 'mail-app', client_name: 'Mail Test App', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'], redirect_uris: [callbackServer.url], scope: 'openid email', skip_consent: true,
      }],
      users: [...baseTestConfig.users, { email: 'mo@example.com', name: 'Mo' }, { email: 'nia@example.com', name: 'Nia' }, { email: 'oz@example.com', name: 'Oz' }, { email: 'pia@example.com', password: 'pia-password-long-enough', name: 'Pia' }],
      passwordless: { magic_link: true, email_code: true },
      mail: { smtp_url: sink.url },
    })
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await s?.close()
    await callbackServer?.close()
    await sink?.close()
  })

  async function phone(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true })
    context.setDefaultTimeout(10_000)
    return { context, page: await context.newPage() }
  }

  function authorize(): { url: string; verifier: string } {
    const verifier = randomBytes(32).toString('base64url')
    const url = new URL(`${s.url}${PATHS.authorization}`)
    url.search = new URLSearchParams({
      client_id: 'mail-app', redirect_uri: callbackServer.url, response_type: 'code', scope: 'openid email', state: 'st', nonce: 'no',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    }).toString()
    return { url: url.href, verifier }
  }

  async function focused(page: Page): Promise<string> {
    return page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      return el ? [el.tagName.toLowerCase(), el.getAttribute('name') ?? '', el.textContent?.trim() ?? ''].filter((part) => part !== '').join(' ') : 'nothing'
    })
  }

  async function fitsPhone(page: Page): Promise<void> {
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }))
    expect(widths.scroll).toBeLessThanOrEqual(widths.client)
    expect(widths.client).toBeLessThanOrEqual(375)
  }

  /** Types the email and tabs to the `nth` email button (1: the link, 2: the code) with the keyboard alone. */
  async function askByKeyboard(page: Page, email: string, nth: 1 | 2): Promise<void> {
    // Focus starts in the email field (autofocus, applied once the page has been laid out).
    await page.waitForFunction(() => document.activeElement?.id === 'email')
    await page.keyboard.type(email)
    await page.keyboard.press('Tab')
    expect(await focused(page)).toBe('input password')
    await page.keyboard.press('Tab')
    expect(await focused(page)).toBe('button Sign in')
    for (let i = 0; i < nth; i++) await page.keyboard.press('Tab')
    expect(await focused(page)).toBe(nth === 1 ? 'button method Email me a sign-in link' : 'button method Email me a code')
    await fitsPhone(page)
    await page.screenshot({ path: '/tmp/latch-passwordless-sign-in.png', fullPage: true })
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Check your email' }).waitFor()
    await fitsPhone(page)
    await page.screenshot({ path: `/tmp/latch-passwordless-check-${nth === 1 ? 'link' : 'code'}.png`, fullPage: true })
  }

  /** Waits for the client's redirect URI, then exchanges its code: the ID token's claims. */
  async function idTokenAfter(page: Page, verifier: string, act: () => Promise<unknown>): Promise<Record<string, unknown>> {
    const before = callbackServer.callbacks.length
    await act()
    await page.waitForURL((url) => url.href.startsWith(callbackServer.url))
    const query = callbackServer.callbacks[before]!
    const res = await postForm(`${s.url}/token`, { grant_type: 'authorization_code', code: query.get('code') ?? '', redirect_uri: callbackServer.url, code_verifier: verifier }, { authorization: basic('mail-app', SECRET) })
    expect(res.status).toBe(200)
    return decodeJwt(((await res.json()) as { id_token: string }).id_token)
  }

  const linkIn = (text: string) => /(http:\/\/127\.0\.0\.1:\d+\/email-link\?token=[A-Za-z0-9_-]+(?:&from=[a-z-]+)?)/.exec(text)![1]!

  it('WCAG 2.2 §2.1.1, §1.4.10: "Email me a sign-in link" with the keyboard at 375 px; the link signs this browser in, amr ["email"]', async () => {
    const { context, page } = await phone()
    try {
      const { url, verifier } = authorize()
      await page.goto(url)
      await askByKeyboard(page, 'mo@example.com', 1)
      expect(await page.getByText('If mo@example.com has an account here, a sign-in link is on its way to it.').count()).toBe(1)
      const link = linkIn((await sink.next('mo@example.com')).text)
      const claims = await idTokenAfter(page, verifier, () => page.goto(link))
      expect(claims.amr).toEqual(['email'])
      expect(claims.email).toBe('mo@example.com')
      expect(claims.email_verified).toBe(true)
    } finally {
      await context.close()
    }
  })

  it('WCAG 2.2 §2.1.1, §1.4.10: "Email me a code" with the keyboard at 375 px; the one-time-code field takes it, amr ["email"]', async () => {
    const { context, page } = await phone()
    try {
      const { url, verifier } = authorize()
      await page.goto(url)
      await askByKeyboard(page, 'nia@example.com', 2)
      const field = page.getByLabel('Code from the email')
      expect(await field.getAttribute('autocomplete')).toBe('one-time-code')
      expect(await field.getAttribute('inputmode')).toBe('numeric')
      await page.waitForFunction(() => document.activeElement?.id === 'code')
      const code = /: (\d{6})\b/.exec((await sink.next('nia@example.com')).text)![1]!
      await page.keyboard.type('000000')
      await page.keyboard.press('Enter')
      await page.getByRole('alert').waitFor()
      expect(await page.getByRole('alert').textContent()).toMatch(/^That code is not right/)
      // Focus is in the (empty) field again.
      await page.waitForFunction(() => document.activeElement?.id === 'code')
      await fitsPhone(page)
      const claims = await idTokenAfter(page, verifier, async () => {
        await page.keyboard.type(code)
        await page.keyboard.press('Enter')
      })
      expect(claims.amr).toEqual(['email'])
    } finally {
      await context.close()
    }
  })

  it('WCAG 2.2 §2.1.1, §1.4.10: changing the email address on the account page with the keyboard at 375 px, confirmed from the new address\'s link', async () => {
    const { context, page } = await phone()
    try {
      const { url, verifier } = authorize()
      await page.goto(url)
      await idTokenAfter(page, verifier, async () => {
        await page.waitForFunction(() => document.activeElement?.id === 'email')
        await page.keyboard.type('pia@example.com')
        await page.keyboard.press('Tab')
        await page.keyboard.type('pia-password-long-enough')
        await page.keyboard.press('Enter')
      })
      await page.goto(`${s.url}/account`)
      await page.getByRole('link', { name: 'Change email address' }).focus()
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Change email address' }).waitFor()
      await page.waitForFunction(() => document.activeElement?.id === 'email')
      await page.keyboard.type('pia.new@example.com')
      await page.keyboard.press('Tab')
      expect(await focused(page)).toBe('input password')
      await page.keyboard.type('pia-password-long-enough')
      await fitsPhone(page)
      await page.keyboard.press('Enter')
      await page.getByRole('status').waitFor()
      expect(await page.getByRole('status').textContent()).toBe('A confirmation link is on its way to pia.new@example.com. Your email address changes when you open it.')
      await fitsPhone(page)
      const link = /(http:\/\/\S+\/account\/email\/verify\?token=[A-Za-z0-9_-]+)/.exec((await sink.next('pia.new@example.com')).text)![1]!
      await page.goto(link)
      await page.getByRole('heading', { name: 'Confirm your new email address' }).waitFor()
      await page.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Confirm new email address')
      await fitsPhone(page)
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Email address changed' }).waitFor()
      expect(await page.getByRole('status').textContent()).toBe("Your account's email address is now pia.new@example.com.")
      await page.screenshot({ path: '/tmp/latch-passwordless-email-changed.png', fullPage: true })
      expect((await sink.next('pia@example.com')).subject).toBe('The email address of your Latch account was changed')
    } finally {
      await context.close()
    }
  })

  it('the link opened in another browser asks "Continue signing in on this device?"; Enter signs in there', async () => {
    const asking = await phone()
    const other = await phone()
    try {
      const { url, verifier } = authorize()
      await asking.page.goto(url)
      await askByKeyboard(asking.page, 'oz@example.com', 1)
      const link = linkIn((await sink.next('oz@example.com')).text)
      await other.page.goto(link)
      await other.page.getByRole('heading', { name: 'Continue signing in on this device?' }).waitFor()
      await fitsPhone(other.page)
      await other.page.screenshot({ path: '/tmp/latch-passwordless-confirm.png', fullPage: true })
      await other.page.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Continue signing in here')
      // Who signs in, and what asked for it (Chromium here: its User-Agent names Chrome on Linux).
      expect(await other.page.getByText('Signing in as oz@example.com').count()).toBe(1)
      expect(await other.page.getByText(/, from Chrome on Linux$/).count()).toBe(1)
      const claims = await idTokenAfter(other.page, verifier, () => other.page.keyboard.press('Enter'))
      expect(claims.amr).toEqual(['email'])
    } finally {
      await asking.context.close()
      await other.context.close()
    }
  })
})
