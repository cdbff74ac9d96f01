/**
 * Tokens of an organization end to end (issue 10), with openid-client 6 as the relying party over
 * real HTTP, on SQLite and PostgreSQL: `org_id`/`org_roles` in the access token, ID token,
 * userinfo and introspection; a removed member's refresh and exchange; switching organizations by
 * RFC 8693 token exchange (`genericGrantRequest`), with a new refresh token on request; delegation
 * with an actor token; client credentials per organization; discovery listing the grant.
 * Most org grants come from the password grant with `organization=<id>` (quicker); one test takes
 * the whole way: /authorize with `organization=acme`, sign-in in the test browser, the code, then a
 * switch and a refresh (the selection at /authorize has its own flow tests, organizations.test.ts).
 * @see https://www.rfc-editor.org/rfc/rfc8693
 */
import { decodeJwt } from 'jose'
import { AUTH_METHOD_NAMES } from '../../src/rules/registry-names.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser } from '../browser.js'
import { ALICE, API, API_SECRET, BOB, OTHER_SECRET, SERVICE_SECRET, WEB_REDIRECT, WEB_SECRET, baseTestConfig, startServer, type TestServer } from '../helpers.js'
import { basicAuth, client, discover, expectNoStore, expectResponseError, newRequestSecrets, postForm, verifyJwt } from './relying-party.js'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token'
const REFRESH = 'urn:ietf:params:oauth:token-type:refresh_token'
const TEMPLATE = 'read:organization:{org_id}'

type ClientConfig = Record<string, unknown> & { client_id: string }
const clients = (baseTestConfig.clients as ClientConfig[]).map((c) => {
  if (c.client_id === 'web') return { ...c, grant_types: ['authorization_code', 'refresh_token', 'password', TOKEN_EXCHANGE], scope: `${c.scope as string} ${TEMPLATE}` }
  if (c.client_id === 'service') return { ...c, scope: `read:data ${TEMPLATE}`, organizations: ['acme'] }
  // The API as a resource server that acts for the users whose tokens name it (delegation).
  // First party: a delegation gives it what the user allowed another client, with no consent of its own.
  if (c.client_id === API) return { ...c, grant_types: ['client_credentials', TOKEN_EXCHANGE], scope: `read:data ${TEMPLATE}`, resources: [API], skip_consent: true }
  return c
})

let server: TestServer
let web: client.Configuration
let web2: client.Configuration
let api: client.Configuration
let service: client.Configuration

beforeAll(async () => {
  server = await startServer({
    scopes: [...(baseTestConfig.scopes as object[]), { name: TEMPLATE, description: 'Read {org_name} data', roles: ['admin', 'member'] }],
    organizations: [
      { id: 'acme', name: 'Acme Corp', members: [{ email: ALICE.email, roles: ['admin'] }] },
      { id: 'globex', name: 'Globex Corporation', members: [{ email: ALICE.email, roles: ['member'] }] },
      { id: 'umbrella', name: 'Umbrella', members: [{ email: BOB.email, roles: ['admin'] }] },
    ],
    clients,
  })
  web = await discover(server.url, 'web', client.ClientSecretBasic(WEB_SECRET))
  web2 = await discover(server.url, 'web2', client.ClientSecretPost(OTHER_SECRET))
  api = await discover(server.url, API, client.ClientSecretBasic(API_SECRET))
  service = await discover(server.url, 'service', client.ClientSecretBasic(SERVICE_SECRET))
})

afterAll(async () => {
  await server?.close()
})

const store = () => server.server.ctx.store

/** A fresh grant of `web` for `organization` (password grant, so no browser is needed). */
async function orgTokens(organization: string | null, scope = 'openid profile offline_access read:data read:organization:acme', user = ALICE) {
  const tokens = await client.genericGrantRequest(web, 'password', {
    username: user.email,
    password: user.password,
    scope,
    resource: API,
    ...(organization !== null && { organization }),
  })
  if (!tokens.refresh_token) throw new Error('no refresh token')
  return tokens as typeof tokens & { refresh_token: string }
}

async function aliceId(): Promise<string> {
  const user = await store().users.getByEmail(ALICE.email)
  if (!user) throw new Error('no alice')
  return user.id
}

