import { decodeJwt } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InvalidGrantError, InvalidRequestError, InvalidScopeError, InvalidTargetError } from '../errors.js'
import { hashHandle, randomId } from '../lib/random.js'
import { newHandle } from '../tokens/opaque-handle.js'
import type { TokenResponseBody } from './grant.js'
import { refreshTokenGrant } from './refresh-token.js'
import { createTestContext, TEST_API, type TestContext } from '../../test/support/context.js'

const FULL_SCOPE = 'openid profile offline_access read:data'

let t: TestContext
beforeEach(async () => {
  t = await createTestContext()
})
afterEach(async () => {
  await t.close()
})

/** A grant and the first refresh token of its family, as the code or device grant would leave them. */
async function seedFamily(options: { clientId?: string; scope?: string; resource?: string | null; authTime?: number; ttl?: number; amr?: string[] } = {}) {
  const user = await t.user()
  const now = t.clock.now()
  const grantId = randomId()
  const clientId = options.clientId ?? 'web'
  const scope = options.scope ?? FULL_SCOPE
  const resource = options.resource === undefined ? TEST_API : options.resource
  const authTime = options.authTime ?? now - 100
  const handle = newHandle()
  const opened = await t.store.grants.open(
    { id: grantId, client_id: clientId, user_id: user.id, scope, resource, auth_time: authTime, session_id: 'sid-1', organization_id: null, ...(options.amr && { amr: options.amr }), created_at: now, revoked_at: null },
    {
      token_hash: handle.hash, grant_id: grantId, client_id: clientId, user_id: user.id, scope, resource, auth_time: authTime,
      session_id: 'sid-1', created_at: now, expires_at: now + (options.ttl ?? 3600), rotated_at: null, revoked_at: null,
    },
  )
  if (!opened) throw new Error('seedFamily: grant not opened')
  return { token: handle.value, grantId, user, authTime }
}

async function refresh(token: string, extra: Record<string, string> = {}, clientId = 'web'): Promise<TokenResponseBody> {
  return refreshTokenGrant.handle({ params: { refresh_token: token, ...extra }, client: await t.client(clientId), ctx: t.ctx, ip: '192.0.2.1' })
}

