/**
 * The contract every adapter keeps (hono's `*.case.test.ts` idea): the same cases run over
 * Express, Fastify and Hono, each serving the same routes on an ephemeral port. Tokens are real:
 * a Latch server issues them (client credentials as `service`), and a JWKS server this file
 * controls publishes keys for forged tokens. Every negative case asserts the status, the
 * `WWW-Authenticate` challenge and the body.
 *
 * Two mounts per app: `/a` is guarded by a verifier of the Latch issuer (discovery, JWKS,
 * introspection with the API's own client credentials), `/f` by a verifier of the controlled
 * issuer (`jwksUri` given), `/d` by one whose JWKS is unreachable, `/w` by one whose JWKS
 * publishes a key jose refuses (RSA, 1024 bits). Time is injected (the verifiers' `now` option):
 * `/a` reads Latch's own manual clock, so issuer and API agree on the time, and `/f` reads the real
 * time plus an offset the tests move, so cooldowns end without sleeping.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
import { exportJWK, exportSPKI, importJWK, SignJWT, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier } from '../src/verifier.js'
import { ManualClock } from '../../server/src/lib/clock.js'
import { API_SECRET, baseTestConfig, serviceToken, startServer, userToken, type TestServer } from '../../server/test/helpers.js'
import {
  ADAPTERS,
  accessClaims,
  API,
  b64json,
  bearer,
  formPost,
  FORM_ROUTE,
  get,
  latchToken,
  OTHER_API,
  rawGet,
  revoke,
  sign,
  signingKey,
  SkewedClock,
  startJwksServer,
  weakRsaKey,
  type Answer,
  type JwksServer,
  type RunningApp,
  type SigningKey,
} from './support.js'

const REALM = `Bearer realm="${API}"`
/** JWKS cooldown of the `/f` verifier (the default): the requests inside it never outlast it. */
const FORGE_COOLDOWN = 30

let latch: TestServer
let clock: ManualClock
let jwks: JwksServer
let forgeKey: SigningKey
let forgeIssuer: string
let weakKey: ReturnType<typeof weakRsaKey>

beforeAll(async () => {
  clock = new ManualClock()
  latch = await startServer(
    {
      resources: [
        { identifier: API, scopes: ['read:data', 'write:data', 'read:organization:acme', 'read:organization:globex'] },
        { identifier: OTHER_API, scopes: ['read:data'] },
      ],
      scopes: [...baseTestConfig.scopes, { name: 'read:organization:acme', description: 'Read Acme' }, { name: 'read:organization:globex', description: 'Read Globex' }],
      // Client credentials per organization: `service` may ask for tokens of acme or globex.
      organizations: [
        { id: 'acme', name: 'Acme Corp' },
        { id: 'globex', name: 'Globex Corporation' },
      ],
      clients: baseTestConfig.clients.map((c) =>
        c.client_id === 'service' ? { ...c, scope: 'read:data write:data read:organization:acme read:organization:globex', resources: [API, OTHER_API], organizations: ['acme', 'globex'] } : c,
      ),
      // A rotated-in key signs 1 s after it is published (not the derived 6 minutes): the rotation
      // test moves Latch's clock to that moment, and tokens "issued" minutes ahead of the real
      // clock would rightly be refused (RFC 7519 §4.1.6).
      tokens: { key_activation_delay: 1 },
    },
    { clock },
  )
  forgeKey = await signingKey('forge-1')
  jwks = await startJwksServer([forgeKey.publicJwk])
  forgeIssuer = jwks.url
  weakKey = weakRsaKey('weak-1')
  jwks.routes['/weak-jwks'] = () => ({ status: 200, body: { keys: [weakKey.publicJwk] } })
})

afterAll(async () => {
  await jwks?.close()
  await latch?.close()
})

/** Asserts an RFC 6750 §3 error answer: status, challenge with `error`, JSON body. */
function expectBearerError(res: Answer, status: number, error: string): Record<string, unknown> {
  expect(res.status).toBe(status)
  expect(res.www).toMatch(new RegExp(`^Bearer realm="${API}", error="${error}", error_description="[^"]+"`))
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  const body = res.json()
  expect(body).toEqual({ error, error_description: expect.any(String) })
  expect(res.www).toContain(`error_description="${body.error_description as string}"`)
  return body
}

