/**
 * The scope of a BFF sign-in (`scopeFor`): Latch scope templates in the configured scope are
 * resolved for the organization signed in for, and left out without one.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
import { describe, expect, it } from 'vitest'
import { scopeFor } from './login.js'

describe('scopeFor', () => {
  const scope = 'openid profile read:data read:organization:{org_id}'

  it('RFC 6749 §3.3: {org_id} becomes the organization signed in for', () => {
    expect(scopeFor(scope, 'acme')).toBe('openid profile read:data read:organization:acme')
  })

  it('RFC 6749 §3.3: without an organization, template values are left out rather than sent unresolved', () => {
    expect(scopeFor(scope, undefined)).toBe('openid profile read:data')
    expect(scopeFor('openid profile', undefined)).toBe('openid profile')
  })
})
