/** Unit tests of the resource indicator rules (RFC 8707), without a store or HTTP. @see issue 8 */
import { describe, expect, it } from 'vitest'
import { InvalidRequestError, InvalidTargetError } from '../errors.js'
import {
  assertResourcePermitted,
  assertSameResource,
  permittedResources,
  requestedResource,
  resolveResource,
  resourceDisplayName,
  scopeFitsResource,
  scopeOwners,
  type ResourceConfig,
} from './resource.js'

const API = 'https://api.example.test'
const PAYMENTS = 'https://payments.example.test'
const config: ResourceConfig = {
  resources: [
    { identifier: API, scopes: ['read:data', 'write:data'] },
    { identifier: PAYMENTS, name: 'Payments', scopes: ['pay', 'read:data'] },
  ],
  default_resource: API,
}
const noDefault: ResourceConfig = { resources: config.resources }

const unregistered = { resources: null }
const paymentsOnly = { resources: [PAYMENTS] }
const loginOnly = { resources: [] }

describe('rules/resource', () => {
  it('RFC 8707 §2: a client that names no resources may get tokens for default_resource only, or for none without one', () => {
    expect(permittedResources(unregistered, config)).toEqual([API])
    expect(permittedResources(unregistered, noDefault)).toEqual([])
    expect(permittedResources(paymentsOnly, config)).toEqual([PAYMENTS])
    expect(permittedResources(loginOnly, config)).toEqual([])
  })

  it('RFC 8707 §2: a resource the client is not registered for is invalid_target', () => {
    expect(() => resolveResource({ resource: PAYMENTS }, unregistered, config)).toThrow(InvalidTargetError)
    expect(() => resolveResource({ audience: PAYMENTS }, unregistered, config)).toThrow(InvalidTargetError)
    expect(() => resolveResource({ resource: API }, paymentsOnly, config)).toThrow(InvalidTargetError)
    expect(() => resolveResource({ resource: API }, loginOnly, config)).toThrow(InvalidTargetError)
    expect(() => resolveResource({ resource: API }, unregistered, noDefault)).toThrow(InvalidTargetError)
    expect(resolveResource({ resource: PAYMENTS }, paymentsOnly, config)).toBe(PAYMENTS)
    expect(resolveResource({ resource: API, audience: API }, unregistered, config)).toBe(API)
  })

  it('RFC 8707 §2: an omitted resource is default_resource when the client may have it, else none (a token for the issuer)', () => {
    expect(resolveResource({}, unregistered, config)).toBe(API)
    expect(resolveResource({}, paymentsOnly, config)).toBeNull()
    expect(resolveResource({}, loginOnly, config)).toBeNull()
    expect(resolveResource({}, unregistered, noDefault)).toBeNull()
  })

  it('RFC 8707 §2: a target that is not an absolute URI, has a fragment or is unknown is invalid_target; resource and audience must agree', () => {
    expect(() => requestedResource({ resource: 'api' }, config)).toThrow(InvalidTargetError)
    expect(() => requestedResource({ resource: `${API}#x` }, config)).toThrow(InvalidTargetError)
    expect(() => requestedResource({ resource: 'https://unknown.example.test' }, config)).toThrow(InvalidTargetError)
    expect(() => requestedResource({ resource: API, audience: PAYMENTS }, config)).toThrow(InvalidRequestError)
    expect(requestedResource({}, config)).toBeUndefined()
  })

  it('RFC 8707 §2: the issuer itself (no resource) is always permitted', () => {
    expect(() => assertResourcePermitted(null, loginOnly, config)).not.toThrow()
    expect(() => assertResourcePermitted(API, loginOnly, config)).toThrow(InvalidTargetError)
  })

  it('RFC 8707 §2.2: a request on an existing grant may repeat or omit its resource, never name another', () => {
    expect(() => assertSameResource({}, API)).not.toThrow()
    expect(() => assertSameResource({ resource: API, audience: API }, API)).not.toThrow()
    expect(() => assertSameResource({ resource: PAYMENTS }, API)).toThrow(InvalidTargetError)
    expect(() => assertSameResource({ audience: PAYMENTS }, API)).toThrow(InvalidTargetError)
    expect(() => assertSameResource({ resource: API }, null)).toThrow(InvalidTargetError)
  })

  it('RFC 8707 §2 + RFC 6749 §3.3: a resource\'s scope is granted only for that resource (or one of its owners); other scopes anywhere', () => {
    expect(scopeOwners('read:data', config)).toEqual([API, PAYMENTS])
    expect(scopeFitsResource('pay', PAYMENTS, config)).toBe(true)
    expect(scopeFitsResource('pay', API, config)).toBe(false)
    expect(scopeFitsResource('pay', null, config)).toBe(false)
    expect(scopeFitsResource('read:data', API, config)).toBe(true)
    expect(scopeFitsResource('openid', null, config)).toBe(true)
    expect(scopeFitsResource('openid', PAYMENTS, config)).toBe(true)
  })

  it('consent page: a resource is named by its configured name, else by its identifier', () => {
    expect(resourceDisplayName(PAYMENTS, config)).toBe('Payments')
    expect(resourceDisplayName(API, config)).toBe(API)
  })
})
