/**
 * The redirect URI rule on its own: exact match, the loopback port of native apps, and what is
 * never a redirect target.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
import { describe, expect, it } from 'vitest'
import { matchRedirectUri } from './redirect-uri.js'

const LOOPBACK = 'http://127.0.0.1/cb'

describe('matchRedirectUri', () => {
  it('RFC 8252 §7.3: a native app\'s loopback redirect matches on any port, in its normalised form', () => {
    expect(matchRedirectUri(LOOPBACK, 'http://127.0.0.1:51004/cb', true)).toBe('http://127.0.0.1:51004/cb')
    expect(matchRedirectUri(LOOPBACK, 'http://127.0.0.1:51004/cb', false)).toBeNull()
  })

  /** @see issue 8 */
  it('RFC 6749 §3.1.2: a fragment, even an empty one, never matches (the response would land after it)', () => {
    expect(matchRedirectUri(LOOPBACK, 'http://127.0.0.1:5/cb#', true)).toBeNull()
    expect(matchRedirectUri(LOOPBACK, 'http://127.0.0.1:5/cb#x', true)).toBeNull()
    expect(matchRedirectUri('https://rp.example/cb', 'https://rp.example/cb#', false)).toBeNull()
  })

  it('RFC 3986 §2: control characters and spaces never match', () => {
    expect(matchRedirectUri(LOOPBACK, 'http://127.0.0.1:5/cb\r\n', true)).toBeNull()
    expect(matchRedirectUri(LOOPBACK, 'http://127.0.0.1:5/c b', true)).toBeNull()
  })

  it('RFC 8252 §8.3: a host that only starts like the loopback address is not loopback', () => {
    expect(matchRedirectUri(LOOPBACK, 'http://127.0.0.1.evil.example:5/cb', true)).toBeNull()
    expect(matchRedirectUri(LOOPBACK, 'http://user@127.0.0.1:5/cb', true)).toBeNull()
  })
})
