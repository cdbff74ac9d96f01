/**
 * Client authentication (RFC 6749 §2.3) as a shared contract over every
 * `token_endpoint_auth_method` Latch supports: `client_secret_basic`, `client_secret_post`,
 * `private_key_jwt` and `none`. For each method, one registered client must:
 * - authenticate with the right credentials at the device authorization, token and revocation
 *   endpoints (and introspection, for confidential clients);
 * - get 401 `invalid_client` with wrong credentials, with `WWW-Authenticate: Basic` exactly when
 *   the Authorization header was used (RFC 6749 §5.2);
 * - get 401 `invalid_client` when it uses any other method than the registered one.
 * Then the rules around the table: two methods at once are `invalid_request` (§2.3), Basic
 * credentials are form-urlencoded before base64 (§2.3.1), and the assertion rules of
 * `private_key_jwt` (RFC 7523 §3, OIDC Core §9) with ES256 and RS256 keys generated here.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { API, WEB_SECRET, baseTestConfig, basic, postForm, startServer, type TestServer } from '../helpers.js'
import { client as oidc, expectResponseError } from './relying-party.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const BASIC_SECRET = 'ca-basic-secret-0123456789abcdef0123456789'
const POST_SECRET = 'ca-post-secret-0123456789abcdef01234567890'
const EITHER_SECRET = 'ca-either-secret-0123456789abcdef012345678'
/** RFC 6749 §2.3.1: every character that form-urlencoding changes, plus non-ASCII. */
const SPECIAL_ID = 'ca:special+id%41'
const SPECIAL_SECRET = 'S3cr3t:with+plus/slash%25pct&amp=eq ü€ 0123456789abcdef'

type Method = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none'

interface Credentials {
  headers: Record<string, string>
  params: Record<string, string>
}

interface KeyPair {
  privateKey: CryptoKey
  jwk: JWK
}

let s: TestServer
let es256: KeyPair
let rs256: KeyPair
/** Not registered anywhere, but claims the kid of the registered ES256 key. */
let rogue: KeyPair

async function keyPair(alg: 'ES256' | 'RS256', kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg)
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

beforeAll(async () => {
  es256 = await keyPair('ES256', 'es-1')
  rs256 = await keyPair('RS256', 'rs-1')
  rogue = await keyPair('ES256', 'es-1')
  const common = { grant_types: ['client_credentials', DEVICE_GRANT], scope: 'openid read:data', resources: [API] }
  s = await startServer({
    clients: [
      ...baseTestConfig.clients,
      { client_id: 'ca-basic', client_secret: BASIC_SECRET, token_endpoint_auth_method: 'client_secret_basic', ...common },
      { client_id: 'ca-post', client_secret: POST_SECRET, token_endpoint_auth_method: 'client_secret_post', ...common },
      { client_id: 'ca-jwt', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [es256.jwk, rs256.jwk] }, ...common },
      { client_id: 'ca-none', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT], scope: 'openid' },
      { client_id: SPECIAL_ID, client_secret: SPECIAL_SECRET, token_endpoint_auth_method: 'client_secret_basic', ...common },
      // No token_endpoint_auth_method: registered as client_secret_basic, accepting client_secret_post too.
      { client_id: 'ca-secret', client_secret: EITHER_SECRET, ...common },
    ],
  })
})

afterAll(async () => {
  await s?.close()
})

const endpoint = (path: string) => `${s.url}${path}`

interface AssertionOptions {
  key?: KeyPair
  alg?: string
  iss?: string
  sub?: string
  aud?: string | string[] | null
  /** Seconds from now; null leaves exp out. */
  expiresIn?: number | null
  jti?: string | null
  nbf?: number
}

/** A client assertion (RFC 7523 §3) for `clientId`, valid unless an option breaks it. */
async function assertion(clientId: string, o: AssertionOptions = {}): Promise<string> {
  const key = o.key ?? es256
  const now = Math.floor(Date.now() / 1000)
  const claims: Record<string, unknown> = {}
  if (o.jti !== null) claims.jti = o.jti ?? randomUUID()
  if (o.nbf !== undefined) claims.nbf = o.nbf
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: o.alg ?? key.jwk.alg ?? 'ES256', ...(key.jwk.kid !== undefined && { kid: key.jwk.kid }) })
    .setIssuer(o.iss ?? clientId)
    .setSubject(o.sub ?? clientId)
    .setIssuedAt(now)
  const aud = o.aud === undefined ? endpoint(PATHS.token) : o.aud
  if (aud !== null) jwt.setAudience(aud)
  if (o.expiresIn !== null) jwt.setExpirationTime(now + (o.expiresIn ?? 60))
  return jwt.sign(key.privateKey)
}

