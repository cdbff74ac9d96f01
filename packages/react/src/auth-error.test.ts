import { describe, expect, it } from 'vitest'
import { AuthError, describeAuthError, errorCode } from './auth-error.js'

describe('AuthError', () => {
  it('RFC 6749 §4.1.2.1: carries the OAuth error code to switch on', () => {
    const err = new AuthError('access_denied')
    expect(err).toBeInstanceOf(Error)
    expect(err.code).toBe('access_denied')
    expect(err.name).toBe('AuthError')
  })

  it('RFC 6749 §5.2: only error-code shaped values are taken from a URL', () => {
    expect(errorCode('access_denied')).toBe('access_denied')
    expect(errorCode('Call 555-0100 to unlock your account')).toBeUndefined()
    expect(errorCode('<script>')).toBeUndefined()
    expect(errorCode(null)).toBeUndefined()
  })

  it('shows a sentence from a fixed table, never text from the URL', () => {
    expect(describeAuthError({ code: 'access_denied' })).toBe('Sign-in was cancelled or access was denied.')
    expect(describeAuthError({ code: 'something_else', description: 'attacker text' })).toBe('Sign-in failed. Please try again.')
  })

  it('RFC 8693 §2.2.2: a refused organization switch (invalid_target) reads as not being a member', () => {
    expect(describeAuthError({ code: 'invalid_target' })).toBe('You are not a member of that organization.')
  })
})