function expectInvalidToken(res: Answer, token?: string): void {
  const body = expectBearerError(res, 401, 'invalid_token')
  // Generic, non-leaky description: never the token, never which check failed.
  expect(body.error_description).toMatch(/^the access token (is invalid|expired|is no longer active)$/)
  if (token) expect(res.body + (res.www ?? '')).not.toContain(token.split('.')[1] ?? token)
}

for (const adapter of ADAPTERS) {
  describe(`${adapter.name} adapter`, () => {
    let app: RunningApp
    let a: string
    let f: string
    const forgeClock = new SkewedClock()

    beforeAll(async () => {
      const latchVerifier = createVerifier({
        issuer: latch.url,
        audience: API,
        jwksCooldown: 1,
        introspection: { clientId: API, clientSecret: API_SECRET },
        now: () => clock.now() * 1000,
      })
      const forgeVerifier = createVerifier({ issuer: forgeIssuer, audience: API, jwksUri: `${jwks.url}/jwks`, jwksCooldown: FORGE_COOLDOWN, now: forgeClock.now })
      app = await adapter.start([
        { prefix: '/a', verifier: latchVerifier },
        { prefix: '/f', verifier: forgeVerifier },
        // An issuer whose JWKS cannot be fetched (nothing listens on port 1).
        { prefix: '/d', verifier: createVerifier({ issuer: forgeIssuer, audience: API, jwksUri: 'http://127.0.0.1:1/jwks' }) },
        // An issuer whose JWKS publishes an RSA key too short for jose.
        { prefix: '/w', verifier: createVerifier({ issuer: forgeIssuer, audience: API, jwksUri: `${jwks.url}/weak-jwks` }) },
      ])
      a = `${app.url}/a`
      f = `${app.url}/f`
    })

    afterAll(async () => {
      await app?.close()
    })

    // -------------------------------------------------------------------------------------------
    // Accepted
    // -------------------------------------------------------------------------------------------

    it('RFC 9068 §4: a Latch access token with the scope is accepted and its claims reach the handler', async () => {
      const token = await latchToken(latch.url, 'read:data')
      const res = await get(`${a}/data`, bearer(token))
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({ route: '/data', sub: 'service', client_id: 'service', scope: 'read:data' })
    })

    it('RFC 6750 §2.1: the scheme name is case-insensitive; a route without scopes needs only a valid token', async () => {
      const token = await latchToken(latch.url, 'write:data')
      const res = await get(`${a}/me`, `bearer ${token}`)
      expect(res.status).toBe(200)
      expect(res.json()).toMatchObject({ route: '/me', sub: 'service', scope: 'write:data' })
    })

    it('RFC 9068 §4: a token from a JWKS the verifier was pointed at directly (jwksUri) is accepted', async () => {
      const res = await get(`${f}/data`, bearer(await sign(forgeKey, accessClaims(forgeIssuer))))
      expect(res.status).toBe(200)
      expect(res.json()).toMatchObject({ sub: 'forged-user', client_id: 'forger' })
    })

    // -------------------------------------------------------------------------------------------
    // No token, malformed requests
    // -------------------------------------------------------------------------------------------

    it('RFC 6750 §3.1: no token gives 401 with the bare challenge, no error code and no body', async () => {
      const res = await get(`${a}/data`)
      expect(res.status).toBe(401)
      expect(res.www).toBe(REALM)
      expect(res.body).toBe('')
    })

    it('RFC 6750 §3.1: another authentication scheme (Basic) counts as no token', async () => {
      const res = await get(`${a}/data`, `Basic ${Buffer.from('service:secret').toString('base64')}`)
      expect(res.status).toBe(401)
      expect(res.www).toBe(REALM)
      expect(res.body).toBe('')
    })

    it('RFC 6750 §2.1, §3.1: "Bearer" with no token or bad b64token syntax is 400 invalid_request', async () => {
      for (const header of ['Bearer', 'Bearer a b', 'Bearer a"b', 'Bearer abc,def', 'Bearer =abc', 'Bearer\tabc']) {
        const res = await get(`${a}/data`, header)
        expectBearerError(res, 400, 'invalid_request')
      }
    })

    it('RFC 6750 §3.1: two Authorization headers are 400 invalid_request', async () => {
      const token = await latchToken(latch.url, 'read:data')
      const res = await rawGet(`${a}/data`, { authorization: [bearer(token), bearer(token)] })
      expect(res.status).toBe(400)
      expect(res.www).toMatch(new RegExp(`^${REALM}, error="invalid_request", error_description="[^"]+"$`))
      expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_request' })
    })

    it('RFC 6750 §2.3: a token in the query string is refused with 400 invalid_request, alone or beside the header', async () => {
      const token = await latchToken(latch.url, 'read:data')
      const alone = await get(`${a}/data?access_token=${token}`)
      expect(expectBearerError(alone, 400, 'invalid_request').error_description).toMatch(/Authorization header/)
      expect(alone.body).not.toContain(token)
      const both = await get(`${a}/data?access_token=${token}`, bearer(token))
      expect(expectBearerError(both, 400, 'invalid_request').error_description).toMatch(/more than one method/)
    })

    it('RFC 6750 §2.2, §3.1: an access_token in a form body is 400 invalid_request, alone or beside the header; the handler still reads the body', async () => {
      const token = await latchToken(latch.url, 'read:data')
      const both = await formPost(`${a}${FORM_ROUTE}`, `note=x&access_token=${token}`, bearer(token))
      expect(expectBearerError(both, 400, 'invalid_request').error_description).toMatch(/more than one method/)
      const alone = await formPost(`${a}${FORM_ROUTE}`, `access_token=${token}`)
      expect(expectBearerError(alone, 400, 'invalid_request').error_description).toMatch(/Authorization header/)
      expect(alone.body).not.toContain(token)
      const ok = await formPost(`${a}${FORM_ROUTE}`, 'note=hello&access=token', bearer(token))
      expect(ok.status).toBe(200)
      expect(ok.json()).toEqual({ route: FORM_ROUTE, sub: 'service', body: { note: 'hello', access: 'token' } })
    })

    // -------------------------------------------------------------------------------------------
    // Bad tokens: 401 invalid_token
    // -------------------------------------------------------------------------------------------

    it('RFC 6750 §3.1: a token that is not a JWT is 401 invalid_token, never 500', async () => {
      for (const token of ['not-a-jwt', 'a.b.c', 'eyJ.eyJ.', 'x'.repeat(4000)]) expectInvalidToken(await get(`${a}/data`, bearer(token)))
    })

    it('RFC 7515 §5.2: a token with a tampered payload is rejected', async () => {
      const token = await latchToken(latch.url, 'read:data')
      const [h, p, s] = token.split('.') as [string, string, string]
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
      const tampered = `${h}.${b64json({ ...payload, scope: 'read:data write:data' })}.${s}`
      expectInvalidToken(await get(`${a}/write`, bearer(tampered)), tampered)
    })

    it('RFC 7515 §5.2: a token with a tampered signature is rejected', async () => {
      const token = await latchToken(latch.url, 'read:data')
      const [h, p, s] = token.split('.') as [string, string, string]
      const bytes = Buffer.from(s, 'base64url')
      bytes[10] = (bytes[10] as number) ^ 0x01
      expectInvalidToken(await get(`${a}/data`, bearer(`${h}.${p}.${bytes.toString('base64url')}`)))
      expectInvalidToken(await get(`${a}/data`, bearer(`${h}.${p}.`)))
    })

    it('RFC 9068 §4 / RFC 7519 §4.1.4: an expired Latch token is rejected as expired', async () => {
      const now = clock.now()
      clock.set(now - 3600) // Latch issues a token an hour ago: it expired 45 minutes ago
      let token: string
      try {
        token = await latchToken(latch.url, 'read:data')
      } finally {
        clock.set(now)
      }
      const res = await get(`${a}/data`, bearer(token))
      expect(expectBearerError(res, 401, 'invalid_token').error_description).toBe('the access token expired')
    })

    it('RFC 7519 §4.1.5: a token not yet valid (nbf beyond the clock tolerance) is rejected; within tolerance it passes', async () => {
      const now = Math.floor(Date.now() / 1000)
      expectInvalidToken(await get(`${f}/data`, bearer(await sign(forgeKey, accessClaims(forgeIssuer, { nbf: now + 120 })))))
      const skewed = await get(`${f}/data`, bearer(await sign(forgeKey, accessClaims(forgeIssuer, { nbf: now + 2, exp: now - 2 + 300 }))))
      expect(skewed.status).toBe(200)
    })

    it('RFC 9068 §4 / RFC 8707: a Latch token for another resource (aud) is rejected', async () => {
      const token = await latchToken(latch.url, 'read:data', OTHER_API)
      expect(JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString())).toMatchObject({ aud: OTHER_API })
      expectInvalidToken(await get(`${a}/data`, bearer(token)), token)
    })

    it('RFC 9068 §4: a token from another issuer (iss), though signed by a published key, is rejected', async () => {
      const token = await sign(forgeKey, accessClaims('https://evil.example.com'))
      expectInvalidToken(await get(`${f}/data`, bearer(token)), token)
    })

    it('RFC 8725 §3.1: an unsigned token (alg "none") carrying valid Latch claims is rejected', async () => {
      const real = await latchToken(latch.url, 'read:data')
      const payload = real.split('.')[1] as string
      for (const alg of ['none', 'None', 'NONE']) {
        expectInvalidToken(await get(`${a}/data`, bearer(`${b64json({ alg, typ: 'at+jwt' })}.${payload}.`)))
      }
    })

    it('RFC 8725 §2.1, §3.1: an HS256 token whose secret is the issuer\'s public key is rejected (no RS/HS confusion)', async () => {
      const real = await latchToken(latch.url, 'read:data')
      const header = JSON.parse(Buffer.from(real.split('.')[0] as string, 'base64url').toString()) as { kid: string }
      const published = ((await (await fetch(`${latch.url}/jwks`)).json()) as { keys: JWK[] }).keys.find((k) => k.kid === header.kid) as JWK
      const publicKey = await importJWK(published, 'RS256', { extractable: true })
      const payload = JSON.parse(Buffer.from(real.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>
      const secrets = [
        new TextEncoder().encode(await exportSPKI(publicKey as CryptoKey)),
        new TextEncoder().encode(JSON.stringify(published)),
        new TextEncoder().encode(JSON.stringify(await exportJWK(publicKey))),
        Buffer.from(published.n as string, 'base64url'),
      ]
      for (const secret of secrets) {
        const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: header.kid }).sign(secret)
        expectInvalidToken(await get(`${a}/data`, bearer(forged)), forged)
      }
    })

    it('RFC 9068 §2.1, §4: an ID token presented as an access token is rejected (typ)', async () => {
      const { id_token } = await userToken(latch.url, { scope: 'openid profile' })
      expect(id_token).toBeTypeOf('string')
      expectInvalidToken(await get(`${a}/me`, bearer(id_token as string)))
      // Same issuer, same audience, valid signature, only the typ differs: still rejected.
      for (const typ of ['JWT', 'id_token+jwt', undefined]) {
        const token = await sign(forgeKey, accessClaims(forgeIssuer), { typ })
        expectInvalidToken(await get(`${f}/me`, bearer(token)), token)
      }
      expect((await get(`${f}/me`, bearer(await sign(forgeKey, accessClaims(forgeIssuer), { typ: 'application/at+jwt' })))).status).toBe(200)
    })

    it('RFC 9068 §2.2: a token missing a required claim (client_id, jti, sub) is rejected', async () => {
      for (const missing of ['client_id', 'jti', 'sub', 'iat', 'exp']) {
        const claims = accessClaims(forgeIssuer)
        delete claims[missing]
        expectInvalidToken(await get(`${f}/me`, bearer(await sign(forgeKey, claims))))
      }
      expectInvalidToken(await get(`${f}/me`, bearer(await sign(forgeKey, accessClaims(forgeIssuer, { client_id: 42 })))))
    })

    it('RFC 6749 §4.1.2.1: when the JWKS cannot be fetched the answer is 503 temporarily_unavailable, not 401', async () => {
      const res = await get(`${app.url}/d/data`, bearer(await sign(forgeKey, accessClaims(forgeIssuer))))
      expect(res.status).toBe(503)
      expect(res.www).toBeNull()
      expect(res.headers.get('retry-after')).toBe('5')
      expect(res.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'the authorization server could not be reached to check the access token' })
      // A missing token is still a 401: nothing had to be fetched to know that.
      expect((await get(`${app.url}/d/data`)).status).toBe(401)
    })

    it('RFC 7518 §3.3 / RFC 6749 §4.1.2.1: a published key jose refuses (RSA 1024 bits) is 503 temporarily_unavailable, never a 500', async () => {
      const token = weakKey.sign(accessClaims(forgeIssuer))
      for (let i = 0; i < 2; i++) {
        const res = await get(`${app.url}/w/data`, bearer(token))
        expect(res.status).toBe(503)
        expect(res.www).toBeNull()
        expect(res.headers.get('retry-after')).toBe('5')
        expect(res.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'the authorization server could not be reached to check the access token' })
      }
    })

    // -------------------------------------------------------------------------------------------
    // Keys: unknown kid, rotation
    // -------------------------------------------------------------------------------------------

    it('RFC 7517 §4.5: an unknown kid forces one JWKS refetch and fails; another inside the cooldown does not refetch', async () => {
      // Keys and tokens first: RSA key generation is slow and must not eat into the cooldown window.
      const known = await sign(forgeKey, accessClaims(forgeIssuer))
      const stranger = await sign(await signingKey('unknown-1'), accessClaims(forgeIssuer))
      const another = await sign(await signingKey('unknown-2'), accessClaims(forgeIssuer))
      expect((await get(`${f}/me`, bearer(known))).status).toBe(200) // JWKS loaded
      forgeClock.advance(FORGE_COOLDOWN + 1) // past the cooldown since that fetch
      const before = jwks.requests
      expectInvalidToken(await get(`${f}/me`, bearer(stranger)))
      expect(jwks.requests).toBe(before + 1)
      expectInvalidToken(await get(`${f}/me`, bearer(another)))
      expectInvalidToken(await get(`${f}/me`, bearer(stranger)))
      expect(jwks.requests).toBe(before + 1)
    })

    it('RFC 7517 §5 / OIDC Core §10.1.1: after a key rotation, a token with the new kid is accepted after one refetch', async () => {
      // A JWKS we control: the issuer publishes a new key and signs with it.
      const next = await signingKey(`rotated-${adapter.name}`)
      const signedByNext = await sign(next, accessClaims(forgeIssuer))
      jwks.keys.push(next.publicJwk)
      forgeClock.advance(FORGE_COOLDOWN + 1)
      const before = jwks.requests
      expect((await get(`${f}/me`, bearer(signedByNext))).status).toBe(200)
      expect(jwks.requests).toBe(before + 1)
      expect((await get(`${f}/me`, bearer(signedByNext))).status).toBe(200)
      expect(jwks.requests).toBe(before + 1) // now cached

      // Latch itself: rotate its signing key (what `latch keys rotate` does).
      const old = await latchToken(latch.url, 'read:data')
      expect((await get(`${a}/data`, bearer(old))).status).toBe(200)
      clock.advance(1)
      const { kid, activatesAt } = await latch.server.ctx.keystore.rotate()
      if (activatesAt > clock.now()) clock.set(activatesAt) // a key published ahead signs from then on
      const fresh = await latchToken(latch.url, 'read:data')
      expect(JSON.parse(Buffer.from(fresh.split('.')[0] as string, 'base64url').toString())).toMatchObject({ kid })
      clock.advance(1) // past the 1 s JWKS cooldown of `/a` (it reads Latch's clock)
      expect((await get(`${a}/data`, bearer(fresh))).status).toBe(200)
      expect((await get(`${a}/data`, bearer(old))).status).toBe(200) // the retired key stays published
    })

    // -------------------------------------------------------------------------------------------
    // Scopes: 403 insufficient_scope
    // -------------------------------------------------------------------------------------------

    it('RFC 6750 §3.1: a valid token without the route\'s scope is 403 insufficient_scope naming scope=', async () => {
      const token = await latchToken(latch.url, 'read:data')
      const res = await get(`${a}/write`, bearer(token))
      expectBearerError(res, 403, 'insufficient_scope')
      expect(res.www).toMatch(/, scope="write:data"$/)
    })

    it('RFC 6750 §3.1: "all of" lists need every scope; the challenge names them all', async () => {
      const one = await latchToken(latch.url, 'read:data')
      const res = await get(`${a}/both`, bearer(one))
      expectBearerError(res, 403, 'insufficient_scope')
      expect(res.www).toMatch(/, scope="read:data write:data"$/)
      const both = await latchToken(latch.url, 'write:data read:data')
      expect((await get(`${a}/both`, bearer(both))).status).toBe(200)
    })

    it('RFC 6749 §3.3: a scope is matched as a whole token, never as a prefix or substring', async () => {
      const token = await sign(forgeKey, accessClaims(forgeIssuer, { scope: 'read:data:extra xread:data write:dat' }))
      expectBearerError(await get(`${f}/data`, bearer(token)), 403, 'insufficient_scope')
      expectBearerError(await get(`${f}/write`, bearer(token)), 403, 'insufficient_scope')
      const noScope = await sign(forgeKey, accessClaims(forgeIssuer, { scope: undefined }))
      expectBearerError(await get(`${f}/data`, bearer(noScope)), 403, 'insufficient_scope')
    })

    it('RFC 6749 §3.3: a dynamic scope bound to a route parameter matches only that parameter\'s value', async () => {
      const token = await latchToken(latch.url, 'read:organization:acme')
      expect((await get(`${a}/orgs/acme/data`, bearer(token))).status).toBe(200)
      const other = await get(`${a}/orgs/globex/data`, bearer(token))
      expectBearerError(other, 403, 'insufficient_scope')
      expect(other.www).toMatch(/, scope="read:organization:globex"$/)
    })

    it('RFC 6749 §3.3: a parameter value that is not a scope-token (spaces, quotes) matches nothing and is not echoed', async () => {
      // The token holds both scopes an attacker might try to combine.
      const token = await sign(forgeKey, accessClaims(forgeIssuer, { scope: 'read:organization:x read:organization:acme read:organization:x%20read' }))
      expect((await get(`${f}/orgs/acme/data`, bearer(token))).status).toBe(200)
      for (const orgId of ['x read:organization:acme', 'acme read:organization:acme', 'acme ', ' acme', 'a"b', 'acme\\', 'x\u00e9']) {
        const res = await get(`${f}/orgs/${encodeURIComponent(orgId)}/data`, bearer(token))
        expectBearerError(res, 403, 'insufficient_scope')
        expect(res.www).toMatch(/, scope="read:organization:\{orgId\}"$/)
      }
    })

    // -------------------------------------------------------------------------------------------
    // Organizations: 403 insufficient_scope
    // -------------------------------------------------------------------------------------------

    const orgToken = (claims: Record<string, unknown>) => sign(forgeKey, accessClaims(forgeIssuer, { sub: 'alice', ...claims }))

    it('RFC 6750 §3.1: a token whose org_id is the route\'s organization passes; org_id and org_roles reach the handler', async () => {
      const token = await orgToken({ scope: 'read:organization:acme', org_id: 'acme', org_roles: ['member'] })
      const res = await get(`${f}/orgs/acme/records`, bearer(token))
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({ route: '/orgs/:orgId/records', sub: 'alice', client_id: 'forger', scope: 'read:organization:acme', org_id: 'acme', org_roles: ['member'] })
    })

    it('RFC 6750 §3.1: a token of organization A on a route of organization B is 403 insufficient_scope naming organization:B, even with B\'s scope', async () => {
      const token = await orgToken({ scope: 'read:organization:acme read:organization:globex', org_id: 'acme', org_roles: ['admin'] })
      const res = await get(`${f}/orgs/globex/records`, bearer(token))
      expect(expectBearerError(res, 403, 'insufficient_scope').error_description).toBe('the access token is not for this organization')
      expect(res.www).toMatch(/, scope="organization:globex read:organization:globex"$/)
      const settings = await get(`${f}/orgs/globex/settings`, bearer(token))
      expectBearerError(settings, 403, 'insufficient_scope')
      expect(settings.www).toMatch(/, scope="organization:globex"$/)
      // The scope-only route of the same shape does not look at org_id: the template scope decides.
      expect((await get(`${f}/orgs/globex/data`, bearer(token))).status).toBe(200)
    })

    it('RFC 6750 §3.1: a token without org_id (for no organization) is 403 insufficient_scope on an organization route', async () => {
      const token = await orgToken({ scope: 'read:organization:acme' })
      const res = await get(`${f}/orgs/acme/records`, bearer(token))
      expectBearerError(res, 403, 'insufficient_scope')
      expect(res.www).toMatch(/, scope="organization:acme read:organization:acme"$/)
    })

    it('RFC 6750 §3.1: orgRoles needs any one of the roles; without one (or without org_roles) the 403 names no scope', async () => {
      for (const roles of [['admin'], ['member', 'owner']]) {
        expect((await get(`${f}/orgs/acme/settings`, bearer(await orgToken({ org_id: 'acme', org_roles: roles })))).status, roles.join()).toBe(200)
      }
      for (const claims of [{ org_id: 'acme', org_roles: ['member'] }, { org_id: 'acme', org_roles: [] }, { org_id: 'acme' }]) {
        const res = await get(`${f}/orgs/acme/settings`, bearer(await orgToken(claims)))
        expect(expectBearerError(res, 403, 'insufficient_scope').error_description).toBe('the access token does not have an organization role this request requires')
        expect(res.www).toMatch(/, error_description="[^"]+"$/)
      }
    })

    it('RFC 6750 §3.1: a Latch token for organization acme (client credentials) reads acme\'s route, is refused on globex\'s, and has no org_roles for a role check', async () => {
      const { access_token: token } = await serviceToken(latch.url, { scope: 'read:organization:acme read:organization:globex', resource: API, organization: 'acme' })
      const ok = await get(`${a}/orgs/acme/records`, bearer(token))
      expect(ok.status).toBe(200)
      expect(ok.json()).toMatchObject({ sub: 'service', org_id: 'acme' })
      const other = await get(`${a}/orgs/globex/records`, bearer(token))
      expectBearerError(other, 403, 'insufficient_scope')
      expect(other.www).toMatch(/, scope="organization:globex read:organization:globex"$/)
      // Client-credentials tokens carry org_id only: a role check refuses them.
      expectBearerError(await get(`${a}/orgs/acme/settings`, bearer(token)), 403, 'insufficient_scope')
    })

    it('RFC 6749 §3.3: an organization parameter that is not a scope-token matches nothing and is not echoed', async () => {
      const token = await orgToken({ scope: 'read:organization:acme', org_id: 'acme', org_roles: ['admin'] })
      for (const orgId of ['acme ', 'acme organization:acme', 'a"b', 'x\u00e9']) {
        const res = await get(`${f}/orgs/${encodeURIComponent(orgId)}/records`, bearer(token))
        expectBearerError(res, 403, 'insufficient_scope')
        expect(res.www).toMatch(/, scope="organization:\{orgId\} read:organization:\{orgId\}"$/)
      }
    })

    it('RFC 8693 §4.1: organization and actor claims of the wrong type make the token invalid (401), never a 500', async () => {
      for (const claims of [{ org_id: ['acme'] }, { org_id: 42 }, { org_roles: 'admin' }, { org_roles: ['admin', 1] }, { act: 'svc' }, { act: ['svc'] }, { act: { sub: 7 } }, { act: { sub: 's', act: { sub: 1 } } }]) {
        expectInvalidToken(await get(`${f}/me`, bearer(await orgToken(claims))))
      }
      for (const act of [{ sub: 'svc', client_id: 'svc', act: { sub: 'gateway' } }, { client_id: 'svc' }]) {
        expect((await get(`${f}/me`, bearer(await orgToken({ act })))).status, JSON.stringify(act)).toBe(200)
      }
    })

    // -------------------------------------------------------------------------------------------
    // Introspection
    // -------------------------------------------------------------------------------------------

    it('RFC 7662 §2.2 / RFC 7009: a revoked token is rejected in introspection mode while JWT mode still accepts it', async () => {
      const token = await latchToken(latch.url, 'read:data')
      await revoke(latch.url, token)
      expect((await get(`${a}/data`, bearer(token))).status).toBe(200) // a JWT is valid until exp
      const res = await get(`${a}/revocable`, bearer(token))
      expect(expectBearerError(res, 401, 'invalid_token').error_description).toBe('the access token is no longer active')
    })

    it('RFC 7662 §4: an introspection answer is cached (30 s default): a token revoked after its check is still accepted within the TTL', async () => {
      const token = await latchToken(latch.url, 'read:data')
      expect((await get(`${a}/revocable`, bearer(token))).status).toBe(200)
      await revoke(latch.url, token)
      expect((await get(`${a}/revocable`, bearer(token))).status).toBe(200)
    })

    it('RFC 7662 §2 after RFC 9068 §4: introspection mode still checks the scope and the JWT itself', async () => {
      const token = await latchToken(latch.url, 'write:data')
      const res = await get(`${a}/revocable`, bearer(token))
      expectBearerError(res, 403, 'insufficient_scope')
      expectInvalidToken(await get(`${a}/revocable`, bearer(`${token.slice(0, -6)}AAAAAA`)))
    })

    // -------------------------------------------------------------------------------------------
    // Step-up authentication (RFC 9470)
    // -------------------------------------------------------------------------------------------

    it('RFC 9470 §3: a token whose acr does not satisfy the route is 401 insufficient_user_authentication with acr_values; mfa and a stronger phr pass', async () => {
      const token = (claims: Record<string, unknown>) => sign(forgeKey, accessClaims(forgeIssuer, { sub: 'alice', auth_time: Math.floor(forgeClock.now() / 1000), ...claims }))
      for (const weak of [{ acr: 'urn:latch:acr:1fa' }, {}, { acr: 'urn:other:gold' }, { acr: 7 }]) {
        const res = await get(`${f}/mfa`, bearer(await token(weak)))
        expect(expectBearerError(res, 401, 'insufficient_user_authentication').error_description).toBe('a stronger authentication of the user is required')
        expect(res.www).toBe(`${REALM}, error="insufficient_user_authentication", error_description="a stronger authentication of the user is required", acr_values="urn:latch:acr:mfa"`)
      }
      for (const strong of ['urn:latch:acr:mfa', 'urn:latch:acr:phr']) expect((await get(`${f}/mfa`, bearer(await token({ acr: strong })))).status).toBe(200)
    })

    it('RFC 9470 §3: a token whose auth_time is older than the route\'s max age (or absent) is 401 insufficient_user_authentication with max_age', async () => {
      const now = Math.floor(forgeClock.now() / 1000)
      const recent = await sign(forgeKey, accessClaims(forgeIssuer, { auth_time: now - 299 }))
      expect((await get(`${f}/recent`, bearer(recent))).status).toBe(200)
      for (const old of [{ auth_time: now - 301 }, {}]) {
        const res = await get(`${f}/recent`, bearer(await sign(forgeKey, accessClaims(forgeIssuer, old))))
        expectBearerError(res, 401, 'insufficient_user_authentication')
        expect(res.www).toBe(`${REALM}, error="insufficient_user_authentication", error_description="a more recent authentication of the user is required", max_age="300"`)
      }
      // An invalid token is still invalid_token first.
      expectInvalidToken(await get(`${f}/mfa`, bearer(await sign(forgeKey, accessClaims(forgeIssuer, { acr: 'urn:latch:acr:mfa', exp: now - 100 })))))
    })
  })
}
