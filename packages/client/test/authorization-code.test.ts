/**
 * The authorization code client against a real Latch: a confidential web server client and a
 * public PKCE client, signed in through Latch's real login and consent pages (the no-JavaScript
 * Browser of the server's tests), then every check the callback owes: state, RFC 9207 iss, error
 * responses, code replay, nonce, the ID token signature, UserInfo `sub`, refresh rotation,
 * revocation and the RP-Initiated Logout URL.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc9207
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuthorizationCodeClient, type AuthorizationCodeClient, type TokenSet } from '../src/index.js'
import {
  ALICE,
  API,
  BOB,
  Browser,
  LOGGED_OUT,
  WEB_REDIRECT,
  WEB_SECRET,
  authorize,
  baseTestConfig,
  expectOAuthError,
  expectValidationError,
  jwtPayload,
  startServer,
  type TestServer,
} from './support.js'

const PUBLIC_REDIRECT = 'http://127.0.0.1:5557/cb'
const CONSENT_SECRET = 'consent-secret-0123456789abcdef01234567'

let server: TestServer
let web: AuthorizationCodeClient

beforeAll(async () => {
  server = await startServer({
    default_resource: API,
    clients: [
      ...baseTestConfig.clients,
      {
        client_id: 'public-app',
        client_name: 'Public App',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [PUBLIC_REDIRECT],
        scope: 'openid profile offline_access read:data',
        skip_consent: true,
      },
      {
        client_id: 'asks-consent',
        client_name: 'Asks Consent',
        client_secret: CONSENT_SECRET,
        grant_types: ['authorization_code'],
        redirect_uris: [WEB_REDIRECT],
        scope: 'openid profile',
      },
    ],
  })
  web = createAuthorizationCodeClient({ issuer: server.url, clientId: 'web', clientSecret: WEB_SECRET, redirectUri: WEB_REDIRECT, scope: 'openid profile email offline_access' })
})

afterAll(async () => {
  await server?.close()
})

/** A full sign-in of `user` with `client`; returns the tokens. */
async function signIn(client: AuthorizationCodeClient, user = ALICE): Promise<TokenSet> {
  const { url, transaction } = await client.authorizationUrl()
  return client.handleCallback(await authorize(server.url, url, user), transaction)
}

describe('authorization request', () => {
  it('RFC 7636 §4.3 + OIDC Core §3.1.2.1: the URL carries state, nonce and an S256 code challenge, never the verifier', async () => {
    const { url, transaction } = await web.authorizationUrl({ prompt: 'login', loginHint: 'alice@example.com', maxAge: 300, returnTo: '/account?tab=1', extra: { ui_locales: 'en' } })
    expect(`${url.origin}${url.pathname}`).toBe(`${server.url}/authorize`)
    const p = url.searchParams
    expect(p.get('client_id')).toBe('web')
    expect(p.get('redirect_uri')).toBe(WEB_REDIRECT)
    expect(p.get('response_type')).toBe('code')
    expect(p.get('scope')).toBe('openid profile email offline_access')
    expect(p.get('state')).toBe(transaction.state)
    expect(p.get('nonce')).toBe(transaction.nonce)
    expect(p.get('code_challenge_method')).toBe('S256')
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(url.href).not.toContain(transaction.codeVerifier)
    expect(transaction.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/)
    expect(p.get('prompt')).toBe('login')
    expect(p.get('login_hint')).toBe('alice@example.com')
    expect(p.get('max_age')).toBe('300')
    expect(p.get('ui_locales')).toBe('en')
    expect(transaction).toMatchObject({ redirectUri: WEB_REDIRECT, returnTo: '/account?tab=1', maxAge: 300 })
    // JSON-serialisable: it travels in a cookie or a session.
    expect(JSON.parse(JSON.stringify(transaction))).toEqual(transaction)
  })

  it('RFC 6749 §10.12: state, nonce and verifier are fresh for every request', async () => {
    const a = await web.authorizationUrl()
    const b = await web.authorizationUrl()
    expect(a.transaction.state).not.toBe(b.transaction.state)
    expect(a.transaction.nonce).not.toBe(b.transaction.nonce)
    expect(a.transaction.codeVerifier).not.toBe(b.transaction.codeVerifier)
  })

  it('RFC 9700 §4.11: returnTo must be a same-origin path (no open redirect), and extra cannot override state or PKCE', async () => {
    for (const returnTo of ['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/\t/evil.example']) {
      await expect(web.authorizationUrl({ returnTo })).rejects.toThrow(TypeError)
    }
    await expect(web.authorizationUrl({ extra: { state: 'mine' } })).rejects.toThrow(TypeError)
    await expect(web.authorizationUrl({ extra: { code_challenge_method: 'plain' } })).rejects.toThrow(TypeError)
  })
})

