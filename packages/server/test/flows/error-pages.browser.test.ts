/**
 * The error page and the issuer's root page in a real browser at phone width, with JavaScript
 * off (they are plain HTML): no horizontal scrolling, the way back reachable by keyboard with a
 * visible focus ring (WCAG 2.2 §2.4.7), input borders at 3:1 (§1.4.11) as rendered. Screenshots
 * go to /tmp for a person to look at.
 * @see https://www.w3.org/TR/WCAG22/#focus-visible
 * @see https://www.w3.org/TR/WCAG22/#non-text-contrast
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasChromium, launchChromium } from '../chromium.js'
import { startServer, type TestServer } from '../helpers.js'

const PHONE = { width: 360, height: 740 }

describe.skipIf(!hasChromium)('error and root pages in a real browser', () => {
  let s: TestServer
  let browser: Browser

  beforeAll(async () => {
    s = await startServer({
      clients: [
        {
          client_id: 'app-web',
          client_name: 'Example App',
          client_secret: 'app-web-secret-0123456789abcdef012345678',
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code'],
          redirect_uris: ['https://app.example.com/callback'],
          scope: 'openid',
        },
      ],
    })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await s?.close()
  })

  async function phonePage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false })
    context.setDefaultTimeout(10_000)
    return { context, page: await context.newPage() }
  }

  /** The computed outline of the focused element, after pressing Tab until `name` has focus. */
  async function tabTo(page: Page, name: string): Promise<{ style: string; width: number; color: string }> {
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab')
      const focused = await page.evaluate('document.activeElement?.textContent?.trim() ?? ""')
      if (focused === name) break
    }
    return page.evaluate(`(() => {
      const el = document.activeElement
      const cs = getComputedStyle(el)
      return { style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), color: cs.outlineColor, name: el.textContent.trim() }
    })()`) as Promise<{ style: string; width: number; color: string }>
  }

  /** @see issue 8 */
  it('WCAG 2.2 §1.4.10 + §2.4.7: the error page fits a phone, needs no JavaScript, and its way back is reachable by keyboard with a visible focus ring', async () => {
    const { context, page } = await phonePage()
    try {
      const url = `${s.url}/authorize?${new URLSearchParams({ client_id: 'app-web', redirect_uri: 'https://evil.example/cb', response_type: 'code', scope: 'openid' }).toString()}`
      const response = await page.goto(url)
      expect(response?.status()).toBe(400)
      await page.getByRole('heading', { name: 'This request cannot be completed' }).waitFor()
      expect(await page.getByRole('alert').textContent()).toMatch(/^The link or form that brought you here/)
      const back = page.getByRole('link', { name: 'Back to Example App' })
      expect(await back.getAttribute('href')).toBe('https://app.example.com/')
      expect(await page.getByText('Error code: invalid_request').count()).toBe(1)
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width)
      const ring = await tabTo(page, 'Back to Example App')
      expect(ring).toMatchObject({ style: 'solid', name: 'Back to Example App' })
      expect(ring.width).toBeGreaterThanOrEqual(2)
      expect(ring.color).toBe('rgb(36, 83, 212)')
      await page.screenshot({ path: '/tmp/latch-pages-error-phone.png', fullPage: true })
    } finally {
      await context.close()
    }
  })

  /** @see issue 8 */
  it('OIDC Discovery §4: the root page names the provider, links the discovery document, and fits a phone', async () => {
    const { context, page } = await phonePage()
    try {
      const response = await page.goto(`${s.url}/`)
      expect(response?.status()).toBe(200)
      await page.getByRole('heading', { name: 'Latch OpenID Provider' }).waitFor()
      expect(await page.getByText(s.url, { exact: true }).count()).toBe(1)
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width)
      await page.screenshot({ path: '/tmp/latch-pages-root-phone.png', fullPage: true })
      await page.getByRole('link', { name: 'OpenID Connect discovery document' }).click()
      await page.waitForURL(`${s.url}/.well-known/openid-configuration`)
      expect(await page.textContent('body')).toContain(`"issuer":"${s.url}"`)
    } finally {
      await context.close()
    }
  })

  /** @see issue 8 */
  it('WCAG 2.2 §1.4.11: the sign-in fields are drawn with a 3:1 border, and focus on them is visible', async () => {
    const { context, page } = await phonePage()
    try {
      const verifier = 'v'.repeat(43)
      const { createHash } = await import('node:crypto')
      const challenge = createHash('sha256').update(verifier).digest('base64url')
      await page.goto(`${s.url}/authorize?${new URLSearchParams({ client_id: 'app-web', redirect_uri: 'https://app.example.com/callback', response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }).toString()}`)
      const email = page.getByLabel('Email')
      await email.waitFor()
      expect(await email.evaluate((el) => getComputedStyle(el).borderTopColor)).toBe('rgb(118, 127, 143)')
      await email.focus()
      const ring = await email.evaluate((el) => getComputedStyle(el).outlineStyle)
      expect(ring).toBe('solid')
      await page.screenshot({ path: '/tmp/latch-pages-login-phone.png', fullPage: true })
    } finally {
      await context.close()
    }
  })
})
