/**
 * Tenants in a real browser (issue 11): Debian's Chromium, with `*.test` names mapped to this
 * machine (`--host-resolver-rules`), so it sends the `Host` headers and keeps the cookies a user's
 * browser would. One browser (one cookie jar) signs in at `acme` (its own host), at `initech` (a
 * path under the default tenant's host) and at the default tenant on that same host; each tenant
 * keeps its own session cookie (by name and path), and signing out of one leaves the others
 * signed in.
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-5.1.4
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_ARGS, hasChromium, launchChromium } from '../chromium.js'
import { ALICE, baseTestConfig, startCallbackServer, type CallbackServer } from '../helpers.js'
import { startTenantsServer, type TenantName, type TenantsServer } from '../support/tenants.js'

describe.skipIf(!hasChromium)('tenants in one browser (issue 11)', () => {
  let t: TenantsServer
  let callback: CallbackServer
  let browser: Browser
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    callback = await startCallbackServer()
    const clients = baseTestConfig.clients.map((c) => (c.client_id === 'web' ? { ...c, redirect_uris: [callback.url] } : c))
    t = await startTenantsServer({ perTenant: { main: { clients }, acme: { clients }, globex: { clients }, initech: { clients } } })
    browser = await launchChromium({ args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.test 127.0.0.1'] })
    context = await browser.newContext()
    context.setDefaultTimeout(10_000)
    page = await context.newPage()
  })
  afterAll(async () => {
    await browser?.close()
    await t?.close()
    await callback?.close()
  })

  function authorizeUrl(name: TenantName, params: Record<string, string> = {}): string {
    const url = new URL(`${t.issuers[name]}/authorize`)
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'web',
      redirect_uri: callback.url,
      scope: 'openid',
      state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
      code_challenge_method: 'S256',
      ...params,
    }).toString()
    return url.href
  }

  /** The query the client's redirect URI received once the browser got there. */
  async function callbackQuery(): Promise<URLSearchParams> {
    await page.waitForURL((url) => url.href.startsWith(callback.url))
    return new URL(page.url()).searchParams
  }

  async function signIn(name: TenantName): Promise<void> {
    await page.goto(authorizeUrl(name))
    await page.getByLabel('Email').fill(ALICE.email)
    await page.getByLabel('Password').fill(ALICE.password)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    const query = await callbackQuery()
    expect(query.get('code'), name).toBeTruthy()
    expect(query.get('iss')).toBe(t.issuers[name])
  }

  /** What `prompt=none` at `name` answers this browser: a code (signed in) or the error. */
  async function silently(name: TenantName): Promise<string> {
    await page.goto(authorizeUrl(name, { prompt: 'none' }))
    const query = await callbackQuery()
    return query.get('code') ? 'code' : String(query.get('error'))
  }

  it('issue 11: a host tenant, a path tenant and the default tenant on that host each keep their own session cookie in one browser', async () => {
    for (const name of ['acme', 'initech', 'main'] as const) await signIn(name)
    const sessions = (await context.cookies()).filter((c) => c.name.startsWith('latch_session')).map((c) => ({ name: c.name, domain: c.domain, path: c.path, httpOnly: c.httpOnly, sameSite: c.sameSite }))
    expect(sessions.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'latch_session', domain: 'auth.main.test', path: '/', httpOnly: true, sameSite: 'Lax' },
      { name: 'latch_session_acme', domain: 'login.acme.test', path: '/', httpOnly: true, sameSite: 'Lax' },
      { name: 'latch_session_initech', domain: 'auth.main.test', path: '/t/initech/', httpOnly: true, sameSite: 'Lax' },
    ])
    for (const name of ['acme', 'initech', 'main', 'globex'] as const) expect(await silently(name), name).toBe(name === 'globex' ? 'login_required' : 'code')
  })

  it('issue 11: signing out of the default tenant in the browser leaves the path tenant on the same host and the host tenant signed in', async () => {
    await page.goto(`${t.issuers.main}/logout`)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor()
    expect((await context.cookies()).map((c) => c.name).filter((n) => n.startsWith('latch_session')).sort()).toEqual(['latch_session_acme', 'latch_session_initech'])
    expect(await silently('main')).toBe('login_required')
    expect(await silently('initech')).toBe('code')
    expect(await silently('acme')).toBe('code')
  })
})
