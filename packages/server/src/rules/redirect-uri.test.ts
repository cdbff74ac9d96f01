/**
 * The redirect URI rules on their own: exact match, the loopback port of native apps, what is
 * never a redirect target, what may be registered, and the logout redirect.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
import { describe, expect, it } from 'vitest'
import { isRegisteredPostLogoutRedirectUri, matchRedirectUri, redirectUriRegistrationProblem, resolveRedirectUri } from './redirect-uri.js'

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

describe('resolveRedirectUri', () => {
  const confidential = { redirect_uris: ['https://rp.example/cb'], token_endpoint_auth_method: 'client_secret_basic' }
  const native = { redirect_uris: [LOOPBACK, 'com.example.app:/cb'], token_endpoint_auth_method: 'none' }

  it('RFC 6749 §3.1.2.3: an omitted redirect_uri means the single registered one, but not for OpenID requests (OIDC Core §3.1.2.1)', () => {
    expect(resolveRedirectUri(confidential, undefined, false)).toEqual({ uri: 'https://rp.example/cb' })
    expect(resolveRedirectUri(confidential, undefined, true)).toEqual({ error: 'The request has no redirect_uri.' })
    expect(resolveRedirectUri(native, undefined, false)).toEqual({ error: 'The request has no redirect_uri.' })
  })

  it('RFC 6749 §3.1.2: a sent redirect_uri must match a registered one exactly', () => {
    expect(resolveRedirectUri(confidential, 'https://rp.example/cb', true)).toEqual({ uri: 'https://rp.example/cb' })
    expect(resolveRedirectUri(confidential, 'https://rp.example/cb/', true)).toEqual({ error: 'The redirect_uri of this request is not registered for this application.' })
  })

  it('RFC 8252 §7.3: only a public client (a native app) gets the loopback port exception', () => {
    expect(resolveRedirectUri(native, 'http://127.0.0.1:6001/cb', true)).toEqual({ uri: 'http://127.0.0.1:6001/cb' })
    const loopbackConfidential = { ...confidential, redirect_uris: [LOOPBACK] }
    expect(resolveRedirectUri(loopbackConfidential, 'http://127.0.0.1:6001/cb', true)).toHaveProperty('error')
  })

  it('RFC 3986 §2: a redirect_uri with characters a URI cannot have is refused with its own reason', () => {
    expect(resolveRedirectUri(confidential, 'https://rp.example/cb\r\n', true)).toEqual({ error: 'The redirect_uri of this request contains characters a URI cannot have.' })
  })
})

describe('redirectUriRegistrationProblem', () => {
  it('RFC 6749 §3.1.2: a registered redirect URI is absolute and has no fragment', () => {
    expect(redirectUriRegistrationProblem('https://rp.example/cb')).toBeNull()
    expect(redirectUriRegistrationProblem('com.example.app:/cb')).toBeNull()
    expect(redirectUriRegistrationProblem('/cb')).toBe('must be an absolute URL, got "/cb"')
    expect(redirectUriRegistrationProblem('https://rp.example/cb#')).toBe('must not contain a fragment (RFC 6749 §3.1.2)')
  })

  it('RFC 3986 §2: a registered redirect URI is visible ASCII (it could never be matched otherwise)', () => {
    expect(redirectUriRegistrationProblem('https://rp.example/café')).toMatch(/visible ASCII/)
    expect(redirectUriRegistrationProblem('https://rp.example/a b')).toMatch(/visible ASCII/)
  })

  it('RFC 9700 §4.1.3: javascript: and data: URIs are never redirect targets', () => {
    expect(redirectUriRegistrationProblem('javascript:alert(1)')).toBe('must not use the javascript: scheme')
    expect(redirectUriRegistrationProblem('data:text/html,x')).toBe('must not use the data: scheme')
  })
})

describe('isRegisteredPostLogoutRedirectUri', () => {
  it('OIDC RP-Initiated Logout §3: the post_logout_redirect_uri must be registered, compared as a string', () => {
    const client = { post_logout_redirect_uris: ['https://rp.example/bye', LOOPBACK] }
    expect(isRegisteredPostLogoutRedirectUri(client, 'https://rp.example/bye')).toBe(true)
    expect(isRegisteredPostLogoutRedirectUri(client, 'https://rp.example/bye?x=1')).toBe(false)
    expect(isRegisteredPostLogoutRedirectUri(client, 'http://127.0.0.1:6001/cb')).toBe(false)
  })
})
