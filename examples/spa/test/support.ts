/**
 * Shared parts of the SPA's browser tests: the Vite build, Latch's login page, what the page shows
 * and what it must never hold.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { build } from 'vite'
import { expect } from 'vitest'
import { JWT_SHAPED } from '../../../packages/client/test/bff/recording-session-store.js'
import { ALICE } from '../../../packages/server/test/helpers.js'

export const SPA_ROOT = fileURLToPath(new URL('..', import.meta.url))
export const BFF_SECRET = 'spa-bff-secret-0123456789abcdef0123456789'

/** Builds the SPA with Vite's JS API into a fresh temp dir; `development` keeps React's StrictMode checks. */
export async function buildSpa(mode: 'production' | 'development'): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), `latch-spa-${mode}-`))
  await build({
    configFile: join(SPA_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    mode,
    ...(mode === 'development' && { define: { 'process.env.NODE_ENV': JSON.stringify('development') } }),
    build: { outDir, emptyOutDir: true, ...(mode === 'development' && { minify: false }) },
  })
  return outDir
}

/** Everything a script on the page, or a person saving it, could read. */
export async function readableByThePage(page: Page, context: BrowserContext): Promise<{ where: string; text: string }[]> {
  const storage = await page.evaluate(() => ({
    local: Object.entries(window.localStorage),
    session: Object.entries(window.sessionStorage),
    cookie: document.cookie,
  }))
  const cookies = await context.cookies()
  return [
    ...storage.local.map(([k, v]) => ({ where: `localStorage[${k}]`, text: `${k}=${v}` })),
    ...storage.session.map(([k, v]) => ({ where: `sessionStorage[${k}]`, text: `${k}=${v}` })),
    { where: 'document.cookie', text: storage.cookie },
    // HttpOnly cookies too: they must hold random handles, never a token.
    ...cookies.map((c) => ({ where: `cookie ${c.name}${c.httpOnly ? ' (HttpOnly)' : ''}`, text: `${c.name}=${c.value}` })),
    { where: 'the HTML', text: await page.content() },
  ]
}

/** No JWT-shaped string and none of `secrets` anywhere the page can read (messages never print a token). */
export async function expectNoTokenInTheBrowser(page: Page, context: BrowserContext, secrets: Iterable<string>): Promise<void> {
  const known = [...secrets]
  expect(known.length).toBeGreaterThan(0)
  for (const { where, text } of await readableByThePage(page, context)) {
    expect(JWT_SHAPED.test(text), `a JWT-shaped string is readable in ${where}`).toBe(false)
    expect(
      known.some((secret) => text.includes(secret)),
      `a token is readable in ${where}`,
    ).toBe(false)
  }
}

/**
 * Signs Alice in on Latch's login page, then answers the consent page: `Allow`, `Deny`, `null`
 * (the client skips consent), or `Allow if asked` (consent may be remembered from an earlier
 * test: done once the browser is back at `appOrigin`).
 */
export async function signInAtLatch(page: Page, decision: 'Allow' | 'Deny' | 'Allow if asked' | null, appOrigin?: string, user = ALICE): Promise<void> {
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill(user.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  if (decision === 'Allow if asked') {
    const allow = page.getByRole('button', { name: 'Allow' })
    await page.waitForFunction((origin) => location.origin === origin || document.querySelector('button[value="allow"]') !== null, appOrigin)
    if (await allow.count()) await allow.click()
  } else if (decision !== null) {
    await page.getByRole('button', { name: decision }).click()
  }
}

export async function me(page: Page): Promise<{ authenticated: boolean; expiresAt?: number; csrfToken?: string; user?: Record<string, unknown> }> {
  return page.evaluate(async () => (await window.fetch('/auth/me')).json())
}

/** The status and JSON the page shows after an API call. */
export async function shownResult(page: Page): Promise<{ status: string; body: unknown }> {
  const status = (await page.getByLabel('HTTP status').textContent()) ?? ''
  const body = JSON.parse((await page.getByLabel('API response').textContent()) ?? 'null') as unknown
  return { status, body }
}

/** Collects what the page reports as broken: uncaught errors and CSP violations. */
export function watchForErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) errors.push(`csp: ${msg.text()}`)
  })
  return errors
}

/** A confidential BFF client of the test's Latch for a SPA served at `origin`. */
export function bffClient(clientId: string, origin: string): Record<string, unknown> {
  return {
    client_id: clientId,
    client_name: `SPA Test (${clientId})`,
    client_secret: BFF_SECRET,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [`${origin}/auth/callback`],
    post_logout_redirect_uris: [`${origin}/`],
    scope: 'openid profile email offline_access read:data write:data',
  }
}
