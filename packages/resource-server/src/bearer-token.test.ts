/**
 * Extracting the bearer token (bearer-token.ts): RFC 6750 §2.1 syntax, §2.3 query tokens and
 * §3.1 error codes, without HTTP.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
import { describe, expect, it } from 'vitest'
import { bearerToken, hasAccessTokenParam } from './bearer-token.js'
import { InvalidRequestError, InvalidTokenError } from './errors.js'

describe('bearerToken', () => {
  it('RFC 6750 §2.1: returns the b64token after "Bearer" and one or more spaces; the scheme is case-insensitive', () => {
    expect(bearerToken('Bearer abc.def-_~+/ghi==')).toBe('abc.def-_~+/ghi==')
    expect(bearerToken('bearer abc')).toBe('abc')
    expect(bearerToken('BEARER   abc')).toBe('abc')
    expect(bearerToken(['Bearer abc'])).toBe('abc')
  })

  it('RFC 6750 §3.1: no header, an empty one or another scheme is a missing token (bare challenge)', () => {
    for (const header of [undefined, null, '', 'Basic dXNlcjpwYXNz', 'DPoP abc', 'Bearerabc']) {
      let err: unknown
      try {
        bearerToken(header)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(InvalidTokenError)
      expect((err as InvalidTokenError).tokenMissing).toBe(true)
    }
  })

  it('RFC 6750 §2.1, §3.1: bad Bearer syntax is invalid_request', () => {
    for (const header of ['Bearer', 'Bearer ', 'Bearer\tabc', 'Bearer a b', 'Bearer a"b', 'Bearer ab=c', 'Bearer =', 'Bearer a,b', 'Bearer é']) {
      expect(() => bearerToken(header), header).toThrow(InvalidRequestError)
    }
  })

  it('RFC 6750 §3.1: two Authorization headers, or a header plus another method, are invalid_request', () => {
    expect(() => bearerToken(['Bearer a', 'Bearer b'])).toThrow(/more than one Authorization header/)
    expect(() => bearerToken('Bearer a', true)).toThrow(/more than one method/)
  })

  it('RFC 6750 §2.3: a query or body token alone is invalid_request, not a missing token', () => {
    expect(() => bearerToken(undefined, true)).toThrow(InvalidRequestError)
  })
})

describe('hasAccessTokenParam', () => {
  it('RFC 6750 §2.3: finds access_token in the query string, percent-encoded or not', () => {
    expect(hasAccessTokenParam('/data?access_token=x')).toBe(true)
    expect(hasAccessTokenParam('/data?a=1&access_token=')).toBe(true)
    expect(hasAccessTokenParam('/data?access%5Ftoken=x')).toBe(true)
    expect(hasAccessTokenParam('http://h/data?access_token=x')).toBe(true)
    expect(hasAccessTokenParam('/data')).toBe(false)
    expect(hasAccessTokenParam('/data?access_tokens=x')).toBe(false)
    expect(hasAccessTokenParam('/access_token?x=1')).toBe(false)
  })
})
