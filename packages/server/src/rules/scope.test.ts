/**
 * The scope rules on their own (RFC 6749 §3.3, §6; RFC 8707 §2 for scopes that belong to a
 * resource; OIDC Core §3.1.2.1 for scope values the server does not know), without a store or HTTP.
 * The grants and the authorization endpoint exercise the same functions end to end.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
import { describe, expect, it } from 'vitest'
import { InvalidScopeError, InvalidTargetError } from '../errors.js'
import { assertStillRegistered, defaultScope, isStandardScope, MAX_DYNAMIC_SCOPES, narrowScope, parseScope, resolveScope, resolveScopeRequest, unregisteredScopes, type ScopeClient, type ScopeConfig } from './scope.js'
import { parseTemplate } from './scope-template.js'

const API = 'https://api.example.test'
const PAYMENTS = 'https://payments.example.test'
const config: ScopeConfig = {
  known_scopes: ['openid', 'profile', 'email', 'offline_access', 'read:data', 'write:data', 'pay'],
  resources: [
    { identifier: API, scopes: ['read:data', 'write:data'] },
    { identifier: PAYMENTS, scopes: ['pay'] },
  ],
  default_resource: API,
  scope_templates: [],
}
const client: ScopeClient = { scope: 'openid profile offline_access read:data write:data pay', resources: [API, PAYMENTS] }

const invalidScope = (run: () => unknown) => expect(run).toThrow(InvalidScopeError)

describe('parseScope', () => {
  it('RFC 6749 §3.3: scope is a space-delimited list; repeated and empty tokens collapse, order is kept', () => {
    expect(parseScope('openid  profile openid')).toEqual(['openid', 'profile'])
    expect(parseScope('')).toEqual([])
    expect(parseScope(undefined)).toBeUndefined()
  })

  it('RFC 6749 §3.3: a scope token is %x21 / %x23-5B / %x5D-7E; a quote, a backslash or a control character is invalid_scope', () => {
    for (const bad of ['read"data', 'read\\data', 'read\tdata', 'lecture:données']) invalidScope(() => parseScope(bad))
    expect(parseScope('!#[]~')).toEqual(['!#[]~'])
  })
})

describe('resolveScope', () => {
  it('RFC 6749 §3.3: an omitted scope is the registered scope that fits the audience (another resource\'s scopes are left out)', () => {
    expect(resolveScope(undefined, client, config, API)).toEqual(['openid', 'profile', 'offline_access', 'read:data', 'write:data'])
    expect(resolveScope(undefined, client, config, PAYMENTS)).toEqual(['openid', 'profile', 'offline_access', 'pay'])
  })

  it('RFC 6749 §4.4.2: without a user (userScopes: false) the default leaves the OIDC user scopes out', () => {
    expect(resolveScope(undefined, client, config, API, { userScopes: false })).toEqual(['read:data', 'write:data'])
    expect(defaultScope(client, config, API, false)).toEqual(['read:data', 'write:data'])
  })

  it('OIDC Core §3.1.2.1: scope values the server does not know are ignored; only unknown ones is invalid_scope', () => {
    expect(resolveScope('openid read:data made:up', client, config, API)).toEqual(['openid', 'read:data'])
    invalidScope(() => resolveScope('made:up other:thing', client, config, API))
  })

  it('RFC 6749 §3.3: a known scope the client is not registered for is invalid_scope', () => {
    invalidScope(() => resolveScope('email', client, config, API))
  })

  it('RFC 8707 §2: a scope that belongs to another resource is invalid_scope for this one', () => {
    invalidScope(() => resolveScope('pay', client, config, API))
    expect(resolveScope('pay', client, config, PAYMENTS)).toEqual(['pay'])
    invalidScope(() => resolveScope('read:data', client, config, null))
  })
})

describe('narrowScope', () => {
  it('RFC 6749 §6: a refresh may narrow the scope, and an omitted scope is the original one', () => {
    expect(narrowScope('read:data', 'openid read:data write:data')).toEqual(['read:data'])
    expect(narrowScope(undefined, 'openid read:data')).toEqual(['openid', 'read:data'])
  })

  it('RFC 6749 §6: a refresh may not add a scope not originally granted', () => {
    invalidScope(() => narrowScope('read:data pay', 'openid read:data'))
  })
})

describe('assertStillRegistered', () => {
  it('RFC 6749 §5.2: a scope the client has lost since the grant is invalid_scope', () => {
    expect(() => assertStillRegistered(['read:data'], API, client, config)).not.toThrow()
    invalidScope(() => assertStillRegistered(['read:data'], API, { ...client, scope: 'openid write:data' }, config))
  })

  it('RFC 8707 §2: a resource the client has lost since the grant is invalid_target', () => {
    expect(() => assertStillRegistered(['pay'], PAYMENTS, { ...client, resources: [API] }, config)).toThrow(InvalidTargetError)
  })
})

describe('isStandardScope', () => {
  it('OIDC Core §5.4 and §11: the OpenID scopes are standard, an API scope is not', () => {
    for (const s of ['openid', 'profile', 'email', 'phone', 'address', 'offline_access']) expect(isStandardScope(s)).toBe(true)
    expect(isStandardScope('read:data')).toBe(false)
  })
})

describe('scope requests with organizations and templates (issue 10)', () => {
  const templates = [parseTemplate('read:organization:{org_id}')]
  const withTemplates: ScopeConfig = { ...config, scope_templates: templates }
  const client: ScopeClient = { scope: 'openid read:data read:organization:{org_id} read:organization:solo', resources: null }

  it('RFC 6749 §3.3: the organization selector and template-shaped values are set apart from the static scope', () => {
    const request = resolveScopeRequest('openid read:data organization:acme read:organization:acme read:organization:* unknown', client, withTemplates, API)
    expect(request.scope).toEqual(['openid', 'read:data'])
    expect(request.organizations).toEqual(['organization:acme'])
    expect(request.dynamic).toEqual(['read:organization:acme', 'read:organization:*'])
    expect(resolveScope('openid organization:acme read:organization:acme', client, withTemplates, API)).toEqual(['openid'])
  })

  it('a request of only a selector or only template instances is not "no known scope"', () => {
    expect(resolveScopeRequest('organization:acme', client, withTemplates, API).organizations).toEqual(['organization:acme'])
    expect(resolveScopeRequest('read:organization:acme', client, withTemplates, API).dynamic).toEqual(['read:organization:acme'])
    expect(() => resolveScopeRequest('nothing-known', client, withTemplates, API)).toThrow(InvalidScopeError)
  })

  it('RFC 6749 §5.2 invalid_scope: more than MAX_DYNAMIC_SCOPES template instances in one request (each costs a read per page)', () => {
    const many = Array.from({ length: MAX_DYNAMIC_SCOPES + 1 }, (_, i) => `read:organization:o${i}`).join(' ')
    expect(() => resolveScopeRequest(many, client, withTemplates, API)).toThrow(InvalidScopeError)
    expect(resolveScopeRequest(many.split(' ').slice(1).join(' '), client, withTemplates, API).dynamic).toHaveLength(MAX_DYNAMIC_SCOPES)
  })

  it('a static scope shaped like a template instance needs its own registration (never passes as an instance)', () => {
    const staticToo: ScopeConfig = { ...withTemplates, known_scopes: [...withTemplates.known_scopes, 'read:organization:all'] }
    expect(unregisteredScopes(['read:organization:all', 'read:organization:acme'], API, client, staticToo)).toEqual(['read:organization:all'])
    expect(() => assertStillRegistered(['read:organization:all'], API, client, staticToo)).toThrow(InvalidScopeError)
  })

  it('the default scope never holds a template or a registered instance: those are granted per user', () => {
    expect(defaultScope(client, withTemplates, API)).toEqual(['openid', 'read:data'])
  })

  it('RFC 6749 §6: a refresh keeps template instances whose template is still registered, and the selector', () => {
    expect(() => assertStillRegistered(['openid', 'organization:acme', 'read:organization:acme'], API, client, withTemplates)).not.toThrow()
    const lost: ScopeClient = { scope: 'openid read:data', resources: null }
    expect(() => assertStillRegistered(['read:organization:acme'], API, lost, withTemplates)).toThrow(InvalidScopeError)
  })
})
