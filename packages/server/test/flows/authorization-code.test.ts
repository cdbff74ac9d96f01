/**
 * The authorization code flow end to end (RFC 6749 §4.1, RFC 7636, OIDC Core §3.1): openid-client
 * as the relying party, Alice signing in through the real login and consent pages, then the token
 * endpoint, the ID token and RFC 9068 access token verified with jose, UserInfo, and every rule the
 * token endpoint enforces on the code: single use with revocation on replay, the exact
 * redirect_uri, the PKCE verifier and the code's lifetime (frozen clock).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { Browser, formOf, isConsentPage, isLoginPage, parseForms, type Page } from '../browser.js'
import { ALICE, API, BOB, baseTestConfig, startServer, type TestServer } from '../helpers.js'
import { client, discover, expectNoStore, expectResponseError, newRequestSecrets, verifyJwt } from './relying-party.js'

const RP_SECRET = 'rp-secret-0123456789abcdef0123456789abcd'
const RP_CALLBACK = 'http://127.0.0.1:5701/rp/callback'
const RP_OTHER_CALLBACK = 'http://127.0.0.1:5701/rp/other-callback'
const PUBLIC_CALLBACK = 'http://127.0.0.1:5702/spa/callback'
const CODE_TTL = 60

const config = {
  tokens: { authorization_code_ttl: CODE_TTL },
  clients: [
    ...baseTestConfig.clients,
    {
      client_id: 'rp',
      client_name: 'Relying Party',
      client_secret: RP_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [RP_CALLBACK, RP_OTHER_CALLBACK],
      scope: 'openid profile email offline_access read:data',
      resources: [API],
    },
    {
      client_id: 'public-app',
      client_name: 'Public App',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      redirect_uris: [PUBLIC_CALLBACK],
      scope: 'openid profile email',
    },
  ],
}

let server: TestServer
let rp: client.Configuration
let publicApp: client.Configuration
const clock = new ManualClock()

beforeAll(async () => {
  server = await startServer(config, { clock })
  rp = await discover(server.url, 'rp', client.ClientSecretBasic(RP_SECRET))
  publicApp = await discover(server.url, 'public-app', client.None())
})

afterAll(async () => {
  await server?.close()
})

/** A browser that signs `user` in (allowing on the consent page) and returns the client's callback URL. */
async function authorize(config: client.Configuration, params: Record<string, string>, user = ALICE): Promise<{ page: Page; callback: URL }> {
  const page = await new Browser(server.url).authorize(client.buildAuthorizationUrl(config, params), user)
  if (!page.redirect) throw new Error(`no redirect to the client: status ${page.status}\n${page.html.slice(0, 400)}`)
  return { page, callback: page.redirect }
}

function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}

describe('discovery', () => {
  it('OIDC Discovery 1.0 §3 / RFC 8414 §2: metadata names the issuer, endpoints built from it, S256 only and iss responses', () => {
    const m = rp.serverMetadata()
    expect(m.issuer).toBe(server.url)
    for (const endpoint of [m.authorization_endpoint, m.token_endpoint, m.userinfo_endpoint, m.jwks_uri, m.introspection_endpoint, m.revocation_endpoint]) {
      expect(endpoint?.startsWith(`${server.url}/`)).toBe(true)
    }
    expect(m.response_types_supported).toEqual(['code'])
    expect(m.code_challenge_methods_supported).toEqual(['S256'])
    expect(m.authorization_response_iss_parameter_supported).toBe(true)
    expect(m.response_modes_supported).toContain('form_post')
  })
})

