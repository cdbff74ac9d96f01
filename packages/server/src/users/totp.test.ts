import { describe, expect, it } from 'vitest'
import { groupedSecret, newTotpSecret, timeStep, totpCode, totpUri, verifyTotp } from './totp.js'
import { newRecoveryCodes, recoveryCodeHash, RECOVERY_CODE_COUNT } from './recovery-codes.js'

/** RFC 6238 Appendix B's SHA-1 seed, ASCII "12345678901234567890", in base32. */
const RFC_SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'

describe('TOTP (RFC 6238)', () => {
  it('RFC 6238 Appendix B: the SHA-1 test vectors, truncated to 6 digits (RFC 4226 §5.3: the same binary code mod 10^6)', () => {
    const vectors: [number, string][] = [
      [59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'], [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130'],
    ]
    for (const [time, eight] of vectors) {
      expect(totpCode(RFC_SEED, time), String(time)).toBe(eight.slice(-6))
      expect(verifyTotp(RFC_SEED, eight.slice(-6), time)).toBe(timeStep(time))
    }
  })

  it('RFC 6238 §5.2: one step of drift either way is accepted, and the step matched is returned; two steps is not', () => {
    const now = 1_700_000_000
    expect(verifyTotp(RFC_SEED, totpCode(RFC_SEED, now - 30), now)).toBe(timeStep(now) - 1)
    expect(verifyTotp(RFC_SEED, totpCode(RFC_SEED, now + 30), now)).toBe(timeStep(now) + 1)
    expect(verifyTotp(RFC_SEED, totpCode(RFC_SEED, now - 60), now)).toBeNull()
    expect(verifyTotp(RFC_SEED, totpCode(RFC_SEED, now + 60), now)).toBeNull()
  })

  it('only six digits are a code (spaces between groups are dropped); anything else is refused without a computation', () => {
    const now = 1_700_000_000
    const code = totpCode(RFC_SEED, now)
    expect(verifyTotp(RFC_SEED, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(timeStep(now))
    for (const bad of ['', '12345', '1234567', 'abcdef', `${code}0`, '١٢٣٤٥٦']) expect(verifyTotp(RFC_SEED, bad, now)).toBeNull()
  })

  it('RFC 4226 §4 R6: a new secret is 160 bits (32 base32 characters), different each time; the key URI and grouping', () => {
    const a = newTotpSecret()
    expect(a).toMatch(/^[A-Z2-7]{32}$/)
    expect(newTotpSecret()).not.toBe(a)
    const uri = new URL(totpUri(a, 'Acme ID', 'alice@example.com'))
    expect(uri.protocol).toBe('otpauth:')
    expect(uri.searchParams.get('secret')).toBe(a)
    expect(uri.searchParams.get('issuer')).toBe('Acme ID')
    expect(uri.searchParams.get('algorithm')).toBe('SHA1')
    expect(uri.searchParams.get('digits')).toBe('6')
    expect(uri.searchParams.get('period')).toBe('30')
    expect(groupedSecret('ABCDEFGHIJ')).toBe('ABCD EFGH IJ')
  })
})

describe('recovery codes', () => {
  it('NIST SP 800-63B §5.1.2: ten distinct look-up secrets of 50 bits, read forgivingly, stored as SHA-256 only', () => {
    const codes = newRecoveryCodes()
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT)
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT)
    for (const c of codes) expect(c).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/)
    const code = codes[0] as string
    const hash = recoveryCodeHash(code)
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(hash).not.toContain(code.replace('-', ''))
    expect(recoveryCodeHash(` ${code.toUpperCase().replace('-', ' ')} `)).toBe(hash)
    expect(recoveryCodeHash('0000000001')).toBe(recoveryCodeHash('OOOOOOOOOl'))
    for (const bad of ['', 'short', 'uuuuuuuuuu', `${code}x`]) expect(recoveryCodeHash(bad)).toBeNull()
  })
})