describe('authorization request parameters owned by options', () => {
  it('OIDC Core §3.1.2.1 / issue: extra cannot set max_age (the maxAge option makes the callback check auth_time), scope, resource or prompt', async () => {
    for (const key of ['max_age', 'scope', 'resource', 'prompt']) {
      await expect(web.authorizationUrl({ extra: { [key]: '0' } }), key).rejects.toThrow(TypeError)
    }
    await expect(web.authorizationUrl({ extra: { max_age: '0' } })).rejects.toThrow(/maxAge option/)
    // Through the option, max_age is sent and remembered for the auth_time check.
    const { url, transaction } = await web.authorizationUrl({ maxAge: 0 })
    expect(url.searchParams.get('max_age')).toBe('0')
    expect(transaction.maxAge).toBe(0)
  })

  it('RFC 9700 §4.11 / issue: a returnTo whose dot segments collapse into //host is refused (no open redirect once normalised)', async () => {
    for (const returnTo of ['/.//evil.example', '/a/..//evil.example/x', '/%2e//evil.example', '/%2E%2E//evil.example']) {
      await expect(web.authorizationUrl({ returnTo }), returnTo).rejects.toThrow(TypeError)
    }
    expect((await web.authorizationUrl({ returnTo: '/a/../b' })).transaction.returnTo).toBe('/a/../b')
  })
})

