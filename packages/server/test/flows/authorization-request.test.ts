/**
 * Authorization request rules found in review: omitted redirect_uri, repeated parameters after
 * the client is verified, the redirect URI's own query, id_token_hint, CSP form-action for the
 * client's redirect, session rotation at sign-in, and CORS for browser apps.
 */
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser, formOf, isLoginPage } from '../browser.js'
import { ALICE, BOB, WEB_SECRET, baseTestConfig, basic, postForm, startServer, type TestServer } from '../helpers.js'

const OAUTH_CB = 'https://oauth-only.example.com/cb?tenant=a%20b&flag'
const NATIVE_CB = 'com.example.app:/oauth2redirect'
let s: TestServer

beforeAll(async () => {
  s = await startServer({
    clients: [
      ...baseTestConfig.clients,
      {
        client_id: 'oauth-only',
        client_secret: WEB_SECRET,
        grant_types: ['authorization_code'],
        redirect_uris: [OAUTH_CB],
        scope: 'read:data',
        resources: ['https://api.example.com'],
        skip_consent: true,
      },
      {
        client_id: 'native-app',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        redirect_uris: [NATIVE_CB],
        scope: 'openid',
      },
    ],
  })
})
afterAll(() => s.close())

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

function authorizeUrl(params: Record<string, string> | [string, string][]): string {
  return `${s.url}/authorize?${new URLSearchParams(params).toString()}`
}

async function signedInBrowser(user = ALICE): Promise<Browser> {
  const browser = new Browser(s.url)
  const { challenge } = pkce()
  const page = await browser.authorize(
    authorizeUrl({ client_id: 'web', redirect_uri: 'http://127.0.0.1:5555/callback', response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }),
    user,
  )
  expect(page.redirect?.searchParams.get('code')).toBeTruthy()
  return browser
}

describe('redirect_uri', () => {
  it('RFC 6749 §4.1.3: a code requested without redirect_uri is redeemed without it, and the registered query is kept (§3.1.2)', async () => {
    const browser = await signedInBrowser()
    const { verifier, challenge } = pkce()
    const page = await browser.open(authorizeUrl({ client_id: 'oauth-only', response_type: 'code', scope: 'read:data', resource: 'https://api.example.com', state: 's1', code_challenge: challenge, code_challenge_method: 'S256' }))
    const location = page.redirect
    if (!location) throw new Error('expected a redirect to the client')
    // The registered URI's own query comes back byte for byte, ours is appended.
    expect(location.href.startsWith(`${OAUTH_CB}&`)).toBe(true)
    expect(location.searchParams.get('state')).toBe('s1')
    expect(location.searchParams.get('error')).toBeNull()
    const code = location.searchParams.get('code') as string
    const res = await postForm(`${s.url}/token`, { grant_type: 'authorization_code', code, code_verifier: verifier }, { authorization: basic('oauth-only', WEB_SECRET) })
    const body = (await res.json()) as { scope: string }
    expect(res.status, JSON.stringify(body)).toBe(200)
    expect(body.scope).toBe('read:data')
  })
})

describe('repeated parameters', () => {
  it('RFC 6749 §4.1.2.1: a repeated parameter after client and redirect_uri are verified is redirected as invalid_request', async () => {
    const browser = new Browser(s.url)
    const res = await browser.fetch(authorizeUrl([['client_id', 'oauth-only'], ['response_type', 'code'], ['state', 'st'], ['scope', 'read:data'], ['scope', 'read:data']]))
    expect(res.status).toBe(303)
    const location = new URL(res.headers.get('location') as string)
    expect(location.searchParams.get('error')).toBe('invalid_request')
    expect(location.searchParams.get('state')).toBe('st')
  })

  it('RFC 8707 §2: several resource parameters are invalid_target (one audience per token)', async () => {
    const browser = new Browser(s.url)
    const res = await browser.fetch(authorizeUrl([['client_id', 'oauth-only'], ['response_type', 'code'], ['resource', 'https://api.example.com'], ['resource', 'https://b.example.com']]))
    expect(new URL(res.headers.get('location') as string).searchParams.get('error')).toBe('invalid_target')
  })

  it('RFC 6749 §4.1.2.1: a repeated state is not echoed', async () => {
    const browser = new Browser(s.url)
    const res = await browser.fetch(authorizeUrl([['client_id', 'oauth-only'], ['response_type', 'code'], ['state', 'a'], ['state', 'b']]))
    const location = new URL(res.headers.get('location') as string)
    expect(location.searchParams.get('error')).toBe('invalid_request')
    expect(location.searchParams.has('state')).toBe(false)
  })
})

