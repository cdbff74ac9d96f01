/**
 * The token exchange request and the checks of its answer (token-exchange.ts), without HTTP; the
 * exchange against a real Latch is test/organizations.test.ts.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.2.1
 */
import { describe, expect, it } from 'vitest'
import { ClientValidationError } from './errors.js'
import { checkExchangeResponse, exchangeParameters, TOKEN_EXCHANGE_GRANT_TYPE, TOKEN_TYPES } from './token-exchange.js'
import { organizationFromScope } from './token-set.js'

describe('exchangeParameters', () => {
  it('RFC 8693 §2.1 / §3: the refresh token is the subject when there is one, and a refresh token is asked for back', () => {
    expect(exchangeParameters({ accessToken: 'at', refreshToken: 'rt' }, 'globex')).toEqual({
      subject_token: 'rt',
      subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
      organization: 'globex',
    })
    expect(TOKEN_EXCHANGE_GRANT_TYPE).toBe('urn:ietf:params:oauth:grant-type:token-exchange')
  })

  it('RFC 8693 §2.1: without a refresh token the access token is the subject and the default (an access token) is asked for', () => {
    expect(exchangeParameters({ accessToken: 'at' }, 'globex', 'https://api.example.com')).toEqual({
      subject_token: 'at',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      organization: 'globex',
      resource: 'https://api.example.com',
    })
  })

  it('RFC 9700 §4.14.2: a public client presents its access token even with a refresh token (only the refresh grant rotates that one)', () => {
    expect(exchangeParameters({ accessToken: 'at', refreshToken: 'rt' }, 'globex', undefined, true)).toEqual({
      subject_token: 'at',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      organization: 'globex',
    })
  })
})

describe('checkExchangeResponse', () => {
  const refused = (body: Record<string, unknown>) => {
    try {
      checkExchangeResponse(body, 'globex')
    } catch (err) {
      expect(err).toBeInstanceOf(ClientValidationError)
      return (err as ClientValidationError).code
    }
    return null
  }

  it('RFC 8693 §2.2.1: issued_token_type is required and must be a token type this client can use', () => {
    expect(refused({})).toBe('invalid_response')
    expect(refused({ issued_token_type: 'urn:ietf:params:oauth:token-type:id_token' })).toBe('invalid_response')
    expect(refused({ issued_token_type: TOKEN_TYPES.access_token })).toBeNull()
    expect(refused({ issued_token_type: TOKEN_TYPES.refresh_token, refresh_token: 'rt' })).toBeNull()
  })

  it('RFC 8693 §2.2.1: a refresh token under issued_token_type access_token is refused', () => {
    expect(refused({ issued_token_type: TOKEN_TYPES.access_token, refresh_token: 'rt' })).toBe('invalid_response')
  })

  it('a granted scope naming another organization than the one asked for is refused', () => {
    expect(refused({ issued_token_type: TOKEN_TYPES.access_token, scope: 'openid organization:acme' })).toBe('invalid_response')
    expect(refused({ issued_token_type: TOKEN_TYPES.access_token, scope: 'openid organization:globex read:organization:globex' })).toBeNull()
    expect(refused({ issued_token_type: TOKEN_TYPES.access_token, scope: 'openid read:data' })).toBeNull()
  })
})

describe('organizationFromScope', () => {
  it('names the one organization:<id> value; none, an empty id or two of them name nothing', () => {
    expect(organizationFromScope('openid organization:acme read:organization:acme')).toBe('acme')
    expect(organizationFromScope('openid read:organization:acme')).toBeUndefined()
    expect(organizationFromScope('organization:')).toBeUndefined()
    expect(organizationFromScope('organization:acme organization:globex')).toBeUndefined()
  })
})
