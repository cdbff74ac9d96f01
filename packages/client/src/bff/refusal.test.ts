import { describe, expect, it } from 'vitest'
import { ClientValidationError, OAuthResponseError } from '../errors.js'
import { isRefusal } from './refusal.js'

describe('isRefusal', () => {
  it('RFC 6749 §5.2: a 400/401 OAuth error is the OP refusing (the session ends)', () => {
    expect(isRefusal(new OAuthResponseError('invalid_grant', { status: 400 }))).toBe(true)
    expect(isRefusal(new OAuthResponseError('invalid_client', { status: 401 }))).toBe(true)
    expect(isRefusal(new OAuthResponseError('unauthorized_client', { status: 400 }))).toBe(true)
    // A response refused on a success status: an invalid or foreign ID token.
    expect(isRefusal(new ClientValidationError('id_token_invalid'))).toBe(true)
    expect(isRefusal(new ClientValidationError('subject_mismatch'))).toBe(true)
    expect(isRefusal(new ClientValidationError('invalid_response', undefined, { status: 200 }))).toBe(true)
  })

  it('RFC 6749 §5.2 / issue: 408, 429, 5xx and gateway pages are no verdict (the session is kept)', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      expect(isRefusal(new ClientValidationError('invalid_response', undefined, { status })), String(status)).toBe(false)
    }
    expect(isRefusal(new OAuthResponseError('slow_down', { status: 429 }))).toBe(false)
    expect(isRefusal(new OAuthResponseError('invalid_request', { status: 403 }))).toBe(false)
    expect(isRefusal(new OAuthResponseError('temporarily_unavailable', { status: 400 }))).toBe(false)
    expect(isRefusal(new ClientValidationError('request_failed'))).toBe(false)
    expect(isRefusal(new DOMException('timed out', 'TimeoutError'))).toBe(false)
  })
})
