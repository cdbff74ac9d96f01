/**
 * The client credentials grant end to end (RFC 6749 §4.4): a confidential service gets an RFC 9068
 * access token for an API with openid-client's clientCredentialsGrant, verified with jose. No
 * refresh token (§4.4.3), scope within the registration (§3.3), only configured resources
 * (RFC 8707 §2), `invalid_client` with a Basic challenge for bad credentials (§5.2), and
 * `Cache-Control: no-store` on every answer (§5.1).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API, SERVICE_SECRET, baseTestConfig, startServer, type TestServer } from '../helpers.js'
import { basicAuth, client, discover, expectNoStore, expectResponseError, postForm, verifyJwt } from './relying-party.js'

const OTHER_API = 'https://other-api.example.com'

let server: TestServer
let service: client.Configuration
let tokenEndpoint: string

beforeAll(async () => {
  server = await startServer({
    resources: [...baseTestConfig.resources, { identifier: OTHER_API, scopes: ['other:read'] }],
    default_resource: API,
    // Registered for both APIs, so the errors below are about scopes, not about the target.
    clients: baseTestConfig.clients.map((c) => (c.client_id === 'service' ? { ...c, resources: [API, OTHER_API] } : c)),
  })
  service = await discover(server.url, 'service', client.ClientSecretBasic(SERVICE_SECRET))
  tokenEndpoint = service.serverMetadata().token_endpoint as string
})

afterAll(async () => {
  await server?.close()
})

describe('client credentials', () => {
  it('RFC 6749 §4.4.3 + RFC 9068 §2.2: the service gets a verified at+jwt for the API and no refresh token', async () => {
    const tokens = await client.clientCredentialsGrant(service, { scope: 'read:data' })
    expect(tokens.token_type.toLowerCase()).toBe('bearer')
    expect(tokens.expires_in).toBe(900)
    expect(tokens.scope).toBe('read:data')
    expect(tokens.refresh_token).toBeUndefined()
    expect(tokens.id_token).toBeUndefined()

    const { payload, protectedHeader } = await verifyJwt(service, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(protectedHeader.typ).toBe('at+jwt')
    // RFC 9068 §2.2: with no resource owner, sub names the client.
    expect(payload).toMatchObject({ iss: server.url, aud: API, sub: 'service', client_id: 'service', scope: 'read:data' })
    expect((payload.exp as number) - (payload.iat as number)).toBe(900)
    expect(payload.jti).toMatch(/\S{16,}/)
    expect(payload.auth_time).toBeUndefined()
  })

  it('RFC 6749 §3.3: an omitted scope means the registered API scopes of the default resource', async () => {
    const tokens = await client.clientCredentialsGrant(service)
    expect(tokens.scope).toBe('read:data write:data')
    const { payload } = await verifyJwt(service, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(payload.scope).toBe('read:data write:data')
  })

  it('RFC 8707 §2: resource names the audience of the token', async () => {
    const tokens = await client.clientCredentialsGrant(service, { scope: 'write:data', resource: API })
    const { payload } = await verifyJwt(service, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(payload.scope).toBe('write:data')
  })

  it('RFC 6749 §5.1: a successful token response carries Cache-Control: no-store', async () => {
    const res = await postForm(tokenEndpoint, { grant_type: 'client_credentials', scope: 'read:data' }, { authorization: basicAuth('service', SERVICE_SECRET) })
    expect(res.status).toBe(200)
    expectNoStore(res.headers)
    expect(res.headers.get('pragma')).toBe('no-cache')
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.body.refresh_token).toBeUndefined()
  })
})

describe('errors', () => {
  it('RFC 6749 §5.2: a known scope outside the client\'s registration is invalid_scope', async () => {
    const err = await expectResponseError(client.clientCredentialsGrant(service, { scope: 'read:data other:read', resource: OTHER_API }))
    expect(err.error).toBe('invalid_scope')
    expect(err.status).toBe(400)
    expectNoStore(err.headers)
  })

  it('OIDC Core §3.1.2.1: scope values the server does not know are ignored, not fatal', async () => {
    const tokens = await client.clientCredentialsGrant(service, { scope: 'read:data admin' })
    expect(tokens.scope).toBe('read:data')
    const err = await expectResponseError(client.clientCredentialsGrant(service, { scope: 'admin' }))
    expect(err.error).toBe('invalid_scope')
  })

  it('RFC 6749 §4.4 + OIDC Core §3.1.2.1: user scopes such as openid are invalid_scope without a user', async () => {
    const err = await expectResponseError(client.clientCredentialsGrant(service, { scope: 'openid read:data' }))
    expect(err.error).toBe('invalid_scope')
    expect(err.status).toBe(400)
    expectNoStore(err.headers)
  })

  it('RFC 8707 §2: an unknown resource is invalid_target', async () => {
    const err = await expectResponseError(client.clientCredentialsGrant(service, { scope: 'read:data', resource: 'https://unknown.example.com' }))
    expect(err.error).toBe('invalid_target')
    expect(err.status).toBe(400)
    expectNoStore(err.headers)
  })

  it('RFC 8707 §2: a resource that is not an absolute URI is invalid_target', async () => {
    const res = await postForm(tokenEndpoint, { grant_type: 'client_credentials', resource: 'api' }, { authorization: basicAuth('service', SERVICE_SECRET) })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_target')
    expectNoStore(res.headers)
  })

  it('RFC 8707 §2 + RFC 6749 §3.3: a scope of another resource is invalid_scope for this resource', async () => {
    const res = await postForm(tokenEndpoint, { grant_type: 'client_credentials', scope: 'read:data', resource: OTHER_API }, { authorization: basicAuth('service', SERVICE_SECRET) })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_scope')
    expectNoStore(res.headers)
  })

  it('RFC 6749 §5.2: a wrong secret over Basic is 401 invalid_client with WWW-Authenticate: Basic', async () => {
    const res = await postForm(tokenEndpoint, { grant_type: 'client_credentials' }, { authorization: basicAuth('service', 'wrong-secret-0123456789abcdef0123456789') })
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('invalid_client')
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic\b/)
    expectNoStore(res.headers)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  })

  it('RFC 6749 §5.2: an unknown client gets the very same answer as a wrong secret', async () => {
    const wrong = await postForm(tokenEndpoint, { grant_type: 'client_credentials' }, { authorization: basicAuth('service', 'wrong-secret-0123456789abcdef0123456789') })
    const unknown = await postForm(tokenEndpoint, { grant_type: 'client_credentials' }, { authorization: basicAuth('nobody', 'wrong-secret-0123456789abcdef0123456789') })
    expect(unknown.status).toBe(401)
    expect(unknown.body).toEqual(wrong.body)
    expect(unknown.headers.get('www-authenticate')).toBe(wrong.headers.get('www-authenticate'))
  })

  it('RFC 6749 §5.2: openid-client sees the wrong secret as invalid_client (401)', async () => {
    const wrong = await discover(server.url, 'service', client.ClientSecretBasic('wrong-secret-0123456789abcdef0123456789'))
    const err = await client.clientCredentialsGrant(wrong, { scope: 'read:data' }).catch((e: unknown) => e)
    // oauth4webapi surfaces a 401 carrying a WWW-Authenticate challenge as a challenge error.
    expect(err).toBeInstanceOf(client.WWWAuthenticateChallengeError)
    const challenge = err as client.WWWAuthenticateChallengeError
    expect(challenge.status).toBe(401)
    expect(challenge.cause.map((c) => c.scheme)).toEqual(['basic'])
    expect(await challenge.response.json()).toMatchObject({ error: 'invalid_client' })
  })

  it('RFC 6749 §5.2: a client without the grant is unauthorized_client', async () => {
    const res = await postForm(tokenEndpoint, { grant_type: 'client_credentials' }, { authorization: basicAuth('web', baseTestConfig.clients[0]?.client_secret as string) })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('unauthorized_client')
    expectNoStore(res.headers)
  })
})
