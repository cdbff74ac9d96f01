import { describe, expect, it } from 'vitest'
import { MIN_REFRESH_DELAY_MS, organizationAfterRefresh, refreshDelay } from './token-manager.js'
import type { TokenSet } from './token-set.js'

describe('refreshDelay', () => {
  const now = 1_700_000_000

  it('RFC 6749 §6: the proactive refresh is due refreshSkew seconds before expiry', () => {
    expect(refreshDelay(now + 900, 60, now)).toBe(840_000)
  })

  it('RFC 6749 §5.1 / issue: expires_in 0 (or an expiry already past) never schedules a refresh sooner than 5 s: no refresh loop', () => {
    expect(MIN_REFRESH_DELAY_MS).toBe(5_000)
    expect(refreshDelay(now, 0, now)).toBe(5_000)
    expect(refreshDelay(now - 100, 60, now)).toBe(5_000)
    expect(refreshDelay(now + 3, 1, now)).toBe(5_000)
  })

  it('a lifetime beyond what setTimeout can wait is capped (a longer delay would fire at once)', () => {
    expect(refreshDelay(now + 10 * 365 * 86_400, 60, now)).toBe(2_147_483_647)
  })
})

describe('organizationAfterRefresh', () => {
  const base: TokenSet = { accessToken: 'a', tokenType: 'bearer', organization: 'acme' }
  const claims = { iss: 'https://id.example.com', sub: 'alice', aud: 'spa', iat: 0, exp: 1 }

  it('OIDC Core §12.2: a refreshed ID token decides (its org_id, or none)', () => {
    expect(organizationAfterRefresh(base, { ...base, organization: 'acme', claims: { ...claims, org_id: 'acme' } })).toBe('acme')
    const { organization: _, ...next } = base
    expect(organizationAfterRefresh(base, { ...next, claims })).toBeUndefined()
  })

  it('RFC 6749 §6: without an ID token the organization stays, unless the scope that named it no longer does', () => {
    const { organization: _, ...next } = base
    expect(organizationAfterRefresh(base, next)).toBe('acme')
    expect(organizationAfterRefresh(base, { ...next, scope: 'openid' })).toBe('acme')
    const named: TokenSet = { ...base, scope: 'openid organization:acme' }
    expect(organizationAfterRefresh(named, { ...next, scope: 'openid' })).toBeUndefined()
    expect(organizationAfterRefresh(named, next)).toBe('acme')
    expect(organizationAfterRefresh({ ...next }, next)).toBeUndefined()
  })
})
