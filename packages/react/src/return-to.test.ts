import { describe, expect, it } from 'vitest'
import { safeReturnTo } from './return-to.js'

describe('safeReturnTo', () => {
  it('RFC 9700 §4.11: keeps a same-origin path with its query and hash', () => {
    expect(safeReturnTo('/orders?page=2#top')).toBe('/orders?page=2#top')
    expect(safeReturnTo('/')).toBe('/')
    expect(safeReturnTo('/a/../b')).toBe('/b')
  })

  it('RFC 9700 §4.11: refuses anything that leaves the origin (no open redirect)', () => {
    for (const value of ['https://evil.example/', '//evil.example', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)', 'evil.example', '', '/\t/evil.example', '/\n/evil.example', `/${'a'.repeat(2048)}`]) {
      expect(safeReturnTo(value), JSON.stringify(value)).toBe('/')
    }
    expect(safeReturnTo(undefined)).toBe('/')
    expect(safeReturnTo(42)).toBe('/')
  })

  it('RFC 9700 §4.11 / issue: dot segments that collapse into //host are refused, not normalised into a scheme-relative URL', () => {
    for (const value of ['/.//evil.example', '/a/..//evil.example/x', '/%2e//evil.example', '/%2E%2E//evil.example', '/..//evil.example']) {
      expect(safeReturnTo(value), JSON.stringify(value)).toBe('/')
    }
  })

  it('uses the given fallback', () => {
    expect(safeReturnTo('//evil.example', '/home')).toBe('/home')
  })
})