describe('callback and code exchange', () => {
  it('OIDC Core §3.1.3.7: a confidential client gets tokens and a validated ID token (iss, aud, nonce, sub)', async () => {
    const { url, transaction } = await web.authorizationUrl()
    const callback = await authorize(server.url, url, ALICE)
    expect(callback.searchParams.get('iss')).toBe(server.url)
    const tokens = await web.handleCallback(callback, transaction)
    expect(tokens.tokenType).toBe('bearer')
    expect(tokens.accessToken).toEqual(expect.any(String))
    expect(tokens.refreshToken).toEqual(expect.any(String))
    expect(tokens.idToken).toEqual(expect.any(String))
    expect(tokens.expiresAt).toBeGreaterThan(Date.now() / 1000)
    expect(tokens.claims).toMatchObject({ iss: server.url, aud: 'web', nonce: transaction.nonce, sub: expect.any(String) })
    expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']))
  })

  it('RFC 7636 + RFC 8252 §8.1: a public client (no secret) signs in with PKCE alone', async () => {
    const spa = createAuthorizationCodeClient({ issuer: server.url, clientId: 'public-app', redirectUri: PUBLIC_REDIRECT, scope: 'openid profile offline_access read:data', resource: API })
    const tokens = await signIn(spa)
    expect(tokens.claims).toMatchObject({ aud: 'public-app', iss: server.url })
    expect(jwtPayload(tokens.accessToken)).toMatchObject({ aud: API, client_id: 'public-app' })
    expect(tokens.refreshToken).toEqual(expect.any(String))
    // Its refresh needs no secret either.
    const refreshed = await spa.refresh(tokens.refreshToken as string)
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken)
  })

  it('OIDC Core §5.3.4: userinfo returns the claims when sub matches the ID token', async () => {
    const tokens = await signIn(web)
    const claims = await web.userinfo(tokens.accessToken, tokens.claims?.sub as string)
    expect(claims).toMatchObject({ sub: tokens.claims?.sub, name: 'Alice Example', email: 'alice@example.com' })
  })

  it('OIDC Core §5.3.4: a UserInfo sub that is not the ID token sub is subject_mismatch (here: Bob\'s token, Alice\'s sub)', async () => {
    const alice = await signIn(web, ALICE)
    const bob = await signIn(web, BOB)
    expect(bob.claims?.sub).not.toBe(alice.claims?.sub)
    await expectValidationError(web.userinfo(bob.accessToken, alice.claims?.sub as string), 'subject_mismatch')
  })

  it('RFC 6750 §3.1: userinfo with a bad access token is OAuthResponseError invalid_token 401', async () => {
    await expectOAuthError(web.userinfo('not-a-token', 'x'), 'invalid_token', 401)
  })

  it('RFC 6749 §10.12: a callback whose state is not the transaction\'s is state_mismatch (and the code is not redeemed)', async () => {
    const { url, transaction } = await web.authorizationUrl()
    const callback = await authorize(server.url, url, ALICE)
    await expectValidationError(web.handleCallback(callback, { ...transaction, state: 'another-state' }), 'state_mismatch')
    const missing = new URL(callback)
    missing.searchParams.delete('state')
    await expectValidationError(web.handleCallback(missing, transaction), 'state_mismatch')
    // The code was never sent to the token endpoint, so the real transaction still works.
    expect((await web.handleCallback(callback, transaction)).accessToken).toEqual(expect.any(String))
  })

  it('RFC 9207 §2.4: Latch advertises iss in responses, so a callback without iss is iss_missing and a wrong iss is iss_mismatch', async () => {
    const { url, transaction } = await web.authorizationUrl()
    const callback = await authorize(server.url, url, ALICE)
    const missing = new URL(callback)
    missing.searchParams.delete('iss')
    await expectValidationError(web.handleCallback(missing, transaction), 'iss_missing')
    const wrong = new URL(callback)
    wrong.searchParams.set('iss', 'https://attacker.example')
    await expectValidationError(web.handleCallback(wrong, transaction), 'iss_mismatch')
  })

  it('RFC 6749 §4.1.2.1: an error=access_denied callback (the user clicked Deny) is OAuthResponseError access_denied', async () => {
    const client = createAuthorizationCodeClient({ issuer: server.url, clientId: 'asks-consent', clientSecret: CONSENT_SECRET, redirectUri: WEB_REDIRECT, scope: 'openid profile' })
    const { url, transaction } = await client.authorizationUrl()
    const callback = await authorize(server.url, url, ALICE, 'deny')
    expect(callback.searchParams.get('error')).toBe('access_denied')
    const err = await expectOAuthError(client.handleCallback(callback, transaction), 'access_denied', 0)
    expect(err.message).not.toContain(transaction.state)
  })

  it('RFC 9207 + RFC 6749 §10.12: an error response with a foreign state is rejected as state_mismatch, not believed', async () => {
    const { transaction } = await web.authorizationUrl()
    const forged = new URL(`${WEB_REDIRECT}?error=access_denied&state=forged&iss=${encodeURIComponent(server.url)}`)
    await expectValidationError(web.handleCallback(forged, transaction), 'state_mismatch')
  })

  it('RFC 6749 §4.1.2: a code used twice is OAuthResponseError invalid_grant 400', async () => {
    const { url, transaction } = await web.authorizationUrl()
    const callback = await authorize(server.url, url, ALICE)
    await web.handleCallback(callback, transaction)
    const err = await expectOAuthError(web.handleCallback(callback, transaction), 'invalid_grant', 400)
    expect(err.message).not.toContain(callback.searchParams.get('code') as string)
  })

  it('RFC 7636 §4.6: a wrong code_verifier is invalid_grant', async () => {
    const { url, transaction } = await web.authorizationUrl()
    const callback = await authorize(server.url, url, ALICE)
    await expectOAuthError(web.handleCallback(callback, { ...transaction, codeVerifier: 'x'.repeat(43) }), 'invalid_grant', 400)
  })

  it('OIDC Core §3.1.3.7 (11): an ID token whose nonce is not the transaction\'s is nonce_mismatch', async () => {
    const { url, transaction } = await web.authorizationUrl()
    const callback = await authorize(server.url, url, ALICE)
    await expectValidationError(web.handleCallback(callback, { ...transaction, nonce: 'tampered-nonce' }), 'nonce_mismatch')
  })

  it('OIDC Core §3.1.3.7 (6): an ID token whose signature does not verify against the JWKS is id_token_invalid', async () => {
    // An on-path attacker: the real token response, with one signature byte changed.
    const tampering: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).endsWith('/token') || response.status !== 200) return response
      const body = (await response.json()) as { id_token: string }
      const [h, p, s] = body.id_token.split('.') as [string, string, string]
      body.id_token = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`
      return new Response(JSON.stringify(body), { status: 200, headers: response.headers })
    }
    const client = createAuthorizationCodeClient({ issuer: server.url, clientId: 'web', clientSecret: WEB_SECRET, redirectUri: WEB_REDIRECT, fetch: tampering })
    const { url, transaction } = await client.authorizationUrl()
    await expectValidationError(client.handleCallback(await authorize(server.url, url, ALICE), transaction), 'id_token_invalid')
  })

  it('OIDC Core §3.1.3.7 (3): a validly signed ID token issued to another client (aud) is id_token_invalid', async () => {
    // An ID token Latch really issued, but to `web`, slipped into `public-app`'s token response.
    const other = await signIn(web)
    const swapped: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).endsWith('/token') || response.status !== 200) return response
      const body = (await response.json()) as Record<string, unknown>
      body.id_token = other.idToken
      return new Response(JSON.stringify(body), { status: 200, headers: response.headers })
    }
    const victim = createAuthorizationCodeClient({ issuer: server.url, clientId: 'public-app', redirectUri: PUBLIC_REDIRECT, fetch: swapped })
    const { url, transaction } = await victim.authorizationUrl()
    await expectValidationError(victim.handleCallback(await authorize(server.url, url, ALICE), transaction), 'id_token_invalid')
  })
})

describe('refresh, revocation, logout', () => {
  it('RFC 9700 §4.14.2: refresh rotates the refresh token, and the old one then fails with invalid_grant', async () => {
    const tokens = await signIn(web)
    const first = await web.refresh(tokens.refreshToken as string)
    expect(first.refreshToken).toEqual(expect.any(String))
    expect(first.refreshToken).not.toBe(tokens.refreshToken)
    expect(first.accessToken).not.toBe(tokens.accessToken)
    expect(first.claims?.sub).toBe(tokens.claims?.sub)
    await expectOAuthError(web.refresh(tokens.refreshToken as string), 'invalid_grant', 400)
  })

  it('OIDC Core §12.2 / issue: refresh with expectedSubject refuses a refreshed ID token about another user (subject_mismatch)', async () => {
    // A validly signed ID token Latch issued to `web` for Bob, swapped into Alice's refresh response on the way.
    const bob = await signIn(web, BOB)
    let swap = false
    const swapping: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!swap || !String(input).endsWith('/token') || response.status !== 200) return response
      const body = (await response.json()) as Record<string, unknown>
      body.id_token = bob.idToken
      return new Response(JSON.stringify(body), { status: 200, headers: response.headers })
    }
    const client = createAuthorizationCodeClient({ issuer: server.url, clientId: 'web', clientSecret: WEB_SECRET, redirectUri: WEB_REDIRECT, scope: 'openid profile offline_access', fetch: swapping })
    const alice = await signIn(client, ALICE)
    const sub = alice.claims?.sub as string
    // Unswapped, the same check passes.
    const refreshed = await client.refresh(alice.refreshToken as string, { expectedSubject: sub })
    expect(refreshed.claims?.sub).toBe(sub)
    swap = true
    await expectValidationError(client.refresh(refreshed.refreshToken as string, { expectedSubject: sub }), 'subject_mismatch')
  })

  it('RFC 7009 §2.1: a revoked refresh token no longer refreshes; a revoked access token no longer reaches UserInfo', async () => {
    const tokens = await signIn(web)
    await web.revoke(tokens.accessToken, 'access_token')
    await expectOAuthError(web.userinfo(tokens.accessToken, tokens.claims?.sub as string), 'invalid_token', 401)
    await web.revoke(tokens.refreshToken as string, 'refresh_token')
    await expectOAuthError(web.refresh(tokens.refreshToken as string), 'invalid_grant', 400)
    // RFC 7009 §2.2: revoking an unknown token is still a success.
    await web.revoke('never-issued')
  })

  it('RFC 6749 §5.2: a wrong client secret is OAuthResponseError invalid_client 401', async () => {
    const wrong = createAuthorizationCodeClient({ issuer: server.url, clientId: 'web', clientSecret: 'wrong-secret', redirectUri: WEB_REDIRECT })
    const { url, transaction } = await wrong.authorizationUrl()
    const err = await expectOAuthError(wrong.handleCallback(await authorize(server.url, url, ALICE), transaction), 'invalid_client', 401)
    expect(err.message).not.toContain('wrong-secret')
  })

  it('OIDC RP-Initiated Logout §2: logoutUrl names the end_session_endpoint, id_token_hint, client_id, post_logout_redirect_uri and state, and Latch honours it', async () => {
    const browser = new Browser(server.url)
    const { url, transaction } = await web.authorizationUrl()
    const tokens = await web.handleCallback(await authorize(server.url, url, ALICE, 'allow', browser), transaction)
    const logout = await web.logoutUrl({ idTokenHint: tokens.idToken as string, postLogoutRedirectUri: LOGGED_OUT, state: 'bye-123' })
    expect(`${logout.origin}${logout.pathname}`).toBe(`${server.url}/logout`)
    expect(Object.fromEntries(logout.searchParams)).toEqual({ id_token_hint: tokens.idToken, client_id: 'web', post_logout_redirect_uri: LOGGED_OUT, state: 'bye-123' })
    const res = await browser.fetch(logout)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${LOGGED_OUT}?state=bye-123`)
  })
})
