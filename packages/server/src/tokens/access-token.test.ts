import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { SIGNING_ALGS, type SigningAlg } from '../config/schema.js'
import { Keystore } from '../keys/keystore.js'
import { ManualClock } from '../lib/clock.js'
import { memoryKeys } from '../../test/support/memory-keys.js'
import { issueAccessToken, type TokenContext } from './access-token.js'

const ISSUER = 'https://issuer.example'
const API = 'https://api.example.com'
const TTL = 900


const clock = new ManualClock(1_700_000_000)
const keystores = {} as Record<SigningAlg, Keystore>
beforeAll(async () => {
  for (const alg of SIGNING_ALGS) {
    keystores[alg] = await Keystore.open({ ...memoryKeys(), secret: 'access-token-test-secret-0123456789abcdef', alg, clock, retiredKeyGrace: 3600 })
  }
})

const ctx = (alg: SigningAlg): TokenContext => ({ keystore: keystores[alg], issuer: ISSUER, clock, ttl: TTL })
const userClaims = { sub: 'user-1', client_id: 'demo-web', scope: 'openid read:data', aud: API, auth_time: 1_699_999_000 }

/** Verification exactly as a resource server does it: jose, the published JWKS, typ at+jwt (RFC 9068 §4). */
async function verifyAsResourceServer(alg: SigningAlg, token: string) {
  return jwtVerify(token, createLocalJWKSet(keystores[alg].jwks()), {
    issuer: ISSUER,
    audience: API,
    typ: 'at+jwt',
    algorithms: [alg],
    currentDate: new Date(clock.now() * 1000),
  })
}

describe.each(SIGNING_ALGS)('issueAccessToken %s', (alg) => {
  it('RFC 9068 §4: verifies with jose against the keystore’s JWKS', async () => {
    const { token } = issueAccessToken(ctx(alg), userClaims)
    await expect(verifyAsResourceServer(alg, token)).resolves.toBeTruthy()
    await expect(keystores[alg].verify(token, { issuer: ISSUER, audience: API, typ: 'at+jwt' })).resolves.toBeTruthy()
  })

  it('RFC 9068 §2.1: header typ is at+jwt, with the alg and kid of the active key', async () => {
    const { token } = issueAccessToken(ctx(alg), userClaims)
    expect(decodeProtectedHeader(token)).toEqual({ alg, typ: 'at+jwt', kid: keystores[alg].signingKey().kid })
  })

  it('RFC 9068 §2.2: carries iss, exp, aud, sub, client_id, iat, jti; auth_time and scope', async () => {
    const issued = issueAccessToken(ctx(alg), userClaims)
    const { payload } = await verifyAsResourceServer(alg, issued.token)
    expect(payload).toEqual({
      iss: ISSUER,
      sub: 'user-1',
      aud: API,
      exp: clock.now() + TTL,
      iat: clock.now(),
      jti: issued.jti,
      client_id: 'demo-web',
      scope: 'openid read:data',
      auth_time: 1_699_999_000,
    })
    expect(issued).toMatchObject({ exp: clock.now() + TTL, iat: clock.now(), expires_in: TTL })
  })
})