describe('refresh_token grant', () => {
  it('RFC 6749 §6: a refresh issues a new access token and rotates the refresh token', async () => {
    const { token, user } = await seedFamily()
    const body = await refresh(token)
    expect(body.token_type).toBe('Bearer')
    expect(body.scope).toBe(FULL_SCOPE)
    expect(body.refresh_token).toBeDefined()
    expect(body.refresh_token).not.toBe(token)
    const { payload, typ } = await t.verify(body.access_token, { typ: 'at+jwt', audience: TEST_API })
    expect(typ).toBe('at+jwt')
    expect(payload).toMatchObject({ sub: user.id, client_id: 'web', scope: FULL_SCOPE })
    expect((await t.store.refreshTokens.get(hashHandle(token)))?.rotated_at).toBe(t.clock.now())
    expect(t.events.map((e) => e.name)).toContain('refresh_token.rotated')
    // The successor works in turn.
    const again = await refresh(body.refresh_token!)
    expect(again.refresh_token).toBeDefined()
  })

  it('OIDC Core §12.2 / RFC 9068 §2.2.1 (issue 13): refreshed tokens carry the grant\'s amr, acr and auth_time; a grant of before 0018 (amr unknown) gives neither amr nor acr', async () => {
    const known = await seedFamily({ amr: ['hwk', 'user', 'mfa'] })
    t.clock.advance(50)
    const body = await refresh(known.token)
    const expected = { amr: ['hwk', 'user', 'mfa'], acr: 'urn:latch:acr:phr', auth_time: known.authTime }
    expect((await t.verify(body.access_token, { typ: 'at+jwt', audience: TEST_API })).payload).toMatchObject(expected)
    expect(decodeJwt(body.id_token!)).toMatchObject(expected)
    const unknown = await seedFamily()
    const old = await refresh(unknown.token)
    const access = (await t.verify(old.access_token, { typ: 'at+jwt', audience: TEST_API })).payload
    expect(access.auth_time).toBe(unknown.authTime)
    for (const claims of [access, decodeJwt(old.id_token!)]) {
      expect(claims).not.toHaveProperty('amr')
      expect(claims).not.toHaveProperty('acr')
    }
  })

  it('RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the whole family', async () => {
    const { token, grantId } = await seedFamily()
    const first = await refresh(token)
    const reuse = refresh(token)
    await expect(reuse).rejects.toBeInstanceOf(InvalidGrantError)
    expect(t.events).toContainEqual({ name: 'refresh_token.family_revoked', payload: { client_id: 'web', grant_id: grantId, reason: 'reused' } })
    expect((await t.store.grants.get(grantId))?.revoked_at).not.toBeNull()
    // The legitimate successor and the access token issued with it are dead too.
    await expect(refresh(first.refresh_token!)).rejects.toBeInstanceOf(InvalidGrantError)
    expect(await t.store.accessTokens.isRevoked(decodeJwt(first.access_token).jti!)).toBe(true)
  })

  it('RFC 9700 §4.14.2: of two concurrent uses of one token at most one succeeds and the family ends revoked', async () => {
    const { token, grantId } = await seedFamily()
    const results = await Promise.allSettled([refresh(token), refresh(token)])
    const ok = results.filter((r) => r.status === 'fulfilled')
    expect(ok.length).toBeLessThanOrEqual(1)
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InvalidGrantError)
    expect((await t.store.grants.get(grantId))?.revoked_at).not.toBeNull()
    for (const r of ok) await expect(refresh((r as PromiseFulfilledResult<TokenResponseBody>).value.refresh_token!)).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('RFC 6749 §6: a refresh may narrow but never widen scope', async () => {
    const { token } = await seedFamily()
    const narrowed = await refresh(token, { scope: 'read:data' })
    expect(narrowed.scope).toBe('read:data')
    expect(narrowed.id_token).toBeUndefined()
    expect((await t.verify(narrowed.access_token)).payload.scope).toBe('read:data')
    // "the refresh token scope MUST be identical to that of the refresh token included by the client"
    const full = await refresh(narrowed.refresh_token!)
    expect(full.scope).toBe(FULL_SCOPE)
    await expect(refresh(full.refresh_token!, { scope: 'read:data write:data' })).rejects.toBeInstanceOf(InvalidScopeError)
  })

  it('RFC 6749 §6: a widening request is rejected before the token rotates', async () => {
    const { token } = await seedFamily({ scope: 'openid read:data' })
    await expect(refresh(token, { scope: 'openid email' })).rejects.toBeInstanceOf(InvalidScopeError)
    expect((await t.store.refreshTokens.get(hashHandle(token)))?.rotated_at).toBeNull()
  })

  it('RFC 6749 §6: a refresh token issued to another client is invalid_grant and is not rotated', async () => {
    const { token, grantId } = await seedFamily({ clientId: 'web' })
    await expect(refresh(token, {}, 'other')).rejects.toBeInstanceOf(InvalidGrantError)
    const stored = await t.store.refreshTokens.get(hashHandle(token))
    expect(stored?.rotated_at).toBeNull()
    expect((await t.store.grants.get(grantId))?.revoked_at).toBeNull()
    // The rightful client is unaffected.
    await expect(refresh(token)).resolves.toMatchObject({ token_type: 'Bearer' })
  })

  it('RFC 8707 §2.2: the refresh keeps the original resource; naming another is invalid_target', async () => {
    const { token } = await seedFamily()
    await expect(refresh(token, { resource: 'https://other-api.example.test' })).rejects.toBeInstanceOf(InvalidTargetError)
    await expect(refresh(token, { audience: 'https://other-api.example.test' })).rejects.toBeInstanceOf(InvalidTargetError)
    const body = await refresh(token, { resource: TEST_API })
    expect((await t.verify(body.access_token)).payload.aud).toBe(TEST_API)
  })

  it('RFC 9700 §4.14.2: the rotated token keeps the absolute expiry of the family', async () => {
    const { token } = await seedFamily({ ttl: 1000 })
    const original = await t.store.refreshTokens.get(hashHandle(token))
    t.clock.advance(600)
    const body = await refresh(token)
    const next = await t.store.refreshTokens.get(hashHandle(body.refresh_token!))
    expect(next?.expires_at).toBe(original?.expires_at)
    t.clock.advance(401)
    await expect(refresh(body.refresh_token!)).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('OIDC Core §12.2: the refreshed ID token keeps the original auth_time and has no nonce', async () => {
    const { token, authTime, user } = await seedFamily()
    t.clock.advance(500)
    const body = await refresh(token)
    expect(body.id_token).toBeDefined()
    const { payload, typ } = await t.verify(body.id_token!, { audience: 'web' })
    expect(typ).toBe('JWT')
    expect(payload.sub).toBe(user.id)
    expect(payload.auth_time).toBe(authTime)
    expect(payload.nonce).toBeUndefined()
    expect(payload.iat).toBe(t.clock.now())
  })

  it('RFC 6749 §5.2: an unknown, expired or revoked refresh token is invalid_grant', async () => {
    await expect(refresh('not-a-token')).rejects.toBeInstanceOf(InvalidGrantError)
    const { token } = await seedFamily({ ttl: 10 })
    t.clock.advance(11)
    await expect(refresh(token)).rejects.toBeInstanceOf(InvalidGrantError)
    const second = await seedFamily()
    await t.store.refreshTokens.revoke(hashHandle(second.token), t.clock.now())
    await expect(refresh(second.token)).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('RFC 6749 §6: the refresh token of a deleted user is invalid_grant', async () => {
    const { token, user } = await seedFamily()
    await t.store.users.delete(user.id, t.clock.now())
    await expect(refresh(token)).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('RFC 6749 §6: refresh_token is required', async () => {
    await expect(refreshTokenGrant.handle({ params: {}, client: await t.client('web'), ctx: t.ctx, ip: '192.0.2.1' })).rejects.toBeInstanceOf(InvalidRequestError)
  })
})
