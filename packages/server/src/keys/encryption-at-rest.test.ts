import { decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { decryptPrivateJwk, deriveKeyEncryptionKey, encryptPrivateJwk } from './encryption-at-rest.js'

const SECRET = 'a-test-secret-that-is-long-enough-0123456789'
const OTHER = 'another-test-secret-that-is-long-enough-9876543210'

async function privateJwk() {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  return exportJWK(privateKey)
}

describe('encryption at rest of private JWKs', () => {
  it('RFC 7516 §3.1: round-trips a private JWK through a compact JWE', async () => {
    const jwk = await privateJwk()
    const jwe = await encryptPrivateJwk(jwk, SECRET)
    expect(jwe.split('.')).toHaveLength(5)
    expect(await decryptPrivateJwk(jwe, SECRET)).toEqual(jwk)
  })

  it('RFC 7518 §4.5, §5.3; RFC 7517 §7: header is alg dir, enc A256GCM, cty jwk+json', async () => {
    const jwe = await encryptPrivateJwk(await privateJwk(), SECRET)
    expect(decodeProtectedHeader(jwe)).toEqual({ alg: 'dir', enc: 'A256GCM', cty: 'jwk+json' })
  })

  it('the stored form does not contain the private key material in clear', async () => {
    const jwk = await privateJwk()
    const jwe = await encryptPrivateJwk(jwk, SECRET)
    expect(jwe).not.toContain(jwk.d)
    expect(Buffer.from(jwe.split('.')[3]!, 'base64url').toString('latin1')).not.toContain(jwk.d)
  })

  it('RFC 7518 §5.3: a fresh IV per encryption, so equal keys never give equal ciphertexts', async () => {
    const jwk = await privateJwk()
    expect(await encryptPrivateJwk(jwk, SECRET)).not.toBe(await encryptPrivateJwk(jwk, SECRET))
  })

  it('RFC 5869: the key is derived deterministically and differs per secret', async () => {
    const a = await deriveKeyEncryptionKey(SECRET)
    expect(a).toHaveLength(32)
    expect(await deriveKeyEncryptionKey(SECRET)).toEqual(a)
    expect(await deriveKeyEncryptionKey(OTHER)).not.toEqual(a)
  })

  it('a wrong LATCH_SECRET fails with an error that names the cause', async () => {
    const jwe = await encryptPrivateJwk(await privateJwk(), SECRET)
    await expect(decryptPrivateJwk(jwe, OTHER)).rejects.toThrow(
      'cannot decrypt signing key: LATCH_SECRET differs from the one the key was stored with',
    )
  })

  it('RFC 7516 §5.2: a tampered ciphertext is refused', async () => {
    const parts = (await encryptPrivateJwk(await privateJwk(), SECRET)).split('.')
    const ct = Buffer.from(parts[3]!, 'base64url')
    ct[0]! ^= 1
    parts[3] = ct.toString('base64url')
    await expect(decryptPrivateJwk(parts.join('.'), SECRET)).rejects.toThrow(/cannot decrypt signing key/)
  })

  it('a malformed value is reported as such, not as a wrong secret', async () => {
    await expect(decryptPrivateJwk('not-a-jwe', SECRET)).rejects.toThrow('cannot decrypt signing key: the stored ciphertext is malformed')
  })

  it('a LATCH_SECRET under 32 characters is a ConfigError naming LATCH_SECRET', async () => {
    await expect(encryptPrivateJwk(await privateJwk(), 'short')).rejects.toBeInstanceOf(ConfigError)
    await expect(encryptPrivateJwk(await privateJwk(), 'short')).rejects.toThrow('config: LATCH_SECRET must be at least 32 characters')
  })
})
