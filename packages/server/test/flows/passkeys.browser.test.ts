/**
 * Issue 13: passkeys in a real browser, the main proof. Debian's Chromium with a virtual WebAuthn
 * authenticator (DevTools protocol `WebAuthn.addVirtualAuthenticator`: CTAP2, internal, resident
 * keys, user verification) at phone width (375 px), driven by the keyboard: a user signs in with
 * their password, adds a passkey on `/account/passkeys` (the authenticator stores a discoverable
 * credential), signs out, then signs in with the passkey, once with the **Sign in with a passkey**
 * button and once through conditional UI (the Email field's autofill), and the client's ID token,
 * verified with jose against the JWK Set, says `amr` `hwk`, `user`, `mfa`. With JavaScript off, the
 * sign-in page shows no passkey button and the password still signs in.
 *
 * The issuer is `http://localhost:<port>`: WebAuthn refuses IP addresses as RP IDs, and localhost
 * is a secure context.
 * @see https://www.w3.org/TR/webauthn-3/#sctn-automation-add-virtual-authenticator
 * @see https://www.w3.org/TR/webauthn-3/#dom-credentialmediationrequirement-conditional
 * @see https://www.rfc-editor.org/rfc/rfc8176#section-2
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { hasChromium, launchChromium } from '../chromium.js'
import { passkeyAppIdToken, passkeyAppRequest, virtualAuthenticator } from '../support/passkey-browser.js'
import { ALICE, freePort, startCallbackServer, startServer, type CallbackServer, type TestServer } from '../helpers.js'

const PHONE = { width: 375, height: 812 }

describe.skipIf(!hasChromium)('passkeys in a real browser', () => {
  let s: TestServer
  let browser: Browser
  let callback: CallbackServer
  /** `http://localhost:<port>` (the helper's `url` says 127.0.0.1). */
  let issuer: string
  const events: { name: string; payload: unknown }[] = []

  beforeAll(async () => {
    callback = await startCallbackServer()
    const port = await freePort()
    issuer = `http://localhost:${port}`
    s = await startServer({
      issuer,
      clients: [{ client_id: 'passkey-app', client_name: 'Passkey App', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: [callback.url], scope: 'openid email', skip_consent: true }],
    }, { port })
    s.server.ctx.events.onAny((name, payload) => {
      if (name.startsWith('passkey.')) events.push({ name, payload })
    })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await s?.close()
    await callback?.close()
  })

  async function phone(options: { javaScriptEnabled?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: PHONE, ...options })
    context.setDefaultTimeout(10_000)
    return { context, page: await context.newPage() }
  }

  const authorize = () => passkeyAppRequest(issuer, callback.url)

  const idTokenAfter = (page: Page, verifier: string, nonce: string) => passkeyAppIdToken(page, issuer, callback.url, verifier, nonce)

  async function signOut(page: Page): Promise<void> {
    await page.goto(`${issuer}${PATHS.end_session}`)
    const button = page.getByRole('button', { name: 'Sign out' })
    await button.focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor()
  }

  it('WebAuthn L3 §7.1, §7.2; RFC 8176: password, then a passkey added on /account/passkeys, then sign-in with it by button and by autofill; amr hwk user mfa', async () => {
    const { context, page } = await phone()
    try {
      const { cdp, authenticatorId } = await virtualAuthenticator(page)
      // 1. Password sign-in, keyboard only (the Email field has focus).
      const first = authorize()
      await page.goto(first.url)
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('email')
      expect(await page.getByLabel('Email').getAttribute('autocomplete')).toBe('username webauthn')
      await page.keyboard.type(ALICE.email)
      await page.keyboard.press('Tab')
      await page.keyboard.type(ALICE.password)
      await page.keyboard.press('Enter')
      const pwd = await idTokenAfter(page, first.verifier, first.nonce)
      expect(pwd.amr).toEqual(['pwd'])

      // 2. Add a passkey: the Name field, then Enter submits; the script creates the credential.
      const account = await page.goto(`${issuer}/account/passkeys`)
      expect(account?.headers()['content-security-policy']).toContain(`script-src ${issuer}/assets/passkeys.js; connect-src ${issuer}/account/passkeys/options`)
      await page.getByText('You have no passkeys yet.').waitFor()
      await page.getByLabel('Name (optional)').focus()
      await page.keyboard.type('Phone')
      await page.keyboard.press('Enter')
      await page.getByRole('status').filter({ hasText: 'The passkey was added.' }).waitFor()
      await page.getByText('Phone', { exact: true }).waitFor()
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
      await page.screenshot({ path: '/tmp/latch-passkeys.png', fullPage: true })
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
      expect(credentials).toHaveLength(1)
      expect(credentials[0]?.isResidentCredential).toBe(true)
      expect(events.map((e) => e.name)).toContain('passkey.registered')

      // 3. Sign out; conditional UI: the autofill request starts with the page and the virtual
      // authenticator answers it, so the page signs in with no click at all.
      await signOut(page)
      const second = authorize()
      await page.goto(second.url)
      const byAutofill = await idTokenAfter(page, second.verifier, second.nonce)
      expect(byAutofill.amr).toEqual(['hwk', 'user', 'mfa'])
      expect(byAutofill.email).toBe(ALICE.email)
      expect(byAutofill.sub).toBe(pwd.sub)
      expect(events.filter((e) => e.name === 'passkey.used')).toHaveLength(1)
      const used = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0]
      expect(used?.signCount).toBeGreaterThan(credentials[0]!.signCount)

      // 4. A browser without conditional UI: the button (Tab to it from the Password field, Enter).
      await page.addInitScript(() => {
        PublicKeyCredential.isConditionalMediationAvailable = async () => false
      })
      await signOut(page)
      const third = authorize()
      await page.goto(third.url)
      const button = page.getByRole('button', { name: 'Sign in with a passkey' })
      await button.waitFor({ state: 'visible' })
      await page.screenshot({ path: '/tmp/latch-passkey-sign-in.png', fullPage: true })
      // Password → Sign in → Forgot password? → Sign in with a passkey.
      await page.getByLabel('Password').focus()
      for (let i = 0; i < 3; i++) await page.keyboard.press('Tab')
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('passkey-sign-in')
      await page.keyboard.press('Enter')
      const byButton = await idTokenAfter(page, third.verifier, third.nonce)
      expect(byButton.amr).toEqual(['hwk', 'user', 'mfa'])
      expect(byButton.sub).toBe(pwd.sub)

      // 5. The account page lists it as used; rename it, then delete it, keyboard only.
      await page.goto(`${issuer}/account/passkeys`)
      await page.getByText(/^last used \d{4}-\d\d-\d\d$/).waitFor()
      await page.getByLabel('New name for Phone').fill('')
      await page.getByLabel('New name for Phone').focus()
      await page.keyboard.type('Old phone')
      await page.keyboard.press('Enter')
      await page.getByRole('status').filter({ hasText: 'The passkey was renamed.' }).waitFor()
      await page.getByRole('button', { name: 'Delete Old phone' }).focus()
      await page.keyboard.press('Enter')
      await page.getByRole('status').filter({ hasText: 'The passkey was deleted.' }).waitFor()
      await page.getByText('You have no passkeys yet.').waitFor()
    } finally {
      await context.close()
    }
  })

  it('progressive enhancement: with JavaScript off the sign-in page has no passkey button and the password signs in', async () => {
    const { context, page } = await phone({ javaScriptEnabled: false })
    try {
      const { url, verifier, nonce } = authorize()
      await page.goto(url)
      expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).toBe(false)
      await page.getByLabel('Email').fill(ALICE.email)
      await page.getByLabel('Password').fill(ALICE.password)
      await page.getByLabel('Password').press('Enter')
      expect((await idTokenAfter(page, verifier, nonce)).amr).toEqual(['pwd'])
    } finally {
      await context.close()
    }
  })
})
