/**
 * The authorization_code grant without HTTP, for what the flow tests cannot order at will: two
 * redemptions of one code that both read it before either consumed it, and revocations that
 * commit between a redemption's read and its consume (RFC 6749 §4.1.2). The flows (test/flows/authorization-code.test.ts) cover the rest of
 * the grant over real HTTP, and test/scale/single-use.test.ts races 50 redemptions over 2 nodes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InvalidGrantError, InvalidTargetError, TemporarilyUnavailableError } from '../errors.js'
import { hashHandle, randomId } from '../lib/random.js'
import type { Store } from '../storage/store.js'
import { newHandle } from '../tokens/opaque-handle.js'
import { authorizationCodeGrant } from './authorization-code.js'
import { refreshTokenGrant } from './refresh-token.js'
import { createTestContext, TEST_API, type TestContext } from '../../test/support/context.js'

let t: TestContext
beforeEach(async () => {
  t = await createTestContext()
})
afterEach(async () => {
  await t.close()
})

const REDIRECT = 'https://rp.example.test/cb'

async function issueCode(): Promise<{ code: string; grantId: string }> {
  const user = await t.user()
  const handle = newHandle()
  const grantId = randomId()
  const now = t.clock.now()
  await t.store.authorizationCodes.insert({
    code_hash: handle.hash, grant_id: grantId, client_id: 'web', user_id: user.id, redirect_uri: REDIRECT,
    scope: 'openid offline_access read:data', resource: TEST_API, nonce: null, code_challenge: null, code_challenge_method: null,
    auth_time: now, session_id: null, amr: ['pwd'], organization_id: null, created_at: now, expires_at: now + 60, consumed_at: null,
  })
  return { code: handle.value, grantId }
}

/** The real store, with a redemption held after its checks, before the transaction that consumes the code and opens the grant. */
function holdBeforeRedeem(): { held: Store; atRedeem: Promise<void>; release: () => void } {
  let reachedRedeem!: () => void
  const atRedeem = new Promise<void>((resolve) => (reachedRedeem = resolve))
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  const held: Store = {
    ...t.store,
    authorizationCodes: {
      ...t.store.authorizationCodes,
      redeem: async (codeHash, now, refreshToken) => {
        reachedRedeem()
        await released
        return t.store.authorizationCodes.redeem(codeHash, now, refreshToken)
      },
    },
  }
  return { held, atRedeem, release }
}

