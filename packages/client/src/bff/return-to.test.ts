import { describe, expect, it } from 'vitest'
import { safeReturnTo } from './return-to.js'

const APP = 'https://app.example.com'

describe('safeReturnTo', () => {
  it('RFC 9700 §4.11: same-origin paths are kept, normalised', () => {
    expect(safeReturnTo('/orders?page=2#top', APP)).toBe('/orders?page=2#top')
    expect(safeReturnTo('/a/../b/./c', APP)).toBe('/b/c')
    expect(safeReturnTo('/', APP)).toBe('/')
    expect(safeReturnTo('/x?q=\\y', APP)).toBe('/x?q=%5Cy')
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
