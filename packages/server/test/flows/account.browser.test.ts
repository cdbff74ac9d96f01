/**
 * Issue 13: the account page in a real browser (Debian's Chromium through playwright-core), at
 * phone width (375 px) with JavaScript off and the keyboard only: every control is reached with
 * Tab and used with typing and Enter (WCAG 2.2 §2.1.1), the page never scrolls sideways (§1.4.10),
 * each section is a region named by its heading, and a refused form puts focus in its first field
 * (§3.3.1). The walk: /account → **Sign in** (Latch's own sign-in page) → back to /account; save
 * the name; revoke an app; sign out another session; change the password (wrong, then right);
 * **Sign out**.
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://www.w3.org/TR/WCAG22/#keyboard
 * @see https://www.w3.org/TR/WCAG22/#reflow
 * @see https://www.w3.org/TR/WCAG22/#error-identification
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasChromium, launchChromium } from '../chromium.js'
import { Browser as HttpBrowser } from '../browser.js'
import { baseTestConfig, startServer, WEB_REDIRECT, type TestServer } from '../helpers.js'

const USER = { email: 'walker@example.com', password: 'walker-password-long-enough' }
const NEW_PASSWORD = 'a new walker passphrase'

describe.skipIf(!hasChromium)('the account page in a real browser (issue 13)', () => {
  let s: TestServer
  let chromium: Browser

  beforeAll(async () => {
    s = await startServer({
      clients: [
        ...baseTestConfig.clients,
        { client_id: 'photos', client_name: 'Photo App', client_secret: 'photos-secret-0123456789abcdef0123456', grant_types: ['authorization_code'], redirect_uris: [WEB_REDIRECT], scope: 'openid profile' },
      ],
      users: [...baseTestConfig.users, { ...USER, email_verified: true }],
    })
    chromium = await launchChromium()
  }, 30_000)

  afterAll(async () => {
    await chromium?.close()
    await s?.close()
  })

  /** Tab until `matches` holds for the focused element (at most 60 presses): the control is reachable by keyboard. */
  async function tabTo(page: Page, describe: string, matches: (el: { id: string; tag: string; text: string; type: string }) => boolean): Promise<void> {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab')
      const el = await page.evaluate(() => {
        const a = document.activeElement as HTMLInputElement | null
        return { id: a?.id ?? '', tag: a?.tagName.toLowerCase() ?? '', text: a?.textContent?.trim() ?? '', type: a?.getAttribute('type') ?? '' }
      })
      if (matches(el)) return
    }
    throw new Error(`Tab never reached ${describe}`)
  }
  const button = (label: string) => (el: { tag: string; text: string }) => el.tag === 'button' && el.text === label
  const field = (id: string) => (el: { id: string }) => el.id === id

  async function noSidewaysScroll(page: Page): Promise<void> {
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }))
    expect(scroll).toBeLessThanOrEqual(client)
  }

  async function statusText(page: Page): Promise<string> {
    return (await page.locator('[role=status]').textContent()) ?? ''
  }

  it('WCAG 2.2 §2.1.1, §1.4.10: sign in through /account, use every section, and sign out, by keyboard at 375 px without JavaScript', async () => {
    const context = await chromium.newContext({ viewport: { width: 375, height: 800 }, javaScriptEnabled: false, userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0' })
    context.setDefaultTimeout(10_000)
    const page = await context.newPage()

    // Sign in, through Latch's own sign-in page, and back.
    await page.goto(`${s.url}/account`)
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You are not signed in')
    await noSidewaysScroll(page)
    await tabTo(page, 'Sign in', button('Sign in'))
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/interaction\//)
    // The email field has focus (autofocus): waited for, so that no keystroke under load lands before it does.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('email')
    await page.keyboard.type(USER.email)
    await page.keyboard.press('Tab')
    await page.keyboard.type(USER.password)
    expect([await page.getByLabel('Email').inputValue(), await page.getByLabel('Password').inputValue()]).toEqual([USER.email, USER.password])
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/account`)
    expect(await page.locator('p.muted', { hasText: 'Signed in as' }).textContent()).toBe(`Signed in as ${USER.email}`)
    const headings = await page.getByRole('heading', { level: 2 }).allTextContents()
    expect(headings).toEqual(['Profile', 'Change password', 'Two-step verification', 'Passkeys', 'Linked accounts', 'Active sessions', 'Apps you authorized'])
    for (const name of headings) expect(await page.getByRole('region', { name }).count()).toBe(1)
    await noSidewaysScroll(page)

    // Profile: the name, by its label.
    await tabTo(page, 'the Name field', field('profile-name'))
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).labels?.[0]?.textContent)).toBe('Name')
    await page.keyboard.type('Walker Texas')
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/account?notice=profile_saved`)
    expect(await statusText(page)).toBe('Your profile was saved.')
    const walker = (await s.server.ctx.store.users.getByEmail(USER.email))!
    expect(walker.claims.name).toBe('Walker Texas')

    // Apps you authorized: an app the user allowed (in another browser), then Revoke.
    const other = new HttpBrowser(s.url)
    const authorize = new URL(`${s.url}/authorize`)
    authorize.search = new URLSearchParams({ client_id: 'photos', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid profile', state: 's', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }).toString()
    expect((await other.authorize(authorize, USER)).redirect?.searchParams.get('code')).toBeTruthy()
    await page.goto(`${s.url}/account`)
    await noSidewaysScroll(page)
    await tabTo(page, 'Revoke Photo App', button('Revoke Photo App'))
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/account?notice=app_revoked`)
    expect(await statusText(page)).toBe('Access was revoked. The app has to ask you again.')

    // Active sessions: the other browser's, signed out from here.
    expect(await page.getByText('This device').count()).toBe(1)
    expect(await page.getByText('Firefox on Linux').count()).toBe(1)
    await tabTo(page, 'the other session\'s Sign out', (el) => el.tag === 'button' && el.text.startsWith('Sign out ') && el.text !== 'Sign out')
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/account?notice=session_ended`)
    expect(await statusText(page)).toBe('That session was signed out.')
    expect((await other.open(`${s.url}/account`)).html).toContain('You are not signed in')

    // Change password: a wrong current password puts focus back in the form, with the alert.
    await tabTo(page, 'Current password', field('current-password'))
    await page.keyboard.type('not-the-password')
    await page.keyboard.press('Tab')
    await page.keyboard.type(NEW_PASSWORD)
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/account/password`)
    expect(await page.getByRole('alert').textContent()).toBe('Your current password is not correct.')
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('current-password')
    await noSidewaysScroll(page)
    await page.keyboard.type(USER.password)
    await page.keyboard.press('Tab')
    await page.keyboard.type(NEW_PASSWORD)
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/account?notice=password_changed`)
    expect(await statusText(page)).toBe('Your password was changed, and you were signed out everywhere else.')

    // Sign out.
    await tabTo(page, 'Sign out', button('Sign out'))
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/logout`)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You are signed out')
    await page.goto(`${s.url}/account`)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You are not signed in')
    await context.close()
  }, 30_000)
})
