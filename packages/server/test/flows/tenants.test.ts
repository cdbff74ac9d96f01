/**
 * Tenants side by side on one server (issue 11): two on their own hosts, one on a path under the
 * default tenant's host, each its own issuer with its own keys, clients, users and sessions, with
 * openid-client 6 as the relying party of each. Runs on SQLite and PostgreSQL (vitest projects).
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser, isLoginPage } from '../browser.js'
import { ALICE, basic, FORM, SERVICE_SECRET, WEB_REDIRECT, WEB_SECRET } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { hostAgent, hostFetch, startTenantsServer, type TenantName, type TenantsServer } from '../support/tenants.js'
import { client } from './relying-party.js'

let t: TenantsServer
const NAMES: TenantName[] = ['main', 'acme', 'globex', 'initech']
const cssDir = mkdtempSync(join(tmpdir(), 'latch-tenant-css-'))
const ACME_CSS = '.card { border-top: 4px solid #b3261e }'

beforeAll(async () => {
  writeFileSync(join(cssDir, 'acme.css'), ACME_CSS)
  t = await startTenantsServer({
    perTenant: {
      acme: {
        branding: { product_name: 'Acme Sign-In', primary_color: '#b3261e', css_file: join(cssDir, 'acme.css') },
        messages: { de: { 'login.title': 'Bei Acme anmelden' } },
      },
      globex: { tokens: { access_token_ttl: 3600 } },
    },
  })
})
afterAll(async () => {
  await t?.close()
  rmSync(cssDir, { recursive: true, force: true })
})

async function discovery(name: TenantName): Promise<Record<string, unknown>> {
  const res = await hostFetch(`${t.issuers[name]}/.well-known/openid-configuration`)
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, unknown>
}

async function serviceToken(name: TenantName): Promise<string> {
  const res = await hostFetch(`${t.issuers[name]}/token`, {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basic('service', SERVICE_SECRET) },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read:data', resource: 'https://api.example.com' }),
  })
  expect(res.status, await res.clone().text()).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

async function rp(name: TenantName): Promise<client.Configuration> {
  return client.discovery(new URL(t.issuers[name]), 'web', WEB_SECRET, client.ClientSecretBasic(WEB_SECRET), {
    execute: [client.allowInsecureRequests],
    [client.customFetch]: hostFetch as never,
  })
}

/** A code of `web` at tenant `name` for Alice, through the sign-in page. */
async function codeAt(name: TenantName, browser = new Browser(t.issuers[name], { dispatcher: hostAgent })): Promise<{ code: string; verifier: string; browser: Browser }> {
  const verifier = randomBytes(32).toString('base64url')
  const url = webAuthorizeUrl(t.issuers[name], { code_challenge: createHash('sha256').update(verifier).digest('base64url'), scope: 'openid offline_access', prompt: 'consent' })
  const page = await browser.authorize(url, ALICE)
  const code = page.redirect?.searchParams.get('code')
  if (!code) throw new Error(`no code from ${name}: ${page.status} ${page.html.slice(0, 300)}`)
  return { code, verifier, browser }
}

async function redeem(name: TenantName, code: string, verifier: string): Promise<Response> {
  return hostFetch(`${t.issuers[name]}/token`, {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basic('web', WEB_SECRET) },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: WEB_REDIRECT }),
  })
}

