/**
 * Scope requirements (scopes.ts): whole-token matching, "all of" lists, `{param}` templates and
 * the injection rules of RFC 6749 §3.3, without HTTP.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
import { describe, expect, it } from 'vitest'
import { InsufficientScopeError } from './errors.js'
import { compileScopes, hasScope } from './scopes.js'

function challengeOf(fn: () => void): string {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InsufficientScopeError)
    return (err as InsufficientScopeError).scope
  }
  throw new Error('expected InsufficientScopeError')
}

describe('hasScope', () => {
  it('RFC 6749 §3.3: matches whole space-delimited tokens only', () => {
    expect(hasScope('read:data write:data', 'read:data')).toBe(true)
    expect(hasScope('read:data write:data', 'write:data')).toBe(true)
    expect(hasScope('read:data', 'read:data')).toBe(true)
    expect(hasScope('read:data:all', 'read:data')).toBe(false)
    expect(hasScope('xread:data', 'read:data')).toBe(false)
    expect(hasScope('read:dat', 'read:data')).toBe(false)
    expect(hasScope('xread:data read:data', 'read:data')).toBe(true)
    expect(hasScope('', 'read:data')).toBe(false)
    expect(hasScope('read:data', '')).toBe(false)
  })

  it('RFC 6749 §3.3: scope values are case-sensitive', () => {
    expect(hasScope('Read:Data', 'read:data')).toBe(false)
  })
})

describe('compileScopes', () => {
  it('RFC 6750 §3.1: every listed scope is required ("all of"); the challenge lists them all', () => {
    const req = compileScopes(['read:data', 'write:data'])
    expect(() => req.check('write:data read:data')).not.toThrow()
    expect(challengeOf(() => req.check('read:data'))).toBe('read:data write:data')
    expect(challengeOf(() => req.check(undefined))).toBe('read:data write:data')
  })

  it('RFC 6749 §3.3: a template is resolved from the route parameter and matched exactly', () => {
    const req = compileScopes(['read:organization:{orgId}'])
    expect(req.params).toEqual(['orgId'])
    expect(() => req.check('read:organization:acme', { orgId: 'acme' })).not.toThrow()
    expect(challengeOf(() => req.check('read:organization:acme', { orgId: 'globex' }))).toBe('read:organization:globex')
    expect(challengeOf(() => req.check('read:organization:acme', { orgId: 'acm' }))).toBe('read:organization:acm')
  })

  it('RFC 6749 §3.3: several placeholders and literal text around them', () => {
    const req = compileScopes(['org:{org}:project:{project}:read'])
    expect(() => req.check('org:a:project:b:read', { org: 'a', project: 'b' })).not.toThrow()
    expect(() => req.check('org:a:project:b:read', { org: 'a', project: 'c' })).toThrow(InsufficientScopeError)
  })

  it('RFC 6749 §3.3: a parameter value that is not a scope-token (1*NQCHAR) makes the requirement unsatisfiable', () => {
    const req = compileScopes(['read:organization:{orgId}'])
    const granted = 'read:organization:x read:organization:y read:organization:acme'
    for (const orgId of ['x read:organization:y', 'acme ', '', 'a"b', 'a\\b', 'a\nb', 'a\u0000', 'é', 'a\tb']) {
      expect(challengeOf(() => req.check(granted, { orgId }))).toBe('read:organization:{orgId}')
    }
    // Not a string at all (an Express 5 wildcard gives an array), or missing.
    expect(challengeOf(() => req.check(granted, { orgId: ['acme'] }))).toBe('read:organization:{orgId}')
    expect(challengeOf(() => req.check(granted, {}))).toBe('read:organization:{orgId}')
    expect(challengeOf(() => req.check(granted))).toBe('read:organization:{orgId}')
  })

  it('RFC 6749 §3.3: malformed templates are refused at definition (boot), not per request', () => {
    for (const bad of ['read data', 'read:"x"', 'read:{', 'read:{org', 'read:}', 'read:{1abc}', '', 'read:{a b}']) {
      expect(() => compileScopes([bad]), bad).toThrow(TypeError)
    }
    expect(() => compileScopes('read:data' as unknown as string[])).toThrow(TypeError)
  })

  it('an empty list requires nothing', () => {
    expect(() => compileScopes([]).check(undefined)).not.toThrow()
  })
})