describe('issueAccessToken claims', () => {
  it('RFC 9068 §2.2: for client credentials, sub is the client_id and there is no auth_time', async () => {
    const { token } = issueAccessToken(ctx('ES256'), { sub: 'svc', client_id: 'svc', scope: 'read:data', aud: API })
    const { payload } = await verifyAsResourceServer('ES256', token)
    expect(payload.sub).toBe(payload.client_id)
    expect(payload).not.toHaveProperty('auth_time')
  })

  it('RFC 9068 §2.2.3: scope is omitted when nothing was granted', async () => {
    const { token } = issueAccessToken(ctx('ES256'), { ...userClaims, scope: '' })
    expect((await verifyAsResourceServer('ES256', token)).payload).not.toHaveProperty('scope')
  })

  it('RFC 8707 §2: several resources give an aud array', async () => {
    const aud = [API, 'https://other.example.com']
    const { token } = issueAccessToken(ctx('ES256'), { ...userClaims, aud })
    expect((await verifyAsResourceServer('ES256', token)).payload.aud).toEqual(aud)
  })

  it('RFC 7519 §4.1.7: jti is unique per token (128 random bits)', () => {
    const jtis = new Set(Array.from({ length: 500 }, () => issueAccessToken(ctx('EdDSA'), userClaims).jti))
    expect(jtis.size).toBe(500)
    expect([...jtis][0]).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('RFC 7009 §2.1: a token of a grant names the grant in its jti (<grant id>.<128 random bits>)', () => {
    const grantId = '2f1c7d4e-9a53-4b8e-8f0a-6c1d2e3f4a5b'
    const jtis = new Set(Array.from({ length: 200 }, () => issueAccessToken(ctx('ES256'), { ...userClaims, grantId }).jti))
    expect(jtis.size).toBe(200)
    for (const jti of jtis) expect(jti).toMatch(/^2f1c7d4e-9a53-4b8e-8f0a-6c1d2e3f4a5b\.[A-Za-z0-9_-]{22}$/)
    // The store reads the grant id as the text before the first '.': it may not contain one.
    expect(() => issueAccessToken(ctx('ES256'), { ...userClaims, grantId: 'a.b' })).toThrow(TypeError)
    expect(() => issueAccessToken(ctx('ES256'), { ...userClaims, grantId: '' })).toThrow(TypeError)
  })

  it('RFC 9068 §2.2.3.1: extra claims are included but may not shadow registered ones', async () => {
    const { token } = issueAccessToken(ctx('ES256'), { ...userClaims, extra: { roles: ['admin'] } })
    expect((await verifyAsResourceServer('ES256', token)).payload.roles).toEqual(['admin'])
    expect(() => issueAccessToken(ctx('ES256'), { ...userClaims, extra: { iss: 'https://evil.example' } })).toThrow(/override/)
    expect(() => issueAccessToken(ctx('ES256'), { ...userClaims, extra: { exp: 9e9 } })).toThrow(/override/)
  })

  it('issue 10: org_id and org_roles are first-class claims, present only for an organization; extra may not shadow them', async () => {
    const { token } = issueAccessToken(ctx('ES256'), { ...userClaims, org_id: 'acme', org_roles: ['admin'] })
    expect((await verifyAsResourceServer('ES256', token)).payload).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })
    const client = issueAccessToken(ctx('ES256'), { sub: 'svc', client_id: 'svc', scope: '', aud: API, org_id: 'acme' })
    const payload = (await verifyAsResourceServer('ES256', client.token)).payload
    expect(payload.org_id).toBe('acme')
    expect(payload).not.toHaveProperty('org_roles')
    const none = (await verifyAsResourceServer('ES256', issueAccessToken(ctx('ES256'), userClaims).token)).payload
    expect(none).not.toHaveProperty('org_id')
    expect(none).not.toHaveProperty('org_roles')
    for (const name of ['org_id', 'org_roles', 'act', 'may_act']) {
      expect(() => issueAccessToken(ctx('ES256'), { ...userClaims, extra: { [name]: 'forged' } })).toThrow(/override/)
    }
  })

  it('RFC 8693 §4.1: act names the actor, with prior actors nested', async () => {
    const act = { sub: 'gateway', client_id: 'gateway', act: { sub: 'first', client_id: 'first' } }
    const { token } = issueAccessToken(ctx('ES256'), { ...userClaims, act })
    expect((await verifyAsResourceServer('ES256', token)).payload.act).toEqual(act)
  })

  it('RFC 7519 §4.1.4: the token expires after ttl seconds', async () => {
    const local = new ManualClock(clock.now())
    const { token } = issueAccessToken({ ...ctx('ES256'), clock: local }, userClaims)
    const verify = () =>
      jwtVerify(token, createLocalJWKSet(keystores.ES256.jwks()), { issuer: ISSUER, currentDate: new Date(local.now() * 1000) })
    local.advance(TTL - 1)
    await expect(verify()).resolves.toBeTruthy()
    local.advance(1)
    await expect(verify()).rejects.toBeInstanceOf(errors.JWTExpired)
  })

  it('after rotation, new tokens carry the new kid and old tokens still verify', async () => {
    const ks = await Keystore.open({ ...memoryKeys(), secret: 'access-token-test-secret-0123456789abcdef', alg: 'ES256', clock, retiredKeyGrace: 3600 })
    const c = { keystore: ks, issuer: ISSUER, clock, ttl: TTL }
    const before = issueAccessToken(c, userClaims).token
    const { kid } = await ks.rotate()
    const after = issueAccessToken(c, userClaims).token
    expect(decodeProtectedHeader(after).kid).toBe(kid)
    for (const t of [before, after]) await expect(ks.verify(t, { issuer: ISSUER, typ: 'at+jwt' })).resolves.toBeTruthy()
  })
})
