/**
 * Organization requirements (organization.ts) without HTTP: `org_id` against a route parameter,
 * `org_roles` "any of", and what the RFC 6750 §3.1 challenge names.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
import { describe, expect, it } from 'vitest'
import { InsufficientScopeError } from './errors.js'
import { compileOrganization, MISSING_ORG_ROLE, WRONG_ORGANIZATION, type OrganizationClaims } from './organization.js'
import type { RouteParams } from './scopes.js'

const noScopes = () => ''

function refusal(fn: () => void): { description: string; scope: string } {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InsufficientScopeError)
    const e = err as InsufficientScopeError
    expect(e.status).toBe(403)
    return { description: e.description, scope: e.scope }
  }
  throw new Error('expected InsufficientScopeError')
}

describe('compileOrganization: organization', () => {
  const required = compileOrganization({ organization: 'orgId' })!
  const acme: OrganizationClaims = { org_id: 'acme', org_roles: ['admin'] }

  it('RFC 6750 §3.1: a token whose org_id equals the route parameter passes', () => {
    expect(required.param).toBe('orgId')
    expect(() => required.check(acme, { orgId: 'acme' }, noScopes)).not.toThrow()
  })

  it('RFC 6750 §3.1: a token of organization A on a route of organization B is 403 insufficient_scope naming organization:B', () => {
    expect(refusal(() => required.check(acme, { orgId: 'globex' }, noScopes))).toEqual({ description: WRONG_ORGANIZATION, scope: 'organization:globex' })
  })

  it('RFC 6750 §3.1: a token for no organization (no org_id) never passes an organization route', () => {
    expect(refusal(() => required.check({}, { orgId: 'acme' }, noScopes)).scope).toBe('organization:acme')
    expect(refusal(() => required.check({ org_roles: ['admin'] }, { orgId: 'acme' }, noScopes)).description).toBe(WRONG_ORGANIZATION)
  })

  it('the comparison is exact: case, prefixes and non-string claims or parameters never match', () => {
    for (const [claims, params] of [
      [{ org_id: 'Acme' }, { orgId: 'acme' }],
      [{ org_id: 'acme' }, { orgId: 'acme-eu' }],
      [{ org_id: 'acme-eu' }, { orgId: 'acme' }],
      [{ org_id: ['acme'] }, { orgId: 'acme' }],
      [{ org_id: 'acme' }, { orgId: ['acme'] }],
      [{ org_id: '' }, { orgId: '' }],
      [{ org_id: 'acme' }, {}],
      [{ org_id: 'acme' }, undefined],
    ] as [OrganizationClaims, RouteParams | undefined][]) {
      expect(() => required.check(claims, params, noScopes), JSON.stringify([claims, params])).toThrow(InsufficientScopeError)
    }
  })

  it('RFC 6749 §3.3: the challenge lists organization:<id> before the route\'s scopes; a value that is not a scope-token is named by its template', () => {
    const scopes = (params: RouteParams | undefined) => `read:organization:${String(params?.orgId)}`
    expect(refusal(() => required.check(acme, { orgId: 'globex' }, scopes)).scope).toBe('organization:globex read:organization:globex')
    for (const orgId of ['x organization:acme', 'a"b', 'é', '']) {
      expect(refusal(() => required.check(acme, { orgId }, noScopes)).scope, orgId).toBe('organization:{orgId}')
    }
  })
})

describe('compileOrganization: orgRoles', () => {
  const required = compileOrganization({ orgRoles: ['admin', 'owner'] })!

  it('a token with any one of the roles passes ("any of")', () => {
    expect(required.roles).toEqual(['admin', 'owner'])
    expect(() => required.check({ org_id: 'acme', org_roles: ['member', 'owner'] }, {}, noScopes)).not.toThrow()
    expect(() => required.check({ org_id: 'acme', org_roles: ['admin'] }, {}, noScopes)).not.toThrow()
  })

  it('RFC 6750 §3.1: a token without any of them, or without org_roles (a client-credentials token), is 403 insufficient_scope naming only the route\'s scopes', () => {
    expect(refusal(() => required.check({ org_id: 'acme', org_roles: ['member'] }, {}, noScopes))).toEqual({ description: MISSING_ORG_ROLE, scope: '' })
    expect(refusal(() => required.check({ org_id: 'acme' }, {}, () => 'read:data')).scope).toBe('read:data')
    expect(() => required.check({ org_id: 'acme', org_roles: 'admin' }, {}, noScopes)).toThrow(InsufficientScopeError)
    expect(() => required.check({ org_id: 'acme', org_roles: ['Admin'] }, {}, noScopes)).toThrow(InsufficientScopeError)
  })

  it('both together: the organization is checked first, then the roles', () => {
    const both = compileOrganization({ organization: 'orgId', orgRoles: ['admin'] })!
    expect(() => both.check({ org_id: 'acme', org_roles: ['admin'] }, { orgId: 'acme' }, noScopes)).not.toThrow()
    expect(refusal(() => both.check({ org_id: 'globex', org_roles: ['admin'] }, { orgId: 'acme' }, noScopes)).description).toBe(WRONG_ORGANIZATION)
    expect(refusal(() => both.check({ org_id: 'acme', org_roles: ['member'] }, { orgId: 'acme' }, noScopes)).description).toBe(MISSING_ORG_ROLE)
  })
})

describe('compileOrganization: definition', () => {
  it('no organization options: no requirement', () => {
    expect(compileOrganization({})).toBeNull()
  })

  it('a bad parameter name or role list is refused at definition (boot), not per request', () => {
    for (const organization of ['', 'org id', '{orgId}', '1org', 42]) {
      expect(() => compileOrganization({ organization: organization as string }), String(organization)).toThrow(/^organization: /)
    }
    for (const orgRoles of [[], [''], 'admin', [1], null]) {
      expect(() => compileOrganization({ orgRoles: orgRoles as string[] }), JSON.stringify(orgRoles)).toThrow(/^orgRoles: /)
    }
  })
})
