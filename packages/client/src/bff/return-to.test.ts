import { describe, expect, it } from 'vitest'
import { safeReturnTo } from './return-to.js'

const APP = 'https://app.example.com'

describe('safeReturnTo', () => {
  it('RFC 9700 §4.11: same-origin paths are kept, normalised', () => {
    expect(safeReturnTo('/orders?page=2#top', APP)).toBe('/orders?page=2#top')
    expect(safeReturnTo('/a/../b/./c', APP)).toBe('/b/c')
    expect(safeReturnTo('/', APP)).toBe('/')
    expect(safeReturnTo('/ünï?q=日本', APP)).toBe('/%C3%BCn%C3%AF?q=%E6%97%A5%E6%9C%AC')
  })

  it('RFC 9700 §4.11 / issue: dot segments that collapse into //host are refused, not normalised into a scheme-relative URL', () => {
    for (const attack of ['/.//evil.example', '/a/..//evil.example/x', '/%2e//evil.example', '/%2E%2E//evil.example', '/..//evil.example', '/././/evil.example?x#y']) {
      expect(safeReturnTo(attack, APP), JSON.stringify(attack)).toBe('/')
    }
  })

  it('RFC 9700 §4.11: one rule with the core (a backslash anywhere is refused, as @latch/client does)', () => {
    expect(safeReturnTo('/x?q=\\y', APP)).toBe('/')
  })

  it('RFC 9700 §4.11: anything that could leave the origin becomes the fallback', () => {
    for (const attack of ['//evil.com', '/\\evil.com', '\\\\evil.com', 'https://evil.com', 'http:evil.com', 'javascript:alert(1)', '/\t/evil.com', '/\n/evil.com', '/\u0000', 'evil.com', '', '%2F%2Fevil.com', '/'.repeat(3)]) {
      expect(safeReturnTo(attack, APP), JSON.stringify(attack)).toBe('/')
    }
    expect(safeReturnTo(undefined, APP)).toBe('/')
    expect(safeReturnTo(['/a'], APP)).toBe('/')
    expect(safeReturnTo(`/${'a'.repeat(3000)}`, APP)).toBe('/')
    expect(safeReturnTo('//evil.com', APP, '/home')).toBe('/home')
  })
})
