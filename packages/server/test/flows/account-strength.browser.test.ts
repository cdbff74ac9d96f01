/**
 * Issue 13, review H1, in a real browser (Debian's Chromium driven by playwright-core) at phone
 * width (375 px, WCAG 2.2 §1.4.10) and with the keyboard only (WCAG 2.2 §2.1.1): a session that
 * signed in with the password alone, of a user with two-step verification, opens
 * `/account/passkeys`, which lists nothing it could change and offers **Sign in again**; the
 * keyboard reaches it, the sign-in page and the code follow, and the browser is back on
 * `/account/passkeys` with **Add a passkey** (the page's script runs under its narrowed CSP).
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec6
 * @see https://www.w3.org/TR/WCAG22/#keyboard
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { startSession } from '../../src/sessions/idp-session.js'
import { totpCode } from '../../src/users/totp.js'
import { hasChromium, launchChromium } from '../chromium.js'
import { baseTestConfig, startServer, type TestServer } from '../helpers.js'
import { enrolTotp } from '../support/mfa.js'

const KIM = { email: 'kim@example.com', password: 'kim-password-long-enough' }

describe.skipIf(!hasChromium)('account strength in a real browser', () => {
  let s: TestServer
  let browser: Browser
  const clock = new ManualClock()

  beforeAll(async () => {
    s = await startServer({ users: [...baseTestConfig.users, { ...KIM, email_verified: true }] }, { clock })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await s?.close()
  })

  const focused = (page: Page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || 'nothing')
  const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)

  it('NIST SP 800-63B §6.1.2.1, WCAG 2.2 §2.1.1, §1.4.10: a one-factor session signs in again by keyboard at 375 px (password, code) and comes back to /account/passkeys, now able to add one', async () => {
    const ctx = s.server.ctx
    const { secret } = await enrolTotp(ctx, KIM.email)
    const started = (await startSession(ctx, {}, (await ctx.store.users.getByEmail(KIM.email))!, ['pwd']))!
    if (!('value' in started.cookie)) throw new Error('expected a cookie')
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true })
    context.setDefaultTimeout(10_000)
    try {
      await context.addCookies([{ name: started.cookie.name, value: started.cookie.value, url: s.url }])
      const page = await context.newPage()
      await page.goto(`${s.url}/account/passkeys`)
      await page.getByRole('heading', { name: 'Confirm it’s you' }).waitFor()
      expect(await page.getByRole('button', { name: 'Add a passkey' }).count()).toBe(0)
      expect(await fitsWidth(page)).toBe(true)
      for (let i = 0; i < 10 && (await focused(page)) !== 'Sign in again'; i++) await page.keyboard.press('Tab')
      expect(await focused(page)).toBe('Sign in again')
      await page.keyboard.press('Enter')
      await page.waitForURL(/\/interaction\//)
      await expect.poll(() => focused(page)).toBe('email')
      await page.keyboard.type(KIM.email)
      await page.keyboard.press('Tab')
      expect(await focused(page)).toBe('password')
      await page.keyboard.type(KIM.password)
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor()
      await expect.poll(() => focused(page)).toBe('code')
      clock.advance(30)
      await page.keyboard.type(totpCode(secret, clock.now()))
      await page.keyboard.press('Enter')
      await page.waitForURL(`${s.url}/account/passkeys`)
      // The script ran (CSP: its own URL) and showed the form it completes.
      await page.getByRole('button', { name: 'Add a passkey' }).waitFor()
      expect(await fitsWidth(page)).toBe(true)
    } finally {
      await context.close()
    }
  })
})
