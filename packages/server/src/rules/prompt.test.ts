/**
 * The prompt and max_age parameters on their own.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
import { describe, expect, it } from 'vitest'
import { InvalidRequestError } from '../errors.js'
import { parseMaxAge, parsePrompt } from './prompt.js'

describe('rules/prompt', () => {
  it('OIDC Core §3.1.2.1: prompt is a space-delimited list of none, login, consent, select_account', () => {
    expect(parsePrompt(undefined)).toEqual([])
    expect(parsePrompt('login consent')).toEqual(['login', 'consent'])
    expect(parsePrompt('login  login')).toEqual(['login'])
    expect(parsePrompt('select_account')).toEqual(['select_account'])
    expect(() => parsePrompt('create')).toThrow(InvalidRequestError)
    // Values are case-sensitive.
    expect(() => parsePrompt('Login')).toThrow(/not supported/)
  })

  it('OIDC Core §3.1.2.1: prompt=none combined with any other value is invalid_request', () => {
    expect(parsePrompt('none')).toEqual(['none'])
    expect(() => parsePrompt('none login')).toThrow(/cannot be combined/)
    expect(() => parsePrompt('consent none')).toThrow(/cannot be combined/)
  })

  it('OIDC Core §3.1.2.1: max_age is a non-negative number of seconds (0 is allowed)', () => {
    expect(parseMaxAge(undefined)).toBeUndefined()
    expect(parseMaxAge('0')).toBe(0)
    expect(parseMaxAge('3600')).toBe(3600)
    for (const bad of ['-1', '1.5', '1e3', ' 1', '12345678901', 'abc']) expect(() => parseMaxAge(bad)).toThrow(/max_age/)
  })
})
