/**
 * Opaque handles: authorization codes (RFC 6749 §4.1.2), refresh tokens (§1.5) and device codes
 * (RFC 8628 §3.2), plus device user codes. The value goes to the client once; the store keeps only
 * its SHA-256 (`*_hash` columns), so a database leak yields nothing redeemable. Handles carry 256
 * bits of entropy (RFC 6749 §10.10 asks for unguessable values), which is also why a fast hash is
 * the right one: there is nothing to brute-force.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.10
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 */
import { hashHandle, randomHandle } from '../lib/random.js'
import { normalizeUserCode, randomUserCode } from '../rules/user-code.js'

export { hashHandle }

export interface Handle {
  /** Given to the client; never stored. */
  value: string
  /** What the store keeps and looks up by: `hashHandle(value)`. */
  hash: string
}

/** A fresh 256-bit handle (43 base64url characters) and its storage hash. */
export function newHandle(): Handle {
  const value = randomHandle(32)
  return { value, hash: hashHandle(value) }
}

/**
 * A device user code (`BCDF-GHJK`, RFC 8628 §6.1) and its storage hash. The hash is taken over the
 * normalized form, so what the user types (any case, with or without the dash) hashes the same:
 * look it up with `hashUserCode(input)`.
 */
export function newUserCode(): Handle {
  const value = randomUserCode()
  return { value, hash: hashUserCode(value) }
}

export function hashUserCode(input: string): string {
  return hashHandle(normalizeUserCode(input))
}
