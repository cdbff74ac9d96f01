import { describe, expect, it } from 'vitest'
import { OIDC_SCOPE_CLAIMS } from '../config/schema.js'
import type { UserRecord } from '../storage/store.js'
import { claimsForScope } from './claims.js'

const alice: UserRecord = {
  id: 'user-1',
  email: 'alice@example.com',
  email_verified: true,
  password_hash: '$argon2id$secret',
  roles: [],
  attributes: {},
  claims: {
    name: 'Alice Example',
    given_name: 'Alice',
    family_name: 'Example',
    nickname: '',
    locale: 'en-GB',
    phone_number: '+44 20 7946 0000',
    phone_number_verified: false,
    address: { street_address: '1 Main St', locality: 'London', region: '', country: 'GB' },
  },
  created_at: 1_600_000_000,
  updated_at: 1_650_000_000,
}

const bare: UserRecord = { ...alice, id: 'user-2', email: 'bob@example.com', email_verified: false, claims: {} }

describe('claimsForScope', () => {
  it('OIDC Core §5.3.2: sub is always released, and only sub for openid alone', () => {
    expect(claimsForScope(alice, 'openid')).toEqual({ sub: 'user-1' })
    expect(claimsForScope(alice, '')).toEqual({ sub: 'user-1' })
  })

  it('OIDC Core §5.4: profile releases the profile claims the user has, with updated_at', () => {
    expect(claimsForScope(alice, 'openid profile')).toEqual({
      sub: 'user-1',
      name: 'Alice Example',
      given_name: 'Alice',
      family_name: 'Example',
      locale: 'en-GB',
      updated_at: 1_650_000_000,
    })
  })

  it('OIDC Core §5.1: updated_at is epoch seconds from the user row', () => {
    const { updated_at } = claimsForScope(alice, 'profile')
    expect(updated_at).toBe(alice.updated_at)
    expect(Number.isInteger(updated_at)).toBe(true)
  })

  it('OIDC Core §5.4: email releases email and email_verified', () => {
    expect(claimsForScope(alice, 'openid email')).toEqual({ sub: 'user-1', email: 'alice@example.com', email_verified: true })
    expect(claimsForScope(bare, 'openid email')).toEqual({ sub: 'user-2', email: 'bob@example.com', email_verified: false })
  })

  it('OIDC Core §5.4: phone releases phone_number and phone_number_verified (false is a value)', () => {
    expect(claimsForScope(alice, 'openid phone')).toEqual({ sub: 'user-1', phone_number: '+44 20 7946 0000', phone_number_verified: false })
  })

  it('OIDC Core §5.1.1: address releases the address object, without empty members', () => {
    expect(claimsForScope(alice, 'openid address')).toEqual({
      sub: 'user-1',
      address: { street_address: '1 Main St', locality: 'London', country: 'GB' },
    })
  })

  it('OIDC Core §5.3.2: claims the user does not have are omitted, not null or empty', () => {
    const claims = claimsForScope(bare, 'openid profile phone address')
    expect(claims).toEqual({ sub: 'user-2', updated_at: 1_650_000_000 })
    expect(claimsForScope(alice, 'profile')).not.toHaveProperty('nickname')
  })

  it('OIDC Core §5.4: scopes outside the standard set release nothing; nothing leaks beyond the table', () => {
    expect(claimsForScope(alice, 'read:data offline_access')).toEqual({ sub: 'user-1' })
    const all = claimsForScope(alice, 'openid profile email phone address')
    const allowed = new Set(Object.values(OIDC_SCOPE_CLAIMS).flat())
    for (const name of Object.keys(all)) expect(allowed.has(name)).toBe(true)
    expect(all).not.toHaveProperty('password_hash')
    expect(all).not.toHaveProperty('created_at')
  })

  it('RFC 6749 §3.3: repeated and extra spaces in scope are harmless', () => {
    expect(claimsForScope(alice, 'email  email ')).toEqual(claimsForScope(alice, 'email'))
  })
})
