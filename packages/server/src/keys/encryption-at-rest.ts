/**
 * Encryption at rest of private signing keys (docs/architecture.md §2, `LATCH_SECRET`). A private JWK is
 * stored only as a compact JWE (RFC 7516 §3.1) with `alg: dir`, `enc: A256GCM` (RFC 7518 §4.5,
 * §5.3) and `cty: jwk+json` (RFC 7517 §7), under a 256-bit key derived from the master secret with
 * HKDF-SHA256 (RFC 5869). A database dump alone therefore never yields a key that can mint tokens.
 *
 * Why HKDF and not the secret's bytes: `LATCH_SECRET` is any string of >= 32 characters, not
 * necessarily 32 random bytes; HKDF turns it into a uniform key of the right size, and the fixed
 * `info` label separates this use from any other key Latch may derive from the same secret later
 * (RFC 5869 §3.2). The salt is empty (RFC 5869 §3.1 allows it): the secret is the only input that
 * varies, and a per-record salt would buy nothing that AES-GCM's random IV does not already give.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5869#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7516#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-4.5
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-7
 */
import { hkdf } from 'node:crypto'
import { promisify } from 'node:util'
import { CompactEncrypt, compactDecrypt, errors, type JWK } from 'jose'
import { ConfigError } from '../errors.js'

const hkdfAsync = promisify(hkdf)

/** Versioned so that a future change of scheme can tell old ciphertexts apart. */
const HKDF_INFO = 'latch/v1/signing-key-encryption'
export const MIN_SECRET_LENGTH = 32

/**
 * Issue 12: the label of upstream connections' secrets (client secrets, Apple's private key), so
 * that their key is not the signing keys' (RFC 5869 §3.2).
 */
export const CONNECTION_SECRETS_INFO = 'latch/v1/connection-secrets'

/** Issue 12, federated logout: the label of upstream ID tokens kept for `id_token_hint` (`upstream_sessions`). */
export const UPSTREAM_ID_TOKEN_INFO = 'latch/v1/upstream-id-token'

/** Derives the 256-bit key-encryption key from `LATCH_SECRET`. Exported for tests and key tooling. */
export async function deriveKeyEncryptionKey(secret: string, info: string = HKDF_INFO): Promise<Uint8Array> {
  // A short secret is misconfiguration, named as such at boot rather than failing later.
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError('LATCH_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters`)
  }
  return new Uint8Array(await hkdfAsync('sha256', secret, new Uint8Array(0), info, 32))
}

/** Encrypts a private JWK as a compact JWE under `LATCH_SECRET`. */
export async function encryptPrivateJwk(jwk: JWK, secret: string): Promise<string> {
  const key = await deriveKeyEncryptionKey(secret)
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(jwk)))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'jwk+json' })
    .encrypt(key)
}

/**
 * Decrypts what `encryptPrivateJwk` produced. A different `LATCH_SECRET` fails AES-GCM's tag check;
 * that is reported in words an operator can act on, not as jose's generic "decryption failed".
 */
export async function decryptPrivateJwk(jwe: string, secret: string): Promise<JWK> {
  const key = await deriveKeyEncryptionKey(secret)
  let plaintext: Uint8Array
  try {
    // Only the exact algorithms we write are accepted, so a tampered header cannot pick another.
    ;({ plaintext } = await compactDecrypt(jwe, key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    }))
  } catch (cause) {
    if (cause instanceof errors.JWEDecryptionFailed) {
      throw new Error('cannot decrypt signing key: LATCH_SECRET differs from the one the key was stored with', { cause })
    }
    throw new Error('cannot decrypt signing key: the stored ciphertext is malformed', { cause })
  }
  return JSON.parse(new TextDecoder().decode(plaintext)) as JWK
}

/** Issue 12: any JSON value as a compact JWE (`dir`, `A256GCM`) under the key HKDF derives from `LATCH_SECRET` with `info`. */
export async function encryptJson(value: unknown, secret: string, info: string): Promise<string> {
  const key = await deriveKeyEncryptionKey(secret, info)
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(value))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'json' }).encrypt(key)
}

/** What `encryptJson` produced with the same `info`; a different secret is named as such. */
export async function decryptJson(jwe: string, secret: string, info: string): Promise<unknown> {
  const key = await deriveKeyEncryptionKey(secret, info)
  try {
    const { plaintext } = await compactDecrypt(jwe, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] })
    return JSON.parse(new TextDecoder().decode(plaintext)) as unknown
  } catch (cause) {
    if (cause instanceof errors.JWEDecryptionFailed) throw new Error(`cannot decrypt ${info}: LATCH_SECRET differs from the one it was stored with`, { cause })
    throw new Error(`cannot decrypt ${info}: the stored ciphertext is malformed`, { cause })
  }
}
