/**
 * RFC 8693 token exchange (issue 10): switching organizations with an access or refresh token,
 * a new refresh token for the new organization, delegation with an actor token, and every refusal
 * the issue names. Subjects come from grants opened in the store (test/support/organizations.ts)
 * and refreshed or exchanged through the real grant handlers.
 */
import { decodeJwt } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InvalidGrantError, InvalidRequestError, InvalidScopeError, InvalidTargetError, UnauthorizedClientError } from '../errors.js'
import { hashHandle } from '../lib/random.js'
import { clientCredentialsGrant } from './client-credentials.js'
import type { TokenResponseBody } from './grant.js'
import { refreshTokenGrant } from './refresh-token.js'
import { tokenExchangeGrant } from './token-exchange.js'
import { createTestContext, TEST_API, TEST_OTHER_API, type TestContext } from '../../test/support/context.js'
import { ACCESS_TOKEN_TYPE, GATEWAY, ORGANIZATION_TEST_CONFIG, REFRESH_TOKEN_TYPE, seedGrant } from '../../test/support/organizations.js'

let t: TestContext
beforeEach(async () => {
  t = await createTestContext({ config: ORGANIZATION_TEST_CONFIG })
})
afterEach(async () => {
  await t.close()
})

async function exchange(params: Record<string, string>, clientId = 'web'): Promise<TokenResponseBody> {
  return tokenExchangeGrant.handle({ params, client: await t.client(clientId), ctx: t.ctx, ip: '192.0.2.1' })
}

/** A grant of `web` for `acme` (by default) with a live access token and its next refresh token. */
async function tokensFor(options: Parameters<typeof seedGrant>[1] = {}) {
  const seeded = await seedGrant(t, options)
  const body = await refreshTokenGrant.handle({ params: { refresh_token: seeded.refreshToken }, client: await t.client(options.clientId ?? 'web'), ctx: t.ctx, ip: '192.0.2.1' })
  return { ...seeded, accessToken: body.access_token, refreshToken: body.refresh_token! }
}

const withAccess = (token: string, extra: Record<string, string> = {}) => ({ subject_token: token, subject_token_type: ACCESS_TOKEN_TYPE, ...extra })
const withRefresh = (token: string, extra: Record<string, string> = {}) => ({ subject_token: token, subject_token_type: REFRESH_TOKEN_TYPE, ...extra })

