/**
 * Issue 13: a passkey added right after sign-up, then used as the second factor after the
 * password, in Debian's Chromium with a virtual WebAuthn authenticator (DevTools protocol
 * `WebAuthn.addVirtualAuthenticator`), at phone width (375 px) and by keyboard: sign-up (no email
 * verification here) → **Add a passkey for faster sign-in?** → **Add a passkey** → back to the
 * client; TOTP is then enrolled for the account, and after signing out the password leads to the
 * second-factor step, whose **Use a passkey** passes it (`amr` pwd hwk user mfa, `acr` phr in the
 * ID token verified with jose). With JavaScript off the step has no passkey control.
 *
 * The issuer is `http://localhost:<port>`: WebAuthn refuses IP addresses as RP IDs.
 * @see https://www.w3.org/TR/webauthn-3/#sctn-automation-add-virtual-authenticator
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { hasChromium, launchChromium } from '../chromium.js'
import { passkeyAppIdToken, passkeyAppRequest, virtualAuthenticator } from '../support/passkey-browser.js'
import { freePort, startCallbackServer, startServer, type CallbackServer, type TestServer } from '../helpers.js'
import { enrolTotp } from '../support/mfa.js'

const PHONE = { width: 375, height: 812 }
const DANA = { email: 'dana@example.com', password: 'dana-new-password-42' }

describe.skipIf(!hasChromium)('a passkey as the second factor, in a real browser', () => {
  let s: TestServer
  let browser: Browser
  let callback: CallbackServer
  let issuer: string

  beforeAll(async () => {
    callback = await startCallbackServer()
    const port = await freePort()
    issuer = `http://localhost:${port}`
    s = await startServer({
      issuer,
      sign_up: { enabled: true, verify_email: 'none' },
      clients: [{ client_id: 'passkey-app', client_name: 'Passkey App', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: [callback.url], scope: 'openid email', skip_consent: true }],
    }, { port })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await s?.close()
    await callback?.close()
  })

  const authorize = () => passkeyAppRequest(issuer, callback.url)

  const idTokenAfter = (page: Page, verifier: string, nonce: string) => passkeyAppIdToken(page, issuer, callback.url, verifier, nonce)

  /** Tab (at most `max` times) until the element with `id` has focus. */
  async function tabTo(page: Page, id: string, max = 8): Promise<void> {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab')
      if ((await page.evaluate(() => document.activeElement?.id)) === id) return
    }
    throw new Error(`no #${id} within ${max} tabs`)
  }

  async function password(page: Page, url: string): Promise<void> {
    await page.goto(url)
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('email')
    await page.keyboard.type(DANA.email)
    await page.keyboard.press('Tab')
    await page.keyboard.type(DANA.password)
    await page.keyboard.press('Enter')
  }

  it('issue 13, WebAuthn L3 §7.1, §7.2: sign-up → Add a passkey; then password → Use a passkey as the second factor; amr pwd hwk user mfa, acr phr', async () => {
    const context = await browser.newContext({ viewport: PHONE })
    context.setDefaultTimeout(10_000)
    const page = await context.newPage()
    try {
      const { cdp, authenticatorId } = await virtualAuthenticator(page)
      // No conditional UI: the sign-in page's autofill request would sign in with the passkey alone.
      await page.addInitScript(() => {
        PublicKeyCredential.isConditionalMediationAvailable = async () => false
      })

      // 1. Sign-up, keyboard only, then the offer: Tab to Add a passkey, Enter.
      const first = authorize()
      await page.goto(first.url)
      await page.getByRole('link', { name: 'Create account' }).focus()
      await page.keyboard.press('Enter')
      await page.getByLabel('Email').focus()
      await page.keyboard.type(DANA.email)
      await page.keyboard.press('Tab')
      await page.keyboard.type(DANA.password)
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Add a passkey for faster sign-in?' }).waitFor()
      await page.getByRole('button', { name: 'Add a passkey' }).waitFor({ state: 'visible' })
      expect(await page.getByRole('link', { name: 'Not now' }).isVisible()).toBe(true)
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
      await page.screenshot({ path: '/tmp/latch-passkey-offer.png', fullPage: true })
      // The heading has focus; the next stop is Add a passkey.
      await tabTo(page, 'add-passkey', 1)
      await page.keyboard.press('Enter')
      const signedUp = await idTokenAfter(page, first.verifier, first.nonce)
      expect(signedUp.amr).toEqual(['pwd'])
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
      expect(credentials).toHaveLength(1)

      // 2. TOTP for the account (as the account page would enrol it), sign out.
      await enrolTotp(s.server.ctx, DANA.email)
      await page.goto(`${issuer}${PATHS.end_session}`)
      await page.getByRole('button', { name: 'Sign out' }).focus()
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'You are signed out' }).waitFor()

      // 3. Password, then the step: Tab from the Code field to Use a passkey, Enter.
      const second = authorize()
      await password(page, second.url)
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor()
      await page.getByRole('button', { name: 'Use a passkey' }).waitFor({ state: 'visible' })
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code')
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
      await page.screenshot({ path: '/tmp/latch-passkey-second-factor.png', fullPage: true })
      await tabTo(page, 'passkey-second-factor')
      await page.keyboard.press('Enter')
      const token = await idTokenAfter(page, second.verifier, second.nonce)
      expect(token.amr).toEqual(['pwd', 'hwk', 'user', 'mfa'])
      expect(token.acr).toBe('urn:latch:acr:phr')
      expect(token.sub).toBe(signedUp.sub)
    } finally {
      await context.close()
    }
  })

  it('progressive enhancement: with JavaScript off the step has the code form and no passkey control', async () => {
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false })
    context.setDefaultTimeout(10_000)
    const page = await context.newPage()
    try {
      await password(page, authorize().url)
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor()
      expect(await page.getByLabel('Code', { exact: true }).isVisible()).toBe(true)
      expect(await page.getByRole('button', { name: 'Use a passkey' }).count()).toBe(0)
    } finally {
      await context.close()
    }
  })
})
