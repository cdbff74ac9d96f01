/**
 * The error table keeps classes and docs honest (STYLE.md "Error model", rule 6): one class per
 * code, named `<PascalCase code>Error`, with the table's status; every code is in the README.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as surface from './index.js'
import { ERROR_CLASSES, RESOURCE_SERVER_ERRORS, ResourceServerError, type ResourceServerErrorCode } from './errors.js'

const pascal = (code: string) => code.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())

describe('error table', () => {
  const codes = Object.keys(RESOURCE_SERVER_ERRORS) as ResourceServerErrorCode[]

  it('RFC 6750 §3.1: every code has exactly one class, <PascalCase code>Error, exported, with the table\'s status', () => {
    expect(Object.keys(ERROR_CLASSES)).toEqual(codes)
    for (const code of codes) {
      const Class = ERROR_CLASSES[code] as unknown as new (d: string, s: string) => ResourceServerError
      expect(Class.name).toBe(`${pascal(code)}Error`)
      expect((surface as Record<string, unknown>)[Class.name]).toBe(Class)
      const err = new Class('description', 'scope')
      expect(err).toBeInstanceOf(ResourceServerError)
      expect(err.code).toBe(code)
      expect(err.status).toBe(RESOURCE_SERVER_ERRORS[code].status)
      expect(err.name).toBe(Class.name)
      expect(err.message).toBe('description')
    }
  })

  it('RFC 6750 §3.1: the statuses are 400, 401, 403 (and 503 when the issuer cannot be reached)', () => {
    expect(RESOURCE_SERVER_ERRORS.invalid_request.status).toBe(400)
    expect(RESOURCE_SERVER_ERRORS.invalid_token.status).toBe(401)
    expect(RESOURCE_SERVER_ERRORS.insufficient_scope.status).toBe(403)
    expect(RESOURCE_SERVER_ERRORS.temporarily_unavailable.status).toBe(503)
  })

  it('every code and class is documented in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    for (const code of codes) {
      expect(readme).toContain(`\`${code}\``)
      expect(readme).toContain(`\`${pascal(code)}Error\``)
    }
  })
})