describe('authorization code with PKCE S256', () => {
  it('RFC 6749 §4.1 + RFC 7636 §4: a confidential client (client_secret_basic) signs Bob in through the login and consent pages', async () => {
    const s = await newRequestSecrets()
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: RP_CALLBACK, scope: 'openid profile email offline_access read:data', resource: API,
      state: s.state, nonce: s.nonce, code_challenge: s.challenge, code_challenge_method: 'S256',
    })
    const browser = new Browser(server.url)
    const login = await browser.open(url)
    expect(login.status).toBe(200)
    expect(isLoginPage(login)).toBe(true)
    expect(login.html).toContain('Relying Party')
    expect(login.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(formOf(login).fields.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const consent = await browser.signIn(login, BOB.email, BOB.password)
    expect(isConsentPage(consent)).toBe(true)
    expect(consent.html).toContain('Relying Party')
    expect(consent.html).toContain('Read your data')
    expect(consent.html).toContain('(read:data)')
    expect(consent.html).toMatch(/<button[^>]*>Allow<\/button>/)
    expect(consent.html).toMatch(/<button[^>]*>Deny<\/button>/)

    const done = await browser.decide(consent, 'allow')
    const callback = done.redirect
    expect(done.status).toBe(303)
    expect(callback?.origin + (callback?.pathname ?? '')).toBe(RP_CALLBACK)
    // RFC 6749 §4.1.2: state echoed; RFC 9207 §2: iss names the issuer.
    expect(callback?.searchParams.get('state')).toBe(s.state)
    expect(callback?.searchParams.get('iss')).toBe(server.url)
    expect(callback?.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/)

    // openid-client checks iss, state, nonce, at_hash, aud, exp, iat, the signature.
    const tokens = await client.authorizationCodeGrant(rp, callback as URL, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce })
    expect(tokens.token_type.toLowerCase()).toBe('bearer')
    expect(tokens.refresh_token).toBeTypeOf('string')
    expect(tokens.scope).toBe('openid profile email offline_access read:data')

    const { payload: id, protectedHeader } = await verifyJwt(rp, tokens.id_token as string, { audience: 'rp' })
    expect(protectedHeader.alg).toBe('RS256')
    expect(id.iss).toBe(server.url)
    expect(id.aud).toBe('rp')
    expect(id.sub).toMatch(/\S/)
    expect(id.nonce).toBe(s.nonce)
    expect(id.iat).toBe(clock.now())
    expect(id.exp).toBeGreaterThan(clock.now())
    expect(id.auth_time).toBe(clock.now())
    expect(id.at_hash).toBe(atHash(tokens.access_token))
    expect(id.email).toBe(BOB.email)
    expect(id.name).toBe('Bob Example')
    expect(tokens.claims()?.sub).toBe(id.sub)

    // RFC 9068 §2.1, §2.2: typ at+jwt and the required claims.
    const { payload: at, protectedHeader: atHeader } = await verifyJwt(rp, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(atHeader.typ).toBe('at+jwt')
    expect(at).toMatchObject({ iss: server.url, sub: id.sub, aud: API, client_id: 'rp', scope: 'openid profile email offline_access read:data' })
    expect(at.jti).toMatch(/\S{16,}/)
    expect(at.iat).toBe(clock.now())
    expect(at.exp).toBe(clock.now() + 900)
    expect(at.auth_time).toBe(id.auth_time)

    // OIDC Core §5.3.2: UserInfo's sub must equal the ID token's (openid-client checks it).
    const userinfo = await client.fetchUserInfo(rp, tokens.access_token, id.sub as string)
    expect(userinfo).toMatchObject({ sub: id.sub, email: BOB.email, name: 'Bob Example' })
  })

  it('RFC 7636 §4 + RFC 9700 §2.1.1: a public client (none) completes the flow with PKCE S256 and gets no refresh token', async () => {
    const s = await newRequestSecrets()
    const { callback } = await authorize(publicApp, {
      redirect_uri: PUBLIC_CALLBACK, scope: 'openid email', state: s.state, nonce: s.nonce,
      code_challenge: s.challenge, code_challenge_method: 'S256',
    })
    expect(callback.searchParams.get('iss')).toBe(server.url)
    const tokens = await client.authorizationCodeGrant(publicApp, callback, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce })
    expect(tokens.refresh_token).toBeUndefined()
    const { payload: id } = await verifyJwt(publicApp, tokens.id_token as string, { audience: 'public-app' })
    expect(id).toMatchObject({ iss: server.url, aud: 'public-app', nonce: s.nonce, email: ALICE.email })
    expect(id.at_hash).toBe(atHash(tokens.access_token))
    expect(id.auth_time).toBeTypeOf('number')
    // No resource asked for and none configured by default: the token is for the issuer (UserInfo).
    const { payload: at } = await verifyJwt(publicApp, tokens.access_token, { typ: 'at+jwt', audience: server.url })
    expect(at).toMatchObject({ sub: id.sub, client_id: 'public-app', scope: 'openid email' })
    const userinfo = await client.fetchUserInfo(publicApp, tokens.access_token, id.sub as string)
    expect(userinfo).toMatchObject({ sub: id.sub, email: ALICE.email })
    expect(userinfo.name).toBeUndefined()
  })

  it('OAuth 2.0 Form Post Response Mode §2 + RFC 9207: response_mode=form_post answers an auto-submitting form carrying code, state and iss', async () => {
    const s = await newRequestSecrets()
    const browser = new Browser(server.url)
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: RP_CALLBACK, scope: 'openid', state: s.state, nonce: s.nonce,
      code_challenge: s.challenge, code_challenge_method: 'S256', response_mode: 'form_post',
    })
    const post = await browser.authorize(url, ALICE)
    expect(post.redirect).toBeUndefined()
    expect(post.status).toBe(200)
    expect(post.headers.get('location')).toBeNull()
    expect(post.headers.get('content-type')).toMatch(/^text\/html/)
    expect(post.headers.get('cache-control')).toBe('no-store')
    const csp = post.headers.get('content-security-policy') ?? ''
    expect(csp).toContain('form-action http://127.0.0.1:5701')
    expect(csp).toContain("frame-ancestors 'none'")
    const scriptNonce = /<script nonce="([^"]+)">[^<]*\.submit\(\)<\/script>/.exec(post.html)?.[1]
    expect(scriptNonce).toBeDefined()
    expect(csp).toContain(`'nonce-${scriptNonce}'`)

    const forms = parseForms(post.html)
    expect(forms).toHaveLength(1)
    const form = forms[0] as (typeof forms)[number]
    expect(form.method).toBe('post')
    expect(form.action).toBe(RP_CALLBACK)
    expect(form.fields.state).toBe(s.state)
    expect(form.fields.iss).toBe(server.url)
    expect(form.fields.code).toMatch(/^[A-Za-z0-9_-]{43}$/)

    // What the browser's auto-submit delivers to the client: openid-client reads the POST body.
    const request = new Request(RP_CALLBACK, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form.fields),
    })
    const tokens = await client.authorizationCodeGrant(rp, request, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce })
    const { payload } = await verifyJwt(rp, tokens.id_token as string, { audience: 'rp' })
    expect(payload.nonce).toBe(s.nonce)
  })
})

