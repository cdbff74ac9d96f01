/**
 * Signing in through the sign-in page the way a browser does, for the throttling and password
 * tests: a fresh code + PKCE request of the test client `web`, its sign-in form, and one POST of
 * that form from a chosen client address (`X-Forwarded-For`, for servers with `trust_proxy`).
 */
import { createHash, randomBytes } from 'node:crypto'
import { PATHS } from '../src/context.js'
import { alertText, Browser, formOf, isLoginPage, type Form } from './browser.js'
import { FORM, WEB_REDIRECT } from './helpers.js'

export interface SignInPage {
  browser: Browser
  form: Form
}

/**
 * A fresh authorization request (code, PKCE S256, `scope=openid`) of the test client `web`;
 * `params` replace or add parameters (another client on the same redirect URI, `ui_locales`…).
 */
export function webAuthorizeUrl(baseUrl: string, params: Record<string, string> = {}): URL {
  const url = new URL(`${baseUrl}${PATHS.authorization}`)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'web',
    redirect_uri: WEB_REDIRECT,
    scope: 'openid',
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
    code_challenge_method: 'S256',
    ...params,
  }).toString()
  return url
}

/** A browser (a new one unless given) on a fresh sign-in page of `baseUrl`, and the page's form. */
export async function openSignInPage(baseUrl: string, browser = new Browser(baseUrl)): Promise<SignInPage> {
  const page = await browser.open(webAuthorizeUrl(baseUrl))
  if (!isLoginPage(page)) throw new Error(`expected the sign-in page on ${baseUrl}, got ${page.status}`)
  return { browser, form: formOf(page) }
}

/** One sign-in POST from `xff`: 303 signed in, 401 wrong credentials, 429 throttled. */
export async function postSignIn(
  at: SignInPage,
  credentials: { email: string; password: string },
  xff: string,
): Promise<{ status: number; retryAfter: string | null; alert: string | undefined }> {
  const res = await at.browser.fetch(at.form.action, {
    method: 'POST',
    headers: { 'content-type': FORM, 'x-forwarded-for': xff },
    body: new URLSearchParams({ ...at.form.fields, ...credentials }),
  })
  return { status: res.status, retryAfter: res.headers.get('retry-after'), alert: alertText(await res.text()) }
}