describe('authorization_code grant', () => {
  it('RFC 6749 §4.1.2: two redemptions racing (both read the code before either consumed it): one gets 200, the other invalid_grant, and the tokens of the one that got 200 are revoked', async () => {
    const { code, grantId } = await issueCode()
    const client = await t.client('web')
    const params = { code, redirect_uri: REDIRECT }

    const { held, atRedeem, release } = holdBeforeRedeem()
    const first = authorizationCodeGrant.handle({ params, client, ctx: { ...t.ctx, store: held }, ip: '192.0.2.1' })
    await atRedeem
    const body = await authorizationCodeGrant.handle({ params, client, ctx: t.ctx, ip: '192.0.2.2' })
    expect(body.access_token).toBeTypeOf('string')
    expect(body.refresh_token).toBeTypeOf('string')
    release()
    await expect(first).rejects.toBeInstanceOf(InvalidGrantError)

    expect((await t.store.grants.get(grantId))?.revoked_at).not.toBeNull()
    expect((await t.store.refreshTokens.get(hashHandle(body.refresh_token!)))?.revoked_at).not.toBeNull()
    const { payload } = await t.verify(body.access_token, { typ: 'at+jwt', audience: TEST_API })
    expect(String(payload.jti).startsWith(`${grantId}.`)).toBe(true)
    expect(await t.store.accessTokens.isRevoked(String(payload.jti))).toBe(true)
    await expect(
      refreshTokenGrant.handle({ params: { refresh_token: body.refresh_token! }, client, ctx: t.ctx, ip: '192.0.2.1' }),
    ).rejects.toBeInstanceOf(InvalidGrantError)
    expect(t.events.filter((e) => e.name === 'authorization_code.reused')).toHaveLength(1)
  })

  it('RFC 6749 §5.2 temporarily_unavailable (the ID token key of the client\'s alg is not active yet) leaves the code unconsumed: the same code redeems once the key can sign', async () => {
    const { code, grantId } = await issueCode()
    const web = await t.client('web')
    // ES256 deployment without an active RS256 companion: an RS256 client's ID token cannot be signed yet.
    const rs256 = { ...web, id_token_signed_response_alg: 'RS256' as const }
    const params = { code, redirect_uri: REDIRECT }
    await expect(authorizationCodeGrant.handle({ params, client: rs256, ctx: t.ctx, ip: '192.0.2.1' })).rejects.toBeInstanceOf(TemporarilyUnavailableError)
    expect((await t.store.authorizationCodes.find(hashHandle(code)))?.code.consumed_at).toBeNull()
    expect(await t.store.grants.get(grantId)).toBeNull()
    const body = await authorizationCodeGrant.handle({ params, client: web, ctx: t.ctx, ip: '192.0.2.1' })
    expect(body.id_token).toBeTypeOf('string')
    expect(t.events.filter((e) => e.name === 'authorization_code.reused')).toHaveLength(0)
  })

  it('RFC 6749 §4.1.2: a redemption that fails a check (another redirect_uri) consumes the code all the same: the correct retry is invalid_grant', async () => {
    const { code, grantId } = await issueCode()
    const client = await t.client('web')
    await expect(authorizationCodeGrant.handle({ params: { code, redirect_uri: 'https://rp.example.test/other' }, client, ctx: t.ctx, ip: '192.0.2.1' })).rejects.toBeInstanceOf(InvalidGrantError)
    expect((await t.store.authorizationCodes.find(hashHandle(code)))?.code.consumed_at).toBe(t.clock.now())
    await expect(authorizationCodeGrant.handle({ params: { code, redirect_uri: REDIRECT }, client, ctx: t.ctx, ip: '192.0.2.1' })).rejects.toBeInstanceOf(InvalidGrantError)
    expect((await t.store.grants.get(grantId))?.revoked_at).not.toBeNull()
  })

  it('RFC 6749 §4.1.2: a replay after the redemption completed is invalid_grant and revokes the grant and its refresh token', async () => {
    const { code, grantId } = await issueCode()
    const client = await t.client('web')
    const body = await authorizationCodeGrant.handle({ params: { code, redirect_uri: REDIRECT }, client, ctx: t.ctx, ip: '192.0.2.1' })
    expect((await t.store.refreshTokens.get(hashHandle(body.refresh_token!)))?.revoked_at).toBeNull()
    await expect(authorizationCodeGrant.handle({ params: { code, redirect_uri: REDIRECT }, client, ctx: t.ctx, ip: '192.0.2.1' })).rejects.toBeInstanceOf(InvalidGrantError)
    expect((await t.store.grants.get(grantId))?.revoked_at).not.toBeNull()
    expect((await t.store.refreshTokens.get(hashHandle(body.refresh_token!)))?.revoked_at).not.toBeNull()
  })

  it('a redemption racing the deletion of its user answers invalid_grant, not tokens for a deleted user', async () => {
    const { code } = await issueCode()
    const client = await t.client('web')
    const { held, atRedeem, release } = holdBeforeRedeem()
    const first = authorizationCodeGrant.handle({ params: { code, redirect_uri: REDIRECT }, client, ctx: { ...t.ctx, store: held }, ip: '192.0.2.1' })
    await atRedeem
    expect(await t.store.users.delete((await t.user()).id, t.clock.now())).toBe(true)
    release()
    await expect(first).rejects.toBeInstanceOf(InvalidGrantError)
  })
})

/** @see issue 8 */
describe('authorization_code grant: resource', () => {
  const redeem = async (code: string, params: Record<string, string> = {}, client?: Awaited<ReturnType<TestContext['client']>>) =>
    authorizationCodeGrant.handle({ params: { code, redirect_uri: REDIRECT, ...params }, client: client ?? (await t.client('web')), ctx: t.ctx, ip: '192.0.2.1' })

  it('RFC 8707 §2.2: the token request may repeat the authorized resource but not name another', async () => {
    await expect(redeem((await issueCode()).code, { resource: 'https://other-api.example.test' })).rejects.toBeInstanceOf(InvalidTargetError)
    await expect(redeem((await issueCode()).code, { audience: 'https://other-api.example.test' })).rejects.toBeInstanceOf(InvalidTargetError)
    const body = await redeem((await issueCode()).code, { resource: TEST_API })
    await t.verify(body.access_token, { typ: 'at+jwt', audience: TEST_API })
  })

  it('RFC 8707 §2: a code for an API the client has lost since the authorization request is invalid_target', async () => {
    const web = await t.client('web')
    await expect(redeem((await issueCode()).code, {}, { ...web, resources: [] })).rejects.toBeInstanceOf(InvalidTargetError)
  })
})
