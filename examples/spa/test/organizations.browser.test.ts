/**
 * The SPA's organization switcher end to end in a real browser (Chromium via playwright-core),
 * used with the keyboard only: a radio group labelled with the organizations' names and a
 * **Switch organization** button, against a real Latch where Alice is an admin of acme and a
 * member of globex, and Bob alone is in initech.
 *
 * PKCE mode: the switch is an RFC 8693 token exchange made by the page (@latch/react →
 * @latch/client); the PKCE client is third-party, so a first switch to an organization the user
 * has not allowed it yet goes through Latch's consent page (the exchange answers `invalid_scope`,
 * and the page signs in for that organization), and later switches to it are silent; UserInfo
 * then answers the new organization's `org_id` and `org_roles`; an organization Alice is not a
 * member of is refused (`invalid_target`) with an alert, and the current organization stays. BFF mode: the switch is a new sign-in for the organization (silent
 * with Latch's SSO session), and the example API's `GET /api/orgs/:orgId/data` answers that
 * organization's data with Alice's role there.
 *
 * Skipped when /usr/bin/chromium is not installed.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2
 * @see https://www.w3.org/WAI/ARIA/apg/patterns/radio/
 */
import { rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasChromium, launchChromium } from '../../../packages/server/test/chromium.js'
import { ALICE, API, BOB, baseTestConfig, freePort, startServer, type TestServer } from '../../../packages/server/test/helpers.js'
import { createApi } from '../../api/src/api.js'
import { createSpaServer } from '../src/server/spa-server.js'
import { BFF_SECRET, bffClient, buildSpa, shownResult, signInAtLatch, watchForErrors } from './support.js'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ORGANIZATIONS = [
  { id: 'acme', name: 'Acme Corp' },
  { id: 'globex', name: 'Globex Corporation' },
  { id: 'initech', name: 'Initech' },
]

/** Latch with the organizations and the SPA's clients. */
function startOrgLatch(spaOrigin: string): Promise<TestServer> {
  return startServer({
    default_resource: API,
    organizations: [
      { id: 'acme', name: 'Acme Corp', members: [{ email: ALICE.email, roles: ['admin'] }] },
      { id: 'globex', name: 'Globex Corporation', members: [{ email: ALICE.email, roles: ['member'] }] },
      { id: 'initech', name: 'Initech', members: [{ email: BOB.email, roles: ['member'] }] },
    ],
    resources: [{ identifier: API, scopes: ['read:data', 'write:data', 'read:organization:{org_id}'] }],
    scopes: [...baseTestConfig.scopes, { name: 'read:organization:{org_id}', description: 'Read {org_name} data', roles: ['admin', 'member'] }],
    clients: [
      ...baseTestConfig.clients,
      { ...bffClient('spa-bff-org', spaOrigin), scope: 'openid profile email offline_access read:data write:data read:organization:{org_id}', skip_consent: true },
      {
        client_id: 'spa-pkce-org',
        client_name: 'SPA Test (PKCE, organizations)',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE],
        redirect_uris: [`${spaOrigin}/callback`],
        post_logout_redirect_uris: [`${spaOrigin}/`],
        scope: 'openid profile email offline_access read:data read:organization:{org_id}',
      },
    ],
  })
}

/** Chooses `name` in the switcher and submits, with the keyboard only. */
async function switchWithKeyboard(page: Page, name: string): Promise<void> {
  const radio = page.getByRole('radio', { name })
  await radio.focus()
  await page.keyboard.press('Space')
  expect(await radio.isChecked()).toBe(true)
  await page.keyboard.press('Tab')
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Switch organization')
  await page.keyboard.press('Enter')
}

/** The organization the switcher shows as current (its id). */
async function currentOrganization(page: Page): Promise<string | null> {
  return page.locator('[data-organization]').getAttribute('data-organization')
}

