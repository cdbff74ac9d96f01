/**
 * Issue 13: what the passkey script does, done by the tests over HTTP with the cookie-jar `Browser`
 * and a `SoftwareAuthenticator`: add a passkey on `/account/passkeys` (options, create, the form),
 * and find the sign-in page's passkey element (where to ask for options, where to post).
 */
import { createHash } from 'node:crypto'
import { expect } from 'vitest'
import { Browser, isLoginPage, parseForms, unescapeHtml, type Page } from '../browser.js'
import { webAuthorizeUrl } from '../sign-in.js'
import type { Bend, SoftwareAuthenticator } from './software-authenticator.js'

/** The PKCE verifier of every authorization request these helpers start. */
export const PASSKEY_TEST_VERIFIER = 'passkeys-test-verifier-0123456789-abcdefghijklmnop'

/** Adds a passkey the way the account page's script does: options, the authenticator, the form. */
export async function registerPasskey(issuer: string, browser: Browser, device: SoftwareAuthenticator, name = 'Laptop', bend: Bend = {}): Promise<Response> {
  const page = await browser.open(`${issuer}/account/passkeys`)
  const form = parseForms(page.html).find((f) => f.action === `${issuer}/account/passkeys`)
  if (form === undefined) throw new Error(`no registration form at ${page.url} (${page.status})`)
  const options = await browser.postForm(`${issuer}/account/passkeys/options`, { csrf: form.fields.csrf! })
  expect(options.status).toBe(200)
  const body = (await options.json()) as Record<string, any>
  expect(body.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' })
  return browser.postForm(form.action, { ...form.fields, name, response: JSON.stringify(device.register(body as never, bend)) })
}

/** A fresh sign-in page of the `web` client at `issuer`: where its passkey script would ask for options and post the answer. */
export async function passkeyButton(issuer: string, browser: Browser): Promise<{ options: string; action: string; csrf: string; url: string }> {
  const page = await browser.open(webAuthorizeUrl(issuer, { code_challenge: createHash('sha256').update(PASSKEY_TEST_VERIFIER).digest('base64url') }))
  expect(isLoginPage(page)).toBe(true)
  const div = /<div class="passkey" data-passkey-sign-in data-options="([^"]+)" data-action="([^"]+)" data-csrf="([^"]+)"/.exec(page.html)
  expect(div, 'the passkey element').not.toBeNull()
  return { options: unescapeHtml(div![1]!), action: unescapeHtml(div![2]!), csrf: div![3]!, url: page.url }
}

/** One passkey sign-in at `issuer`: a fresh page, options, the assertion (bent as asked), posted (no redirect followed). */
export async function signInWithPasskey(issuer: string, device: SoftwareAuthenticator, bend: Bend = {}, browser = new Browser(issuer)): Promise<{ res: Response; browser: Browser; options: Record<string, any> }> {
  const button = await passkeyButton(issuer, browser)
  const res0 = await browser.postForm(button.options, { csrf: button.csrf })
  expect(res0.status).toBe(200)
  expect(res0.headers.get('cache-control')).toBe('no-store')
  const options = (await res0.json()) as Record<string, any>
  const res = await browser.postForm(button.action, { csrf: button.csrf, response: JSON.stringify(device.assert(options as never, bend)) })
  return { res, browser, options }
}

/**
 * Issue 13: a sign-up that just signed in answers with the offer to add a passkey
 * (**Add a passkey for faster sign-in?**); its **Not now** link continues where the redirect went.
 */
export async function pastPasskeyOffer(browser: Browser, page: Page): Promise<Page> {
  expect(page.status, page.html.slice(0, 400)).toBe(200)
  expect(page.html).toContain('Add a passkey for faster sign-in?')
  const href = /<a class="button secondary" href="([^"]+)" id="not-now">/.exec(page.html)?.[1]
  expect(href, 'the Not now link').toBeTruthy()
  return browser.open(unescapeHtml(href!))
}
