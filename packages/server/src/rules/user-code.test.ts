/**
 * The device flow's user code rules on their own (RFC 8628 §6.1), without a store or HTTP.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 */
import { describe, expect, it } from 'vitest'
import { USER_CODE_ALPHABET, USER_CODE_LENGTH, displayUserCode, normalizeUserCode, randomUserCode } from './user-code.js'

describe('user codes', () => {
  it('RFC 8628 §6.1: the alphabet has no vowels and no look-alike digits (20 consonants)', () => {
    expect(USER_CODE_ALPHABET).toHaveLength(20)
    expect(USER_CODE_ALPHABET).not.toMatch(/[AEIOUY0-9]/)
  })

  it('RFC 8628 §6.1: a fresh code is 8 letters of the alphabet, shown as XXXX-XXXX', () => {
    for (let i = 0; i < 50; i++) {
      const code = randomUserCode()
      expect(code).toMatch(new RegExp(`^[${USER_CODE_ALPHABET}]{4}-[${USER_CODE_ALPHABET}]{4}$`))
      expect(normalizeUserCode(code)).toHaveLength(USER_CODE_LENGTH)
    }
  })

  it('RFC 8628 §6.1: input ignores case, dashes, spaces and characters outside the alphabet', () => {
    expect(normalizeUserCode('bcdf ghjk')).toBe('BCDFGHJK')
    expect(normalizeUserCode(' BcDf-GhJk\n')).toBe('BCDFGHJK')
    expect(normalizeUserCode('BCDA-1GHJK')).toBe('BCDGHJK')
  })

  it('RFC 8628 §6.1: a whole code is displayed as the device shows it; anything else is left as typed', () => {
    expect(displayUserCode('bcdfghjk')).toBe('BCDF-GHJK')
    expect(displayUserCode('bcd')).toBe('bcd')
  })
})