describe('switching organizations', () => {
  it('RFC 8693 §2.2.1: an access token of acme exchanged for globex: issued_token_type, org_id, current org_roles, re-bound scope', async () => {
    const subject = await tokensFor()
    const body = await exchange(withAccess(subject.accessToken, { organization: 'globex' }))
    expect(body).toMatchObject({ issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: expect.any(Number) })
    expect(body.refresh_token).toBeUndefined()
    expect(body.id_token).toBeUndefined()
    expect(body.scope).toBe('openid profile offline_access read:data organization:globex read:organization:globex')
    const { payload, typ } = await t.verify(body.access_token, { typ: 'at+jwt', audience: TEST_API })
    expect(typ).toBe('at+jwt')
    expect(payload).toMatchObject({ sub: subject.userId, client_id: 'web', org_id: 'globex', org_roles: ['member'], scope: body.scope })
    expect(payload).not.toHaveProperty('act')
    expect(t.events).toContainEqual({ name: 'token.exchanged', payload: { client_id: 'web', sub: subject.userId, org_id: 'globex', subject_token_type: ACCESS_TOKEN_TYPE } })
    expect(t.events).toContainEqual({ name: 'token.issued', payload: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', client_id: 'web', sub: subject.userId, jti: payload.jti } })
  })

  it('RFC 8693 §2.1 / issue 10: the target may be named by the scope organization:<id>; two different selectors are invalid_request', async () => {
    const subject = await tokensFor()
    const body = await exchange(withAccess(subject.accessToken, { scope: 'openid organization:globex read:organization:globex' }))
    expect(body.scope).toBe('openid organization:globex read:organization:globex')
    expect(decodeJwt(body.access_token)).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
    await expect(exchange(withAccess(subject.accessToken, { scope: 'openid organization:globex', organization: 'acme' }))).rejects.toBeInstanceOf(InvalidRequestError)
    await expect(exchange(withAccess(subject.accessToken, { organization: 'Acme!' }))).rejects.toBeInstanceOf(InvalidRequestError)
  })

  it('RFC 8693 §2.1: without a target the subject\'s organization stays, with the roles of now', async () => {
    const subject = await tokensFor()
    await t.store.organizations.addMember('acme', subject.userId, ['owner'], t.clock.now())
    const body = await exchange(withAccess(subject.accessToken, { scope: 'read:data' }))
    // A token for an organization names it in its scope, however it was selected.
    expect(body.scope).toBe('read:data organization:acme')
    expect(decodeJwt(body.access_token)).toMatchObject({ org_id: 'acme', org_roles: ['owner'] })
  })

  it('RFC 8693 §2.1: a subject of no organization may be exchanged into one (and stays of none without a target)', async () => {
    const subject = await tokensFor({ organizationId: null, scope: 'openid read:data' })
    expect(decodeJwt((await exchange(withAccess(subject.accessToken, { organization: 'acme' }))).access_token)).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })
    expect(decodeJwt((await exchange(withAccess(subject.accessToken))).access_token)).not.toHaveProperty('org_id')
  })

  it('RFC 8693 §2.2.2: a target the user is not a member of, or that does not exist, is invalid_target', async () => {
    const subject = await tokensFor()
    await expect(exchange(withAccess(subject.accessToken, { organization: 'umbrella' }))).rejects.toBeInstanceOf(InvalidTargetError)
    await expect(exchange(withAccess(subject.accessToken, { organization: 'no-such-org' }))).rejects.toBeInstanceOf(InvalidTargetError)
    expect(t.events.map((e) => e.name)).not.toContain('token.exchanged')
  })

  it('RFC 8693 §2.2.2 / issue 10: a removed member\'s exchange is refused invalid_target, also to stay in the organization', async () => {
    const subject = await tokensFor()
    await t.store.organizations.removeMember('globex', subject.userId, t.clock.now())
    await expect(exchange(withAccess(subject.accessToken, { organization: 'globex' }))).rejects.toBeInstanceOf(InvalidTargetError)
    await t.store.organizations.removeMember('acme', subject.userId, t.clock.now())
    await expect(exchange(withAccess(subject.accessToken))).rejects.toBeInstanceOf(InvalidTargetError)
    await expect(exchange(withRefresh(subject.refreshToken))).rejects.toBeInstanceOf(InvalidTargetError)
  })

  it('RFC 8693 §2.1 "scope": a requested scope wider than the subject\'s is invalid_scope; another instance of a held template is re-decided', async () => {
    const subject = await tokensFor({ scope: 'openid read:data organization:acme read:organization:acme' })
    await expect(exchange(withAccess(subject.accessToken, { scope: 'openid write:data' }))).rejects.toBeInstanceOf(InvalidScopeError)
    // initech: alice is a viewer, which the template's roles do not include: dropped, not an error.
    const initech = await exchange(withAccess(subject.accessToken, { scope: 'openid read:organization:initech', organization: 'initech' }))
    expect(initech.scope).toBe('openid organization:initech')
    expect(decodeJwt(initech.access_token)).toMatchObject({ org_id: 'initech', org_roles: ['viewer'] })
    // Parameter injection: a template-shaped value outside the parameter syntax is never granted.
    const injected = await exchange(withAccess(subject.accessToken, { scope: 'read:data read:organization:* read:organization:acme%2Fglobex' }))
    expect(injected.scope).toBe('read:data organization:acme')
  })

  it('RFC 8707 §2 / RFC 8693 §2.1: resource may name another resource the client is registered for; an unregistered one is invalid_target', async () => {
    const subject = await tokensFor({ scope: 'openid organization:acme read:organization:acme' })
    const body = await exchange(withAccess(subject.accessToken, { resource: TEST_OTHER_API }))
    expect(decodeJwt(body.access_token).aud).toBe(TEST_OTHER_API)
    await expect(exchange(withAccess(subject.accessToken, { resource: 'https://unknown.example.test' }))).rejects.toBeInstanceOf(InvalidTargetError)
    const picky = await tokensFor({ clientId: 'picky', resource: null, scope: 'openid organization:acme read:organization:acme' })
    await expect(exchange(withAccess(picky.accessToken, { resource: TEST_OTHER_API }), 'picky')).rejects.toBeInstanceOf(InvalidTargetError)
  })

  it('RFC 8693 §2.1: an exchanged token hangs from the subject\'s grant: revoking the grant revokes it', async () => {
    const subject = await tokensFor()
    const body = await exchange(withAccess(subject.accessToken, { organization: 'globex' }))
    const jti = decodeJwt(body.access_token).jti!
    expect(jti.startsWith(`${subject.grantId}.`)).toBe(true)
    expect(await t.store.accessTokens.isRevoked(jti)).toBe(false)
    await t.store.grants.revoke(subject.grantId, t.clock.now())
    expect(await t.store.accessTokens.isRevoked(jti)).toBe(true)
  })
})

