/**
 * Issue 13: recovery codes, for when the authenticator is lost: ten per user, each 10 characters
 * of Crockford base32 (50 bits; shown as `xxxxx-xxxxx`), single use. High-entropy random values,
 * so a plain SHA-256 is the right stored form (no salt or slow hash is needed to stop a guess
 * against a dump: 2^50 per code); `store.mfa.useRecoveryCode` uses one in a conditional UPDATE.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#-5122-look-up-secret-verifiers
 */
import { randomInt } from 'node:crypto'
import { hashHandle } from '../lib/random.js'

export const RECOVERY_CODE_COUNT = 10

/** Crockford's base32 alphabet: no I, L, O or U to misread. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'

/** Ten new codes, as the user sees them. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')
    return `${chars.slice(0, 5)}-${chars.slice(5)}`
  })
}

/**
 * The stored form of a code as typed: case, spaces and dashes do not matter, and the letters
 * Crockford reads as digits (i, l → 1; o → 0) are read so. Null for anything that cannot be one.
 */
export function recoveryCodeHash(typed: string): string | null {
  const normal = typed.toLowerCase().replace(/[\s-]/g, '').replace(/[il]/g, '1').replace(/o/g, '0')
  if (!/^[0-9a-hjkmnp-tv-z]{10}$/.test(normal)) return null
  return hashHandle(`latch-recovery-code:${normal}`)
}
