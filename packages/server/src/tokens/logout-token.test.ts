import { createLocalJWKSet, jwtVerify } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { SIGNING_ALGS, type SigningAlg } from '../config/schema.js'
import { Keystore } from '../keys/keystore.js'
import { ManualClock } from '../lib/clock.js'
import { memoryKeys } from '../../test/support/memory-keys.js'
import { BACKCHANNEL_LOGOUT_EVENT, issueLogoutToken, LOGOUT_TOKEN_TTL } from './logout-token.js'

const ISSUER = 'https://issuer.example'
const clock = new ManualClock(1_700_000_000)
const keystores = {} as Record<SigningAlg, Keystore>
beforeAll(async () => {
  for (const alg of SIGNING_ALGS) {
    keystores[alg] = await Keystore.open({ ...memoryKeys(), secret: 'logout-token-test-secret-0123456789abcdef', alg, clock, retiredKeyGrace: 3600 })
  }
})

const claims = { aud: 'demo-bff', sub: 'user-1', sid: 'session-1' }

describe.each(SIGNING_ALGS)('issueLogoutToken %s', (alg) => {
  it('OIDC Back-Channel Logout §2.4: verifies with jose against the JWKS, typ logout+jwt, the claims §2.4 lists', async () => {
    const key = keystores[alg].signingKey()
    const token = issueLogoutToken({ issuer: ISSUER, clock }, key, claims)
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(keystores[alg].jwks()), {
      issuer: ISSUER,
      audience: 'demo-bff',
      typ: 'logout+jwt',
      algorithms: [alg],
      currentDate: new Date(clock.now() * 1000),
    })
    expect(protectedHeader).toEqual({ alg, typ: 'logout+jwt', kid: key.kid })
    expect(payload).toEqual({
      iss: ISSUER,
      aud: 'demo-bff',
      iat: clock.now(),
      exp: clock.now() + LOGOUT_TOKEN_TTL,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      sub: 'user-1',
      sid: 'session-1',
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    })
  })
})

describe('issueLogoutToken', () => {
  it('OIDC Back-Channel Logout §2.4: a logout token never carries a nonce', () => {
    const token = issueLogoutToken({ issuer: ISSUER, clock }, keystores.ES256.signingKey(), claims)
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
    expect(payload).not.toHaveProperty('nonce')
  })
  it('OIDC Back-Channel Logout §2.4: each token has its own jti, and a short lifetime (at most two minutes)', () => {
    const jtis = new Set(Array.from({ length: 20 }, () => issueLogoutToken({ issuer: ISSUER, clock }, keystores.ES256.signingKey(), claims).split('.')[1]))
    expect(jtis.size).toBe(20)
    expect(LOGOUT_TOKEN_TTL).toBeLessThanOrEqual(120)
  })
})