describe('refresh tokens as subjects', () => {
  it('RFC 8693 §2.1: a refresh token is exchanged without being rotated', async () => {
    const subject = await tokensFor()
    const body = await exchange(withRefresh(subject.refreshToken, { organization: 'globex' }))
    expect(body.issued_token_type).toBe(ACCESS_TOKEN_TYPE)
    expect(body.refresh_token).toBeUndefined()
    expect(decodeJwt(body.access_token)).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
    expect((await t.store.refreshTokens.get(hashHandle(subject.refreshToken)))?.rotated_at).toBeNull()
    expect(t.events).toContainEqual({ name: 'token.exchanged', payload: { client_id: 'web', sub: subject.userId, org_id: 'globex', subject_token_type: REFRESH_TOKEN_TYPE } })
  })

  it('RFC 8693 §2.2.1 / issue 10: requested_token_type refresh_token opens a new grant for the new organization; its refresh keeps that organization', async () => {
    const subject = await tokensFor({ sessionId: null })
    const body = await exchange(withRefresh(subject.refreshToken, { organization: 'globex', requested_token_type: REFRESH_TOKEN_TYPE }))
    expect(body).toMatchObject({ issued_token_type: REFRESH_TOKEN_TYPE, token_type: 'Bearer', refresh_token: expect.any(String) })
    expect(body.scope).toBe('openid profile offline_access read:data organization:globex read:organization:globex')
    const access = decodeJwt(body.access_token)
    expect(access).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
    const newGrantId = access.jti!.split('.')[0]!
    expect(newGrantId).not.toBe(subject.grantId)
    const grant = await t.store.grants.get(newGrantId)
    expect(grant).toMatchObject({ client_id: 'web', user_id: subject.userId, organization_id: 'globex', resource: TEST_API })
    // The family ends when the subject's does: an exchange never extends a sign-in.
    expect((await t.store.refreshTokens.get(hashHandle(body.refresh_token!)))?.expires_at).toBe(subject.expiresAt)
    const refreshed = await refreshTokenGrant.handle({ params: { refresh_token: body.refresh_token! }, client: await t.client('web'), ctx: t.ctx, ip: '192.0.2.1' })
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
    // Both grants live on: the subject's family is untouched.
    expect((await refreshTokenGrant.handle({ params: { refresh_token: subject.refreshToken }, client: await t.client('web'), ctx: t.ctx, ip: '192.0.2.1' })).refresh_token).toBeDefined()
  })

  it('RFC 8693 §2.1: requested_token_type refresh_token needs a refresh-token subject (invalid_request) and a client with the refresh grant (unauthorized_client)', async () => {
    const subject = await tokensFor()
    await expect(exchange(withAccess(subject.accessToken, { requested_token_type: REFRESH_TOKEN_TYPE }))).rejects.toBeInstanceOf(InvalidRequestError)
    await expect(exchange(withRefresh(subject.refreshToken, { requested_token_type: 'urn:ietf:params:oauth:token-type:jwt' }))).rejects.toBeInstanceOf(InvalidRequestError)
    const gateway = await clientCredentialsGrant.handle({ params: {}, client: await t.client(GATEWAY), ctx: t.ctx, ip: '192.0.2.1' })
    await expect(
      exchange({ ...withAccess(subject.accessToken), requested_token_type: REFRESH_TOKEN_TYPE, actor_token: gateway.access_token, actor_token_type: ACCESS_TOKEN_TYPE }, GATEWAY),
    ).rejects.toBeInstanceOf(InvalidRequestError)
    await expect(exchange(withRefresh(subject.refreshToken, { requested_token_type: REFRESH_TOKEN_TYPE }), GATEWAY)).rejects.toBeInstanceOf(UnauthorizedClientError)
  })
})

