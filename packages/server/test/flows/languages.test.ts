/**
 * The pages' language over real HTTP (docs/architecture.md "Pages"): the authorization request's
 * `ui_locales` (OIDC Core §3.1.2.1) picks the language of every page of its interaction, before
 * the browser's `Accept-Language` (RFC 9110 §12.5.4); an unsupported `ui_locales` is ignored; a
 * right-to-left language gets `dir="rtl"`; discovery lists `ui_locales_supported`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.4
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { Browser, formOf, unescapeHtml, type Page } from '../browser.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { ALICE, baseTestConfig, startServer, WEB_REDIRECT, type TestServer } from '../helpers.js'

const APP_NAME = 'Sprachen App'

describe('page languages', () => {
  let s: TestServer

  beforeAll(async () => {
    s = await startServer({
      clients: [
        ...baseTestConfig.clients,
        {
          client_id: 'lang-app',
          client_name: APP_NAME,
          client_secret: 'lang-app-secret-0123456789abcdef0123456',
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code'],
          redirect_uris: [WEB_REDIRECT],
          scope: 'openid profile email',
        },
      ],
    })
  })
  afterAll(async () => {
    await s?.close()
  })

  function authorizeUrl(extra: Record<string, string> = {}): URL {
    return webAuthorizeUrl(s.url, { client_id: 'lang-app', scope: 'openid profile', ...extra })
  }

  /** A request with `headers` on every hop, following redirects inside the issuer's origin. */
  async function go(browser: Browser, url: string | URL, headers: Record<string, string>, init: RequestInit = {}): Promise<Page> {
    let res = await browser.fetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } })
    let current = new URL(url)
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(res.headers.get('location') ?? '', current)
      if (next.origin !== new URL(s.url).origin) return { url: current.href, status: res.status, headers: res.headers, html: await res.text(), redirect: next }
      await res.body?.cancel()
      current = next
      res = await browser.fetch(next, { headers })
    }
    return { url: current.href, status: res.status, headers: res.headers, html: await res.text() }
  }

  function submit(browser: Browser, page: Page, values: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    const form = formOf(page)
    return go(browser, form.action, headers, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, ...values }),
    })
  }

  const alert = (html: string) => unescapeHtml(/<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1] ?? '')

  it('OIDC Core §3.1.2.1: ui_locales=de gives the German sign-in and consent pages, ahead of Accept-Language', async () => {
    const browser = new Browser(s.url)
    // The browser prefers French; the request's ui_locales wins on every page of the interaction.
    const french = { 'accept-language': 'fr-FR, fr;q=0.9' }
    const login = await go(browser, authorizeUrl({ ui_locales: 'sv de-AT en' }), french)
    expect(login.status).toBe(200)
    expect(login.html).toContain('<html lang="de" dir="ltr">')
    expect(login.html).toContain('<label for="email">E-Mail</label>')
    expect(login.html).toContain('<label for="password">Passwort</label>')
    expect(login.html).toContain('<button type="submit">Anmelden</button>')

    const wrong = await submit(browser, login, { email: ALICE.email, password: 'not-the-password' }, french)
    expect(wrong.status).toBe(401)
    expect(wrong.html).toContain('<html lang="de" dir="ltr">')
    expect(alert(wrong.html)).toBe('E-Mail oder Passwort ist falsch.')

    const consent = await submit(browser, wrong, { ...ALICE }, french)
    expect(consent.status).toBe(200)
    expect(consent.html).toContain('<html lang="de" dir="ltr">')
    expect(consent.html).toContain(`<h1>${APP_NAME} möchte auf Ihr Konto zugreifen</h1>`)
    expect(consent.html).toContain('Ihren Namen und Ihr Basisprofil sehen')
    expect(consent.html).toMatch(/value="allow">Erlauben<\/button>/)
    expect(consent.html).toMatch(/value="deny" class="secondary">Ablehnen<\/button>/)

    const done = await submit(browser, consent, { decision: 'allow' }, french)
    expect(done.redirect?.origin + (done.redirect?.pathname ?? '')).toBe(WEB_REDIRECT)
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('RFC 9110 §12.5.4: Accept-Language: ar gives the Arabic pages, right to left, error pages too', async () => {
    const browser = new Browser(s.url)
    const arabic = { 'accept-language': 'ar' }
    const login = await go(browser, authorizeUrl(), arabic)
    expect(login.status).toBe(200)
    expect(login.html).toContain('<html lang="ar" dir="rtl">')
    expect(login.html).toContain('<label for="email">البريد الإلكتروني</label>')

    const error = await go(browser, `${s.url}${PATHS.authorization}?response_type=code&client_id=nobody`, arabic)
    expect(error.status).toBe(400)
    expect(error.html).toContain('<html lang="ar" dir="rtl">')
    expect(error.html).toContain('رمز الخطأ: ')
  })

  it('OIDC Core §3.1.2.1: an unsupported ui_locales is ignored, not an error; English stays the default', async () => {
    const browser = new Browser(s.url)
    const login = await go(browser, authorizeUrl({ ui_locales: 'tlh x-klingon' }), {})
    expect(login.status).toBe(200)
    expect(login.html).toContain('<html lang="en" dir="ltr">')
    expect(login.html).toContain('<label for="email">Email</label>')
    const q0 = await go(new Browser(s.url), authorizeUrl(), { 'accept-language': 'de;q=0, ja;q=0.5' })
    expect(q0.html).toContain('<html lang="ja" dir="ltr">')
  })

  it('OIDC Discovery §3: ui_locales_supported lists the page languages', async () => {
    const metadata = (await (await fetch(`${s.url}/.well-known/openid-configuration`)).json()) as { ui_locales_supported?: string[] }
    expect(metadata.ui_locales_supported).toEqual(['en', 'de', 'fr', 'es', 'ja', 'ar'])
  })
})