const jwtParams = (value: string): Record<string, string> => ({ client_assertion_type: JWT_BEARER, client_assertion: value })

/** Credentials of `method` for `clientId` (with `secret` where the method needs one). */
async function credentialsFor(method: Method, clientId: string, secret = 'not-the-secret-0123456789abcdef0123456789'): Promise<Credentials> {
  switch (method) {
    case 'client_secret_basic':
      return { headers: { authorization: basic(clientId, secret) }, params: {} }
    case 'client_secret_post':
      return { headers: {}, params: { client_id: clientId, client_secret: secret } }
    case 'private_key_jwt':
      return { headers: {}, params: jwtParams(await assertion(clientId)) }
    case 'none':
      return { headers: {}, params: { client_id: clientId } }
  }
}

interface MethodCase {
  method: Method
  spec: string
  clientId: string
  confidential: boolean
  /** Fresh, correct credentials (a new assertion, so a new jti, each call). */
  good(): Promise<Credentials>
  /** Wrong credentials of this very method. */
  wrong: { name: string; credentials(): Promise<Credentials> }[]
}

const METHODS: MethodCase[] = [
  {
    method: 'client_secret_basic',
    spec: 'RFC 6749 §2.3.1',
    clientId: 'ca-basic',
    confidential: true,
    good: () => credentialsFor('client_secret_basic', 'ca-basic', BASIC_SECRET),
    wrong: [
      { name: 'a wrong secret', credentials: () => credentialsFor('client_secret_basic', 'ca-basic', `${BASIC_SECRET}x`) },
      { name: 'another client’s secret', credentials: () => credentialsFor('client_secret_basic', 'ca-basic', POST_SECRET) },
      { name: 'the secret in upper case', credentials: () => credentialsFor('client_secret_basic', 'ca-basic', BASIC_SECRET.toUpperCase()) },
      { name: 'an empty secret', credentials: () => credentialsFor('client_secret_basic', 'ca-basic', '') },
      { name: 'an unknown client', credentials: () => credentialsFor('client_secret_basic', 'ca-ghost', BASIC_SECRET) },
    ],
  },
  {
    method: 'client_secret_post',
    spec: 'RFC 6749 §2.3.1',
    clientId: 'ca-post',
    confidential: true,
    good: () => credentialsFor('client_secret_post', 'ca-post', POST_SECRET),
    wrong: [
      { name: 'a wrong secret', credentials: () => credentialsFor('client_secret_post', 'ca-post', `${POST_SECRET}x`) },
      { name: 'another client’s secret', credentials: () => credentialsFor('client_secret_post', 'ca-post', BASIC_SECRET) },
      { name: 'an empty secret', credentials: () => credentialsFor('client_secret_post', 'ca-post', '') },
      { name: 'an unknown client', credentials: () => credentialsFor('client_secret_post', 'ca-ghost', POST_SECRET) },
    ],
  },
  {
    method: 'private_key_jwt',
    spec: 'RFC 7523 §2.2',
    clientId: 'ca-jwt',
    confidential: true,
    good: () => credentialsFor('private_key_jwt', 'ca-jwt'),
    wrong: [
      { name: 'an assertion signed by an unregistered key', credentials: async () => ({ headers: {}, params: jwtParams(await assertion('ca-jwt', { key: rogue })) }) },
      { name: 'an assertion for an unknown client', credentials: async () => ({ headers: {}, params: jwtParams(await assertion('ca-ghost')) }) },
    ],
  },
  {
    method: 'none',
    spec: 'RFC 6749 §2.1',
    clientId: 'ca-none',
    confidential: false,
    good: () => credentialsFor('none', 'ca-none'),
    wrong: [{ name: 'an unknown client', credentials: () => credentialsFor('none', 'ca-ghost') }],
  },
]

