/**
 * resolveScope remembers granted scopes per client record (grants/scope.ts): the remembered answer
 * must be the one it would compute, per resource and per request, and a refusal is never
 * remembered as a grant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidScopeError } from '../errors.js'
import { createTestContext, TEST_API, TEST_OTHER_API, type TestContext } from '../../test/support/context.js'
import { resolveScope } from './scope.js'

let t: TestContext
beforeAll(async () => {
  t = await createTestContext()
})
afterAll(() => t.close())

describe('resolveScope, remembered per client record', () => {
  it('RFC 6749 §3.3: the same request gets the same scopes, as a fresh array each time', async () => {
    const client = await t.client('service')
    const first = resolveScope('read:data write:data', client, t.config, TEST_API, { userScopes: false })
    expect(first).toEqual(['read:data', 'write:data'])
    first.push('tampered')
    expect(resolveScope('read:data write:data', client, t.config, TEST_API, { userScopes: false })).toEqual(['read:data', 'write:data'])
  })

  it('RFC 8707 §2: the answer is per resource, and the default scope is per resource', async () => {
    const client = await t.client('service')
    expect(resolveScope(undefined, client, t.config, TEST_API, { userScopes: false })).toEqual(['read:data', 'write:data'])
    expect(resolveScope(undefined, client, t.config, TEST_OTHER_API, { userScopes: false })).toEqual(['read:other'])
    expect(resolveScope(undefined, client, t.config, TEST_API)).toEqual(['openid', 'read:data', 'write:data'])
    expect(() => resolveScope('read:data', client, t.config, TEST_OTHER_API)).toThrow(InvalidScopeError)
    // Asked again after the refusal: still refused, and the grant for the right resource still stands.
    expect(() => resolveScope('read:data', client, t.config, TEST_OTHER_API)).toThrow(InvalidScopeError)
    expect(resolveScope('read:data', client, t.config, TEST_API)).toEqual(['read:data'])
  })

  it('RFC 6749 §3.3: a scope the client is not registered for stays invalid_scope however often it is asked', async () => {
    const client = await t.client('tv')
    for (let i = 0; i < 3; i++) expect(() => resolveScope('write:data', client, t.config, TEST_API)).toThrow(InvalidScopeError)
    // More distinct requests than are remembered per client: each answer is still right.
    for (let i = 0; i < 100; i++) expect(resolveScope(`read:data${' '.repeat(i % 7)} unknown-${i}`, client, t.config, TEST_API)).toEqual(['read:data'])
  })
})
