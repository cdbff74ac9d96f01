/**
 * Issue 13: TOTP (RFC 6238) on `otpauth`, with the parameters every authenticator app supports:
 * HMAC-SHA-1, 6 digits, 30-second steps, a 160-bit secret (RFC 4226 §4 R6), and one step of drift
 * either way (RFC 6238 §5.2's "at most one time step" of network delay, for clocks slightly off).
 * `verifyTotp` returns the time step the code matched, so the store can accept each step once
 * (`store.mfa.acceptStep`): a code seen by a shoulder-surfer or a phishing proxy is useless after
 * its owner used it.
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-4
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-5.2
 * @see https://github.com/google/google-authenticator/wiki/Key-Uri-Format
 */
import { Secret, TOTP } from 'otpauth'

export const TOTP_PERIOD = 30
export const TOTP_DIGITS = 6
/** Steps of drift accepted either way. */
export const TOTP_WINDOW = 1

/** A new secret (160 bits), base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

function totp(secret: string, label = '', issuer = ''): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD, secret: Secret.fromBase32(secret) })
}

/** The RFC 6238 time step `T` at `now` (epoch seconds). */
export function timeStep(now: number): number {
  return Math.floor(now / TOTP_PERIOD)
}

/**
 * The time step a code matches at `now` (within ±`TOTP_WINDOW`), or null. Anything but six ASCII
 * digits (spaces between groups are dropped) is null without a computation.
 */
export function verifyTotp(secret: string, code: string, now: number): number | null {
  const token = code.replace(/[\s-]/g, '')
  if (!/^[0-9]{6}$/.test(token)) return null
  const delta = totp(secret).validate({ token, timestamp: now * 1000, window: TOTP_WINDOW })
  return delta === null ? null : timeStep(now) + delta
}

/** The code for `now`: for tests and for nothing else at runtime. */
export function totpCode(secret: string, now: number): string {
  return totp(secret).generate({ timestamp: now * 1000 })
}

/** The `otpauth://` URI of the QR code (Key Uri Format): the app shows `issuer` and `account`. */
export function totpUri(secret: string, issuer: string, account: string): string {
  return totp(secret, account, issuer).toString()
}

/** The secret in groups of four for reading aloud or typing: `ABCD EFGH …`. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ')
}