describe('tenants on hosts and a path (issue 11)', () => {
  it('issue 11: every tenant publishes its own issuer, and every endpoint URL is under it (OIDC Discovery §4.3: issuer matches the URL used)', async () => {
    for (const name of NAMES) {
      const doc = await discovery(name)
      expect(doc.issuer).toBe(t.issuers[name])
      for (const key of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'introspection_endpoint', 'revocation_endpoint', 'end_session_endpoint', 'device_authorization_endpoint']) {
        expect(String(doc[key]).startsWith(`${t.issuers[name]}/`), `${name} ${key}`).toBe(true)
      }
    }
  })

  it('RFC 8414 §3.1: the path tenant\'s metadata is also at the well-known name followed by its path', async () => {
    const res = await hostFetch(`http://auth.main.test:${t.port}/.well-known/oauth-authorization-server/t/initech`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { issuer: string }).issuer).toBe(t.issuers.initech)
  })

  it('issue 11: each tenant signs with keys of its own (no kid in two JWK Sets)', async () => {
    const kids = new Map<string, TenantName>()
    for (const name of NAMES) {
      const res = await hostFetch(`${t.issuers[name]}/jwks`)
      const { keys } = (await res.json()) as { keys: { kid: string }[] }
      expect(keys.length).toBeGreaterThan(0)
      for (const { kid } of keys) {
        expect(kids.get(kid), `kid ${kid} of ${name}`).toBeUndefined()
        kids.set(kid, name)
      }
    }
  })

  it('issue 11: a request for a host or path no tenant has gets a plain 404 page naming no tenant; /healthz answers on any host', async () => {
    const res = await hostFetch(`http://login.unknown.test:${t.port}/.well-known/openid-configuration`)
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const body = await res.text()
    expect(body).toContain('Page not found')
    for (const name of NAMES) expect(body).not.toContain(new URL(t.issuers[name]).host)
    const byAddress = await fetch(`http://127.0.0.1:${t.port}/token`, { method: 'POST' })
    expect(byAddress.status).toBe(404)
    expect((await hostFetch(`http://login.unknown.test:${t.port}/healthz`)).status).toBe(200)
  })

  it('issue 11: an access token names its tenant\'s issuer, is signed by its keys, and is refused by every other tenant (introspection active: false, userinfo invalid_token)', async () => {
    const tokens = Object.fromEntries(await Promise.all(NAMES.map(async (name) => [name, await serviceToken(name)] as const))) as Record<TenantName, string>
    for (const name of NAMES) expect(decodeJwt(tokens[name]).iss).toBe(t.issuers[name])
    const acme = tokens.acme
    const introspect = (name: TenantName, token: string) =>
      hostFetch(`${t.issuers[name]}/introspect`, {
        method: 'POST',
        headers: { 'content-type': FORM, authorization: basic('https://api.example.com', 'api-secret-0123456789abcdef0123456789ab') },
        body: new URLSearchParams({ token }),
      }).then((r) => r.json() as Promise<{ active: boolean; iss?: string }>)
    expect(await introspect('acme', acme)).toMatchObject({ active: true, iss: t.issuers.acme })
    for (const other of ['main', 'globex', 'initech'] as const) expect(await introspect(other, acme)).toEqual({ active: false })
    expect(decodeProtectedHeader(acme).kid).toBeDefined()
  })

  it('issue 11: a sign-in at each tenant with openid-client: the ID token is the tenant\'s; a code or refresh token of acme is invalid_grant at globex and at the path tenant', async () => {
    const acme = await codeAt('acme')
    // The same client id, secret and redirect URI are registered at globex: only isolation refuses the code.
    for (const other of ['globex', 'initech', 'main'] as const) {
      const res = await redeem(other, acme.code, acme.verifier)
      expect(res.status, other).toBe(400)
      expect(((await res.json()) as { error: string }).error).toBe('invalid_grant')
    }
    const tokens = (await (await redeem('acme', acme.code, acme.verifier)).json()) as { id_token: string; refresh_token: string; access_token: string }
    expect(decodeJwt(tokens.id_token).iss).toBe(t.issuers.acme)
    const refresh = await hostFetch(`${t.issuers.globex}/token`, {
      method: 'POST',
      headers: { 'content-type': FORM, authorization: basic('web', WEB_SECRET) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
    })
    expect(refresh.status).toBe(400)
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant')
    const userinfo = await hostFetch(`${t.issuers.globex}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(userinfo.status).toBe(401)
    expect(userinfo.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
    // openid-client against the path tenant, end to end.
    const config = await rp('initech')
    const initech = await codeAt('initech')
    const callback = new URL(WEB_REDIRECT)
    callback.searchParams.set('code', initech.code)
    callback.searchParams.set('iss', t.issuers.initech)
    const set = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: initech.verifier, expectedState: client.skipStateCheck })
    expect(set.claims()?.iss).toBe(t.issuers.initech)
  })

  it('issue 11: a session at the path tenant is no session at the default tenant on the same host (no SSO across tenants)', async () => {
    const browser = new Browser(t.issuers.main, { dispatcher: hostAgent })
    await codeAt('initech', browser)
    expect([...browser.cookies.keys()].some((name) => name.endsWith('_initech'))).toBe(true)
    const page = await browser.open(webAuthorizeUrl(t.issuers.main))
    expect(isLoginPage(page)).toBe(true)
    const none = await browser.open(webAuthorizeUrl(t.issuers.main, { prompt: 'none' }))
    expect(none.redirect?.searchParams.get('error')).toBe('login_required')
  })

  it('issue 11: a tenant added while the server runs answers after a reload; deleted, it answers 404 again', async () => {
    const { store } = t.server.ctx
    const issuer = `http://login.hooli.test:${t.port}`
    expect((await hostFetch(`${issuer}/.well-known/openid-configuration`)).status).toBe(404)
    await store.tenants.upsert({ id: 'hooli', issuer, settings: {} }, Math.floor(Date.now() / 1000))
    await t.server.tenants.reload()
    const res = await hostFetch(`${issuer}/.well-known/openid-configuration`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { issuer: string }).issuer).toBe(issuer)
    await store.tenants.delete('hooli', Math.floor(Date.now() / 1000))
    await t.server.tenants.reload()
    expect((await hostFetch(`${issuer}/.well-known/openid-configuration`)).status).toBe(404)
  })

  it('issue 11: each tenant has its own look: acme\'s product name, message override and stylesheet are on acme\'s pages only', async () => {
    const page = async (name: TenantName, lang = 'en') => {
      const res = await hostFetch(webAuthorizeUrl(t.issuers[name], { ui_locales: lang }))
      return res.status === 303 ? hostFetch(new URL(res.headers.get('location') ?? '', t.issuers[name]), { headers: { 'accept-language': lang } }).then((r) => r.text()) : res.text()
    }
    const acme = await page('acme')
    expect(acme).toContain('Acme Sign-In')
    expect(acme).toContain(`${t.issuers.acme}/branding.css`)
    expect(await page('acme', 'de')).toContain('Bei Acme anmelden')
    for (const other of ['main', 'globex', 'initech'] as const) {
      const html = await page(other)
      expect(html, other).not.toContain('Acme Sign-In')
      expect(html, other).not.toContain('branding.css')
      expect(await page(other, 'de'), other).not.toContain('Bei Acme anmelden')
    }
    const css = await hostFetch(`${t.issuers.acme}/branding.css`)
    expect(css.status).toBe(200)
    expect(await css.text()).toBe(ACME_CSS)
    expect((await hostFetch(`${t.issuers.globex}/branding.css`)).status).toBe(404)
  })
  it('issue 11 review: the sweeper keeps revoked grants as long as the longest-lived access token of any tenant (globex: 3600 s), not the default tenant\'s 900 s', async () => {
    expect(t.server.ctx.config.tokens.access_token_ttl).toBe(900)
    expect(t.server.tenants.longestAccessTokenTtl).toBe(3600)
  })
})
