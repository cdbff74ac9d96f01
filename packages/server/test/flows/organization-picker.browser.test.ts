/**
 * The organization picker in a real browser (issue 10, docs/architecture.md "Pages"): Debian's
 * Chromium driven by playwright-core, on a client with `organization_required` and a user in two
 * organizations. The picker is a fieldset whose legend names the choice, radios labelled with the
 * organizations' names and a **Continue** button; it is used here
 * - with the keyboard only (Tab, arrows, Space, Enter; focus starts on the first organization and
 *   always shows), WCAG 2.2 §2.1.1 and §2.4.7;
 * - at phone width (375 px) without horizontal scrolling, WCAG 2.2 §1.4.10;
 * - with JavaScript disabled, by clicking the labels;
 * and each ends at the client's redirect URI with a code whose grant acts for the organization chosen.
 * The not-a-member page's one button ends the request with `access_denied` at the client.
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://www.w3.org/TR/WCAG22/#keyboard
 * @see https://www.w3.org/TR/WCAG22/#reflow
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { hashHandle } from '../../src/lib/random.js'
import { hasChromium, launchChromium } from '../chromium.js'
import { baseTestConfig, startCallbackServer, startServer, type CallbackServer, type TestServer } from '../helpers.js'

const SECRET = 'picker-app-secret-0123456789abcdef0123'
const APP_NAME = 'Picker Test App'
const ALICE = { email: 'alice@example.com', password: 'correct-horse-battery' }
const CAROL = { email: 'carol@example.com', password: 'carol-password-long-enough' }

describe.skipIf(!hasChromium)('the organization picker in a real browser', () => {
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
          client_id: 'picker-app',
          client_name: APP_NAME,
          client_secret: SECRET,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code'],
          redirect_uris: [callbackUrl],
          scope: 'openid profile',
          skip_consent: true,
          organization_required: true,
        },
      ],
      users: [...baseTestConfig.users, CAROL],
      organizations: [
        { id: 'acme', name: 'Acme Corp', members: [{ email: ALICE.email, roles: ['admin'] }] },
        { id: 'globex', name: 'Globex Corporation', members: [{ email: ALICE.email, roles: ['member'] }] },
      ],
    })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await s?.close()
    await callbackServer?.close()
  })

  async function newPage(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext(options)
    context.setDefaultTimeout(10_000)
    return { context, page: await context.newPage() }
  }

  function authorizationUrl(state: string): string {
    const url = new URL(`${s.url}${PATHS.authorization}`)
    url.search = new URLSearchParams({
      client_id: 'picker-app',
      redirect_uri: callbackUrl,
      response_type: 'code',
      scope: 'openid profile',
      state,
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString()
    return url.href
  }

  /** Signs in by the labels a person reads; the next page is the picker (or the not-a-member page). */
  async function signIn(page: Page, user = ALICE): Promise<void> {
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  }

  /** Waits for the client's redirect URI; returns the query it received. */
  async function callbackAfter(page: Page, act: () => Promise<void>): Promise<URLSearchParams> {
    const before = callbacks.length
    await act()
    await page.waitForURL((url) => url.href.startsWith(callbackUrl))
    expect(callbacks.length).toBe(before + 1)
    return callbacks[callbacks.length - 1] as URLSearchParams
  }

  async function organizationOf(query: URLSearchParams): Promise<string | null | undefined> {
    expect(query.get('error')).toBeNull()
    return (await s.server.ctx.store.authorizationCodes.find(hashHandle(query.get('code') ?? '')))?.code.organization_id
  }

  /** The element with keyboard focus, as role-ish text for the assertions. */
  async function focused(page: Page): Promise<string> {
    return page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement | HTMLButtonElement | null
      if (!el) return 'nothing'
      if (el instanceof HTMLInputElement && el.type === 'radio') return `radio ${el.labels?.[0]?.textContent ?? ''}${el.checked ? ' (checked)' : ''}`
      return `${el.tagName.toLowerCase()} ${el.textContent?.trim() ?? ''}`
    })
  }

  it('Issue 10, WCAG 2.2 §2.1.1, §2.4.7: the picker is used with the keyboard only (focus on the first organization, arrows, Space, Tab, Enter)', async () => {
    const { context, page } = await newPage()
    try {
      const state = randomBytes(8).toString('hex')
      await page.goto(authorizationUrl(state))
      await signIn(page)
      await page.getByRole('heading', { name: 'Choose an organization' }).waitFor()
      // One group, named by its legend, with one radio per organization, named by the organization.
      const group = page.getByRole('group', { name: 'Organization' })
      await group.waitFor()
      expect(await group.getByRole('radio').count()).toBe(2)
      await group.getByRole('radio', { name: 'Acme Corp' }).waitFor()
      await group.getByRole('radio', { name: 'Globex Corporation' }).waitFor()
      // Focus starts on the first organization, nothing chosen yet.
      expect(await focused(page)).toBe('radio Acme Corp')
      // The focus ring shows (WCAG 2.2 §2.4.7): the CSS :focus-visible outline is drawn.
      await page.keyboard.press('Space')
      expect(await focused(page)).toBe('radio Acme Corp (checked)')
      expect(await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)).toBe('solid')
      await page.keyboard.press('ArrowDown')
      expect(await focused(page)).toBe('radio Globex Corporation (checked)')
      await page.keyboard.press('Tab')
      expect(await focused(page)).toBe('button Continue')
      await page.screenshot({ path: '/tmp/latch-organization-picker.png', fullPage: true })
      const query = await callbackAfter(page, () => page.keyboard.press('Enter'))
      expect(query.get('state')).toBe(state)
      expect(query.get('iss')).toBe(s.url)
      expect(await organizationOf(query)).toBe('globex')
    } finally {
      await context.close()
    }
  })

  it('Issue 10, WCAG 2.2 §1.4.10: at phone width (375 px) the picker fits without horizontal scrolling and the names and button are readable', async () => {
    const { context, page } = await newPage({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true })
    try {
      await page.goto(authorizationUrl('phone'))
      await signIn(page)
      await page.getByRole('group', { name: 'Organization' }).waitFor()
      const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }))
      expect(widths.scroll).toBeLessThanOrEqual(widths.client)
      expect(widths.client).toBeLessThanOrEqual(375)
      for (const name of ['Acme Corp', 'Globex Corporation']) {
        const box = await page.getByText(name, { exact: true }).boundingBox()
        expect(box, name).not.toBeNull()
        expect((box?.x ?? -1) + (box?.width ?? 0)).toBeLessThanOrEqual(375)
      }
      const button = await page.getByRole('button', { name: 'Continue' }).boundingBox()
      // A target a thumb can hit (WCAG 2.2 §2.5.8: at least 24 px).
      expect(button?.height ?? 0).toBeGreaterThanOrEqual(24)
      await page.screenshot({ path: '/tmp/latch-organization-picker-phone.png', fullPage: true })
      const query = await callbackAfter(page, async () => {
        await page.getByText('Acme Corp', { exact: true }).tap()
        await page.getByRole('button', { name: 'Continue' }).tap()
      })
      expect(await organizationOf(query)).toBe('acme')
    } finally {
      await context.close()
    }
  })

  it('Issue 10: with JavaScript disabled the picker works by clicking a label and Continue; the not-a-member page ends in access_denied at the client (RFC 6749 §4.1.2.1)', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: false })
    try {
      await page.goto(authorizationUrl('nojs'))
      await signIn(page)
      await page.getByRole('group', { name: 'Organization' }).waitFor()
      // Continue without a choice: the browser's own required check keeps the user on the page.
      await page.getByRole('button', { name: 'Continue' }).click()
      expect(page.url()).toContain(PATHS.interaction)
      await page.getByText('Globex Corporation', { exact: true }).click()
      expect(await page.getByRole('radio', { name: 'Globex Corporation' }).isChecked()).toBe(true)
      const query = await callbackAfter(page, () => page.getByRole('button', { name: 'Continue' }).click())
      expect(await organizationOf(query)).toBe('globex')
    } finally {
      await context.close()
    }

    const other = await newPage({ javaScriptEnabled: false })
    try {
      await other.page.goto(authorizationUrl('carol'))
      await signIn(other.page, CAROL)
      await other.page.getByRole('heading', { name: 'You are not a member' }).waitFor()
      const back = other.page.getByRole('button', { name: `Back to ${APP_NAME}` })
      const query = await callbackAfter(other.page, () => back.click())
      expect(query.get('error')).toBe('access_denied')
      expect(query.get('state')).toBe('carol')
      expect(query.get('iss')).toBe(s.url)
    } finally {
      await other.context.close()
    }
  })
})
