/**
 * Issue 12 test support: a browser across several origins (the downstream Latch, an upstream
 * identity provider, the relying party), with a cookie jar per origin, following 30x from one to
 * another (and the connection callback's meta refresh) and stopping at the relying party's redirect URI; and the downstream request with a
 * known PKCE verifier, so the code can be redeemed.
 */
import { createHash, randomBytes } from 'node:crypto'
import { Browser, formOf, unescapeHtml, type Page } from '../browser.js'
import { basic, postForm, WEB_REDIRECT, WEB_SECRET } from '../helpers.js'

export class FederatedBrowser {
  readonly #browsers = new Map<string, Browser>()

  browser(url: string | URL): Browser {
    const origin = new URL(url).origin
    let b = this.#browsers.get(origin)
    if (b === undefined) {
      b = new Browser(origin)
      this.#browsers.set(origin, b)
    }
    return b
  }

  /** GET `url`, following redirects across origins; stops at a page, or at `stopAt`'s origin (its redirect is returned unfetched). */
  async open(url: string | URL, stopAt = WEB_REDIRECT): Promise<Page> {
    return this.#follow(await this.browser(url).fetch(url), new URL(url).href, stopAt)
  }

  /** Submits the page's single form with `values` (a relative action taken from the page's URL), following redirects as `open` does. */
  async submit(page: Page, values: Record<string, string> = {}, stopAt = WEB_REDIRECT): Promise<Page> {
    const form = formOf(page)
    const action = new URL(form.action, page.url).href
    const response = await this.browser(action).postForm(action, { ...form.fields, ...values })
    return this.#follow(response, action, stopAt)
  }

  async #follow(response: Response, from: string, stopAt: string): Promise<Page> {
    let current = response
    let url = from
    for (let hops = 0; hops < 20; hops++) {
      const location = current.headers.get('location')
      if (current.status < 300 || current.status >= 400 || location === null) break
      const next = new URL(location, url)
      if (next.origin === new URL(stopAt).origin) return { url, status: current.status, headers: current.headers, html: await current.text(), redirect: next }
      await current.body?.cancel()
      url = next.href
      current = await this.browser(next).fetch(next)
    }
    const html = await current.text()
    // The connection callback moves on with a page that refreshes itself instead of a 303
    // (endpoints/_pipeline/continuing-page.ts): followed as a browser would. Other such pages
    // (home-realm discovery's) are returned, for the tests to read.
    const refresh = current.status === 200 && /\/connections\/[^/]+\/callback$/.test(new URL(url).pathname)
      ? /<meta http-equiv="refresh" content="0; url=([^"]+)">/.exec(html)?.[1]
      : undefined
    if (refresh !== undefined) {
      const next = new URL(unescapeHtml(refresh), url)
      if (next.origin === new URL(stopAt).origin) return { url, status: current.status, headers: current.headers, html, redirect: next }
      return this.#follow(await this.browser(next).fetch(next), next.href, stopAt)
    }
    return { url, status: current.status, headers: current.headers, html }
  }
}

/** The href of the "Continue with <name>" link of a sign-in page. */
export function connectionLink(page: Page, name: string): string {
  const match = new RegExp(`<a class="button connection" href="([^"]+)">(?:<svg [^>]*>(?:(?!</svg>)[\\s\\S])*</svg>)?Continue with ${name}</a>`).exec(page.html)
  if (!match?.[1]) throw new Error(`no "Continue with ${name}" link at ${page.url}:\n${page.html.slice(0, 800)}`)
  return unescapeHtml(match[1])
}

/** A code request of the test client `web` (skip_consent) with a known verifier and nonce. */
export function webRequest(issuer: string, params: Record<string, string> = {}): { url: URL; verifier: string; nonce: string } {
  const verifier = randomBytes(32).toString('base64url')
  const nonce = randomBytes(16).toString('base64url')
  const url = new URL(`${issuer}/authorize`)
  url.search = new URLSearchParams({
    response_type: 'code', client_id: 'web', redirect_uri: WEB_REDIRECT, scope: 'openid profile email', state: randomBytes(8).toString('hex'), nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', ...params,
  }).toString()
  return { url, verifier, nonce }
}

/** Redeems the code of a redirect to `web`'s redirect URI; the raw token response text and its JSON. */
export async function redeem(issuer: string, redirect: URL, verifier: string): Promise<{ text: string; body: Record<string, string> }> {
  const code = redirect.searchParams.get('code')
  if (code === null) throw new Error(`no code in ${redirect.href}`)
  const res = await postForm(`${issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT, code_verifier: verifier }, { authorization: basic('web', WEB_SECRET) })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${text}`)
  return { text, body: JSON.parse(text) as Record<string, string> }
}

/** The payload of a JWT, unverified (the tests verify what they need elsewhere). */
export function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
}
