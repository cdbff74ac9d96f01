/**
 * Tokens for an organization across the grants (issue 10): `org_id` and `org_roles` in the access
 * and ID tokens of a grant for an organization, re-read at every issuance; the refresh of a
 * removed member; template instances re-decided at every refresh; client credentials and the
 * password grant for an organization. Grants are opened in the store as a code redemption would
 * (test/support/organizations.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InvalidGrantError, InvalidRequestError, InvalidTargetError } from '../errors.js'
import { hashHandle, randomId } from '../lib/random.js'
import { authorizationCodeGrant } from './authorization-code.js'
import { clientCredentialsGrant } from './client-credentials.js'
import type { TokenResponseBody } from './grant.js'
import { passwordGrant } from './password.js'
import { refreshTokenGrant } from './refresh-token.js'
import { newHandle } from '../tokens/opaque-handle.js'
import { createTestContext, TEST_API, TEST_PASSWORD, type TestContext } from '../../test/support/context.js'
import { ACCESS_TOKEN_TYPE, ORGANIZATION_TEST_CONFIG, seedGrant } from '../../test/support/organizations.js'
import { tokenExchangeGrant } from './token-exchange.js'

let t: TestContext
beforeEach(async () => {
  t = await createTestContext({ config: ORGANIZATION_TEST_CONFIG })
})
afterEach(async () => {
  await t.close()
})

async function refresh(token: string, clientId = 'web', extra: Record<string, string> = {}): Promise<TokenResponseBody> {
  return refreshTokenGrant.handle({ params: { refresh_token: token, ...extra }, client: await t.client(clientId), ctx: t.ctx, ip: '192.0.2.1' })
}

async function password(extra: Record<string, string>, email = 'alice@example.com'): Promise<TokenResponseBody> {
  return passwordGrant.handle({ params: { username: email, password: TEST_PASSWORD, ...extra }, client: await t.client('web'), ctx: t.ctx, ip: '192.0.2.1' })
}

async function clientCredentials(params: Record<string, string>): Promise<TokenResponseBody> {
  return clientCredentialsGrant.handle({ params, client: await t.client('service'), ctx: t.ctx, ip: '192.0.2.1' })
}

describe('refresh of a grant for an organization', () => {
  it('issue 10 / RFC 9068 §2.2: the access and ID tokens carry org_id and the member\'s org_roles', async () => {
    const seeded = await seedGrant(t)
    const body = await refresh(seeded.refreshToken)
    const { payload } = await t.verify(body.access_token, { typ: 'at+jwt', audience: TEST_API })
    expect(payload).toMatchObject({ sub: seeded.userId, org_id: 'acme', org_roles: ['admin'] })
    expect(body.scope).toBe('openid profile offline_access read:data organization:acme read:organization:acme')
    const { payload: id } = await t.verify(body.id_token!, { audience: 'web' })
    expect(id).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })
  })

  it('issue 10: org_roles are re-read at each refresh (current roles, not those of the sign-in)', async () => {
    const seeded = await seedGrant(t)
    await t.store.organizations.addMember('acme', seeded.userId, ['billing', 'member'], t.clock.now())
    const body = await refresh(seeded.refreshToken)
    expect(decodeJwt(body.access_token)).toMatchObject({ org_id: 'acme', org_roles: ['billing', 'member'] })
    expect(decodeJwt(body.id_token!)).toMatchObject({ org_id: 'acme', org_roles: ['billing', 'member'] })
  })

  it('issue 10: a grant for no organization never carries org_id or org_roles', async () => {
    const seeded = await seedGrant(t, { organizationId: null })
    const body = await refresh(seeded.refreshToken)
    for (const token of [body.access_token, body.id_token!]) {
      const claims = decodeJwt(token)
      expect(claims).not.toHaveProperty('org_id')
      expect(claims).not.toHaveProperty('org_roles')
    }
  })

  it('RFC 6749 §6 / issue 10: a removed member\'s refresh succeeds without the organization, its selector and its template instances; the refresh token keeps its scope', async () => {
    const seeded = await seedGrant(t, { scope: 'openid read:data organization:acme read:organization:acme read:organization:globex' })
    expect(await t.store.organizations.removeMember('acme', seeded.userId, t.clock.now())).toBe(true)
    const body = await refresh(seeded.refreshToken)
    expect(body.scope).toBe('openid read:data read:organization:globex')
    const access = decodeJwt(body.access_token)
    expect(access).not.toHaveProperty('org_id')
    expect(access).not.toHaveProperty('org_roles')
    expect(access.scope).toBe('openid read:data read:organization:globex')
    expect(decodeJwt(body.id_token!)).not.toHaveProperty('org_id')
    // "The refresh token scope MUST be identical to that of the refresh token included by the client."
    const stored = await t.store.refreshTokens.get(hashHandle(body.refresh_token!))
    expect(stored?.scope).toBe('openid read:data organization:acme read:organization:acme read:organization:globex')
    // Added back: the next refresh speaks for the organization again.
    await t.store.organizations.addMember('acme', seeded.userId, ['member'], t.clock.now())
    const again = await refresh(body.refresh_token!)
    expect(decodeJwt(again.access_token)).toMatchObject({ org_id: 'acme', org_roles: ['member'] })
    expect(again.scope).toBe('openid read:data organization:acme read:organization:acme read:organization:globex')
  })

  it('issue 10: for an organization_required client a removed member\'s refresh is invalid_grant, and the token is not rotated', async () => {
    const seeded = await seedGrant(t, { clientId: 'picky' })
    await t.store.organizations.removeMember('acme', seeded.userId, t.clock.now())
    await expect(refresh(seeded.refreshToken, 'picky')).rejects.toBeInstanceOf(InvalidGrantError)
    expect((await t.store.refreshTokens.get(hashHandle(seeded.refreshToken)))?.rotated_at).toBeNull()
  })

  it('RFC 6749 §3.3 / issue 10: template instances are re-decided at every refresh: a role that no longer qualifies drops the instance', async () => {
    const seeded = await seedGrant(t)
    // viewer is not among the template's roles [admin, member]
    await t.store.organizations.addMember('acme', seeded.userId, ['viewer'], t.clock.now())
    const body = await refresh(seeded.refreshToken)
    expect(body.scope).toBe('openid profile offline_access read:data organization:acme')
    expect(decodeJwt(body.access_token)).toMatchObject({ org_id: 'acme', org_roles: ['viewer'] })
    // Qualifying again brings it back: the family's scope is unchanged (RFC 6749 §6).
    await t.store.organizations.addMember('acme', seeded.userId, ['admin'], t.clock.now())
    expect((await refresh(body.refresh_token!)).scope).toBe('openid profile offline_access read:data organization:acme read:organization:acme')
  })

  it('RFC 6749 §3.3 / issue 10: an instance of another organization is kept only while the user is a member with a listed role', async () => {
    const seeded = await seedGrant(t, { scope: 'openid organization:acme read:organization:acme read:organization:globex read:organization:umbrella' })
    const body = await refresh(seeded.refreshToken)
    expect(body.scope).toBe('openid organization:acme read:organization:acme read:organization:globex')
  })
})

describe('authorization code for an organization', () => {
  async function seedCode(organizationId: string) {
    const user = await t.user()
    const handle = newHandle()
    const now = t.clock.now()
    await t.store.authorizationCodes.insert({
      code_hash: handle.hash, grant_id: randomId(), client_id: 'web', user_id: user.id, redirect_uri: 'https://rp.example.test/cb',
      scope: `openid read:data organization:${organizationId}`, resource: TEST_API, nonce: null, code_challenge: null, code_challenge_method: null,
      auth_time: now, session_id: null, amr: ['pwd'], organization_id: organizationId, created_at: now, expires_at: now + 60, consumed_at: null,
    })
    return { code: handle.value, user }
  }
  const redeem = async (code: string) =>
    authorizationCodeGrant.handle({ params: { code, redirect_uri: 'https://rp.example.test/cb' }, client: await t.client('web'), ctx: t.ctx, ip: '192.0.2.1' })

  it('issue 10: a code carries its organization into the grant and the tokens (org_id, org_roles)', async () => {
    const { code } = await seedCode('globex')
    const body = await redeem(code)
    expect(decodeJwt(body.access_token)).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
    expect(decodeJwt(body.id_token!)).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
    const grant = await t.store.grants.get(decodeJwt(body.access_token).jti!.split('.')[0]!)
    expect(grant?.organization_id).toBe('globex')
  })

  it('issue 10: a user removed from the organization between /authorize and the redemption gets invalid_grant', async () => {
    const { code, user } = await seedCode('acme')
    await t.store.organizations.removeMember('acme', user.id, t.clock.now())
    await expect(redeem(code)).rejects.toBeInstanceOf(InvalidGrantError)
  })
})

describe('password grant for an organization', () => {
  it('issue 10: organization=<id> gives a member tokens with org_id and org_roles; its grant remembers the organization', async () => {
    const body = await password({ organization: 'acme', scope: 'openid offline_access read:organization:acme read:organization:umbrella' })
    // organization=<id> is named in the granted scope too (RFC 6749 §5.1: the client learns which organization it got).
    expect(body.scope).toBe('openid offline_access organization:acme read:organization:acme')
    expect(decodeJwt(body.access_token)).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })
    expect(decodeJwt((await refresh(body.refresh_token!)).access_token)).toMatchObject({ org_id: 'acme' })
  })

  it('issue 10: a user who is not a member is refused invalid_target', async () => {
    await expect(password({ scope: 'openid organization:acme' }, 'bob@example.com')).rejects.toBeInstanceOf(InvalidTargetError)
    await expect(password({ organization: 'umbrella' })).rejects.toBeInstanceOf(InvalidTargetError)
    await expect(password({ organization: 'acme', scope: 'openid organization:globex' })).rejects.toBeInstanceOf(InvalidRequestError)
  })
})

describe('client credentials for an organization', () => {
  it('issue 10: organization=<id> listed in the client\'s organizations gives org_id and no org_roles', async () => {
    const body = await clientCredentials({ organization: 'acme', scope: 'read:data read:organization:acme' })
    const { payload } = await t.verify(body.access_token, { typ: 'at+jwt', audience: TEST_API })
    expect(payload).toMatchObject({ sub: 'service', client_id: 'service', org_id: 'acme', scope: 'read:data organization:acme read:organization:acme' })
    expect(payload).not.toHaveProperty('org_roles')
  })

  it('issue 10: the scope organization:<id> selects the organization and stays in the granted scope', async () => {
    const body = await clientCredentials({ scope: 'read:data organization:acme' })
    expect(body.scope).toBe('read:data organization:acme')
    expect(decodeJwt(body.access_token).org_id).toBe('acme')
  })

  it('RFC 8707 §2 / issue 10: an organization not in the client\'s list, or listed but not existing, is invalid_target', async () => {
    await expect(clientCredentials({ organization: 'globex' })).rejects.toBeInstanceOf(InvalidTargetError)
    await expect(clientCredentials({ scope: 'organization:globex' })).rejects.toBeInstanceOf(InvalidTargetError)
    await expect(clientCredentials({ organization: 'ghost' })).rejects.toBeInstanceOf(InvalidTargetError)
    await expect(clientCredentials({ organization: 'Not An Id' })).rejects.toBeInstanceOf(InvalidRequestError)
  })

  it('RFC 6749 §3.3 / issue 10: template instances are granted for the client\'s organizations only, the others dropped', async () => {
    const body = await clientCredentials({ scope: 'read:data read:organization:acme read:organization:globex read:organization:*' })
    expect(body.scope).toBe('read:data read:organization:acme')
    expect(decodeJwt(body.access_token)).not.toHaveProperty('org_id')
  })

  it('issue 10: without an organization the token has no org_id', async () => {
    const body = await clientCredentials({ scope: 'read:data' })
    expect(decodeJwt(body.access_token)).not.toHaveProperty('org_id')
  })
})

describe('custom claims of a token for an organization', () => {
  let hookDir: string
  let h: TestContext
  beforeEach(async () => {
    hookDir = mkdtempSync(join(tmpdir(), 'latch-org-hooks-'))
    const module = join(hookDir, 'latch.hooks.mjs')
    // Echoes what it was given, and tries to forge the organization claims (dropped: protocol claims).
    writeFileSync(module, 'export function claims({ token, organization }) { return { seen_org: organization, seen_token: token, org_id: "evil", org_roles: ["owner"] } }\n')
    h = await createTestContext({ config: { ...ORGANIZATION_TEST_CONFIG, hooks: module } })
  })
  afterEach(async () => {
    await h.close()
    rmSync(hookDir, { recursive: true, force: true })
  })

  it('issue 10: the claims hook gets the organization with the member\'s roles (refresh, token exchange) or without roles (client credentials); org_id stays the provider\'s', async () => {
    const seeded = await seedGrant(h)
    const refreshed = await refreshTokenGrant.handle({ params: { refresh_token: seeded.refreshToken }, client: await h.client('web'), ctx: h.ctx, ip: '192.0.2.1' })
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ org_id: 'acme', org_roles: ['admin'], seen_org: { id: 'acme', roles: ['admin'] } })
    expect(decodeJwt(refreshed.id_token!)).toMatchObject({ org_id: 'acme', org_roles: ['admin'], seen_org: { id: 'acme', roles: ['admin'] }, seen_token: 'id_token' })
    const exchanged = await tokenExchangeGrant.handle({
      params: { subject_token: refreshed.access_token, subject_token_type: ACCESS_TOKEN_TYPE, organization: 'globex' },
      client: await h.client('web'), ctx: h.ctx, ip: '192.0.2.1',
    })
    expect(decodeJwt(exchanged.access_token)).toMatchObject({ org_id: 'globex', org_roles: ['member'], seen_org: { id: 'globex', roles: ['member'] } })
    const service = await clientCredentialsGrant.handle({ params: { organization: 'acme' }, client: await h.client('service'), ctx: h.ctx, ip: '192.0.2.1' })
    const claims = decodeJwt(service.access_token)
    expect(claims).toMatchObject({ org_id: 'acme', seen_org: { id: 'acme', roles: [] } })
    expect(claims).not.toHaveProperty('org_roles')
  })
})
