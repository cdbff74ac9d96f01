/**
 * Issue 11, white-label pages over real HTTP: the tenant's branding (product name, logo, favicon,
 * colours, custom stylesheet, footer links) and message overrides on its pages, the stylesheet
 * served at `{issuer}/branding.css` with a hash ETag, the CSP that lets the page load them, an
 * organization's branding over the tenant's on the pages of a request for it (never on the
 * not-a-member page, which must not tell what exists), and the contrast warning logged at start.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-13.1.2
 * @see https://www.w3.org/TR/WCAG22/#contrast-minimum
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/server.js'
import { Browser, formOf, isConsentPage, isLoginPage, type Page } from '../browser.js'
import { ALICE, BOB, baseTestConfig, startServer, WEB_REDIRECT, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'

const TENANT_CSS = 'main{border-top:6px solid #0f766e}\n'
const ACME_CSS = 'h1{letter-spacing:.02em}\n'

const lines: string[] = []
const captured = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString('utf8'))
    done()
  },
})

describe('white-label pages (issue 11)', () => {
  let s: TestServer
  let plain: TestServer

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-branding-flow-'))
    writeFileSync(join(dir, 'tenant.css'), TENANT_CSS)
    writeFileSync(join(dir, 'acme.css'), ACME_CSS)
    s = await startServer(
      {
        branding: {
          product_name: 'Nimbus ID',
          logo_url: 'https://cdn.nimbus.example/logo.svg',
          favicon_url: '/favicon.png',
          primary_color: '#0f766e',
          background_color: '#f0fdfa',
          css_file: join(dir, 'tenant.css'),
          support_url: 'https://help.nimbus.example/',
          terms_url: 'https://nimbus.example/terms',
          privacy_url: '/privacy',
        },
        messages: { de: { 'login.title': 'Bei Nimbus anmelden' } },
        clients: [
          ...baseTestConfig.clients,
          { client_id: 'brand-app', client_name: 'Brand App', client_secret: 'brand-app-secret-0123456789abcdef012345', redirect_uris: [WEB_REDIRECT], scope: 'openid profile' },
        ],
        organizations: [
          { id: 'acme', name: 'Acme Corp', members: [{ email: ALICE.email }], branding: { product_name: 'Acme Login', logo_url: 'https://static.acme.example/acme.png', primary_color: '#ffd400', css_file: join(dir, 'acme.css') } },
          { id: 'globex', name: 'Globex', members: [{ email: ALICE.email }] },
        ],
      },
      { logger: createLogger('warn', captured) },
    )
    plain = await startServer()
  })

  afterAll(async () => {
    await s?.close()
    await plain?.close()
  })

  const authorize = (params: Record<string, string> = {}) => webAuthorizeUrl(s.url, { client_id: 'brand-app', scope: 'openid profile', ...params })
  const stylesheetHref = (html: string) => /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1]?.replace(/&amp;/g, '&')

  it('issue 11: the sign-in page carries the product name, logo (alt = product name), favicon, colours, stylesheet after the built-in styles, and footer links', async () => {
    const page = await new Browser(s.url).open(authorize())
    expect(isLoginPage(page)).toBe(true)
    expect(page.html).toContain('<title>Sign in · Nimbus ID</title>')
    expect(page.html).toContain('<header class="brand"><img src="https://cdn.nimbus.example/logo.svg" alt="Nimbus ID"></header>')
    expect(page.html).toContain('<link rel="icon" href="/favicon.png">')
    expect(page.html).toContain('<style>:root{--latch-primary:#0f766e;--latch-on-primary:#ffffff;--latch-background:#f0fdfa;--latch-on-background:#1d2330}</style>')
    expect(stylesheetHref(page.html)).toMatch(new RegExp(`^${s.url}/branding\\.css\\?v=[A-Za-z0-9_-]{22}$`))
    // Linked after the built-in styles, so that it can restyle anything.
    expect(page.html.indexOf('<link rel="stylesheet"')).toBeGreaterThan(page.html.indexOf('<style>'))
    expect(page.html).toMatch(/<footer class="links"><ul><li><a href="https:\/\/help\.nimbus\.example\/">Support<\/a><\/li><li><a href="https:\/\/nimbus\.example\/terms">Terms of use<\/a><\/li><li><a href="\/privacy">Privacy policy<\/a><\/li><\/ul><\/footer>/)
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("style-src 'self' 'unsafe-inline'")
    // Issue 11 review: the exact logo URL, not its origin (a stylesheet could send selector matches to any path there).
    expect(csp).toMatch(/img-src 'self' data: https:\/\/cdn\.nimbus\.example\/logo\.svg;/)
    expect(csp).toContain("frame-ancestors 'none'")
  })

  it('issue 11: a message override replaces the text of its language only; the product name replaces Latch in every language', async () => {
    const de = await new Browser(s.url).open(authorize({ ui_locales: 'de' }))
    expect(de.html).toContain('<h1>Bei Nimbus anmelden</h1>')
    expect(de.html).toContain('<title>Bei Nimbus anmelden · Nimbus ID</title>')
    const fr = await new Browser(s.url).open(authorize({ ui_locales: 'fr' }))
    expect(fr.html).toContain('<h1>Se connecter</h1>')
    const home = await fetch(`${s.url}/`, { headers: { accept: 'text/html', 'accept-language': 'es' } })
    expect(await home.text()).toContain('<h1>Proveedor OpenID Nimbus ID</h1>')
    const logout = await fetch(`${s.url}/logout`)
    expect(await logout.text()).toContain('Nimbus ID')
    // Error pages are dressed alike.
    const error = await fetch(`${s.url}/authorize?client_id=nobody`)
    const body = await error.text()
    expect(error.status).toBe(400)
    expect(body).toContain('alt="Nimbus ID"')
    expect(error.headers.get('content-security-policy')).toContain('https://cdn.nimbus.example')
  })

  it('issue 11: GET /branding.css serves the stylesheet as text/css with a hash ETag, revalidates with 304, and is 404 when there is none', async () => {
    const page = await new Browser(s.url).open(authorize())
    const res = await fetch(stylesheetHref(page.html) as string)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    const etag = res.headers.get('etag') as string
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/)
    // The page links the stylesheet by the same version its ETag names.
    expect(stylesheetHref(page.html)).toContain(`v=${etag.slice(1, -1)}`)
    expect(await res.text()).toBe(TENANT_CSS)

    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await fetch(`${s.url}/branding.css`, { headers: { 'if-none-match': tag } })
      expect(again.status, tag).toBe(304)
      expect(again.headers.get('etag')).toBe(etag)
    }
    expect((await fetch(`${s.url}/branding.css`, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200)

    const none = await fetch(`${plain.url}/branding.css`)
    expect(none.status).toBe(404)
    expect(none.headers.get('cache-control')).toBe('no-store')
    // The built-in look links no stylesheet and allows no other image origin.
    const builtIn = await new Browser(plain.url).open(webAuthorizeUrl(plain.url))
    expect(builtIn.html).not.toContain('rel="stylesheet"')
    expect(builtIn.html).toContain('<header class="brand"><span>Latch</span></header>')
    expect(builtIn.headers.get('content-security-policy')).toMatch(/img-src 'self' data:;/)
  })

  it('issue 11: an organization\'s stylesheet is served by its id; one without, an unknown id or a malformed one is 404', async () => {
    const acme = await fetch(`${s.url}/branding.css?organization=acme`)
    expect(acme.status).toBe(200)
    expect(await acme.text()).toBe(ACME_CSS)
    for (const id of ['globex', 'initech', '../acme', 'ACME']) expect((await fetch(`${s.url}/branding.css?organization=${encodeURIComponent(id)}`)).status, id).toBe(404)
  })

  it('issue 11: a request for an organization shows its branding over the tenant\'s on sign-in and consent; one without branding, or unknown, shows the tenant\'s', async () => {
    const browser = new Browser(s.url)
    const login = await browser.open(authorize({ organization: 'acme' }))
    expect(isLoginPage(login)).toBe(true)
    expect(login.html).toContain('<title>Sign in · Acme Login</title>')
    expect(login.html).toContain('alt="Acme Login"')
    expect(login.html).toContain('--latch-primary:#ffd400;--latch-on-primary:#1d2330')
    // Keys the organization does not set are the tenant's.
    expect(login.html).toContain('--latch-background:#f0fdfa')
    expect(login.html).toContain('Terms of use')
    expect(stylesheetHref(login.html)).toMatch(/\/branding\.css\?organization=acme&v=/)
    expect(login.headers.get('content-security-policy')).toMatch(/img-src 'self' data: https:\/\/static\.acme\.example\/acme\.png;/)

    const consent = await browser.signIn(login, ALICE.email, ALICE.password)
    expect(isConsentPage(consent)).toBe(true)
    expect(consent.html).toContain('alt="Acme Login"')
    expect(consent.html).toContain('Acme Corp')

    for (const organization of ['globex', 'initech']) {
      const page = await new Browser(s.url).open(authorize({ organization }))
      expect(isLoginPage(page), organization).toBe(true)
      expect(page.html, organization).toContain('alt="Nimbus ID"')
      expect(stylesheetHref(page.html), organization).not.toContain('organization=')
    }
  })

  it('issue 11: the not-a-member page is in the tenant\'s look, never the organization\'s (it must not tell the organization exists)', async () => {
    const browser = new Browser(s.url)
    const login = await browser.open(authorize({ organization: 'acme' }))
    const page: Page = await browser.signIn(login, BOB.email, BOB.password)
    expect(page.status).toBe(200)
    expect(formOf(page).buttons.map((b) => b.value)).toEqual(['cancel'])
    expect(page.html).toContain('alt="Nimbus ID"')
    expect(page.html).not.toContain('Acme')
    expect(page.headers.get('content-security-policy')).not.toContain('static.acme.example')
  })

  it('WCAG 2.2 §1.4.3: a configured colour below AA is logged once at start as a warning naming the organization, the colours and the ratio', () => {
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40 && l.msg.includes('WCAG'))
    expect(warnings.map((w) => w.msg)).toEqual([
      expect.stringMatching(/^organizations\[0\]\.branding\.primary_color \(organization acme\): #ffd400 on #ffffff \(links on the card\) has a contrast of 1\.4\d:1, below the 4\.5:1 of WCAG 2\.2 AA/),
      expect.stringMatching(/^organizations\[0\]\.branding\.primary_color \(organization acme\): #ffd400 on #f0fdfa \(the focus ring on the page background\) has a contrast of 1\.\d+:1, below the 3:1/),
    ])
  })

  it('issue 11: the store keeps an organization\'s branding by id; an upsert without branding leaves it as it is', async () => {
    const { store } = s.server.ctx
    expect(await store.organizations.branding('acme')).toMatchObject({ product_name: 'Acme Login', css: ACME_CSS })
    expect(await store.organizations.branding('globex')).toEqual({})
    expect(await store.organizations.branding('initech')).toBeNull()
    await store.organizations.upsert({ id: 'acme', name: 'Acme Corp', domains: [] }, 1)
    expect(await store.organizations.branding('acme')).toMatchObject({ product_name: 'Acme Login' })
    await store.organizations.upsert({ id: 'initech', name: 'Initech', domains: [], branding: { product_name: 'Initech' } }, 1)
    expect(await store.organizations.branding('initech')).toEqual({ product_name: 'Initech' })
    // The membership read of token issuance does not carry the branding.
    expect(await store.organizations.membership('acme', (await store.users.getByEmail(ALICE.email))!.id)).not.toHaveProperty('organization.branding')
  })
})
