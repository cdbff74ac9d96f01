/**
 * Random handles and their storage hashes. Codes, refresh tokens, device codes and session
 * cookies are 256-bit random values (RFC 6749 §10.10 asks for unguessable values; RFC 9700 §4.14)
 * and are stored only as their SHA-256, so a database leak yields nothing redeemable. SHA-256 (not
 * a slow hash) is right here: the inputs have 256 bits of entropy, brute force is out of reach.
 * Generic randomness only: the device flow's user codes are a rule of their own (`rules/user-code.ts`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.10
 */
import { hash, randomBytes, randomFillSync, randomUUID } from 'node:crypto'

/** CSPRNG output for secret handles, refilled in one call per 4 KiB instead of one per handle. */
const SECRET_POOL = Buffer.allocUnsafe(4096)
let secretOffset = SECRET_POOL.length

/**
 * A fresh 256-bit handle, base64url (43 characters). Cut from a pooled buffer of CSPRNG output
 * (the same entropy as `randomBytes(bytes)`, as node:crypto's own `randomUUID` pools), and the
 * bytes handed out are zeroed in the pool at once, so a handle's value does not linger there.
 */
export function randomHandle(bytes = 32): string {
  if (bytes > SECRET_POOL.length / 4) return randomBytes(bytes).toString('base64url')
  if (secretOffset + bytes > SECRET_POOL.length) {
    randomFillSync(SECRET_POOL)
    secretOffset = 0
  }
  const end = secretOffset + bytes
  const value = SECRET_POOL.toString('base64url', secretOffset, end)
  SECRET_POOL.fill(0, secretOffset, end)
  secretOffset = end
  return value
}

/**
 * The stored form of a handle or high-entropy secret. `crypto.hash` is the one-shot digest: no
 * Hash object per call (it is on every token request, for the client secret).
 */
export function hashHandle(value: string): string {
  return hash('sha256', value, 'base64url')
}

export function randomId(): string {
  return randomUUID()
}

/** 256 draws of 128 bits per refill: one call into the CSPRNG instead of one per value. */
const POOL = Buffer.allocUnsafe(16 * 256)
let poolOffset = POOL.length

/**
 * 128 random bits, base64url (22 characters), cut from a pooled buffer of CSPRNG output: the same
 * entropy as `randomBytes(16)` at a fraction of its cost per call (node:crypto's own `randomUUID`
 * pools the same way). For values that are unique rather than secret, such as a token's `jti`.
 */
export function random128(): string {
  if (poolOffset === POOL.length) {
    randomFillSync(POOL)
    poolOffset = 0
  }
  const value = POOL.toString('base64url', poolOffset, poolOffset + 16)
  poolOffset += 16
  return value
}
