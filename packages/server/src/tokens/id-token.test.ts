import { createHash } from 'node:crypto'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { SIGNING_ALGS, type SigningAlg } from '../config/schema.js'
import { Keystore } from '../keys/keystore.js'
import { ManualClock } from '../lib/clock.js'
import { memoryKeys } from '../../test/support/memory-keys.js'
import { issueAccessToken } from './access-token.js'
import { idTokenHash, issueIdToken } from './id-token.js'
import { newHandle } from './opaque-handle.js'

const ISSUER = 'https://issuer.example'
const CLIENT = 'demo-web'
const TTL = 3600


const clock = new ManualClock(1_700_000_000)
const keystores = {} as Record<SigningAlg, Keystore>
beforeAll(async () => {
  for (const alg of SIGNING_ALGS) {
    keystores[alg] = await Keystore.open({ ...memoryKeys(), secret: 'id-token-test-secret-0123456789abcdefghij', alg, clock, retiredKeyGrace: 3600 })
  }
})

const ctx = (alg: SigningAlg) => ({ keystore: keystores[alg], issuer: ISSUER, clock, ttl: TTL })
const base = { sub: 'user-1', aud: CLIENT, auth_time: 1_699_999_000 }

/** Verification as a relying party does it (OIDC Core §3.1.3.7): jose against the OP's JWKS. */
async function verifyAsRelyingParty(alg: SigningAlg, token: string) {
  return jwtVerify(token, createLocalJWKSet(keystores[alg].jwks()), {
    issuer: ISSUER,
    audience: CLIENT,
    algorithms: [alg],
    currentDate: new Date(clock.now() * 1000),
  })
}

/** Computed here independently of id-token.ts: the hash per alg, left half, base64url. */
function expectedHalfHash(value: string, alg: SigningAlg): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256').update(Buffer.from(value, 'ascii')).digest()
  return Buffer.from(digest.subarray(0, alg === 'EdDSA' ? 32 : 16)).toString('base64url')
}

describe.each(SIGNING_ALGS)('issueIdToken %s', (alg) => {
  it('OIDC Core §3.1.3.7: verifies with jose against the keystore’s JWKS', async () => {
    const token = issueIdToken(ctx(alg), { ...base, nonce: 'n-0S6_WzA2Mj' })
    const { payload, protectedHeader } = await verifyAsRelyingParty(alg, token)
    expect(protectedHeader).toEqual({ alg, typ: 'JWT', kid: keystores[alg].signingKey().kid })
    expect(payload).toEqual({
      iss: ISSUER,
      sub: 'user-1',
      aud: CLIENT,
      exp: clock.now() + TTL,
      iat: clock.now(),
      auth_time: 1_699_999_000,
      nonce: 'n-0S6_WzA2Mj',
    })
  })

  const hashName = alg === 'EdDSA' ? 'SHA-512 (Ed25519, OIDC Core errata set 2)' : 'SHA-256'
  it(`OIDC Core §3.1.3.6: at_hash is the left half of ${hashName} of the access token`, async () => {
    const { token: accessToken } = issueAccessToken({ ...ctx(alg), ttl: 900 }, { sub: 'user-1', client_id: CLIENT, scope: 'openid', aud: 'https://api.example.com' })
    const token = issueIdToken(ctx(alg), { ...base, access_token: accessToken })
    const { payload } = await verifyAsRelyingParty(alg, token)
    expect(payload.at_hash).toBe(expectedHalfHash(accessToken, alg))
    expect(Buffer.from(payload.at_hash as string, 'base64url')).toHaveLength(alg === 'EdDSA' ? 32 : 16)
  })

  it(`OIDC Core §3.3.2.11: c_hash is the left half of ${hashName} of the code`, async () => {
    const code = newHandle().value
    const { payload } = await verifyAsRelyingParty(alg, issueIdToken(ctx(alg), { ...base, code }))
    expect(payload.c_hash).toBe(expectedHalfHash(code, alg))
  })
})

describe('issueIdToken claims', () => {
  it('OIDC Core Appendix A: at_hash and c_hash match the spec’s RS256 examples', () => {
    expect(idTokenHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', 'RS256')).toBe('77QmUPtjPfzWtF2AnpK9RQ')
    expect(idTokenHash('Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk', 'RS256')).toBe('LDktKdoQak3Pk0cnXxCltA')
  })

  it('OIDC Core §2: no nonce, at_hash, c_hash or sid unless given', async () => {
    const { payload } = await verifyAsRelyingParty('ES256', issueIdToken(ctx('ES256'), base))
    for (const claim of ['nonce', 'at_hash', 'c_hash', 'sid', 'acr', 'amr']) expect(payload).not.toHaveProperty(claim)
  })

  it('OIDC Core §2: azp is omitted, since aud is the single client_id', async () => {
    const { payload } = await verifyAsRelyingParty('ES256', issueIdToken(ctx('ES256'), base))
    expect(payload).not.toHaveProperty('azp')
    expect(payload.aud).toBe(CLIENT)
  })

  it('OIDC Core §2, Back-Channel Logout §2.4: acr, amr and sid when known', async () => {
    const token = issueIdToken(ctx('ES256'), { ...base, acr: '1', amr: ['pwd'], sid: 'sess-1' })
    expect((await verifyAsRelyingParty('ES256', token)).payload).toMatchObject({ acr: '1', amr: ['pwd'], sid: 'sess-1' })
  })

  it('OIDC Core §5.4: user claims are added but never shadow protocol claims', async () => {
    const token = issueIdToken(ctx('ES256'), {
      ...base,
      nonce: 'real',
      claims: { sub: 'user-1', name: 'Alice', email: 'alice@example.com', iss: 'https://evil.example', nonce: 'fake', exp: 9e9 },
    })
    const { payload } = await verifyAsRelyingParty('ES256', token)
    expect(payload).toMatchObject({ sub: 'user-1', name: 'Alice', email: 'alice@example.com', iss: ISSUER, nonce: 'real', exp: clock.now() + TTL })
  })

  it('issue 10: org_id and org_roles for a grant of an organization, never shadowed by user claims', async () => {
    const token = issueIdToken(ctx('ES256'), { ...base, org_id: 'acme', org_roles: ['admin'], claims: { sub: 'user-1', org_id: 'evil', org_roles: ['owner'] } })
    expect((await verifyAsRelyingParty('ES256', token)).payload).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })
    const none = (await verifyAsRelyingParty('ES256', issueIdToken(ctx('ES256'), { ...base, claims: { sub: 'user-1', org_id: 'evil' } }))).payload
    expect(none).not.toHaveProperty('org_id')
  })

  it('OIDC Core §5.4: claims of a different sub are refused', () => {
    expect(() => issueIdToken(ctx('ES256'), { ...base, claims: { sub: 'someone-else' } })).toThrow(/claims.sub/)
  })

  it('RFC 9068 §4: an ID token is rejected where an at+jwt access token is expected', async () => {
    const token = issueIdToken(ctx('ES256'), base)
    expect(decodeProtectedHeader(token).typ).toBe('JWT')
    await expect(keystores.ES256.verify(token, { issuer: ISSUER, typ: 'at+jwt' })).rejects.toThrow(/typ/)
  })
})
