/**
 * Refresh tokens end to end (RFC 6749 §6, RFC 9700 §4.14.2): openid-client's refreshTokenGrant
 * against tokens obtained through the real authorization code flow. Every use rotates the token;
 * presenting a rotated one again revokes the whole family (every refresh and access token of the
 * grant); scope may narrow but never widen; a refresh token is bound to the client it was issued to.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser } from '../browser.js'
import { ALICE, API, OTHER_SECRET, WEB_REDIRECT, WEB_SECRET, startServer, type TestServer } from '../helpers.js'
import { client, discover, expectNoStore, expectResponseError, newRequestSecrets, verifyJwt } from './relying-party.js'

let server: TestServer
/** `web`: client_secret_basic, first-party (no consent page), authorization_code + refresh_token. */
let web: client.Configuration
/** `web2`: another confidential client (client_secret_post) with the refresh_token grant. */
let web2: client.Configuration
/** One signed-in browser: each new grant after the first is single sign-on, no password form. */
let browser: Browser

beforeAll(async () => {
  server = await startServer()
  web = await discover(server.url, 'web', client.ClientSecretBasic(WEB_SECRET))
  web2 = await discover(server.url, 'web2', client.ClientSecretPost(OTHER_SECRET))
  browser = new Browser(server.url)
})

afterAll(async () => {
  await server?.close()
})

/** A fresh grant (its own refresh token family) through the authorization code flow. */
async function newGrant(scope = 'openid profile email offline_access read:data') {
  const s = await newRequestSecrets()
  const url = client.buildAuthorizationUrl(web, {
    redirect_uri: WEB_REDIRECT, scope, resource: API, state: s.state, nonce: s.nonce,
    code_challenge: s.challenge, code_challenge_method: 'S256',
  })
  const page = await browser.authorize(url, ALICE)
  if (!page.redirect) throw new Error(`no redirect: ${page.status}\n${page.html.slice(0, 400)}`)
  const tokens = await client.authorizationCodeGrant(web, page.redirect, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce })
  if (!tokens.refresh_token) throw new Error('no refresh token issued')
  return tokens as typeof tokens & { refresh_token: string }
}

async function isActive(token: string): Promise<boolean> {
  return (await client.tokenIntrospection(web, token)).active
}

describe('rotation', () => {
  it('RFC 9700 §4.14.2: every refresh returns a new refresh token and a new verified access token', async () => {
    const grant = await newGrant()
    const sub = grant.claims()?.sub
    const seen = new Set([grant.refresh_token])
    let current = grant.refresh_token
    for (let i = 0; i < 3; i++) {
      const next = await client.refreshTokenGrant(web, current)
      expect(next.refresh_token).toBeTypeOf('string')
      expect(seen.has(next.refresh_token as string)).toBe(false)
      seen.add(next.refresh_token as string)
      const { payload } = await verifyJwt(web, next.access_token, { typ: 'at+jwt', audience: API })
      expect(payload).toMatchObject({ iss: server.url, sub, client_id: 'web', scope: 'openid profile email offline_access read:data' })
      // OIDC Core §12.2: a refreshed ID token keeps iss, sub and aud, and has no nonce.
      const { payload: id } = await verifyJwt(web, next.id_token as string, { audience: 'web' })
      expect(id.sub).toBe(sub)
      expect(id.nonce).toBeUndefined()
      // The rotated-out token is dead at introspection.
      expect((await client.tokenIntrospection(web, current, { token_type_hint: 'refresh_token' })).active).toBe(false)
      current = next.refresh_token as string
    }
    expect((await client.tokenIntrospection(web, current, { token_type_hint: 'refresh_token' })).active).toBe(true)
  })

  it('RFC 9700 §4.14.2: a rotated refresh token used again is invalid_grant and revokes the whole family', async () => {
    const grant = await newGrant()
    const second = await client.refreshTokenGrant(web, grant.refresh_token)
    const third = await client.refreshTokenGrant(web, second.refresh_token as string)
    expect(await isActive(third.access_token)).toBe(true)

    // An attacker replays the first (already rotated) token.
    const replay = await expectResponseError(client.refreshTokenGrant(web, grant.refresh_token))
    expect(replay.error).toBe('invalid_grant')
    expect(replay.status).toBe(400)
    expectNoStore(replay.headers)

    // The legitimate client's newest token is dead too, and so is what it issued.
    const newest = await expectResponseError(client.refreshTokenGrant(web, third.refresh_token as string))
    expect(newest.error).toBe('invalid_grant')
    expect(newest.status).toBe(400)
    expect(await isActive(third.access_token)).toBe(false)
    expect(await isActive(second.access_token)).toBe(false)
    expect(await isActive(grant.access_token)).toBe(false)
    expect((await client.tokenIntrospection(web, third.refresh_token as string, { token_type_hint: 'refresh_token' })).active).toBe(false)
    const userinfo = await fetch(web.serverMetadata().userinfo_endpoint as string, { headers: { authorization: `Bearer ${third.access_token}` } })
    expect(userinfo.status).toBe(401)
    expect(userinfo.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)

    // Other grants of the same user and client are untouched.
    const other = await newGrant()
    expect((await client.refreshTokenGrant(web, other.refresh_token)).access_token).toBeTypeOf('string')
  })
})

describe('scope', () => {
  it('RFC 6749 §6: the scope may narrow; omitting it later restores the originally granted scope', async () => {
    const grant = await newGrant('openid profile email offline_access read:data')
    const narrowed = await client.refreshTokenGrant(web, grant.refresh_token, { scope: 'openid read:data' })
    expect(narrowed.scope).toBe('openid read:data')
    const { payload } = await verifyJwt(web, narrowed.access_token, { typ: 'at+jwt', audience: API })
    expect(payload.scope).toBe('openid read:data')
    // The narrowed ID token carries no profile or email claims.
    const { payload: id } = await verifyJwt(web, narrowed.id_token as string, { audience: 'web' })
    expect(id.email).toBeUndefined()

    const restored = await client.refreshTokenGrant(web, narrowed.refresh_token as string)
    expect(restored.scope).toBe('openid profile email offline_access read:data')
  })

  it('RFC 6749 §6: a scope wider than the original grant is invalid_scope', async () => {
    const grant = await newGrant('openid offline_access read:data')
    const err = await expectResponseError(client.refreshTokenGrant(web, grant.refresh_token, { scope: 'openid offline_access read:data email' }))
    expect(err.error).toBe('invalid_scope')
    expect(err.status).toBe(400)
    expectNoStore(err.headers)
    // A refused request consumes nothing: the token still refreshes.
    expect((await client.refreshTokenGrant(web, grant.refresh_token)).refresh_token).toBeTypeOf('string')
  })
})

describe('client binding', () => {
  it('RFC 6749 §6: a refresh token of client A presented by client B is invalid_grant, and A\'s token survives', async () => {
    const grant = await newGrant()
    const err = await expectResponseError(client.refreshTokenGrant(web2, grant.refresh_token))
    expect(err.error).toBe('invalid_grant')
    expect(err.status).toBe(400)
    expectNoStore(err.headers)
    expect(await isActive(grant.access_token)).toBe(true)
    const next = await client.refreshTokenGrant(web, grant.refresh_token)
    expect(next.refresh_token).toBeTypeOf('string')
  })
})
