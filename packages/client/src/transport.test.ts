/**
 * Unit tests of the loopback rule and the returnTo check, which need no server.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-8.3
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 */
import { describe, expect, it } from 'vitest'
import { safeReturnTo } from './return-to.js'
import { isLoopbackHost } from './transport.js'

describe('isLoopbackHost', () => {
  it('RFC 8252 §8.3 + RFC 6761 §6.3: localhost, *.localhost, 127.0.0.0/8 and [::1] are loopback', () => {
    for (const host of ['localhost', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'LOCALHOST']) expect(isLoopbackHost(host)).toBe(true)
  })

  it('RFC 6749 §3.1: look-alikes are not loopback', () => {
    for (const host of ['localhost.example.com', '127.0.0.1.nip.io', '10.0.0.1', '0.0.0.0', 'example.com', '[::2]', 'mylocalhost']) expect(isLoopbackHost(host)).toBe(false)
  })
})

describe('safeReturnTo', () => {
  it('RFC 9700 §4.11: same-origin paths pass unchanged', () => {
    for (const path of ['/', '/account', '/a/b?c=d#e', '/search?q=%2F%2Fx']) expect(safeReturnTo(path)).toBe(path)
  })

  it('RFC 9700 §4.11: absolute, scheme-relative and backslash URLs are refused (open redirect)', () => {
    for (const value of ['https://evil.example', '//evil.example', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)', '/\t/evil.example', '/\n/evil.example', 'account', '', 42, undefined, `/${'a'.repeat(3000)}`]) {
      expect(safeReturnTo(value)).toBeUndefined()
    }
  })
})