describe('claims of a grant for an organization', () => {
  it('issue 10 / RFC 9068 §2.2 / OIDC Core §5.3 / RFC 7662 §2.2: org_id and org_roles in the access token, ID token, userinfo and introspection', async () => {
    const tokens = await orgTokens('acme')
    const sub = tokens.claims()?.sub as string
    const { payload } = await verifyJwt(web, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(payload).toMatchObject({ sub, client_id: 'web', org_id: 'acme', org_roles: ['admin'], scope: 'openid profile offline_access read:data organization:acme read:organization:acme' })
    expect(tokens.claims()).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })
    const userinfo = await client.fetchUserInfo(web, tokens.access_token, sub)
    expect(userinfo).toMatchObject({ sub, org_id: 'acme', org_roles: ['admin'] })
    const introspected = await client.tokenIntrospection(web, tokens.access_token)
    expect(introspected).toMatchObject({ active: true, sub, org_id: 'acme', org_roles: ['admin'] })
    expect(await client.tokenIntrospection(web, tokens.refresh_token)).toMatchObject({ active: true, org_id: 'acme' })
  })

  it('issue 10: a grant for no organization carries neither claim anywhere', async () => {
    const tokens = await orgTokens(null, 'openid profile read:data')
    expect(decodeJwt(tokens.access_token)).not.toHaveProperty('org_id')
    expect(tokens.claims()).not.toHaveProperty('org_id')
    const userinfo = await client.fetchUserInfo(web, tokens.access_token, tokens.claims()?.sub as string)
    expect(userinfo).not.toHaveProperty('org_id')
    expect(userinfo).not.toHaveProperty('org_roles')
    expect(await client.tokenIntrospection(web, tokens.access_token)).not.toHaveProperty('org_id')
  })

  it('issue 10: a user who is not a member gets invalid_target, with no-store', async () => {
    const error = await expectResponseError(client.genericGrantRequest(web, 'password', { username: BOB.email, password: BOB.password, scope: 'openid', organization: 'acme' }))
    expect(error).toMatchObject({ error: 'invalid_target', status: 400 })
    expectNoStore(error.headers)
  })
})

describe('the whole way from /authorize', () => {
  it('issue 10 / OIDC Core §3.1.3.3 / RFC 8693 §2.2.1: organization=acme at /authorize → code → tokens for acme; exchanged for globex; the refresh keeps acme', async () => {
    const s = await newRequestSecrets()
    const url = client.buildAuthorizationUrl(web, {
      redirect_uri: WEB_REDIRECT, scope: 'openid offline_access read:data read:organization:acme', organization: 'acme', resource: API,
      state: s.state, nonce: s.nonce, code_challenge: s.challenge, code_challenge_method: 'S256',
    })
    const page = await new Browser(server.url).authorize(url, ALICE)
    if (!page.redirect) throw new Error(`no redirect: ${page.status}\n${page.html.slice(0, 400)}`)
    const tokens = await client.authorizationCodeGrant(web, page.redirect, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce })
    expect(tokens.claims()).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })
    const { payload } = await verifyJwt(web, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(payload).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })
    expect(payload.scope).toContain('read:organization:acme')
    const switched = await client.genericGrantRequest(web, TOKEN_EXCHANGE, { subject_token: tokens.access_token, subject_token_type: ACCESS, organization: 'globex' })
    expect(decodeJwt(switched.access_token)).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
    expect(switched.scope).toContain('read:organization:globex')
    const refreshed = await client.refreshTokenGrant(web, tokens.refresh_token as string)
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ org_id: 'acme', org_roles: ['admin'] })
  })
})

describe('roles that change', () => {
  it('RFC 6749 §6 / OIDC Core §5.3 / issue 10: a refresh keeps the organization with the member\'s current roles; userinfo answers the roles of now', async () => {
    const tokens = await orgTokens('acme')
    const sub = tokens.claims()?.sub as string
    const now = Math.floor(Date.now() / 1000)
    try {
      await store().organizations.addMember('acme', await aliceId(), ['billing'], now)
      expect(await client.fetchUserInfo(web, tokens.access_token, sub)).toMatchObject({ org_id: 'acme', org_roles: ['billing'] })
      // The token itself still says what was true when it was issued; introspection echoes it.
      expect(await client.tokenIntrospection(web, tokens.access_token)).toMatchObject({ org_roles: ['admin'] })
      const refreshed = await client.refreshTokenGrant(web, tokens.refresh_token)
      expect(decodeJwt(refreshed.access_token)).toMatchObject({ org_id: 'acme', org_roles: ['billing'] })
      expect(refreshed.claims()).toMatchObject({ org_id: 'acme', org_roles: ['billing'] })
      // billing is not among the template's roles: read:organization:acme is re-decided and dropped.
      expect(refreshed.scope).toBe('openid profile offline_access read:data organization:acme')
    } finally {
      await store().organizations.addMember('acme', await aliceId(), ['admin'], now)
    }
  })
})

