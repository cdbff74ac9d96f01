/**
 * The HTTP form of errors (error-response.ts): RFC 6750 §3 challenges and bodies, the bare
 * challenge of §3.1, 503 without a challenge, and header-safe quoting.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import { describe, expect, it } from 'vitest'
import { errorResponse, wwwAuthenticate } from './error-response.js'
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError, TemporarilyUnavailableError } from './errors.js'

const REALM = 'https://api.example.com'

describe('errorResponse', () => {
  it('RFC 6750 §3.1: a missing token gets the bare challenge and no body', () => {
    const r = errorResponse(new InvalidTokenError('an access token is required', { tokenMissing: true }), REALM)
    expect(r).toEqual({ status: 401, headers: { 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="https://api.example.com"' }, body: null })
  })

  it('RFC 6750 §3: invalid_token is 401 with error and error_description in challenge and body', () => {
    const r = errorResponse(new InvalidTokenError('the access token is invalid', { detail: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }), REALM)
    expect(r.status).toBe(401)
    expect(r.headers['www-authenticate']).toBe('Bearer realm="https://api.example.com", error="invalid_token", error_description="the access token is invalid"')
    expect(JSON.parse(r.body as string)).toEqual({ error: 'invalid_token', error_description: 'the access token is invalid' })
    expect(r.body).not.toContain('ERR_') // detail is private
  })

  it('RFC 6750 §3.1: invalid_request is 400, insufficient_scope 403 with scope=', () => {
    expect(errorResponse(new InvalidRequestError('bad'), REALM).status).toBe(400)
    const r = errorResponse(new InsufficientScopeError('needs more', 'read:data write:data'), REALM)
    expect(r.status).toBe(403)
    expect(r.headers['www-authenticate']).toBe('Bearer realm="https://api.example.com", error="insufficient_scope", error_description="needs more", scope="read:data write:data"')
  })

  it('RFC 6750 §3: a refusal that names no scope (an organization role is missing) has no scope attribute', () => {
    const r = errorResponse(new InsufficientScopeError('needs a role', ''), REALM)
    expect(r.status).toBe(403)
    expect(r.headers['www-authenticate']).toBe('Bearer realm="https://api.example.com", error="insufficient_scope", error_description="needs a role"')
  })

  it('RFC 6749 §4.1.2.1: temporarily_unavailable is 503 with Retry-After and no challenge', () => {
    const r = errorResponse(new TemporarilyUnavailableError('down', { detail: 'jwks_uri answered HTTP 502' }), REALM)
    expect(r.status).toBe(503)
    expect(r.headers['retry-after']).toBe('5')
    expect(r.headers['www-authenticate']).toBeUndefined()
    expect(r.body).not.toContain('502')
  })

  it('RFC 6750 §3: attribute values keep only the allowed characters, so nothing breaks out of the header', () => {
    const value = wwwAuthenticate(new InsufficientScopeError('a "quoted"\r\nX-Injected: 1 \\ é', 'read:"x"\r\n'), 're"alm')
    expect(value).toBe('Bearer realm="realm", error="insufficient_scope", error_description="a quotedX-Injected: 1  ", scope="read:x"')
  })
})
