/**
 * PKCE on its own: the verifier and challenge syntax, the method policy, and the S256 check,
 * with RFC 7636's own example (Appendix B).
 * @see https://www.rfc-editor.org/rfc/rfc7636
 */
import { describe, expect, it } from 'vitest'
import { InvalidRequestError } from '../errors.js'
import { checkCodeChallenge, isCodeChallenge, isCodeVerifier, verifyCodeVerifier, type PkcePolicy } from './pkce.js'

const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
const confidential: PkcePolicy = { publicClient: false, requirePkce: false, allowPlain: false }

describe('rules/pkce', () => {
  it('RFC 7636 Appendix B: the S256 challenge of the example verifier matches it, and nothing else does', () => {
    expect(verifyCodeVerifier(VERIFIER, CHALLENGE, 'S256')).toBe(true)
    expect(verifyCodeVerifier(`${VERIFIER.slice(0, -1)}l`, CHALLENGE, 'S256')).toBe(false)
    // plain: the verifier is the challenge.
    expect(verifyCodeVerifier(VERIFIER, VERIFIER, 'plain')).toBe(true)
    expect(verifyCodeVerifier(VERIFIER, CHALLENGE, 'plain')).toBe(false)
  })

  it('RFC 7636 §4.1: a code_verifier is 43–128 unreserved characters', () => {
    expect(isCodeVerifier('a'.repeat(43))).toBe(true)
    expect(isCodeVerifier(`${'A'.repeat(40)}-._~`)).toBe(true)
    expect(isCodeVerifier('a'.repeat(128))).toBe(true)
    expect(isCodeVerifier('a'.repeat(42))).toBe(false)
    expect(isCodeVerifier('a'.repeat(129))).toBe(false)
    expect(isCodeVerifier(`${'a'.repeat(42)}+`)).toBe(false)
    expect(isCodeVerifier(`${'a'.repeat(42)}=`)).toBe(false)
  })

  it('RFC 7636 §4.2: an S256 challenge is one unpadded base64url SHA-256 (43 characters); plain follows the verifier syntax', () => {
    expect(isCodeChallenge(CHALLENGE, 'S256')).toBe(true)
    expect(isCodeChallenge('a'.repeat(44), 'S256')).toBe(false)
    expect(isCodeChallenge('a'.repeat(44), 'plain')).toBe(true)
    expect(isCodeChallenge('a'.repeat(42), 'plain')).toBe(false)
  })

  it('RFC 7636 §4.3: an absent code_challenge_method means plain, refused unless plain is allowed', () => {
    expect(() => checkCodeChallenge(VERIFIER, undefined, confidential)).toThrow(/must be S256/)
    expect(checkCodeChallenge(VERIFIER, undefined, { ...confidential, allowPlain: true })).toEqual({ code_challenge: VERIFIER, code_challenge_method: 'plain' })
    expect(checkCodeChallenge(CHALLENGE, 'S256', confidential)).toEqual({ code_challenge: CHALLENGE, code_challenge_method: 'S256' })
    expect(() => checkCodeChallenge(CHALLENGE, 'S512', { ...confidential, allowPlain: true })).toThrow(InvalidRequestError)
  })

  it('RFC 7636 §4.4.1: a malformed code_challenge is invalid_request', () => {
    expect(() => checkCodeChallenge('short', 'S256', confidential)).toThrow(/malformed/)
    expect(() => checkCodeChallenge(`${CHALLENGE}=`, 'S256', confidential)).toThrow(/malformed/)
  })

  it('RFC 9700 §2.1.1: public clients must use PKCE; require_pkce extends that to every client', () => {
    expect(checkCodeChallenge(undefined, undefined, confidential)).toEqual({})
    expect(() => checkCodeChallenge(undefined, undefined, { ...confidential, publicClient: true })).toThrow(/required for public clients/)
    expect(() => checkCodeChallenge(undefined, undefined, { ...confidential, requirePkce: true })).toThrow(/PKCE is required/)
    expect(() => checkCodeChallenge(undefined, 'S256', confidential)).toThrow(/without code_challenge/)
  })
})
