import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { CompactSign, compactVerify, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { SIGNING_ALGS, type SigningAlg } from '../config/schema.js'
import { signJws } from './jws.js'

/** Keys made with node:crypto directly, independent of the keystore under test elsewhere. */
function keyPair(alg: SigningAlg): { privateKey: KeyObject; publicJwk: JWK; privateJwk: JWK } {
  const { privateKey, publicKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    privateKey,
    publicJwk: publicKey.export({ format: 'jwk' }) as JWK,
    privateJwk: privateKey.export({ format: 'jwk' }) as JWK,
  }
}

const KEYS = Object.fromEntries(SIGNING_ALGS.map((alg) => [alg, keyPair(alg)])) as Record<SigningAlg, ReturnType<typeof keyPair>>

describe.each(SIGNING_ALGS)('signJws %s', (alg) => {
  const { privateKey, publicJwk, privateJwk } = KEYS[alg]
  const header = { alg, typ: 'at+jwt', kid: 'k1' }
  const payload = { iss: 'https://issuer.example', sub: 'u1', exp: 4102444800, iat: 1700000000, scope: 'a b' }

  it('RFC 7515 §7.1: jose jwtVerify accepts the token with the public JWK', async () => {
    const token = signJws(header, payload, { alg, privateKey })
    const { payload: got, protectedHeader } = await jwtVerify(token, await importJWK(publicJwk, alg), {
      algorithms: [alg],
      typ: 'at+jwt',
      currentDate: new Date(1700000000_000),
    })
    expect(protectedHeader).toEqual(header)
    expect(got).toEqual(payload)
  })

  it('RFC 7515 §5.2: jose compactVerify accepts the signature over the exact signing input', async () => {
    const token = signJws(header, payload, { alg, privateKey })
    const { payload: bytes } = await compactVerify(token, await importJWK(publicJwk, alg), { algorithms: [alg] })
    expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual(payload)
  })

  it('RFC 7515 §5.2: a changed payload fails verification', async () => {
    const [h, , s] = signJws(header, payload, { alg, privateKey }).split('.')
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'admin' })).toString('base64url')}.${s}`
    await expect(compactVerify(forged, await importJWK(publicJwk, alg))).rejects.toThrow(/signature verification failed/)
  })

  it('RFC 7515 §4.1.1: refuses a header whose alg is not the key’s', () => {
    const other = alg === 'ES256' ? 'RS256' : 'ES256'
    expect(() => signJws({ ...header, alg: other }, payload, { alg, privateKey })).toThrow(/does not match key alg/)
  })

  if (alg === 'RS256' || alg === 'EdDSA') {
    // RSASSA-PKCS1-v1_5 and Ed25519 are deterministic, so the output can be compared bit for bit.
    it(`RFC 7515 §3.1: ${alg} output is byte-identical to jose CompactSign`, async () => {
      const token = signJws(header, payload, { alg, privateKey })
      const viaJose = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader(header)
        .sign(await importJWK(privateJwk, alg))
      expect(token).toBe(viaJose)
    })
  }
})

describe('signJws encodings', () => {
  it('RFC 7518 §3.4: ES256 signatures are the 64-octet R || S, not DER', () => {
    const { privateKey } = KEYS.ES256
    for (let i = 0; i < 20; i++) {
      const sig = signJws({ alg: 'ES256' }, { i }, { alg: 'ES256', privateKey }).split('.')[2]!
      expect(Buffer.from(sig, 'base64url')).toHaveLength(64)
    }
  })

  it('RFC 7518 §3.5: PS256 is randomized (salted), and each signature verifies', async () => {
    const { privateKey, publicJwk } = KEYS.PS256
    const a = signJws({ alg: 'PS256' }, { x: 1 }, { alg: 'PS256', privateKey })
    const b = signJws({ alg: 'PS256' }, { x: 1 }, { alg: 'PS256', privateKey })
    expect(a).not.toBe(b)
    const key = await importJWK(publicJwk, 'PS256')
    await compactVerify(a, key)
    await compactVerify(b, key)
  })

  it('RFC 7515 §3.1: segments are base64url without padding; header decodes as given', () => {
    const token = signJws({ alg: 'EdDSA', kid: 'x' }, { a: '~~~???' }, { alg: 'EdDSA', privateKey: KEYS.EdDSA.privateKey })
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: 'x' })
  })

  it('RFC 7518 §3.6: unsupported algorithms (none, HS256) are refused', () => {
    const { privateKey } = KEYS.RS256
    expect(() => signJws({ alg: 'none' }, {}, { alg: 'none', privateKey })).toThrow(/unsupported alg/)
    expect(() => signJws({ alg: 'HS256' }, {}, { alg: 'HS256', privateKey })).toThrow(/unsupported alg/)
  })
})

describe('signJws: the protected header encoding', () => {
  const { privateKey } = KEYS.ES256
  const encoded = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

  it('RFC 7515 §7.1: each token carries exactly its own header, whether remembered or not', () => {
    const headers = [
      { alg: 'ES256', typ: 'at+jwt', kid: 'k1' },
      { alg: 'ES256', typ: 'at+jwt', kid: 'k1' },
      { alg: 'ES256', typ: 'at+jwt', kid: 'k2' },
      { alg: 'ES256', typ: 'JWT', kid: 'k1' },
      { alg: 'ES256', kid: 'k1', typ: 'JWT' },
      { alg: 'ES256', typ: 'JWT', kid: 'k1', cty: 'x' },
      { alg: 'ES256' },
    ]
    for (const header of headers) {
      expect(signJws(header, { a: 1 }, { alg: 'ES256', privateKey }).split('.')[0]).toBe(encoded(header))
    }
  })
})
