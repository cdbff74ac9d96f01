/** Selecting an organization (issue 10): one per request, read one way only. */
import { describe, expect, it } from 'vitest'
import { InvalidRequestError } from '../errors.js'
import { isOrganizationScope, organizationScope, selectedOrganization, withOrganizationScope } from './organization.js'

describe('organization selector', () => {
  it('is read from the organization: scope or the organization parameter', () => {
    expect(selectedOrganization(['openid', 'organization:acme'], undefined)).toBe('acme')
    expect(selectedOrganization(['openid'], 'globex')).toBe('globex')
    expect(selectedOrganization(['organization:acme'], 'acme')).toBe('acme')
    expect(selectedOrganization(undefined, undefined)).toBeNull()
    expect(organizationScope('acme')).toBe('organization:acme')
    expect(isOrganizationScope('organization:acme')).toBe(true)
    expect(isOrganizationScope('read:organization:acme')).toBe(false)
  })

  it('RFC 6749 §5.1 scope: a token for an organization names it once, in place of a selector already there, else last', () => {
    expect(withOrganizationScope(['openid', 'read:data'], 'acme')).toEqual(['openid', 'read:data', 'organization:acme'])
    expect(withOrganizationScope(['openid', 'organization:acme', 'read:organization:acme'], 'globex')).toEqual(['openid', 'organization:globex', 'read:organization:acme'])
    expect(withOrganizationScope(['organization:a', 'x', 'organization:b'], 'c')).toEqual(['organization:c', 'x'])
    expect(withOrganizationScope(['openid', 'organization:acme'], null)).toEqual(['openid'])
  })

  it('RFC 6749 §5.2 invalid_request: two organizations, conflicting selectors, or a malformed id', () => {
    expect(() => selectedOrganization(['organization:acme', 'organization:globex'], undefined)).toThrow(InvalidRequestError)
    expect(() => selectedOrganization(['organization:acme'], 'globex')).toThrow(/different organizations/)
    for (const bad of ['ACME', 'acme corp', '*', '', 'a'.repeat(65), 'acme%2F', '../acme']) {
      expect(() => selectedOrganization([], bad), bad).toThrow(InvalidRequestError)
    }
    expect(() => selectedOrganization(['organization:*'], undefined)).toThrow(InvalidRequestError)
  })
})