const ALL_METHODS: Method[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']
const SECRETS: Record<string, string> = { 'ca-basic': BASIC_SECRET, 'ca-post': POST_SECRET }

async function send(path: string, params: Record<string, string>, credentials: Credentials): Promise<Response> {
  return postForm(endpoint(path), { ...params, ...credentials.params }, credentials.headers)
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>
}

/** RFC 6749 §5.2: 401 invalid_client, no-store, and a Basic challenge exactly when the header was used. */
async function expectInvalidClient(res: Response, usedAuthorizationHeader: boolean, what: string): Promise<void> {
  const body = await json(res)
  expect(res.status, `${what}: ${JSON.stringify(body)}`).toBe(401)
  expect(body.error, what).toBe('invalid_client')
  expect(res.headers.get('cache-control')).toContain('no-store')
  const challenge = res.headers.get('www-authenticate')
  if (usedAuthorizationHeader) expect(challenge, what).toMatch(/^Basic realm="[^"]*"/)
  else expect(challenge, `${what}: no WWW-Authenticate without an Authorization header`).toBeNull()
}

async function expectInvalidRequest(res: Response, what: string): Promise<void> {
  const body = await json(res)
  expect(res.status, `${what}: ${JSON.stringify(body)}`).toBe(400)
  expect(body.error, what).toBe('invalid_request')
  expect(res.headers.get('cache-control')).toContain('no-store')
}

const clientCredentials = { grant_type: 'client_credentials', resource: API, scope: 'read:data' }

for (const m of METHODS) {
  describe(`${m.method} (${m.spec})`, () => {
    it(`${m.spec}: ${m.method} with the right credentials authenticates the client`, async () => {
      // Device authorization, then one poll at the token endpoint: authorization_pending means
      // both endpoints accepted the client (an unauthenticated poll would be invalid_client).
      const started = await send(PATHS.device_authorization, { scope: 'openid' }, await m.good())
      const device = await json(started)
      expect(started.status, JSON.stringify(device)).toBe(200)
      expect(typeof device.device_code).toBe('string')
      const poll = await send(PATHS.token, { grant_type: DEVICE_GRANT, device_code: String(device.device_code) }, await m.good())
      expect(poll.status).toBe(400)
      expect((await json(poll)).error).toBe('authorization_pending')
      // RFC 7009 §2.1: revocation authenticates the same way.
      expect((await send(PATHS.revocation, { token: 'unknown-token' }, await m.good())).status).toBe(200)
      if (m.confidential) {
        const token = await send(PATHS.token, clientCredentials, await m.good())
        const body = await json(token)
        expect(token.status, JSON.stringify(body)).toBe(200)
        expect(body).toMatchObject({ token_type: 'Bearer', scope: 'read:data' })
        // RFC 7662 §2.1: and introspection, where the client sees its own token.
        const introspected = await send(PATHS.introspection, { token: String(body.access_token) }, await m.good())
        expect(await json(introspected)).toMatchObject({ active: true, client_id: m.clientId })
      }
    })

    it(`RFC 6749 §5.2: ${m.method} with wrong credentials is 401 invalid_client`, async () => {
      for (const wrong of m.wrong) {
        const usesHeader = m.method === 'client_secret_basic'
        const params = m.confidential ? clientCredentials : { grant_type: DEVICE_GRANT, device_code: 'x' }
        await expectInvalidClient(await send(PATHS.token, params, await wrong.credentials()), usesHeader, `token, ${wrong.name}`)
        await expectInvalidClient(await send(PATHS.device_authorization, { scope: 'openid' }, await wrong.credentials()), usesHeader, `device, ${wrong.name}`)
        await expectInvalidClient(await send(PATHS.revocation, { token: 'x' }, await wrong.credentials()), usesHeader, `revocation, ${wrong.name}`)
      }
    })

    it(`RFC 6749 §2.3: a ${m.method} client that uses another method is invalid_client`, async () => {
      for (const other of ALL_METHODS.filter((x) => x !== m.method)) {
        // With the client's real secret where it has one: the method, not the secret, is wrong.
        const credentials = await credentialsFor(other, m.clientId, SECRETS[m.clientId])
        const what = `${m.method} client using ${other}`
        await expectInvalidClient(await send(PATHS.token, clientCredentials, credentials), other === 'client_secret_basic', what)
      }
    })
  })
}

describe('rules across methods', () => {
  it('RFC 6749 §2.3: a request using two authentication methods at once is invalid_request', async () => {
    const combos: [string, () => Promise<Credentials>][] = [
      ['basic + post (basic client)', async () => ({ headers: { authorization: basic('ca-basic', BASIC_SECRET) }, params: { client_id: 'ca-basic', client_secret: BASIC_SECRET } })],
      ['basic + post (post client)', async () => ({ headers: { authorization: basic('ca-post', POST_SECRET) }, params: { client_id: 'ca-post', client_secret: POST_SECRET } })],
      ['basic + private_key_jwt', async () => ({ headers: { authorization: basic('ca-jwt', BASIC_SECRET) }, params: jwtParams(await assertion('ca-jwt')) })],
      ['post + private_key_jwt', async () => ({ headers: {}, params: { client_id: 'ca-jwt', client_secret: POST_SECRET, ...jwtParams(await assertion('ca-jwt')) } })],
      [
        'basic + post + private_key_jwt',
        async () => ({ headers: { authorization: basic('ca-jwt', BASIC_SECRET) }, params: { client_id: 'ca-jwt', client_secret: POST_SECRET, ...jwtParams(await assertion('ca-jwt')) } }),
      ],
    ]
    for (const [name, credentials] of combos) {
      await expectInvalidRequest(await send(PATHS.token, clientCredentials, await credentials()), `token, ${name}`)
      await expectInvalidRequest(await send(PATHS.device_authorization, { scope: 'openid' }, await credentials()), `device, ${name}`)
      await expectInvalidRequest(await send(PATHS.introspection, { token: 'x' }, await credentials()), `introspection, ${name}`)
      await expectInvalidRequest(await send(PATHS.revocation, { token: 'x' }, await credentials()), `revocation, ${name}`)
    }
  })

  it('RFC 6749 §2.3.1: a client_id in the body must be the one in the Basic header', async () => {
    const res = await send(PATHS.token, { ...clientCredentials, client_id: 'ca-post' }, { headers: { authorization: basic('ca-basic', BASIC_SECRET) }, params: {} })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(['invalid_request', 'invalid_client']).toContain((await json(res)).error)
    // The same client_id in both places is fine.
    const same = await send(PATHS.token, { ...clientCredentials, client_id: 'ca-basic' }, { headers: { authorization: basic('ca-basic', BASIC_SECRET) }, params: {} })
    expect(same.status).toBe(200)
  })

  it('RFC 6749 §2.3.1: Basic credentials with url-encoded special characters in the client_id and secret work', async () => {
    const res = await send(PATHS.token, clientCredentials, { headers: { authorization: basic(SPECIAL_ID, SPECIAL_SECRET) }, params: {} })
    const body = await json(res)
    expect(res.status, JSON.stringify(body)).toBe(200)
    expect(body.token_type).toBe('Bearer')
  })

  it('RFC 6749 §2.3.1: Basic credentials are form-decoded, so the same characters unencoded do not match', async () => {
    const raw = `Basic ${Buffer.from(`${SPECIAL_ID}:${SPECIAL_SECRET}`, 'utf8').toString('base64')}`
    await expectInvalidClient(await send(PATHS.token, clientCredentials, { headers: { authorization: raw }, params: {} }), true, 'unencoded special characters')
  })

  it('RFC 6749 §5.2: WWW-Authenticate: Basic is sent only when the client used the Authorization header', async () => {
    const failures: [string, Credentials, boolean][] = [
      ['basic, wrong secret', await credentialsFor('client_secret_basic', 'ca-basic', 'wrong-secret-0123456789abcdef0123456789'), true],
      ['basic, unknown client', await credentialsFor('client_secret_basic', 'ca-ghost'), true],
      ['post, wrong secret', await credentialsFor('client_secret_post', 'ca-post', 'wrong-secret-0123456789abcdef0123456789'), false],
      ['post, unknown client', await credentialsFor('client_secret_post', 'ca-ghost'), false],
      ['private_key_jwt, unregistered key', { headers: {}, params: jwtParams(await assertion('ca-jwt', { key: rogue })) }, false],
      ['none, unknown client', await credentialsFor('none', 'ca-ghost'), false],
      ['no credentials at all', { headers: {}, params: {} }, false],
    ]
    for (const [name, credentials, usedHeader] of failures) {
      await expectInvalidClient(await send(PATHS.token, clientCredentials, credentials), usedHeader, name)
    }
  })

  it('RFC 7662 §2.1: a public client cannot introspect, even with its client_id', async () => {
    await expectInvalidClient(await send(PATHS.introspection, { token: 'x' }, await credentialsFor('none', 'ca-none')), false, 'public client at introspection')
  })

  it('RFC 6749 §2.3.1: a confidential client secret is never accepted for the client of another name', async () => {
    // web's real secret, presented as ca-basic: the pair, not the secret alone, authenticates.
    await expectInvalidClient(await send(PATHS.token, clientCredentials, await credentialsFor('client_secret_basic', 'ca-basic', WEB_SECRET)), true, 'secret of web for ca-basic')
  })
})

describe('secret methods: either one unless the registration pins one', () => {
  /** openid-client 6's README setup: `discovery(server, id, secret)`, which sends client_secret_post. */
  const readmeSetup = (clientId: string, secret: string, auth?: oidc.ClientAuth) =>
    oidc.discovery(new URL(s.url), clientId, secret, auth, { execute: [oidc.allowInsecureRequests] })

  /** @see issue 8 */
  it('RFC 6749 §2.3.1: openid-client 6 discovery(server, id, secret) works on the first try against a client registered without a method', async () => {
    const tokens = await oidc.clientCredentialsGrant(await readmeSetup('ca-secret', EITHER_SECRET), { scope: 'read:data', resource: API })
    expect(tokens.token_type.toLowerCase()).toBe('bearer')
    expect(tokens.scope).toBe('read:data')
    // And the same client with client_secret_basic, its registered method.
    const basicToo = await oidc.clientCredentialsGrant(await readmeSetup('ca-secret', EITHER_SECRET, oidc.ClientSecretBasic(EITHER_SECRET)), { scope: 'read:data', resource: API })
    expect(basicToo.access_token).toBeTruthy()
  })

  /** @see issue 8 */
  it('RFC 6749 §2.3: a pinned client_secret_basic client refuses client_secret_post with invalid_client naming the method it expects', async () => {
    const err = await expectResponseError(oidc.clientCredentialsGrant(await readmeSetup('ca-basic', BASIC_SECRET), { scope: 'read:data', resource: API }))
    expect(err.status).toBe(401)
    expect(err.error).toBe('invalid_client')
    expect(err.error_description).toMatch(/must use client_secret_basic, not client_secret_post/)
    const ok = await oidc.clientCredentialsGrant(await readmeSetup('ca-basic', BASIC_SECRET, oidc.ClientSecretBasic(BASIC_SECRET)), { scope: 'read:data', resource: API })
    expect(ok.access_token).toBeTruthy()
    // The pinned client_secret_post client, the other way round.
    const res = await send(PATHS.token, clientCredentials, await credentialsFor('client_secret_basic', 'ca-post', POST_SECRET))
    const body = await json(res)
    expect(res.status).toBe(401)
    expect(body.error_description).toMatch(/must use client_secret_post, not client_secret_basic/)
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /)
  })

  /** @see issue 8 */
  it('RFC 6749 §2.3: an unpinned secret client still refuses both secret methods at once, and methods without its secret', async () => {
    await expectInvalidRequest(
      await send(PATHS.token, clientCredentials, { headers: { authorization: basic('ca-secret', EITHER_SECRET) }, params: { client_id: 'ca-secret', client_secret: EITHER_SECRET } }),
      'basic + post',
    )
    for (const other of ['private_key_jwt', 'none'] as const) {
      const res = await send(PATHS.token, clientCredentials, await credentialsFor(other, 'ca-secret'))
      const body = await json(res)
      expect(res.status, other).toBe(401)
      expect(body.error_description, other).toMatch(/must use client_secret_basic or client_secret_post/)
    }
  })

  /** @see issue 8 */
  it('RFC 6749 §5.2: a wrong secret with an accepted method stays a plain invalid_client, naming no method', async () => {
    const res = await send(PATHS.token, clientCredentials, await credentialsFor('client_secret_post', 'ca-secret', `${EITHER_SECRET}x`))
    const body = await json(res)
    expect(res.status).toBe(401)
    expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' })
  })
})