describe('id_token_hint', () => {
  it('OIDC Core §3.1.2.1: prompt=none with an id_token_hint for another user than the session is login_required', async () => {
    // Bob's ID token, then Alice's session.
    const bob = await postForm(`${s.url}/token`, { grant_type: 'password', username: BOB.email, password: BOB.password, scope: 'openid' }, { authorization: basic('web', WEB_SECRET) })
    const bobIdToken = ((await bob.json()) as { id_token: string }).id_token
    const browser = await signedInBrowser(ALICE)
    const { challenge } = pkce()
    const base = { client_id: 'web', redirect_uri: 'http://127.0.0.1:5555/callback', response_type: 'code', scope: 'openid', state: 'h', code_challenge: challenge, code_challenge_method: 'S256' }
    const res = await browser.fetch(authorizeUrl({ ...base, prompt: 'none', id_token_hint: bobIdToken }))
    expect(new URL(res.headers.get('location') as string).searchParams.get('error')).toBe('login_required')
    // Without prompt=none the sign-in page is shown instead of a code for the wrong user.
    const page = await browser.open(authorizeUrl({ ...base, id_token_hint: bobIdToken }))
    expect(isLoginPage(page)).toBe(true)
    // A garbage hint is invalid_request.
    const bad = await browser.fetch(authorizeUrl({ ...base, id_token_hint: 'not-a-jwt' }))
    expect(new URL(bad.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request')
  })
})

describe('pages', () => {
  it('RFC 8252 §7.1: the sign-in page lets its form end at the client\'s redirect, including a private-use scheme (CSP form-action)', async () => {
    const browser = new Browser(s.url)
    const { challenge } = pkce()
    const page = await browser.open(authorizeUrl({ client_id: 'native-app', redirect_uri: NATIVE_CB, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }))
    expect(isLoginPage(page)).toBe(true)
    const csp = page.headers.get('content-security-policy') as string
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toMatch(/form-action 'self' com\.example\.app:(;| )/)
    expect(csp).not.toMatch(/form-action[^;]* https:/)
  })

  it('OWASP session management: signing in again ends the browser\'s previous session', async () => {
    const browser = await signedInBrowser(ALICE)
    const oldCookie = browser.cookies.get('latch_session') as string
    const { challenge } = pkce()
    const login = await browser.open(authorizeUrl({ client_id: 'web', redirect_uri: 'http://127.0.0.1:5555/callback', response_type: 'code', scope: 'openid', prompt: 'login', code_challenge: challenge, code_challenge_method: 'S256' }))
    const after = await browser.submit(formOf(login), { email: ALICE.email, password: ALICE.password })
    expect(after.redirect?.searchParams.get('code')).toBeTruthy()
    expect(browser.cookies.get('latch_session')).not.toBe(oldCookie)
    // The old cookie no longer signs anyone in.
    const stale = new Browser(s.url)
    stale.cookies.set('latch_session', oldCookie)
    const res = await stale.fetch(authorizeUrl({ client_id: 'web', redirect_uri: 'http://127.0.0.1:5555/callback', response_type: 'code', scope: 'openid', prompt: 'none', state: 'x', code_challenge: challenge, code_challenge_method: 'S256' }))
    expect(new URL(res.headers.get('location') as string).searchParams.get('error')).toBe('login_required')
  })
})

describe('token endpoint', () => {
  it('RFC 6749 §5.2: a grant_type naming an Object.prototype member is unsupported_grant_type', async () => {
    for (const grantType of ['constructor', '__proto__', 'toString']) {
      const res = await postForm(`${s.url}/token`, { grant_type: grantType }, { authorization: basic('web', WEB_SECRET) })
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toBe("unsupported_grant_type")
    }
  })

  it('Fetch CORS: browser apps may call the token endpoint (preflight, then Access-Control-Allow-Origin)', async () => {
    const preflight = await fetch(`${s.url}/token`, { method: 'OPTIONS', headers: { origin: 'http://spa.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    const res = await postForm(`${s.url}/token`, { grant_type: 'client_credentials' }, { origin: 'http://spa.example' })
    expect(res.status).toBe(401)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    // Pages are not opened to other origins.
    const page = await fetch(`${s.url}/authorize?client_id=web`, { headers: { origin: 'http://spa.example' } })
    expect(page.headers.get('access-control-allow-origin')).toBeNull()
  })
})
