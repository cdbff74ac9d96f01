/**
 * Organizations through @latch/client against a real Latch: a sign-in for an organization
 * (`authorizationUrl({ organization })`, `TokenSet.organization` from the ID token), switching by
 * RFC 8693 token exchange (`switchOrganization`), its refusals (not a member: `invalid_target`; a
 * dead subject: `invalid_grant`; a client without the grant: `unauthorized_client`), and the token
 * manager's one token set per organization (a switch back costs no request; `revoke` ends them all).
 *
 * Alice is an admin of acme and a member of globex; Bob alone is in initech.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createAuthorizationCodeClient, createClientCredentialsClient, createTokenManager, MemoryTokenStorage, type AuthorizationCodeClient, type TokenSet } from '../src/index.js'
import { ALICE, API, BOB, WEB_REDIRECT, WEB_SECRET, authorize, baseTestConfig, countingFetch, expectOAuthError, holdingFetch, jwtPayload, startServer, type TestServer } from './support.js'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ORG_SECRET = 'org-web-secret-0123456789abcdef01234567'
const ORG_SERVICE_SECRET = 'org-service-secret-0123456789abcdef0123'

/** Latch with two organizations for Alice and one for Bob. */
function startOrgServer(): Promise<TestServer> {
  return startServer({
    organizations: [
      { id: 'acme', name: 'Acme Corp', members: [{ email: ALICE.email, roles: ['admin'] }] },
      { id: 'globex', name: 'Globex Corporation', members: [{ email: ALICE.email, roles: ['member'] }] },
      { id: 'initech', name: 'Initech', members: [{ email: BOB.email, roles: ['member'] }] },
    ],
    scopes: [...baseTestConfig.scopes, { name: 'read:organization:{org_id}', description: 'Read {org_name} data', roles: ['admin', 'member'] }],
    clients: [
      ...baseTestConfig.clients,
      {
        client_id: 'org-web',
        client_name: 'Org Web App',
        client_secret: ORG_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE],
        redirect_uris: [WEB_REDIRECT],
        scope: 'openid profile offline_access read:data read:organization:{org_id}',
        resources: [API],
        skip_consent: true,
      },
      // A public client (a SPA): it switches with its access token, and renews from its own refresh token.
      {
        client_id: 'org-spa',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE],
        redirect_uris: [WEB_REDIRECT],
        scope: 'openid profile read:data read:organization:{org_id}',
        resources: [API],
        skip_consent: true,
      },
      // Machine to machine per organization: may ask for tokens of acme or globex.
      { client_id: 'org-service', client_secret: ORG_SERVICE_SECRET, grant_types: ['client_credentials'], scope: 'read:data', resources: [API], organizations: ['acme', 'globex'] },
    ],
  })
}

// Started at load: the clients below are made from its URL when the suite is collected.
const server = await startOrgServer()

afterAll(async () => {
  await server?.close()
})