describe('a removed member', () => {
  it('RFC 6749 §6 / issue 10: the next refresh no longer carries the organization, userinfo drops it at once, and token exchange is refused invalid_target', async () => {
    const tokens = await orgTokens('globex', 'openid offline_access organization:globex read:organization:globex')
    expect(decodeJwt(tokens.access_token)).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
    const sub = tokens.claims()?.sub as string
    const now = Math.floor(Date.now() / 1000)
    try {
      expect(await store().organizations.removeMember('globex', await aliceId(), now)).toBe(true)
      expect(await client.fetchUserInfo(web, tokens.access_token, sub)).not.toHaveProperty('org_id')
      const refreshed = await client.refreshTokenGrant(web, tokens.refresh_token)
      expect(refreshed.scope).toBe('openid offline_access')
      expect(decodeJwt(refreshed.access_token)).not.toHaveProperty('org_id')
      expect(decodeJwt(refreshed.access_token)).not.toHaveProperty('org_roles')
      expect(refreshed.claims()).not.toHaveProperty('org_id')
      const refused = await expectResponseError(client.genericGrantRequest(web, TOKEN_EXCHANGE, { subject_token: tokens.access_token, subject_token_type: ACCESS }))
      expect(refused).toMatchObject({ error: 'invalid_target', status: 400 })
      expectNoStore(refused.headers)
    } finally {
      await store().organizations.addMember('globex', await aliceId(), ['member'], now)
    }
  })
})

