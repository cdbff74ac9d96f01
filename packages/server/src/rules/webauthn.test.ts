import { describe, expect, it } from 'vitest'
import { MAX_RESPONSE_LENGTH, parseCredentialResponse, passkeyAmr, passkeyName, relyingPartyOf } from './webauthn.js'

const clientData = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
const response = (challenge: unknown, over: Record<string, unknown> = {}) =>
  JSON.stringify({ id: 'Y3JlZGVudGlhbA', rawId: 'Y3JlZGVudGlhbA', type: 'public-key', response: { clientDataJSON: clientData({ type: 'webauthn.get', challenge }) }, ...over })

describe('WebAuthn rules (issue 13)', () => {
  it('WebAuthn L3 §5.1.2: the RP ID is the issuer\'s host, the origin the issuer\'s origin (path tenants share both)', () => {
    expect(relyingPartyOf('https://id.example.com')).toEqual({ id: 'id.example.com', origin: 'https://id.example.com' })
    expect(relyingPartyOf('https://example.com/t/acme')).toEqual({ id: 'example.com', origin: 'https://example.com' })
    expect(relyingPartyOf('http://localhost:9000')).toEqual({ id: 'localhost', origin: 'http://localhost:9000' })
  })

  it('RFC 8176 §2: hwk for a device-bound passkey, swk for a backup-eligible one, each with user and mfa', () => {
    expect(passkeyAmr(false)).toEqual(['hwk', 'user', 'mfa'])
    expect(passkeyAmr(true)).toEqual(['swk', 'user', 'mfa'])
  })

  it('the challenge is read from clientDataJSON only when everything around it is well-formed', () => {
    const challenge = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    expect(parseCredentialResponse(response(challenge))?.challenge).toBe(challenge)
    for (const bad of [
      undefined, '', 'null', '[]', '{', response(challenge, { id: 'has space' }), response(challenge, { id: 7 }), response(challenge, { response: null }),
      response(challenge, { response: { clientDataJSON: '***' } }), response(challenge, { response: { clientDataJSON: 'bm90IGpzb24' } }),
      response(42), response('short'), response('x'.repeat(200)), 'x'.repeat(MAX_RESPONSE_LENGTH + 1),
    ]) {
      expect(parseCredentialResponse(bad), String(bad).slice(0, 60)).toBeNull()
    }
  })

  it('a passkey name is trimmed, without control characters, at most 64 characters; empty is none', () => {
    expect(passkeyName('  Work laptop\u0007 ')).toBe('Work laptop')
    expect(passkeyName('x'.repeat(80))).toBe('x'.repeat(64))
    expect(passkeyName(' \n\t ')).toBeNull()
    expect(passkeyName(undefined)).toBeNull()
  })
})
