import { describe, expect, it } from 'vitest'
import { BREACHED_LIST_SIZE, breachedPasswords, MAX_PASSWORD_LENGTH, passwordProblem } from './password-policy.js'

describe('password policy (issue 13)', () => {
  it('NIST SP 800-63B §5.1.1.2: at least 8 characters, counted in Unicode code points', () => {
    expect(passwordProblem('short12')).toBe('too_short')
    expect(passwordProblem('unusual8')).toBeNull()
    // Four astral characters are four characters, not eight UTF-16 units.
    expect(passwordProblem('🐢🐢🐢🐢')).toBe('too_short')
    expect(passwordProblem('🐢🐢🐢🐢🐢🐢🐢🐢')).toBeNull()
  })

  it('NIST SP 800-63B §5.1.1.2: passwords.min_length raises the minimum, never lowers it below 8', () => {
    expect(passwordProblem('unusual-pw1', { minLength: 12 })).toBe('too_short')
    expect(passwordProblem('unusual-pw12', { minLength: 12 })).toBeNull()
    expect(passwordProblem('unusua7', { minLength: 4 })).toBe('too_short')
  })

  it('NIST SP 800-63B §5.1.1.2: at most 128 characters (the standard asks to allow at least 64)', () => {
    expect(passwordProblem('x'.repeat(64) + 'y'.repeat(64))).toBeNull()
    expect(passwordProblem('z'.repeat(MAX_PASSWORD_LENGTH + 1))).toBe('too_long')
  })

  it('NIST SP 800-63B §5.1.1.2: no composition rules (all-lower-case letters, spaces and emoji are fine)', () => {
    expect(passwordProblem('correct horse battery staple')).toBeNull()
    expect(passwordProblem('lowercaseonlyletters')).toBeNull()
  })

  it('NIST SP 800-63B §5.1.1.2: passwords from breach corpuses are refused, whatever their case', () => {
    for (const p of ['password', '12345678', 'PASSWORD1', 'Qwertyuiop', 'iloveyou', 'football1']) expect(passwordProblem(p), p).toBe('breached')
  })

  it('NIST SP 800-63B §5.1.1.2: the bundled list is the top-100,000 of the ten-million corpus, first line 123456', () => {
    const list = breachedPasswords()
    // Case-insensitive: entries that differ only in case count once.
    expect(list.size).toBeGreaterThan(95_000)
    expect(list.size).toBeLessThanOrEqual(BREACHED_LIST_SIZE)
    expect(list.has('123456')).toBe(true)
    expect(breachedPasswords()).toBe(list)
  })

  it('NIST SP 800-63B §5.1.1.2 (context-specific words): the email or its local part is refused', () => {
    expect(passwordProblem('Zed.Quux-Example@Example.com', { email: 'zed.quux-example@example.com' })).toBe('like_email')
    expect(passwordProblem('zed.quux-example', { email: 'zed.quux-example@example.com' })).toBe('like_email')
    expect(passwordProblem('zed.quux-example!', { email: 'zed.quux-example@example.com' })).toBeNull()
  })
})
