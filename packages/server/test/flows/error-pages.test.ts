/**
 * The HTML error pages and the issuer's root page over real HTTP. An error a person sees says in
 * words what went wrong, keeps the raw code in small print, and offers one way back: the origin of
 * a redirect URI registered for the client when the client is known (never a URI from the request
 * that did not match a registration: no open redirect), else the provider's root page, which
 * names the provider and links its discovery document.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
import { createHash, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unescapeHtml } from '../browser.js'
import { startServer, type TestServer } from '../helpers.js'

const APP = 'https://app.example.com/signed-in/callback'
const EVIL = 'https://evil.example/steal'

interface ErrorPage {
  status: number
  html: string
  title: string
  alert: string
  back: { href: string; label: string }
  code: string
}

async function errorPage(url: string): Promise<ErrorPage> {
  const res = await fetch(url, { redirect: 'manual' })
  expect(res.headers.get('content-type')).toMatch(/^text\/html/)
  expect(res.headers.get('location')).toBeNull()
  const html = await res.text()
  const back = /<a class="button" href="([^"]*)">([^<]*)<\/a>/.exec(html)
  return {
    status: res.status,
    html,
    title: unescapeHtml(/<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? ''),
    alert: unescapeHtml(/<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1] ?? ''),
    back: { href: unescapeHtml(back?.[1] ?? ''), label: unescapeHtml(back?.[2] ?? '') },
    code: /Error code: ([a-z_]+)/.exec(html)?.[1] ?? '',
  }
}

describe('error pages and the root page', () => {
  let s: TestServer
  let home: { href: string; label: string }
  const authorize = (params: Record<string, string>) => `${s.url}/authorize?${new URLSearchParams({ response_type: 'code', scope: 'openid', ...params }).toString()}`

  beforeAll(async () => {
    s = await startServer({
      clients: [
        {
          client_id: 'app-web',
          client_name: 'Example App',
          client_secret: 'app-web-secret-0123456789abcdef012345678',
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code'],
          redirect_uris: [APP],
          post_logout_redirect_uris: ['https://app.example.com/bye'],
          scope: 'openid',
        },
        { client_id: 'native', client_name: 'Native App', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: ['http://127.0.0.1/cb', 'com.example.app:/cb'], scope: 'openid' },
        {
          client_id: 'local-web',
          client_name: 'Local Web',
          client_secret: 'local-web-secret-0123456789abcdef01234567',
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code'],
          redirect_uris: ['http://127.0.0.1:5555/callback'],
          scope: 'openid',
        },
      ],
    })
    home = { href: `${s.url}/`, label: `Go to ${new URL(s.url).host}` }
  })

  afterAll(async () => {
    await s?.close()
  })

  /** @see issue 8 */
  it('RFC 6749 §4.1.2.1: an unknown client_id is explained in words, with the code in small print and a link to the provider root', async () => {
    const page = await errorPage(authorize({ client_id: 'nobody', redirect_uri: APP }))
    expect(page.status).toBe(400)
    expect(page.title).toBe('This request cannot be completed')
    expect(page.alert).toMatch(/^The link or form that brought you here is incomplete/)
    expect(page.html).toContain('Details: This application is not registered (unknown client_id).')
    expect(page.code).toBe('invalid_request')
    expect(page.html).toMatch(/<p class="muted">Error code: invalid_request\. Mention this code if you contact support\.<\/p>/)
    expect(page.back).toEqual(home)
  })

  /** @see issue 8 */
  it('RFC 9700 §4.11: an unregistered redirect_uri is never linked; the way back is the origin of the registered one', async () => {
    const page = await errorPage(authorize({ client_id: 'app-web', redirect_uri: EVIL, state: 'x' }))
    expect(page.status).toBe(400)
    expect(page.back).toEqual({ href: 'https://app.example.com/', label: 'Back to Example App' })
    expect(page.html).not.toContain('evil.example')
  })

  /** @see issue 8 */
  it('RFC 8252 §7.3: a native app (loopback any-port or private-use scheme) has no web home: the way back is the provider root', async () => {
    const page = await errorPage(authorize({ client_id: 'native', redirect_uri: 'http://127.0.0.1:4444/other' }))
    expect(page.back).toEqual(home)
  })

  /** @see issue 8 */
  it('a confidential web app registered on a loopback port is linked at that origin', async () => {
    const page = await errorPage(authorize({ client_id: 'local-web', redirect_uri: EVIL }))
    expect(page.back).toEqual({ href: 'http://127.0.0.1:5555/', label: 'Back to Local Web' })
  })

  /** @see issue 8 */
  it('an expired sign-in (interaction gone, app unknown) is explained and links to the provider root', async () => {
    const page = await errorPage(`${s.url}/interaction/${randomUUID()}`)
    expect(page.status).toBe(400)
    expect(page.html).toContain('This sign-in request has expired or was already completed.')
    expect(page.back).toEqual(home)
  })

  /** @see issue 8 */
  it('an error during sign-in (a form without its CSRF token) links back to the app the interaction was for', async () => {
    const challenge = createHash('sha256').update('v'.repeat(43)).digest('base64url')
    const start = await fetch(authorize({ client_id: 'app-web', redirect_uri: APP, code_challenge: challenge, code_challenge_method: 'S256' }), { redirect: 'manual' })
    expect(start.status).toBe(303)
    const interaction = new URL(start.headers.get('location') as string, s.url)
    const res = await fetch(`${interaction.href}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'alice@example.com', password: 'x' }).toString(),
      redirect: 'manual',
    })
    expect(res.status).toBe(403)
    const html = await res.text()
    expect(/<a class="button" href="([^"]*)">([^<]*)<\/a>/.exec(html)?.slice(1)).toEqual(['https://app.example.com/', 'Back to Example App'])
  })

  /** @see issue 8 */
  it('OIDC RP-Initiated Logout §3: an unregistered post_logout_redirect_uri is not linked; the way back is the registered app', async () => {
    const page = await errorPage(`${s.url}/logout?${new URLSearchParams({ client_id: 'app-web', post_logout_redirect_uri: EVIL }).toString()}`)
    expect(page.status).toBe(400)
    expect(page.code).toBe('invalid_request')
    expect(page.back).toEqual({ href: 'https://app.example.com/', label: 'Back to Example App' })
    expect(page.html).not.toContain('evil.example')
  })

  /** @see issue 8 */
  it('OIDC Discovery §4: the issuer root is an HTML page naming the provider and linking its discovery document', async () => {
    const res = await fetch(`${s.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    const html = await res.text()
    expect(html).toContain(`<code>${s.url}</code>`)
    const discovery = /<a href="([^"]+)">OpenID Connect discovery document<\/a>/.exec(html)?.[1]
    expect(discovery).toBe(`${s.url}/.well-known/openid-configuration`)
    const metadata = (await (await fetch(discovery as string)).json()) as { issuer: string }
    expect(metadata.issuer).toBe(s.url)
    expect((await fetch(`${s.url}/`, { method: 'HEAD' })).status).toBe(200)
    // Without an Accept header (curl) it is the page too.
    expect((await fetch(`${s.url}/`, { headers: { accept: '*/*' } })).headers.get('content-type')).toMatch(/^text\/html/)
  })

  /** @see issue 8 */
  it('OIDC Discovery §4: a client asking the root for JSON gets the issuer and the discovery URL', async () => {
    const res = await fetch(`${s.url}/`, { headers: { accept: 'application/json' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('vary')).toMatch(/accept/i)
    expect(await res.json()).toEqual({ issuer: s.url, openid_configuration: `${s.url}/.well-known/openid-configuration` })
  })
})