describe('the token endpoint guards the code', () => {
  it('RFC 6749 §4.1.2: a reused code is rejected (invalid_grant) and the tokens of its first redemption are revoked', async () => {
    const s = await newRequestSecrets()
    const { callback } = await authorize(rp, {
      redirect_uri: RP_CALLBACK, scope: 'openid offline_access read:data', resource: API, state: s.state, nonce: s.nonce,
      code_challenge: s.challenge, code_challenge_method: 'S256',
    })
    const checks = { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce }
    const first = await client.authorizationCodeGrant(rp, callback, checks)
    expect(first.refresh_token).toBeTypeOf('string')
    expect((await client.tokenIntrospection(rp, first.access_token)).active).toBe(true)

    const replay = await expectResponseError(client.authorizationCodeGrant(rp, callback, checks))
    expect(replay.error).toBe('invalid_grant')
    expect(replay.status).toBe(400)
    expectNoStore(replay.headers)

    const introspected = await client.tokenIntrospection(rp, first.access_token)
    expect(introspected).toEqual({ active: false })
    const refreshIntrospected = await client.tokenIntrospection(rp, first.refresh_token as string, { token_type_hint: 'refresh_token' })
    expect(refreshIntrospected).toEqual({ active: false })
    const refresh = await expectResponseError(client.refreshTokenGrant(rp, first.refresh_token as string))
    expect(refresh.error).toBe('invalid_grant')
    expect(refresh.status).toBe(400)
    // RFC 6750 §3.1: UserInfo refuses the revoked access token.
    const userinfo = await fetch(rp.serverMetadata().userinfo_endpoint as string, { headers: { authorization: `Bearer ${first.access_token}` } })
    expect(userinfo.status).toBe(401)
    expect(userinfo.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/)
  })

  it('RFC 6749 §4.1.3: a redirect_uri that differs from the authorization request\'s is invalid_grant, even if registered', async () => {
    const s = await newRequestSecrets()
    const { callback } = await authorize(rp, {
      redirect_uri: RP_CALLBACK, scope: 'openid', state: s.state, nonce: s.nonce,
      code_challenge: s.challenge, code_challenge_method: 'S256',
    })
    // openid-client sends the current URL without its query as redirect_uri.
    const elsewhere = new URL(`${RP_OTHER_CALLBACK}${callback.search}`)
    const err = await expectResponseError(client.authorizationCodeGrant(rp, elsewhere, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce }))
    expect(err.error).toBe('invalid_grant')
    expect(err.status).toBe(400)
    expect(err.headers.get('content-type')).toMatch(/^application\/json/)
    expectNoStore(err.headers)
  })

  it('RFC 7636 §4.6: a code_verifier that does not match the S256 challenge is invalid_grant', async () => {
    const s = await newRequestSecrets()
    const { callback } = await authorize(rp, {
      redirect_uri: RP_CALLBACK, scope: 'openid', state: s.state, nonce: s.nonce,
      code_challenge: s.challenge, code_challenge_method: 'S256',
    })
    const err = await expectResponseError(
      client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: s.state, expectedNonce: s.nonce }),
    )
    expect(err.error).toBe('invalid_grant')
    expect(err.status).toBe(400)
    expectNoStore(err.headers)
  })

  it('RFC 7636 §4.5: a code issued with a challenge and redeemed without code_verifier is invalid_grant', async () => {
    const s = await newRequestSecrets()
    const { callback } = await authorize(rp, {
      redirect_uri: RP_CALLBACK, scope: 'openid', state: s.state, nonce: s.nonce,
      code_challenge: s.challenge, code_challenge_method: 'S256',
    })
    const err = await expectResponseError(client.authorizationCodeGrant(rp, callback, { expectedState: s.state, expectedNonce: s.nonce }))
    expect(err.error).toBe('invalid_grant')
    expect(err.status).toBe(400)
    expectNoStore(err.headers)
  })

  it('RFC 6749 §4.1.2 + §10.5: a code past authorization_code_ttl is invalid_grant (frozen clock advanced)', async () => {
    const s = await newRequestSecrets()
    const { callback } = await authorize(rp, {
      redirect_uri: RP_CALLBACK, scope: 'openid', state: s.state, nonce: s.nonce,
      code_challenge: s.challenge, code_challenge_method: 'S256',
    })
    const issuedAt = clock.now()
    clock.advance(CODE_TTL)
    try {
      const err = await expectResponseError(client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce }))
      expect(err.error).toBe('invalid_grant')
      expect(err.status).toBe(400)
      expectNoStore(err.headers)
    } finally {
      clock.set(issuedAt)
    }
  })

  it('RFC 6749 §4.1.2: a code is still redeemable one second before authorization_code_ttl', async () => {
    const s = await newRequestSecrets()
    const { callback } = await authorize(rp, {
      redirect_uri: RP_CALLBACK, scope: 'openid', state: s.state, nonce: s.nonce,
      code_challenge: s.challenge, code_challenge_method: 'S256',
    })
    const issuedAt = clock.now()
    clock.advance(CODE_TTL - 1)
    try {
      const tokens = await client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce })
      expect(tokens.id_token).toBeTypeOf('string')
    } finally {
      clock.set(issuedAt)
    }
  })

  it('RFC 6749 §4.1.3: a code issued to one client is invalid_grant for another', async () => {
    const s = await newRequestSecrets()
    const { callback } = await authorize(publicApp, {
      redirect_uri: PUBLIC_CALLBACK, scope: 'openid', state: s.state, nonce: s.nonce,
      code_challenge: s.challenge, code_challenge_method: 'S256',
    })
    // The confidential client presents the public client's code at its own redirect_uri.
    const stolen = new URL(`${RP_CALLBACK}${callback.search}`)
    const err = await expectResponseError(client.authorizationCodeGrant(rp, stolen, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce }))
    expect(err.error).toBe('invalid_grant')
    expect(err.status).toBe(400)
  })
})
