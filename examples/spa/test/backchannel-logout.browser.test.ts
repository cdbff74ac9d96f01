/**
 * Issue 12, end to end in a real browser: the SPA example (its BFF, `POST /auth/backchannel-logout`)
 * registered with a `backchannel_logout_uri`. The user signs in to the SPA, then signs out at Latch
 * from elsewhere (Latch's own sign-out page, as another app's logout link leads there): Latch's
 * delivery loop POSTs a logout token to the SPA's BFF, which ends the session, and the SPA shows
 * the user signed out, within 5 seconds and without the SPA doing anything.
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
 */
import { rmSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasChromium, launchChromium } from '../../../packages/server/test/chromium.js'
import { API, baseTestConfig, freePort, startServer, type TestServer } from '../../../packages/server/test/helpers.js'
import { createSpaServer } from '../src/server/spa-server.js'
import { BFF_SECRET, bffClient, buildSpa, me, signInAtLatch } from './support.js'

describe.skipIf(!hasChromium)('examples/spa: back-channel logout in a real browser', () => {
  let latch: TestServer
  let spa: FastifyInstance
  let browser: Browser
  let staticDir: string
  let spaOrigin: string
  const delivered: unknown[] = []

  beforeAll(async () => {
    staticDir = await buildSpa('production')
    const spaPort = await freePort()
    spaOrigin = `http://localhost:${spaPort}`
    latch = await startServer({
      default_resource: API,
      clients: [
        ...baseTestConfig.clients,
        { ...bffClient('spa-bff', spaOrigin), skip_consent: true, backchannel_logout_uri: `http://127.0.0.1:${spaPort}/auth/backchannel-logout` },
      ],
    })
    latch.server.ctx.events.on('logout_token.delivered', (p) => delivered.push(p))
    spa = await createSpaServer({ issuer: latch.url, appOrigin: spaOrigin, clientId: 'spa-bff', clientSecret: BFF_SECRET, staticDir, pkceClientId: null })
    await spa.listen({ port: spaPort, host: '127.0.0.1' })
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await spa?.close()
    await latch?.close()
    if (staticDir) rmSync(staticDir, { recursive: true, force: true })
  })

  it('OIDC Back-Channel Logout §2.5–§2.7: signing out at Latch from another app ends the SPA\'s session; the SPA shows it signed out within 5 s', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      await page.goto(`${spaOrigin}/`)
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await page.waitForURL((url) => url.origin === latch.url)
      await signInAtLatch(page, null)
      await page.waitForURL((url) => url.origin === spaOrigin)
      await page.getByText('Signed in as').waitFor()
      expect((await me(page)).authenticated).toBe(true)

      // Another app's "Sign out" leads to Latch's end-session endpoint, in another tab of this browser.
      const other = await context.newPage()
      await other.goto(`${latch.url}/logout`)
      await other.getByRole('button', { name: /sign out/i }).click()
      await other.waitForLoadState()

      // Nobody steps Latch's loop: it delivers on its own, at once after the session ended.
      const start = Date.now()
      while ((await me(page)).authenticated && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 100))
      expect((await me(page)).authenticated).toBe(false)
      expect(delivered).toHaveLength(1)
      await page.reload()
      await page.getByText('You are signed out.').waitFor({ timeout: 5000 })
    } finally {
      await context.close()
    }
  })
})
