import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LatchContext } from '../context.js'
import { InvalidScopeError, InvalidTargetError } from '../errors.js'
import type { Store } from '../storage/store.js'
import { clientCredentialsGrant } from './client-credentials.js'
import { createTestContext, TEST_API, TEST_OTHER_API, type TestContext } from '../../test/support/context.js'

let t: TestContext
beforeEach(async () => {
  t = await createTestContext()
})
afterEach(async () => {
  await t.close()
})

async function grant(params: Record<string, string> = {}, ctx: LatchContext = t.ctx) {
  return clientCredentialsGrant.handle({ params, client: await t.client('service'), ctx, ip: '192.0.2.1' })
}

/** The store with every repository method counted: the hot path must call none of them. */
function countingStore(store: Store, calls: string[]): Store {
  const out: Record<string, unknown> = {}
  for (const [repo, member] of Object.entries(store)) {
    if (typeof member === 'function') {
      out[repo] = (...args: unknown[]) => (calls.push(repo), (member as (...a: unknown[]) => unknown)(...args))
    } else {
      out[repo] = Object.fromEntries(
        Object.entries(member as Record<string, (...a: unknown[]) => unknown>).map(([name, fn]) => [
          name,
          (...args: unknown[]) => (calls.push(`${repo}.${name}`), fn(...args)),
        ]),
      )
    }
  }
  return out as unknown as Store
}

describe('client_credentials grant', () => {
  it('RFC 6749 §4.4.3: client credentials issues no refresh token', async () => {
    const body = await grant()
    expect(body.refresh_token).toBeUndefined()
    expect(body.id_token).toBeUndefined()
    expect(body.token_type).toBe('Bearer')
    expect(body.expires_in).toBe(t.config.tokens.access_token_ttl)
  })

  it('RFC 9068 §2.2: the access token is an at+jwt whose sub is the client itself', async () => {
    const body = await grant()
    const { payload, typ } = await t.verify(body.access_token, { typ: 'at+jwt', audience: TEST_API })
    expect(typ).toBe('at+jwt')
    expect(payload).toMatchObject({ iss: t.config.issuer, sub: 'service', client_id: 'service', aud: TEST_API })
    expect(payload.auth_time).toBeUndefined()
    expect(payload.exp! - payload.iat!).toBe(t.config.tokens.access_token_ttl)
    expect(t.events).toContainEqual({ name: 'token.issued', payload: { grant_type: 'client_credentials', client_id: 'service', sub: null, jti: payload.jti } })
  })

  it('RFC 6749 §4.4.2: an omitted scope is the registered scope for the audience, without OIDC user scopes', async () => {
    const body = await grant()
    expect(body.scope).toBe('read:data write:data')
    expect((await t.verify(body.access_token)).payload.scope).toBe('read:data write:data')
    const other = await grant({ resource: TEST_OTHER_API })
    expect(other.scope).toBe('read:other')
    expect((await t.verify(other.access_token)).payload.aud).toBe(TEST_OTHER_API)
  })

  it('RFC 6749 §3.3: a narrower requested scope is granted as asked', async () => {
    const body = await grant({ scope: 'read:data' })
    expect(body.scope).toBe('read:data')
  })

  it('RFC 6749 §4.4.2: openid and other user scopes are invalid_scope when requested explicitly', async () => {
    for (const scope of ['openid', 'read:data offline_access', 'profile', 'email']) {
      await expect(grant({ scope })).rejects.toBeInstanceOf(InvalidScopeError)
    }
  })

  it('RFC 6749 §3.3: a scope outside the client registration is invalid_scope', async () => {
    await expect(grant({ scope: 'admin' })).rejects.toBeInstanceOf(InvalidScopeError)
  })

  it('RFC 8707 §2: an unknown resource is invalid_target; a scope of another resource is invalid_scope', async () => {
    await expect(grant({ resource: 'https://unknown.example.test' })).rejects.toBeInstanceOf(InvalidTargetError)
    await expect(grant({ scope: 'read:other' })).rejects.toBeInstanceOf(InvalidScopeError)
  })

  it('RFC 6749 §4.4: the hot path writes nothing to the store', async () => {
    const calls: string[] = []
    const ctx: LatchContext = { ...t.ctx, store: countingStore(t.store, calls) }
    await grant({ scope: 'read:data' }, ctx)
    expect(calls).toEqual([])
  })
})