describe('token exchange (RFC 8693)', () => {
  it('RFC 8414 §2: discovery lists the token exchange grant; the token endpoint auth methods are unchanged', async () => {
    const metadata = web.serverMetadata()
    expect(metadata.grant_types_supported).toContain(TOKEN_EXCHANGE)
    expect([...(metadata.token_endpoint_auth_methods_supported ?? [])].sort()).toEqual([...AUTH_METHOD_NAMES].sort())
  })

  it('RFC 8693 §2.2.1: switching from acme to globex returns issued_token_type and a token with org_id globex and the member\'s roles', async () => {
    const tokens = await orgTokens('acme', 'openid offline_access read:data organization:acme read:organization:acme')
    const switched = await client.genericGrantRequest(web, TOKEN_EXCHANGE, { subject_token: tokens.access_token, subject_token_type: ACCESS, organization: 'globex' })
    expect(switched).toMatchObject({ issued_token_type: ACCESS, token_type: 'bearer' })
    expect(switched.refresh_token).toBeUndefined()
    expect(switched.scope).toBe('openid offline_access read:data organization:globex read:organization:globex')
    const { payload } = await verifyJwt(web, switched.access_token, { typ: 'at+jwt', audience: API })
    expect(payload).toMatchObject({ sub: tokens.claims()?.sub, client_id: 'web', org_id: 'globex', org_roles: ['member'] })
    expect(await client.fetchUserInfo(web, switched.access_token, tokens.claims()?.sub as string)).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
  })

  it('RFC 8693 §2.2.1 / issue 10: a refresh token exchanged with requested_token_type refresh_token gives a new grant whose refresh keeps the new organization', async () => {
    const tokens = await orgTokens('acme')
    const switched = await client.genericGrantRequest(web, TOKEN_EXCHANGE, {
      subject_token: tokens.refresh_token, subject_token_type: REFRESH, requested_token_type: REFRESH, scope: 'openid read:data organization:globex',
    })
    expect(switched).toMatchObject({ issued_token_type: REFRESH, scope: 'openid read:data organization:globex' })
    expect(switched.refresh_token).toBeTypeOf('string')
    const refreshed = await client.refreshTokenGrant(web, switched.refresh_token as string)
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ org_id: 'globex', org_roles: ['member'] })
    // The subject's own family lives on, still for acme.
    expect(decodeJwt((await client.refreshTokenGrant(web, tokens.refresh_token)).access_token)).toMatchObject({ org_id: 'acme' })
  })

  it('RFC 8693 §2.2.2: a target the user is not a member of is invalid_target', async () => {
    const tokens = await orgTokens('acme')
    const error = await expectResponseError(client.genericGrantRequest(web, TOKEN_EXCHANGE, { subject_token: tokens.access_token, subject_token_type: ACCESS, organization: 'umbrella' }))
    expect(error).toMatchObject({ error: 'invalid_target', status: 400 })
  })

  it('RFC 8693 §2.2.2 / issue 10: another client\'s token is invalid_grant', async () => {
    const other = await client.genericGrantRequest(web2, 'password', { username: ALICE.email, password: ALICE.password, scope: 'openid read:data', resource: API })
    const error = await expectResponseError(client.genericGrantRequest(web, TOKEN_EXCHANGE, { subject_token: other.access_token, subject_token_type: ACCESS, organization: 'acme' }))
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400 })
    expectNoStore(error.headers)
  })

  it('RFC 8693 §2.2.2 / RFC 7009: a subject revoked at /revoke, or a rotated refresh token, is invalid_grant', async () => {
    const tokens = await orgTokens('acme')
    await client.tokenRevocation(web, tokens.refresh_token)
    for (const [token, type] of [[tokens.access_token, ACCESS], [tokens.refresh_token, REFRESH]] as const) {
      const error = await expectResponseError(client.genericGrantRequest(web, TOKEN_EXCHANGE, { subject_token: token, subject_token_type: type }))
      expect(error).toMatchObject({ error: 'invalid_grant', status: 400 })
    }
    const rotated = await orgTokens('acme')
    await client.refreshTokenGrant(web, rotated.refresh_token)
    const error = await expectResponseError(client.genericGrantRequest(web, TOKEN_EXCHANGE, { subject_token: rotated.refresh_token, subject_token_type: REFRESH }))
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400 })
  })

  it('RFC 6749 §5.2: a client without the grant type in grant_types is unauthorized_client', async () => {
    const other = await client.genericGrantRequest(web2, 'password', { username: ALICE.email, password: ALICE.password, scope: 'openid read:data', resource: API })
    const error = await expectResponseError(client.genericGrantRequest(web2, TOKEN_EXCHANGE, { subject_token: other.access_token, subject_token_type: ACCESS }))
    expect(error).toMatchObject({ error: 'unauthorized_client', status: 400 })
  })

  it('RFC 8693 §2.1: an unsupported subject_token_type is invalid_request', async () => {
    const tokens = await orgTokens('acme')
    const response = await postForm(`${server.url}/token`, { grant_type: TOKEN_EXCHANGE, subject_token: tokens.id_token as string, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }, { authorization: basicAuth('web', WEB_SECRET) })
    expect(response).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    expectNoStore(response.headers)
  })

  it('RFC 8693 §4.1: delegation: the API exchanges a user\'s token naming it in aud, with its own token as actor_token, and gets act', async () => {
    const tokens = await orgTokens('acme')
    const actor = await client.clientCredentialsGrant(api, { scope: 'read:data', resource: API })
    const delegated = await client.genericGrantRequest(api, TOKEN_EXCHANGE, { subject_token: tokens.access_token, subject_token_type: ACCESS, actor_token: actor.access_token, actor_token_type: ACCESS })
    expect(delegated).toMatchObject({ issued_token_type: ACCESS, scope: 'read:data organization:acme read:organization:acme' })
    expect(delegated.refresh_token).toBeUndefined()
    const { payload } = await verifyJwt(api, delegated.access_token, { typ: 'at+jwt', audience: API })
    expect(payload).toMatchObject({ sub: tokens.claims()?.sub, client_id: API, org_id: 'acme', org_roles: ['admin'], act: { sub: API, client_id: API } })
    expect(await client.tokenIntrospection(api, delegated.access_token)).toMatchObject({ active: true, act: { sub: API, client_id: API } })
    // Without the actor token the same subject is another client's: no impersonation.
    const error = await expectResponseError(client.genericGrantRequest(api, TOKEN_EXCHANGE, { subject_token: tokens.access_token, subject_token_type: ACCESS }))
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400 })
  })
})

describe('client credentials per organization', () => {
  it('issue 10: organization=<id> in the client\'s organizations gives org_id (no org_roles)', async () => {
    const tokens = await client.clientCredentialsGrant(service, { organization: 'acme', scope: 'read:data read:organization:acme', resource: API })
    expect(tokens.scope).toBe('read:data organization:acme read:organization:acme')
    const { payload } = await verifyJwt(service, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(payload).toMatchObject({ sub: 'service', org_id: 'acme' })
    expect(payload).not.toHaveProperty('org_roles')
  })

  it('RFC 8707 §2 / issue 10: an organization not in the client\'s list is invalid_target', async () => {
    const error = await expectResponseError(client.clientCredentialsGrant(service, { organization: 'globex', resource: API }))
    expect(error).toMatchObject({ error: 'invalid_target', status: 400 })
    expectNoStore(error.headers)
  })
})
