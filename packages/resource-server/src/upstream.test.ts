/**
 * How long an answer of the authorization server may be cached (upstream.ts): its
 * `Cache-Control: max-age`, bounded by the configured maximum and at least 1 s.
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.1
 */
import { describe, expect, it } from 'vitest'
import { freshFor, maxAgeOf } from './upstream.js'

describe('Cache-Control', () => {
  it('RFC 9111 §5.2.2.1: max-age is read case-insensitively among other directives; no-store and no-cache are 0; none is undefined', () => {
    expect(maxAgeOf('public, max-age=300')).toBe(300)
    expect(maxAgeOf('Max-Age="60", must-revalidate')).toBe(60)
    expect(maxAgeOf('max-age=300, no-cache')).toBe(0)
    expect(maxAgeOf('no-store')).toBe(0)
    expect(maxAgeOf('public')).toBeUndefined()
    expect(maxAgeOf('max-age=soon')).toBeUndefined()
    expect(maxAgeOf(null)).toBeUndefined()
  })

  it('RFC 9111 §5.2.2.1: an answer is kept for the shorter of the configured maximum and its max-age, at least 1 s', () => {
    expect(freshFor(300, undefined)).toBe(300)
    expect(freshFor(300, 60)).toBe(60)
    expect(freshFor(300, 86_400)).toBe(300)
    expect(freshFor(300, 0)).toBe(1)
  })
})
