/**
 * The BFF's session record across a refresh (issue 10): the organization the session acts for
 * follows the refreshed ID token, so a user removed from an organization stops being shown in it.
 */
import { describe, expect, it } from 'vitest'
import type { TokenSet } from '../token-set.js'
import { refreshedRecord, sessionRecord } from './session.js'

const signedIn = sessionRecord(
  { accessToken: 'at1', tokenType: 'bearer', refreshToken: 'rt1', idToken: 'id1', scope: 'openid organization:acme' } as TokenSet,
  { sub: 'u1', email: 'alice@example.com', org_id: 'acme', org_roles: ['admin'] },
  'csrf',
  2_000_000_000,
)

describe('refreshedRecord', () => {
  it('OIDC Core §12.2 / issue 10: a refreshed ID token updates the organization and its roles', () => {
    const next = refreshedRecord(signedIn, { accessToken: 'at2', tokenType: 'bearer', idToken: 'id2', claims: { sub: 'u1', org_id: 'acme', org_roles: ['billing'] } } as unknown as TokenSet)
    expect(next.user).toEqual({ sub: 'u1', email: 'alice@example.com', org_id: 'acme', org_roles: ['billing'] })
    expect(next).toMatchObject({ accessToken: 'at2', refreshToken: 'rt1', idToken: 'id2' })
  })

  it('issue 10: a refreshed ID token without org_id (the user left the organization) takes it out of the user', () => {
    const next = refreshedRecord(signedIn, { accessToken: 'at2', tokenType: 'bearer', idToken: 'id2', claims: { sub: 'u1' } } as unknown as TokenSet)
    expect(next.user).toEqual({ sub: 'u1', email: 'alice@example.com' })
  })

  it('RFC 6749 §6: without a new ID token the user is kept as it was', () => {
    const next = refreshedRecord(signedIn, { accessToken: 'at2', tokenType: 'bearer' } as TokenSet)
    expect(next.user).toBe(signedIn.user)
    expect(next.idToken).toBe('id1')
  })
})