describe('dead, foreign and malformed subjects', () => {
  it('RFC 8693 §2.1: a missing subject_token or an unsupported subject_token_type is invalid_request', async () => {
    const subject = await tokensFor()
    await expect(exchange({ subject_token_type: ACCESS_TOKEN_TYPE })).rejects.toBeInstanceOf(InvalidRequestError)
    await expect(exchange({ subject_token: subject.accessToken })).rejects.toBeInstanceOf(InvalidRequestError)
    await expect(exchange({ subject_token: subject.accessToken, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' })).rejects.toBeInstanceOf(InvalidRequestError)
    await expect(exchange(withAccess(subject.accessToken, { actor_token_type: ACCESS_TOKEN_TYPE }))).rejects.toBeInstanceOf(InvalidRequestError)
    await expect(exchange(withAccess(subject.accessToken, { actor_token: subject.accessToken, actor_token_type: REFRESH_TOKEN_TYPE }))).rejects.toBeInstanceOf(InvalidRequestError)
  })

  it('RFC 8693 §2.2.2 / issue 10: another client\'s access or refresh token is invalid_grant (no impersonation), and the refresh token is not burnt', async () => {
    const foreign = await tokensFor({ clientId: 'picky' })
    await expect(exchange(withAccess(foreign.accessToken))).rejects.toBeInstanceOf(InvalidGrantError)
    await expect(exchange(withRefresh(foreign.refreshToken))).rejects.toBeInstanceOf(InvalidGrantError)
    expect((await t.store.refreshTokens.get(hashHandle(foreign.refreshToken)))?.rotated_at).toBeNull()
    expect((await t.store.grants.get(foreign.grantId))?.revoked_at).toBeNull()
  })

  it('RFC 8693 §2.2.2 / RFC 7009: a revoked subject (its grant revoked, or the refresh token revoked) is invalid_grant', async () => {
    const revokedGrant = await tokensFor()
    await t.store.grants.revoke(revokedGrant.grantId, t.clock.now())
    await expect(exchange(withAccess(revokedGrant.accessToken))).rejects.toBeInstanceOf(InvalidGrantError)
    await expect(exchange(withRefresh(revokedGrant.refreshToken))).rejects.toBeInstanceOf(InvalidGrantError)
    const revokedToken = await tokensFor()
    await t.store.refreshTokens.revoke(hashHandle(revokedToken.refreshToken), t.clock.now())
    await expect(exchange(withRefresh(revokedToken.refreshToken))).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('RFC 8693 §2.2.2 / RFC 9068 §4: an expired access token or refresh token is invalid_grant', async () => {
    const subject = await tokensFor({ ttl: t.config.tokens.access_token_ttl + 10 })
    t.clock.advance(t.config.tokens.access_token_ttl + 1)
    await expect(exchange(withAccess(subject.accessToken))).rejects.toBeInstanceOf(InvalidGrantError)
    t.clock.advance(10)
    await expect(exchange(withRefresh(subject.refreshToken))).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('RFC 9700 §4.14.2: a rotated refresh token as subject is invalid_grant and revokes its family', async () => {
    const seeded = await seedGrant(t)
    const rotated = await refreshTokenGrant.handle({ params: { refresh_token: seeded.refreshToken }, client: await t.client('web'), ctx: t.ctx, ip: '192.0.2.1' })
    await expect(exchange(withRefresh(seeded.refreshToken))).rejects.toBeInstanceOf(InvalidGrantError)
    expect((await t.store.grants.get(seeded.grantId))?.revoked_at).not.toBeNull()
    await expect(exchange(withAccess(rotated.access_token))).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('RFC 8693 §2.2.2 / RFC 9068 §2.2: a client-credentials token (no user) or a forged, foreign-issuer or non-JWT token is invalid_grant', async () => {
    const service = await clientCredentialsGrant.handle({ params: {}, client: await t.client(GATEWAY), ctx: t.ctx, ip: '192.0.2.1' })
    await expect(exchange(withAccess(service.access_token), GATEWAY)).rejects.toBeInstanceOf(InvalidGrantError)
    const subject = await tokensFor()
    const [h, p] = subject.accessToken.split('.')
    await expect(exchange(withAccess(`${h}.${p}.AAAA`))).rejects.toBeInstanceOf(InvalidGrantError)
    await expect(exchange(withAccess('not-a-jwt'))).rejects.toBeInstanceOf(InvalidGrantError)
    await expect(exchange(withRefresh('not-a-refresh-token'))).rejects.toBeInstanceOf(InvalidGrantError)
    // An ID token is not an access token (RFC 9068 §2.1 typ at+jwt).
    const withId = await refreshTokenGrant.handle({ params: { refresh_token: subject.refreshToken }, client: await t.client('web'), ctx: t.ctx, ip: '192.0.2.1' })
    await expect(exchange(withAccess(withId.id_token!))).rejects.toBeInstanceOf(InvalidGrantError)
  })
})

describe('what an exchange may never do (security review of issue 10)', () => {
  it('RFC 8693 §2.1 / RFC 9068 §2.2: an exchanged token never outlives its subject: a chain of exchanges ends when the first token expires', async () => {
    const subject = await tokensFor()
    const exp = decodeJwt(subject.accessToken).exp!
    t.clock.advance(t.config.tokens.access_token_ttl - 60)
    const chained = await exchange(withAccess(subject.accessToken, { organization: 'globex' }))
    expect(decodeJwt(chained.access_token).exp).toBe(exp)
    expect(chained.expires_in).toBe(60)
    t.clock.advance(61)
    await expect(exchange(withAccess(chained.access_token))).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('RFC 9700 §4.14.2: a public client may not present its refresh token (the exchange would not rotate it); its access token works', async () => {
    const subject = await tokensFor({ clientId: 'spa' })
    await expect(exchange(withRefresh(subject.refreshToken, { organization: 'globex' }), 'spa')).rejects.toThrow(/public client exchanges its access token/)
    await expect(exchange(withRefresh(subject.refreshToken, { requested_token_type: REFRESH_TOKEN_TYPE }), 'spa')).rejects.toBeInstanceOf(InvalidRequestError)
    expect(decodeJwt((await exchange(withAccess(subject.accessToken, { organization: 'globex' }), 'spa')).access_token)).toMatchObject({ org_id: 'globex', client_id: 'spa' })
  })

  it('RFC 9700 §4.14.2 / RFC 7009 §2.1: a refresh token exchanged for one of another organization joins its family: a replay or a revocation anywhere ends both', async () => {
    // A replay of the subject's rotated token revokes the fork too.
    const subject = await tokensFor()
    const fork = await exchange(withRefresh(subject.refreshToken, { organization: 'globex', requested_token_type: REFRESH_TOKEN_TYPE }))
    const refreshed = await refreshTokenGrant.handle({ params: { refresh_token: subject.refreshToken }, client: await t.client('web'), ctx: t.ctx, ip: '192.0.2.1' })
    expect(refreshed.refresh_token).toBeDefined()
    await expect(refreshTokenGrant.handle({ params: { refresh_token: subject.refreshToken }, client: await t.client('web'), ctx: t.ctx, ip: '192.0.2.1' })).rejects.toBeInstanceOf(InvalidGrantError)
    await expect(refreshTokenGrant.handle({ params: { refresh_token: fork.refresh_token! }, client: await t.client('web'), ctx: t.ctx, ip: '192.0.2.1' })).rejects.toBeInstanceOf(InvalidGrantError)
    // Revoking a fork's grant ends the grant it came from, and its forks, as well.
    const other = await tokensFor()
    const forkA = await exchange(withRefresh(other.refreshToken, { organization: 'globex', requested_token_type: REFRESH_TOKEN_TYPE }))
    const forkB = await exchange(withRefresh(forkA.refresh_token!, { organization: 'acme', requested_token_type: REFRESH_TOKEN_TYPE }))
    const forkBGrant = (await t.store.refreshTokens.get(hashHandle(forkB.refresh_token!)))!.grant_id
    await t.store.grants.revoke(forkBGrant, t.clock.now())
    for (const token of [other.refreshToken, forkA.refresh_token!]) {
      await expect(exchange(withRefresh(token))).rejects.toBeInstanceOf(InvalidGrantError)
    }
    await expect(exchange(withAccess(forkA.access_token))).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('issue 10 / OIDC Core §3.1.2.4: a third-party client gets by exchange only what the user allowed it: another organization needs the user\'s consent', async () => {
    const subject = await tokensFor({ clientId: 'third' })
    // Narrower, same organization: within what the subject holds, no consent read.
    expect((await exchange(withAccess(subject.accessToken, { scope: 'openid read:data' }), 'third')).scope).toBe('openid read:data organization:acme')
    await expect(exchange(withAccess(subject.accessToken, { organization: 'globex' }), 'third')).rejects.toThrow(/has not allowed this client organization:globex read:organization:globex/)
    await expect(exchange(withAccess(subject.accessToken, { resource: TEST_OTHER_API, scope: 'openid' }), 'third')).rejects.toBeInstanceOf(InvalidScopeError)
    // Once the user allowed it (the consent page of a request for globex), the switch works.
    await t.store.consents.grant(subject.userId, 'third', TEST_API, ['openid', 'profile', 'offline_access', 'read:data', 'organization:globex', 'read:organization:globex'], t.clock.now())
    expect(decodeJwt((await exchange(withAccess(subject.accessToken, { organization: 'globex' }), 'third')).access_token)).toMatchObject({ org_id: 'globex' })
  })
})

describe('delegation', () => {
  /** A user token of `web` for the gateway (its aud names the gateway's client_id) and the gateway's own token. */
  async function delegationTokens() {
    const subject = await tokensFor({ resource: GATEWAY, scope: 'openid use:gateway organization:acme read:organization:acme' })
    const actor = await clientCredentialsGrant.handle({ params: {}, client: await t.client(GATEWAY), ctx: t.ctx, ip: '192.0.2.1' })
    return { subject, actor: actor.access_token }
  }

  it('RFC 8693 §4.1: with an actor_token a service gets a token for the user whose aud named it, with act naming the actor', async () => {
    const { subject, actor } = await delegationTokens()
    const body = await exchange({ ...withAccess(subject.accessToken), actor_token: actor, actor_token_type: ACCESS_TOKEN_TYPE }, GATEWAY)
    expect(body.issued_token_type).toBe(ACCESS_TOKEN_TYPE)
    expect(body.refresh_token).toBeUndefined()
    // Never wider than the gateway's registration: openid and use:gateway are not its to have.
    expect(body.scope).toBe('organization:acme read:organization:acme')
    const { payload } = await t.verify(body.access_token, { typ: 'at+jwt', audience: TEST_API })
    expect(payload).toMatchObject({ sub: subject.userId, client_id: GATEWAY, org_id: 'acme', org_roles: ['admin'], act: { sub: GATEWAY, client_id: GATEWAY } })
  })

  it('RFC 8693 §4.1: an actor token that carries act itself nests it under the new actor', async () => {
    const { subject, actor } = await delegationTokens()
    const first = await exchange({ ...withAccess(subject.accessToken), actor_token: actor, actor_token_type: ACCESS_TOKEN_TYPE }, GATEWAY)
    const second = await exchange({ ...withAccess(first.access_token), actor_token: first.access_token, actor_token_type: ACCESS_TOKEN_TYPE }, GATEWAY)
    expect(decodeJwt(second.access_token).act).toEqual({ sub: subject.userId, client_id: GATEWAY, act: { sub: GATEWAY, client_id: GATEWAY } })
    // Without an actor, a delegated subject keeps its act: the delegation is never laundered away.
    const third = await exchange(withAccess(first.access_token), GATEWAY)
    expect(decodeJwt(third.access_token).act).toEqual({ sub: GATEWAY, client_id: GATEWAY })
  })

  it('RFC 8693 §2.2.2 / issue 10: without an actor_token a foreign subject is invalid_grant; an aud that does not name the caller is invalid_grant even with one', async () => {
    const { subject, actor } = await delegationTokens()
    await expect(exchange(withAccess(subject.accessToken), GATEWAY)).rejects.toBeInstanceOf(InvalidGrantError)
    const notForGateway = await tokensFor()
    await expect(exchange({ ...withAccess(notForGateway.accessToken), actor_token: actor, actor_token_type: ACCESS_TOKEN_TYPE }, GATEWAY)).rejects.toBeInstanceOf(InvalidGrantError)
    // A refresh token is never delegated.
    await expect(exchange({ ...withRefresh(subject.refreshToken), actor_token: actor, actor_token_type: ACCESS_TOKEN_TYPE }, GATEWAY)).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('RFC 8693 §2.1: an actor_token of another client, or a dead one, is invalid_grant', async () => {
    const { subject, actor } = await delegationTokens()
    await expect(exchange({ ...withAccess(subject.accessToken), actor_token: subject.accessToken, actor_token_type: ACCESS_TOKEN_TYPE }, GATEWAY)).rejects.toBeInstanceOf(InvalidGrantError)
    await t.store.accessTokens.revoke({ jti: decodeJwt(actor).jti!, client_id: GATEWAY, expires_at: t.clock.now() + 900 }, t.clock.now())
    await expect(exchange({ ...withAccess(subject.accessToken), actor_token: actor, actor_token_type: ACCESS_TOKEN_TYPE }, GATEWAY)).rejects.toBeInstanceOf(InvalidGrantError)
  })
})