describe.skipIf(!hasChromium)('examples/spa: the organization switcher in a real browser', () => {
  let latch: TestServer
  let spaOrigin: string
  let api: Server
  let spa: FastifyInstance
  let browser: Browser
  let staticDir: string

  beforeAll(async () => {
    const spaPort = await freePort()
    // `localhost`, as in the demo: the browser's origin for the BFF's Origin check and cookies.
    spaOrigin = `http://localhost:${spaPort}`
    latch = await startOrgLatch(spaOrigin)
    const issuer = latch.url
    staticDir = await buildSpa('production')
    const apiPort = await freePort()
    const apiApp = createApi({ issuer, audience: API })
    api = await new Promise<Server>((resolve) => {
      const server = apiApp.listen(apiPort, '127.0.0.1', () => resolve(server))
    })
    spa = await createSpaServer({
      issuer,
      appOrigin: spaOrigin,
      clientId: 'spa-bff-org',
      clientSecret: BFF_SECRET,
      apiUpstream: `http://127.0.0.1:${apiPort}/api`,
      staticDir,
      pkceClientId: 'spa-pkce-org',
      pkceScope: 'openid profile email offline_access read:data',
      organizations: ORGANIZATIONS,
    })
    await spa.listen({ port: spaPort, host: '127.0.0.1' })
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await spa?.close()
    await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()))
    await latch?.close()
    if (staticDir) rmSync(staticDir, { recursive: true, force: true })
  })

  it('RFC 8693 (PKCE mode): switching exchanges the tokens in the page; UserInfo answers the new organization; a non-member organization is refused with an alert', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = watchForErrors(page)
    try {
      await page.goto(`${spaOrigin}/pkce/data`)
      await page.waitForURL((url) => url.origin === latch.url)
      await signInAtLatch(page, 'Allow')
      await page.waitForURL(`${spaOrigin}/pkce/data`)
      await page.getByRole('group', { name: 'Organization' }).waitFor()
      expect(await currentOrganization(page)).toBe('')

      // A third-party client: the first switch to globex asks the user on Latch's consent page.
      await switchWithKeyboard(page, 'Globex Corporation')
      await page.waitForURL((url) => url.origin === latch.url)
      expect(await page.getByText('Globex Corporation').count()).toBeGreaterThan(0)
      await page.getByRole('button', { name: 'Allow' }).click()
      await page.waitForURL(`${spaOrigin}/pkce/data`)
      await page.locator('[data-organization="globex"]').waitFor()
      expect(await page.getByText('Current organization:').textContent()).toContain('Globex Corporation')
      await page.getByRole('button', { name: 'Load profile' }).click()
      await page.getByText('GET UserInfo:').waitFor()
      expect((await shownResult(page)).body).toMatchObject({ email: ALICE.email, org_id: 'globex', org_roles: ['member'] })

      await switchWithKeyboard(page, 'Acme Corp')
      await page.waitForURL((url) => url.origin === latch.url)
      await page.getByRole('button', { name: 'Allow' }).click()
      await page.waitForURL(`${spaOrigin}/pkce/data`)
      await page.locator('[data-organization="acme"]').waitFor()
      await page.getByRole('button', { name: 'Load profile' }).click()
      await page.waitForFunction(() => document.querySelector('[aria-label="API response"]')?.textContent?.includes('"acme"'))
      expect((await shownResult(page)).body).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })

      // Allowed once, globex is now a silent exchange in the page: no trip to Latch.
      await switchWithKeyboard(page, 'Globex Corporation')
      await page.locator('[data-organization="globex"]').waitFor()
      expect(new URL(page.url()).origin).toBe(spaOrigin)

      // Not a member of initech: refused, said so, and still in globex.
      await switchWithKeyboard(page, 'Initech')
      await page.getByRole('alert').waitFor()
      expect(await page.getByRole('alert').textContent()).toBe('You are not a member of that organization.')
      expect(await currentOrganization(page)).toBe('globex')
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  }, 90_000)

  it('issue 10 (BFF mode): switching signs in again for the organization (silently, SSO); GET /api/orgs/:orgId/data answers that organization with Alice\'s role there', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = watchForErrors(page)
    try {
      await page.goto(`${spaOrigin}/data`)
      await page.waitForURL((url) => url.origin === latch.url)
      await signInAtLatch(page, null)
      await page.waitForURL(`${spaOrigin}/data`)
      await page.getByRole('group', { name: 'Organization' }).waitFor()
      expect(await page.getByRole('button', { name: 'Load organization data' }).isDisabled()).toBe(true)

      await switchWithKeyboard(page, 'Acme Corp')
      await page.waitForURL(`${spaOrigin}/data`)
      await page.locator('[data-organization="acme"]').waitFor()
      await page.getByRole('button', { name: 'Load organization data' }).click()
      await page.getByText('GET /api/orgs/acme/data:').waitFor()
      expect(await shownResult(page)).toMatchObject({ status: '200', body: { organization: 'acme', sub: expect.any(String), org_roles: ['admin'] } })

      await switchWithKeyboard(page, 'Globex Corporation')
      await page.locator('[data-organization="globex"]').waitFor()
      await page.getByRole('button', { name: 'Load organization data' }).click()
      await page.getByText('GET /api/orgs/globex/data:').waitFor()
      expect(await shownResult(page)).toMatchObject({ status: '200', body: { organization: 'globex', org_roles: ['member'] } })
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  }, 90_000)
})