describe('private_key_jwt (RFC 7523 §3)', () => {
  const withAssertion = async (value: string | Promise<string>, extra: Record<string, string> = {}) =>
    send(PATHS.token, { ...clientCredentials, ...extra }, { headers: {}, params: jwtParams(await value) })

  const expectRejected = async (value: string | Promise<string>, what: string, extra: Record<string, string> = {}) =>
    expectInvalidClient(await withAssertion(value, extra), false, what)

  it('RFC 7523 §3: an ES256-signed assertion authenticates the client', async () => {
    const res = await withAssertion(assertion('ca-jwt', { key: es256 }))
    expect(res.status, JSON.stringify(await json(res.clone()))).toBe(200)
  })

  it('RFC 7523 §3: an RS256-signed assertion authenticates the client', async () => {
    const res = await withAssertion(assertion('ca-jwt', { key: rs256 }))
    expect(res.status, JSON.stringify(await json(res.clone()))).toBe(200)
  })

  it('RFC 7523 §3: the audience may be the issuer or the token endpoint URL, and client_id may accompany the assertion', async () => {
    for (const aud of [s.url, endpoint(PATHS.token), [endpoint(PATHS.token), 'https://other.example']]) {
      const res = await withAssertion(assertion('ca-jwt', { aud }))
      expect(res.status, `aud ${JSON.stringify(aud)}`).toBe(200)
    }
    expect((await withAssertion(assertion('ca-jwt'), { client_id: 'ca-jwt' })).status).toBe(200)
  })

  it('RFC 7523 §3: a replayed client assertion jti is rejected', async () => {
    const once = await assertion('ca-jwt')
    expect((await withAssertion(once)).status).toBe(200)
    await expectRejected(once, 'the same assertion again')
    // A new signature does not launder a used jti.
    const jti = randomUUID()
    expect((await withAssertion(assertion('ca-jwt', { jti }))).status).toBe(200)
    await expectRejected(assertion('ca-jwt', { jti, key: rs256 }), 'a re-signed assertion with a used jti')
  })

  it('RFC 7523 §3: an assertion for another audience is rejected', async () => {
    for (const aud of ['https://evil.example/token', endpoint(PATHS.userinfo), `${s.url}.evil.example`]) await expectRejected(assertion('ca-jwt', { aud }), `aud ${aud}`)
    await expectRejected(assertion('ca-jwt', { aud: null }), 'no aud')
  })

  it('RFC 7523 §3: an expired assertion is rejected', async () => {
    await expectRejected(assertion('ca-jwt', { expiresIn: -120 }), 'expired two minutes ago')
  })

  it('RFC 7523 §3: an assertion without exp is rejected', async () => {
    await expectRejected(assertion('ca-jwt', { expiresIn: null }), 'no exp')
  })

  it('RFC 7523 §3: an assertion valid for unreasonably long is rejected', async () => {
    await expectRejected(assertion('ca-jwt', { expiresIn: 24 * 3600 }), 'exp in a day')
  })

  it('RFC 7523 §3: an assertion not yet valid (nbf) is rejected', async () => {
    await expectRejected(assertion('ca-jwt', { nbf: Math.floor(Date.now() / 1000) + 600 }), 'nbf in ten minutes')
  })

  it('OIDC Core §9: an assertion without jti is rejected', async () => {
    await expectRejected(assertion('ca-jwt', { jti: null }), 'no jti')
  })

  it('RFC 7523 §3, OIDC Core §9: an assertion whose iss is not its sub is rejected', async () => {
    await expectRejected(assertion('ca-jwt', { iss: 'someone-else' }), 'iss someone-else')
    await expectRejected(assertion('ca-jwt', { iss: 'ca-basic' }), 'iss another registered client')
  })

  it('RFC 7523 §3: a client_id that differs from the assertion sub is rejected', async () => {
    await expectRejected(assertion('ca-jwt'), 'client_id ca-post', { client_id: 'ca-post' })
  })

  it('RFC 7523 §3: an HS256 assertion signed with a shared string is rejected', async () => {
    const now = Math.floor(Date.now() / 1000)
    for (const secret of ['ca-jwt', JSON.stringify(es256.jwk), BASIC_SECRET]) {
      const hs = await new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256', kid: 'es-1' })
        .setIssuer('ca-jwt')
        .setSubject('ca-jwt')
        .setAudience(endpoint(PATHS.token))
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(new TextEncoder().encode(secret))
      await expectRejected(hs, `HS256 with ${secret.slice(0, 12)}…`)
    }
  })

  it('RFC 7523 §3, RFC 8725 §3.1: an unsigned (alg none) assertion is rejected', async () => {
    const now = Math.floor(Date.now() / 1000)
    const none = new UnsecuredJWT({ jti: randomUUID() })
      .setIssuer('ca-jwt')
      .setSubject('ca-jwt')
      .setAudience(endpoint(PATHS.token))
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .encode()
    await expectRejected(none, 'alg none')
    // The same with a fake signature part appended.
    await expectRejected(`${none}c2lnbmF0dXJl`, 'alg none with a signature')
  })

  it('RFC 7523 §3: an assertion signed by an unregistered key is rejected, even with a registered kid', async () => {
    await expectRejected(assertion('ca-jwt', { key: rogue }), 'rogue key with kid es-1')
  })

  it('RFC 7523 §3: an assertion naming a client not registered for private_key_jwt is rejected', async () => {
    // Signed with ca-jwt's real key, but iss/sub ca-basic: ca-basic authenticates with a secret.
    await expectRejected(assertion('ca-basic'), 'assertion for ca-basic')
  })
})
