import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_CLASSES, OAUTH_ERRORS, OAuthError, type OAuthErrorCode } from './errors.js'
import * as errors from './errors.js'

const codes = Object.keys(OAUTH_ERRORS) as OAuthErrorCode[]
// `server_error` ↔ `ServerError`, not `ServerErrorError`: a code that already ends in "error" is not doubled.
const pascal = (code: string) => (code.split('_').map((p) => p[0]!.toUpperCase() + p.slice(1)).join('') + 'Error').replace(/ErrorError$/, 'Error')

describe('error table', () => {
  it('STYLE naming rule 4: every code has exactly one <PascalCase code>Error subclass carrying it', () => {
    for (const code of codes) {
      const Cls = ERROR_CLASSES[code]
      expect(Cls.name).toBe(pascal(code))
      const err = new Cls('x')
      expect(err).toBeInstanceOf(OAuthError)
      expect(err.code).toBe(code)
      expect(err.status).toBe(OAUTH_ERRORS[code].status)
    }
  })

  it('STYLE error model rule 6: every exported OAuthError subclass is in the table', () => {
    const exported = Object.values(errors).filter(
      (v): v is typeof OAuthError => typeof v === 'function' && v.prototype instanceof OAuthError,
    )
    expect(exported.map((c) => c.name).sort()).toEqual(codes.map(pascal).sort())
  })

  it('STYLE error model rule 6: every code is documented in the README and in docs/architecture.md', () => {
    for (const doc of ['../../../README.md', '../../../docs/architecture.md']) {
      const text = readFileSync(new URL(doc, import.meta.url), 'utf8')
      for (const code of codes) expect(text, `${doc}: ${code}`).toContain(`| \`${code}\` |`)
    }
  })

  it('STYLE error model rule 2: only description becomes error_description; detail stays private', () => {
    const err = new errors.InvalidGrantError('code was already used', { detail: 'hash abc123' })
    expect(err.toJSON()).toEqual({ error: 'invalid_grant', error_description: 'code was already used' })
    expect(JSON.stringify(err.toJSON())).not.toContain('abc123')
  })

  it('RFC 6749 §5.2: invalid_client is 401, the other token errors 400', () => {
    expect(new errors.InvalidClientError('x').status).toBe(401)
    for (const c of ['invalid_request', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'] as const) {
      expect(OAUTH_ERRORS[c].status).toBe(400)
    }
  })
})

describe('error_description', () => {
  it('RFC 6749 §5.2: error_description on the wire uses only %x20-21 / %x23-5B / %x5D-7E', () => {
    const err = new errors.InvalidScopeError('scope "foo" is not allowed (RFC 9700 §2.1.1) \\ é')
    expect(err.toJSON().error_description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]*$/)
    expect(err.toJSON().error_description).toBe("scope 'foo' is not allowed (RFC 9700 section 2.1.1) / ")
    expect(err.description).toContain('§')
  })
})
