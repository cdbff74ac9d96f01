/**
 * The framework-free verifier (verifier.ts) against real servers: Latch (discovery, JWKS,
 * introspection, tokens of every signing algorithm) and an authorization server under the test's
 * control (discovery documents, an introspection endpoint that counts its calls, JWKS outages).
 * The adapters' shared contract is in adapters.case.test.ts.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errors as joseErrors } from 'jose'
import { discover, wellKnownUrls } from '../src/discovery.js'
import { InvalidTokenError, TemporarilyUnavailableError } from '../src/errors.js'
import { createRouteAuth } from '../src/route-auth.js'
import { createVerifier, type Verifier } from '../src/verifier.js'
import { API_SECRET, startServer, userToken, type TestServer } from '../../server/test/helpers.js'
import { accessClaims, API, bearer, latchToken, revoke, sign, signingKey, SkewedClock, startJwksServer, weakRsaKey, type JwksServer, type SigningKey } from './support.js'

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

let latch: TestServer
beforeAll(async () => {
  latch = await startServer()
})
afterAll(async () => {
  await latch?.close()
})

describe('options', () => {
  const base = { issuer: 'https://auth.example.com', audience: API }

  it('createVerifier checks its options at construction (options.ts): a bad one is a TypeError naming it', () => {
    expect(() => createVerifier({ ...base, algorithms: ['HS256'] })).toThrow(/^createVerifier: algorithms /)
    expect(() => createVerifier({ ...base, jwksCooldown: 0 })).toThrow(TypeError)
    expect(() => createVerifier({ ...base, introspection: { clientId: API, clientSecret: '' } })).toThrow(/introspection.clientSecret/)
    expect(() => createVerifier({ ...base, now: () => 0 })).not.toThrow()
  })

  it('RFC 7662: a route asking for introspection without credentials is refused at definition', () => {
    expect(() => createRouteAuth(createVerifier(base), { introspect: true })).toThrow(/introspection/)
    expect(() => createRouteAuth(createVerifier(base), { scopes: ['read data'] })).toThrow(/scope token/)
  })

  it('RFC 6750 §3: the realm defaults to the (first) audience', () => {
    expect(createVerifier(base).realm).toBe(API)
    expect(createVerifier({ ...base, audience: ['https://a.example', 'https://b.example'] }).realm).toBe('https://a.example')
    expect(createVerifier({ ...base, realm: 'my api' }).realm).toBe('my api')
  })
})

describe('discovery', () => {
  let as: JwksServer
  beforeAll(async () => {
    as = await startJwksServer()
  })
  afterAll(async () => {
    await as?.close()
  })

  it('RFC 8414 §3.1: the well-known segment goes between host and path; OIDC Discovery §4 appends', () => {
    expect(wellKnownUrls('https://as.example.com')).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server',
      'https://as.example.com/.well-known/openid-configuration',
    ])
    expect(wellKnownUrls('https://as.example.com/tenant/1')).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server/tenant/1',
      'https://as.example.com/tenant/1/.well-known/openid-configuration',
    ])
  })

  it('RFC 8414 §3: Latch\'s metadata is found and names its jwks_uri and introspection_endpoint', async () => {
    const metadata = await discover(latch.url)
    expect(metadata).toMatchObject({ issuer: latch.url, jwks_uri: `${latch.url}/jwks`, introspection_endpoint: `${latch.url}/introspect` })
  })

  it('OIDC Discovery §4: without RFC 8414 metadata, /.well-known/openid-configuration is used', async () => {
    const issuer = `${as.url}/oidc-only`
    as.routes['/oidc-only/.well-known/openid-configuration'] = () => ({ status: 200, body: { issuer, jwks_uri: `${as.url}/jwks` } })
    const metadata = await discover(issuer)
    expect(metadata.jwks_uri).toBe(`${as.url}/jwks`)
    expect(as.hits['/.well-known/oauth-authorization-server/oidc-only']).toBe(1) // tried first, 404
  })

  it('RFC 8414 §3.3: metadata whose issuer differs from the configured one is refused (503), not used', async () => {
    const key = await signingKey('mismatch')
    as.keys.push(key.publicJwk)
    const issuer = `${as.url}/mismatch`
    as.routes['/.well-known/oauth-authorization-server/mismatch'] = () => ({ status: 200, body: { issuer: 'https://evil.example.com', jwks_uri: `${as.url}/jwks` } })
    const err = await rejection(discover(issuer))
    expect(err).toBeInstanceOf(TemporarilyUnavailableError)
    expect((err as TemporarilyUnavailableError).detail).toMatch(/RFC 8414 §3.3/)
    // Through a verifier: the token is not judged, and the keys are never fetched.
    const before = as.requests
    const verifier = createVerifier({ issuer, audience: API })
    expect(await rejection(verifier.verify(bearer(await sign(key, accessClaims(issuer)))))).toBeInstanceOf(TemporarilyUnavailableError)
    expect(as.requests).toBe(before)
  })

  it('RFC 8414 §3: discovery is fetched once per verifier and cached', async () => {
    const key = await signingKey('cached')
    as.keys.push(key.publicJwk)
    const issuer = `${as.url}/cached`
    as.routes['/.well-known/oauth-authorization-server/cached'] = () => ({ status: 200, body: { issuer, jwks_uri: `${as.url}/jwks` } })
    const verifier = createVerifier({ issuer, audience: API })
    for (let i = 0; i < 3; i++) await verifier.verify(bearer(await sign(key, accessClaims(issuer))))
    expect(as.hits['/.well-known/oauth-authorization-server/cached']).toBe(1)
  })

  it('RFC 8414 §2 / RFC 7662 §4: a discovered jwks_uri or introspection_endpoint that is not http(s) (data:, file:) is refused, so no key or secret goes there', async () => {
    const key = await signingKey('schemes')
    const jwks = `data:application/json,${encodeURIComponent(JSON.stringify({ keys: [key.publicJwk] }))}`
    for (const [name, doc] of [
      ['data-jwks', { jwks_uri: jwks }],
      ['file-introspect', { jwks_uri: `${as.url}/jwks`, introspection_endpoint: 'file:///etc/passwd' }],
    ] as const) {
      const issuer = `${as.url}/${name}`
      as.routes[`/.well-known/oauth-authorization-server/${name}`] = () => ({ status: 200, body: { issuer, ...doc } })
      const err = await rejection(discover(issuer))
      expect(err).toBeInstanceOf(TemporarilyUnavailableError)
      expect((err as TemporarilyUnavailableError).detail).toMatch(/is not an https: URL/)
    }
    // A token signed by the key the data: URL would have supplied is not judged.
    const issuer = `${as.url}/data-jwks`
    expect(await rejection(createVerifier({ issuer, audience: API }).verify(bearer(await sign(key, accessClaims(issuer)))))).toBeInstanceOf(TemporarilyUnavailableError)
  })

  it('RFC 8414 §3: metadata expires (its Cache-Control max-age, at most 1 h) and is discovered again; a changed jwks_uri is followed', async () => {
    const clock = new SkewedClock()
    const [k1, k2] = [await signingKey('moving-1'), await signingKey('moving-2')]
    as.routes['/keys-1'] = () => ({ status: 200, body: { keys: [k1.publicJwk] } })
    as.routes['/keys-2'] = () => ({ status: 200, body: { keys: [k2.publicJwk] } })
    const issuer = `${as.url}/moving`
    let jwksPath = '/keys-1'
    let up = true
    as.routes['/.well-known/oauth-authorization-server/moving'] = () =>
      up ? { status: 200, body: { issuer, jwks_uri: `${as.url}${jwksPath}` }, headers: { 'cache-control': 'max-age=60' } } : { status: 500, body: {} }
    as.routes['/moving/.well-known/openid-configuration'] = () => ({ status: 500, body: {} })
    const verifier = createVerifier({ issuer, audience: API, now: clock.now })
    const t1 = await sign(k1, accessClaims(issuer))
    const t2 = await sign(k2, accessClaims(issuer))
    expect((await verifier.verify(bearer(t1))).iss).toBe(issuer)
    expect(as.hits['/.well-known/oauth-authorization-server/moving']).toBe(1)

    jwksPath = '/keys-2'
    clock.advance(30) // within max-age=60: the metadata (and its jwks_uri) is kept
    expect((await verifier.verify(bearer(t1))).iss).toBe(issuer)
    expect(as.hits['/.well-known/oauth-authorization-server/moving']).toBe(1)
    clock.advance(31)
    expect((await verifier.verify(bearer(t2))).iss).toBe(issuer)
    expect(as.hits['/.well-known/oauth-authorization-server/moving']).toBe(2)
    expect(as.hits['/keys-2']).toBe(1)

    // A failed re-discovery keeps the last good metadata: tokens keep verifying.
    up = false
    clock.advance(61)
    expect((await verifier.verify(bearer(t2))).iss).toBe(issuer)
    expect(as.hits['/.well-known/oauth-authorization-server/moving']).toBe(3)
  })

  it('RFC 8414 §3 / issue: metadata without a jwks_uri is a 503 and discovered again after the retry delay, not kept until a restart', async () => {
    const key = await signingKey('late-jwks')
    as.routes['/late-keys'] = () => ({ status: 200, body: { keys: [key.publicJwk] } })
    const issuer = `${as.url}/late`
    let complete = false
    as.routes['/.well-known/oauth-authorization-server/late'] = () => ({ status: 200, body: { issuer, ...(complete && { jwks_uri: `${as.url}/late-keys` }) } })
    const clock = new SkewedClock()
    const verifier = createVerifier({ issuer, audience: API, now: clock.now }) // retry delay: 5 s
    const token = await sign(key, accessClaims(issuer))
    const err = await rejection(verifier.verify(bearer(token)))
    expect(err).toBeInstanceOf(TemporarilyUnavailableError)
    expect((err as TemporarilyUnavailableError).detail).toMatch(/no jwks_uri/)
    complete = true
    clock.advance(3)
    expect(await rejection(verifier.verify(bearer(token)))).toBeInstanceOf(TemporarilyUnavailableError) // within the retry delay
    expect(as.hits['/.well-known/oauth-authorization-server/late']).toBe(1)
    clock.advance(3)
    expect((await verifier.verify(bearer(token))).iss).toBe(issuer)
    expect(as.hits['/.well-known/oauth-authorization-server/late']).toBe(2)
  })

  it('a discovery failure is remembered for the cooldown (no hammering), then retried', async () => {
    const issuer = `${as.url}/flaky`
    let up = false
    as.routes['/.well-known/oauth-authorization-server/flaky'] = () => (up ? { status: 200, body: { issuer, jwks_uri: `${as.url}/jwks` } } : { status: 500, body: {} })
    as.routes['/flaky/.well-known/openid-configuration'] = () => ({ status: 500, body: {} })
    const clock = new SkewedClock()
    const verifier = createVerifier({ issuer, audience: API, now: clock.now }) // retry delay: 5 s
    expect(await rejection(verifier.discover())).toBeInstanceOf(TemporarilyUnavailableError)
    up = true
    clock.advance(3)
    expect(await rejection(verifier.discover())).toBeInstanceOf(TemporarilyUnavailableError)
    expect(as.hits['/.well-known/oauth-authorization-server/flaky']).toBe(1)
    clock.advance(3)
    expect((await verifier.discover()).issuer).toBe(issuer)
  })
})

describe('JWT access tokens from Latch', () => {
  it('RFC 9068 §2.1, §4: a real ID token with the right issuer and audience is still refused: its typ is not at+jwt', async () => {
    const { id_token } = await userToken(latch.url, { scope: 'openid' })
    // An API whose audience is the ID token's (the client "web"): only typ tells them apart.
    const verifier = createVerifier({ issuer: latch.url, audience: 'web' })
    const err = await rejection(verifier.verify(bearer(id_token as string)))
    expect(err).toBeInstanceOf(InvalidTokenError)
    expect(err.cause).toBeInstanceOf(joseErrors.JWTClaimValidationFailed)
    expect((err.cause as joseErrors.JWTClaimValidationFailed).claim).toBe('typ')
  })

  it('RFC 8725 §3.1: an algorithm outside the allow-list is refused even with a valid signature', async () => {
    const token = await latchToken(latch.url, 'read:data')
    const err = await rejection(createVerifier({ issuer: latch.url, audience: API, algorithms: ['ES256'] }).verify(bearer(token)))
    expect(err).toBeInstanceOf(InvalidTokenError)
    expect((err as InvalidTokenError).detail).toBe('ERR_JOSE_ALG_NOT_ALLOWED')
    expect((await createVerifier({ issuer: latch.url, audience: API }).verify(bearer(token))).client_id).toBe('service')
  })

  for (const alg of ['ES256', 'PS256', 'EdDSA'] as const) {
    it(`RFC 9068 §4: Latch tokens signed with ${alg} verify with the default allow-list`, async () => {
      const other = await startServer({ tokens: { signing_alg: alg } })
      try {
        const token = await latchToken(other.url, 'read:data write:data')
        expect(JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString())).toMatchObject({ alg, typ: 'at+jwt' })
        const claims = await createVerifier({ issuer: other.url, audience: API }).verify(bearer(token))
        expect(claims).toMatchObject({ iss: other.url, aud: API, sub: 'service', client_id: 'service', scope: 'read:data write:data' })
      } finally {
        await other.close()
      }
    })
  }

  it('RFC 9068 §4: a token is checked against the configured audience list (any one matches)', async () => {
    const token = await latchToken(latch.url, 'read:data')
    expect((await createVerifier({ issuer: latch.url, audience: ['https://x.example', API] }).verify(bearer(token))).aud).toBe(API)
    expect(await rejection(createVerifier({ issuer: latch.url, audience: ['https://x.example'] }).verify(bearer(token)))).toBeInstanceOf(InvalidTokenError)
  })
})

describe('JWKS', () => {
  let as: JwksServer
  let key: SigningKey
  beforeAll(async () => {
    key = await signingKey('k')
    as = await startJwksServer([key.publicJwk])
  })
  afterAll(async () => {
    await as?.close()
  })

  it('RFC 7517 §5: the JWKS is fetched once and cached across tokens', async () => {
    const verifier = createVerifier({ issuer: as.url, audience: API, jwksUri: `${as.url}/jwks` })
    const before = as.requests
    for (let i = 0; i < 5; i++) await verifier.verify(bearer(await sign(key, accessClaims(as.url))))
    expect(as.requests).toBe(before + 1)
  })

  it('RFC 7517 §5 / issue: a failing JWKS is fetched at most once per 5 s, whatever the requests carry (junk tokens included)', async () => {
    as.routes['/jwks-down'] = () => ({ status: 500, body: {} })
    const verifier = createVerifier({ issuer: as.url, audience: API, jwksUri: `${as.url}/jwks-down` })
    const tokens = ['eyJhbGciOiJSUzI1NiJ9.e30.AA', await sign(key, accessClaims(as.url)), await sign(await signingKey('other'), accessClaims(as.url))]
    for (let i = 0; i < 3; i++) {
      for (const token of tokens) expect(await rejection(verifier.verify(bearer(token)))).toBeInstanceOf(TemporarilyUnavailableError)
    }
    expect(as.hits['/jwks-down']).toBe(1)
  })

  it('RFC 7517 §5 / RFC 5861 §4: once the cached JWKS is stale, an outage of the JWKS does not reject valid tokens: the last good keys keep verifying', async () => {
    let status = 200
    as.routes['/jwks-flaky'] = () => ({ status, body: { keys: [key.publicJwk] } })
    const clock = new SkewedClock()
    const verifier = createVerifier({ issuer: as.url, audience: API, jwksUri: `${as.url}/jwks-flaky`, jwksCacheMaxAge: 60, now: clock.now })
    const token = await sign(key, accessClaims(as.url))
    expect((await verifier.verify(bearer(token))).sub).toBe('forged-user')
    status = 500
    clock.advance(30) // fresh: not fetched
    expect((await verifier.verify(bearer(token))).sub).toBe('forged-user')
    expect(as.hits['/jwks-flaky']).toBe(1)
    clock.advance(31) // stale
    expect((await verifier.verify(bearer(token))).sub).toBe('forged-user')
    expect((await verifier.verify(bearer(token))).sub).toBe('forged-user')
    expect(as.hits['/jwks-flaky']).toBe(2) // one refetch, failed and remembered
  })

  it('RFC 7518 §3.3: a published key jose refuses (RSA under 2048 bits, a malformed modulus) is 503 with the reason in detail, never an unknown error', async () => {
    const weak = weakRsaKey('weak')
    const malformed = { kty: 'RSA', kid: 'weak', alg: 'RS256', n: 'AA', e: 'AQAB' }
    for (const [path, jwk] of [['/jwks-weak', weak.publicJwk], ['/jwks-malformed', malformed]] as const) {
      as.routes[path] = () => ({ status: 200, body: { keys: [jwk] } })
      const err = await rejection(createVerifier({ issuer: as.url, audience: API, jwksUri: `${as.url}${path}` }).verify(bearer(weak.sign(accessClaims(as.url)))))
      expect(err, path).toBeInstanceOf(TemporarilyUnavailableError)
      expect((err as TemporarilyUnavailableError).detail).toMatch(/^the key set cannot be used: TypeError: .*2048/)
      expect(err.cause).toBeInstanceOf(TypeError)
    }
  })

  it('RFC 7519 §4.1.6: a token issued in the future (iat beyond the clock tolerance) is rejected; within the tolerance it passes', async () => {
    const verifier = createVerifier({ issuer: as.url, audience: API, jwksUri: `${as.url}/jwks` })
    const now = Math.floor(Date.now() / 1000)
    const err = await rejection(verifier.verify(bearer(await sign(key, accessClaims(as.url, { iat: now + 120, exp: now + 600 })))))
    expect(err).toBeInstanceOf(InvalidTokenError)
    expect((err.cause as joseErrors.JWTClaimValidationFailed).claim).toBe('iat')
    expect((await verifier.verify(bearer(await sign(key, accessClaims(as.url, { iat: now + 2 }))))).sub).toBe('forged-user')
  })

  it('RFC 7519 §4.1.4, §4.1.5: exp and nbf are judged by the verifier\'s clock (the `now` option, jose\'s currentDate), with the clock tolerance', async () => {
    // A clock that stands still between advances, half way through a second: on a real-time clock
    // the edges below (exp + 4 s accepted, exp + 6 s refused) moved with the test's own run time and
    // its start's fraction of a second, so a slow CI run sometimes crossed the 5 s tolerance early.
    const start = Math.floor(Date.now() / 1000) * 1000 + 500
    let offsetMs = 0
    const clock = { now: () => start + offsetMs, advance: (seconds: number) => void (offsetMs += seconds * 1000) }
    const verifier = createVerifier({ issuer: as.url, audience: API, jwksUri: `${as.url}/jwks`, now: clock.now })
    const now = Math.floor(clock.now() / 1000)
    const token = await sign(key, accessClaims(as.url, { iat: now, nbf: now + 60, exp: now + 300 }))
    expect((await rejection(verifier.verify(bearer(token)))).cause).toBeInstanceOf(joseErrors.JWTClaimValidationFailed) // not yet valid
    clock.advance(60)
    expect((await verifier.verify(bearer(token))).sub).toBe('forged-user')
    clock.advance(240 + 4) // past exp, within the 5 s tolerance
    expect((await verifier.verify(bearer(token))).sub).toBe('forged-user')
    clock.advance(2)
    const err = await rejection(verifier.verify(bearer(token)))
    expect(err).toBeInstanceOf(InvalidTokenError)
    expect(err.message).toBe('the access token expired')
  })

  it('RFC 6749 §4.1.2.1: a JWKS answering 500 or non-JSON is 503 temporarily_unavailable, never invalid_token', async () => {
    const token = await sign(key, accessClaims(as.url))
    as.status = 500
    try {
      const err = await rejection(createVerifier({ issuer: as.url, audience: API, jwksUri: `${as.url}/jwks` }).verify(bearer(token)))
      expect(err).toBeInstanceOf(TemporarilyUnavailableError)
      expect((err as TemporarilyUnavailableError).detail).toMatch(/HTTP 500/)
    } finally {
      as.status = 200
    }
    as.routes['/not-json'] = () => ({ status: 200, body: 'not json' })
    expect(await rejection(createVerifier({ issuer: as.url, audience: API, jwksUri: `${as.url}/not-json` }).verify(bearer(token)))).toBeInstanceOf(TemporarilyUnavailableError)
    as.routes['/not-a-jwks'] = () => ({ status: 200, body: { keys: 'nope' } })
    expect(await rejection(createVerifier({ issuer: as.url, audience: API, jwksUri: `${as.url}/not-a-jwks` }).verify(bearer(token)))).toBeInstanceOf(TemporarilyUnavailableError)
  })
})

describe('introspection', () => {
  let as: JwksServer
  let key: SigningKey
  let active: boolean | string
  beforeAll(async () => {
    key = await signingKey('k')
    as = await startJwksServer([key.publicJwk])
    as.routes['/introspect'] = () => ({ status: 200, body: { active } })
  })
  afterAll(async () => {
    await as?.close()
  })

  function verifier(cacheTtl?: number): Verifier {
    return createVerifier({
      issuer: as.url,
      audience: API,
      jwksUri: `${as.url}/jwks`,
      introspection: { clientId: 'https://api.example.com', clientSecret: 'se cret:&=', endpoint: `${as.url}/introspect`, ...(cacheTtl !== undefined && { cacheTtl }) },
    })
  }

  it('RFC 7662 §2.1: POST token and token_type_hint, client_secret_basic with form-urlencoded credentials (RFC 6749 §2.3.1)', async () => {
    active = true
    const token = await sign(key, accessClaims(as.url))
    as.received['/introspect'] = []
    await verifier().verify(bearer(token), { introspect: true })
    const [req] = as.received['/introspect'] ?? []
    expect(req?.method).toBe('POST')
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(Object.fromEntries(new URLSearchParams(req?.body))).toEqual({ token, token_type_hint: 'access_token' })
    const expected = `Basic ${Buffer.from(`${encodeURIComponent('https://api.example.com')}:${encodeURIComponent('se cret:&=').replace(/%20/g, '+')}`).toString('base64')}`
    expect(req?.headers.authorization).toBe(expected)
  })

  it('RFC 7662 §4: answers are cached by token; concurrent checks of one token share one request', async () => {
    active = true
    const v = verifier()
    const token = await sign(key, accessClaims(as.url))
    const before = as.hits['/introspect'] ?? 0
    await Promise.all([1, 2, 3, 4].map(() => v.verify(bearer(token), { introspect: true })))
    await v.verify(bearer(token), { introspect: true })
    expect(as.hits['/introspect']).toBe(before + 1)
    // Another token is another question.
    await v.verify(bearer(await sign(key, accessClaims(as.url))), { introspect: true })
    expect(as.hits['/introspect']).toBe(before + 2)
  })

  it('RFC 7662 §4: with cacheTtl 0 every check asks', async () => {
    active = true
    const v = verifier(0)
    const token = await sign(key, accessClaims(as.url))
    const before = as.hits['/introspect'] ?? 0
    await v.verify(bearer(token), { introspect: true })
    await v.verify(bearer(token), { introspect: true })
    expect(as.hits['/introspect']).toBe(before + 2)
  })

  it('RFC 7662 §2.2: active=false is invalid_token; an answer without a boolean active is 503', async () => {
    active = false
    expect(await rejection(verifier().verify(bearer(await sign(key, accessClaims(as.url))), { introspect: true }))).toBeInstanceOf(InvalidTokenError)
    active = 'true'
    expect(await rejection(verifier().verify(bearer(await sign(key, accessClaims(as.url))), { introspect: true }))).toBeInstanceOf(TemporarilyUnavailableError)
  })

  it('RFC 7662 §2.1: a forged token is refused locally, without asking the introspection endpoint', async () => {
    active = true
    const before = as.hits['/introspect'] ?? 0
    const stranger = await signingKey('k') // same kid, other key: the signature fails
    expect(await rejection(verifier().verify(bearer(await sign(stranger, accessClaims(as.url))), { introspect: true }))).toBeInstanceOf(InvalidTokenError)
    expect(as.hits['/introspect'] ?? 0).toBe(before)
  })

  it('RFC 7662 §2.2 with Latch: a revoked token is inactive once the cache entry ends (TTL 30 s, the default)', async () => {
    const clock = new SkewedClock()
    const v = createVerifier({ issuer: latch.url, audience: API, introspection: { clientId: API, clientSecret: API_SECRET }, now: clock.now })
    const token = await latchToken(latch.url, 'read:data')
    expect((await v.verify(bearer(token), { introspect: true })).sub).toBe('service')
    await revoke(latch.url, token)
    expect((await v.verify(bearer(token), { introspect: true })).sub).toBe('service') // cached
    clock.advance(31)
    expect(await rejection(v.verify(bearer(token), { introspect: true }))).toBeInstanceOf(InvalidTokenError)
    expect((await v.verify(bearer(token))).sub).toBe('service') // JWT mode cannot know
  })

  it('RFC 7662 §2.1 with Latch: wrong API credentials are a 503 (misconfiguration), never "token invalid", and the secret is not in the error', async () => {
    const v = createVerifier({ issuer: latch.url, audience: API, introspection: { clientId: API, clientSecret: 'wrong-secret-0123456789abcdef0123456789' } })
    const err = await rejection(v.verify(bearer(await latchToken(latch.url, 'read:data')), { introspect: true }))
    expect(err).toBeInstanceOf(TemporarilyUnavailableError)
    expect((err as TemporarilyUnavailableError).detail).toMatch(/HTTP 401/)
    expect(`${err.message} ${(err as TemporarilyUnavailableError).detail}`).not.toContain('wrong-secret')
  })
})