describe('organizations', () => {
  const issuer = server.url
  const counter = countingFetch()
  const client: AuthorizationCodeClient = createAuthorizationCodeClient({
    issuer,
    clientId: 'org-web',
    clientSecret: ORG_SECRET,
    redirectUri: WEB_REDIRECT,
    scope: 'openid profile offline_access read:data',
    resource: API,
    fetch: counter.fetch,
  })

  async function signIn(organization?: string, user = ALICE): Promise<TokenSet> {
    const { url, transaction } = await client.authorizationUrl(organization === undefined ? {} : { organization })
    return client.handleCallback(await authorize(issuer, url, user), transaction)
  }

  it('RFC 8414 §2: discovery lists the token-exchange grant that switchOrganization uses', async () => {
    const metadata = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { grant_types_supported?: string[] }
    expect(metadata.grant_types_supported).toContain(TOKEN_EXCHANGE)
  })

  describe('authorizationUrl({ organization })', () => {
    it('issue 10: the organization parameter is sent, and the tokens say which organization they are for (ID token org_id)', async () => {
      const { url } = await client.authorizationUrl({ organization: 'acme' })
      expect(url.searchParams.get('organization')).toBe('acme')
      const tokens = await signIn('acme')
      expect(tokens.organization).toBe('acme')
      expect(tokens.claims).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })
      expect(jwtPayload(tokens.accessToken)).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })
    })

    it('issue 10: without an organization the tokens are for none', async () => {
      const tokens = await signIn()
      expect(tokens.organization).toBeUndefined()
      expect(jwtPayload(tokens.accessToken).org_id).toBeUndefined()
    })

    it('the organization option cannot be set twice or emptied (a TypeError names the option)', async () => {
      await expect(client.authorizationUrl({ extra: { organization: 'acme' } })).rejects.toThrow(/use the organization option/)
      await expect(client.authorizationUrl({ organization: '' })).rejects.toThrow(TypeError)
    })
  })

  describe('switchOrganization (RFC 8693 token exchange)', () => {
    it('RFC 8693 §2.1, §2.2.1: the refresh token is exchanged for tokens of the other organization, with a refresh token of their own; the subject is not spent', async () => {
      const acme = await signIn('acme')
      const globex = await client.switchOrganization(acme, 'globex')
      expect(globex.organization).toBe('globex')
      expect(globex.refreshToken).toEqual(expect.any(String))
      expect(globex.refreshToken).not.toBe(acme.refreshToken)
      expect(jwtPayload(globex.accessToken)).toMatchObject({ sub: acme.claims?.sub, org_id: 'globex', org_roles: ['member'] })
      // Each organization's refresh token refreshes its own organization.
      expect(await client.userinfo(globex.accessToken, acme.claims?.sub as string)).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
      expect((await client.refresh(globex.refreshToken as string)).organization).toBe('globex')
      expect((await client.refresh(acme.refreshToken as string)).organization).toBe('acme')
    })

    it('RFC 8693 §2.1: a set without a refresh token exchanges its access token for an access token', async () => {
      const acme = await signIn('acme')
      const globex = await client.switchOrganization({ accessToken: acme.accessToken, tokenType: 'bearer', organization: 'acme' }, 'globex')
      expect(globex.organization).toBe('globex')
      expect(globex.refreshToken).toBeUndefined()
      expect(jwtPayload(globex.accessToken)).toMatchObject({ org_id: 'globex' })
      // UserInfo answers for the exchanged token's organization, not the subject's.
      expect(await client.userinfo(globex.accessToken, acme.claims?.sub as string)).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
    })

    it('RFC 8693 §2.2.2: an organization the user is not a member of is invalid_target', async () => {
      const acme = await signIn('acme')
      await expectOAuthError(client.switchOrganization(acme, 'initech'), 'invalid_target', 400)
      await expectOAuthError(client.switchOrganization(acme, 'no-such-org'), 'invalid_target', 400)
    })

    it('RFC 8693 §2.2.2: a revoked subject token is invalid_grant', async () => {
      const acme = await signIn('acme')
      await client.revoke(acme.refreshToken as string, 'refresh_token')
      await expectOAuthError(client.switchOrganization(acme, 'globex'), 'invalid_grant', 400)
    })

    it('RFC 6749 §5.2: a client without the token-exchange grant is unauthorized_client', async () => {
      const web = createAuthorizationCodeClient({ issuer, clientId: 'web', clientSecret: WEB_SECRET, redirectUri: WEB_REDIRECT, scope: 'openid offline_access' })
      const { url, transaction } = await web.authorizationUrl()
      const tokens = await web.handleCallback(await authorize(issuer, url, ALICE), transaction)
      await expectOAuthError(web.switchOrganization(tokens, 'acme'), 'unauthorized_client', 400)
    })
  })

  describe('client credentials for an organization', () => {
    it('issue 10: createClientCredentialsClient({ organization }) gets tokens of that organization; one the client is not registered for is invalid_target', async () => {
      const acme = createClientCredentialsClient({ issuer, clientId: 'org-service', clientSecret: ORG_SERVICE_SECRET, scope: 'read:data', resource: API, organization: 'acme' })
      expect(jwtPayload(await acme.getToken())).toMatchObject({ sub: 'org-service', org_id: 'acme' })
      expect(acme.tokens?.organization).toBe('acme')
      const initech = createClientCredentialsClient({ issuer, clientId: 'org-service', clientSecret: ORG_SERVICE_SECRET, scope: 'read:data', resource: API, organization: 'initech' })
      await expectOAuthError(initech.getToken(), 'invalid_target', 400)
      expect(() => createClientCredentialsClient({ issuer, clientId: 'org-service', clientSecret: ORG_SERVICE_SECRET, organization: '' })).toThrow(TypeError)
    })
  })

  describe('token manager: one token set per organization', () => {
    it('RFC 9700 §4.14.2: a public client switches with its access token, and renews the switched set by refreshing its own set (rotating) and exchanging again', async () => {
      const spa = createAuthorizationCodeClient({ issuer, clientId: 'org-spa', redirectUri: WEB_REDIRECT, scope: 'openid profile read:data', resource: API })
      const { url, transaction } = await spa.authorizationUrl({ organization: 'acme' })
      const acme = await spa.handleCallback(await authorize(issuer, url, ALICE), transaction)
      expect(acme.refreshToken).toBeDefined()
      const manager = createTokenManager({ client: spa })
      await manager.setTokens(acme)
      const globex = await manager.switchOrganization('globex')
      // No refresh token of its own: Latch refuses a public client's refresh token as an exchange subject.
      expect(globex.refreshToken).toBeUndefined()
      expect(jwtPayload(globex.accessToken)).toMatchObject({ org_id: 'globex', client_id: 'org-spa' })
      const renewed = await manager.refresh()
      expect(renewed.organization).toBe('globex')
      expect(renewed.accessToken).not.toBe(globex.accessToken)
      expect(jwtPayload(renewed.accessToken)).toMatchObject({ org_id: 'globex' })
      // The acme set was refreshed on the way (its first refresh token rotated): a replay of that one is refused.
      await expectOAuthError(spa.refresh(acme.refreshToken as string), 'invalid_grant', 400)
      manager.stop()
    })


    it('RFC 8693: the first switch exchanges, a switch back costs no request, and each organization keeps its own tokens', async () => {
      const storage = new MemoryTokenStorage()
      const manager = createTokenManager({ client, storage })
      const acme = await signIn('acme')
      await manager.setTokens(acme)
      expect(await manager.organization()).toBe('acme')

      counter.reset()
      const globex = await manager.switchOrganization('globex')
      expect(counter.count('/token')).toBe(1)
      expect(await manager.organization()).toBe('globex')
      expect(await manager.getAccessToken()).toBe(globex.accessToken)

      counter.reset()
      expect((await manager.switchOrganization('acme')).accessToken).toBe(acme.accessToken)
      expect((await manager.switchOrganization('globex')).accessToken).toBe(globex.accessToken)
      expect((await manager.switchOrganization('globex')).accessToken).toBe(globex.accessToken)
      expect(counter.count('/token')).toBe(0)
      expect(storage.get()?.organization).toBe('globex')
      manager.stop()
    })

    it('RFC 8693 §2.2.2: a refused switch (not a member) leaves the current organization as it was', async () => {
      const manager = createTokenManager({ client })
      const acme = await signIn('acme')
      await manager.setTokens(acme)
      await expectOAuthError(manager.switchOrganization('initech'), 'invalid_target', 400)
      expect(await manager.organization()).toBe('acme')
      expect(await manager.getAccessToken()).toBe(acme.accessToken)
      manager.stop()
    })

    it('RFC 7009 §2.1: revoke() revokes every organization\'s tokens, not only the current ones', async () => {
      const manager = createTokenManager({ client })
      const acme = await signIn('acme')
      await manager.setTokens(acme)
      const globex = await manager.switchOrganization('globex')
      await manager.revoke()
      expect(await manager.organization()).toBeNull()
      await expectOAuthError(client.refresh(acme.refreshToken as string), 'invalid_grant', 400)
      await expectOAuthError(client.refresh(globex.refreshToken as string), 'invalid_grant', 400)
    })

    it('issue 10: after the user left the organization, the next refresh makes the tokens for none; a switch back to it is invalid_target', async () => {
      const latch = (server as TestServer).server
      const alice = await latch.ctx.store.users.getByEmail(ALICE.email)
      const manager = createTokenManager({ client })
      await manager.setTokens(await signIn('globex'))
      const now = Math.floor(Date.now() / 1000)
      expect(await latch.ctx.store.organizations.removeMember('globex', alice!.id, now)).toBe(true)
      try {
        const refreshed = await manager.refresh()
        expect(refreshed.organization).toBeUndefined()
        expect(refreshed.claims?.org_id).toBeUndefined()
        expect(await manager.organization()).toBeNull()
        // RFC 8693 §2.2.2: not a member any more.
        await expectOAuthError(client.switchOrganization(refreshed, 'globex'), 'invalid_target', 400)
        expect((await manager.switchOrganization('acme')).organization).toBe('acme')
      } finally {
        await latch.ctx.store.organizations.addMember('globex', alice!.id, ['member'], now)
        manager.stop()
      }
    })

    it('RFC 9700 §4.14.2: a refresh that lands after a sign-in of the same user for another organization hands its rotated tokens to the kept set, so using it later is no replay', async () => {
      const holding = holdingFetch()
      const held = createAuthorizationCodeClient({ issuer, clientId: 'org-web', clientSecret: ORG_SECRET, redirectUri: WEB_REDIRECT, scope: 'openid profile offline_access read:data', resource: API, fetch: holding.fetch })
      const manager = createTokenManager({ client: held })
      await manager.setTokens(await signIn('acme'))
      const answer = holding.hold('/token')
      const refreshing = manager.refresh()
      // Latch has rotated acme's refresh token; its answer is still on the way.
      const issued = await answer.arrived
      const globex = await signIn('globex')
      await manager.setTokens(globex)
      answer.release()
      expect((await refreshing).accessToken).toBe(globex.accessToken)
      const acme = await manager.switchOrganization('acme')
      expect(acme.refreshToken).toBe(issued.refresh_token)
      // The kept set refreshes with the rotated token: no replay, the grant lives on.
      expect((await manager.refresh()).organization).toBe('acme')
      manager.stop()
    })

    it('a sign-in of another user drops the kept organizations: a switch then exchanges the new user\'s tokens', async () => {
      const manager = createTokenManager({ client })
      await manager.setTokens(await signIn('acme'))
      await manager.switchOrganization('globex')
      await manager.setTokens(await signIn('initech', BOB))
      // Alice's acme and globex sets are gone: Bob is not a member of acme.
      await expectOAuthError(manager.switchOrganization('acme'), 'invalid_target', 400)
      expect(await manager.organization()).toBe('initech')
      manager.stop()
    })
  })
})
