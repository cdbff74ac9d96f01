/**
 * Token introspection (RFC 7662) over real HTTP: who may ask, what an active answer holds for
 * access and refresh tokens, and that everything else is `{"active": false}` with 200.
 */
import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import {
  API,
  API_SECRET,
  OTHER_SECRET,
  SERVICE_SECRET,
  WEB_SECRET,
  basic,
  postForm,
  serviceToken,
  startServer,
  userToken,
  type TestServer,
} from '../helpers.js'

describe('introspection', () => {
  const clock = new ManualClock()
  let s: TestServer
  let endpoint: string
  const asWeb = { authorization: basic('web', WEB_SECRET) }
  const asService = { authorization: basic('service', SERVICE_SECRET) }
  const introspect = async (params: Record<string, string>, headers: Record<string, string> = asWeb) => {
    const res = await postForm(endpoint, params, headers)
    return { res, body: (await res.json()) as Record<string, unknown> }
  }
  const expectInactive = ({ res, body }: { res: Response; body: Record<string, unknown> }) => {
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(body).toEqual({ active: false })
  }

  beforeAll(async () => {
    s = await startServer({}, { clock })
    endpoint = `${s.url}/introspect`
  })
  afterAll(() => s.close())

  it('RFC 7662 §2.2: an active access token of the caller is described', async () => {
    const tokens = await userToken(s.url, { scope: 'openid profile' })
    const { res, body } = await introspect({ token: tokens.access_token })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(body).toMatchObject({ active: true, scope: 'openid profile', client_id: 'web', iss: s.url, aud: s.url, token_type: 'Bearer' })
    for (const claim of ['sub', 'exp', 'iat', 'jti']) expect(body[claim], claim).toBeDefined()
    expect(body.username).toBeUndefined()
  })

  it('RFC 7662 §2.2: an unknown token is {"active": false}', async () => {
    expectInactive(await introspect({ token: 'no-such-token' }))
    expectInactive(await introspect({ token: 'a.b.c' }))
    expectInactive(await introspect({ token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }))
  })

  it('RFC 7662 §2.2: an active refresh token of the caller is described as refresh_token', async () => {
    const tokens = await userToken(s.url, { scope: 'openid offline_access' })
    const { body } = await introspect({ token: tokens.refresh_token as string, token_type_hint: 'refresh_token' })
    expect(body).toMatchObject({ active: true, client_id: 'web', scope: 'openid offline_access', token_type: 'refresh_token' })
    expect(typeof body.sub).toBe('string')
    expect(body.exp as number).toBeGreaterThan(body.iat as number)
  })

  it('RFC 7662 §2.1: token_type_hint only orders the lookup; a wrong or unknown hint still finds the token', async () => {
    const tokens = await userToken(s.url, { scope: 'openid offline_access' })
    expect((await introspect({ token: tokens.refresh_token as string, token_type_hint: 'access_token' })).body.active).toBe(true)
    expect((await introspect({ token: tokens.access_token, token_type_hint: 'refresh_token' })).body.active).toBe(true)
    expect((await introspect({ token: tokens.access_token, token_type_hint: 'mystery' })).body.active).toBe(true)
  })

  it('RFC 9700 §4.14.2: a rotated refresh token is inactive', async () => {
    const tokens = await userToken(s.url, { scope: 'openid offline_access' })
    const rotated = await postForm(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string }, asWeb)
    expect(rotated.status).toBe(200)
    expectInactive(await introspect({ token: tokens.refresh_token as string }))
  })

  it('RFC 7662 §4: another client\'s tokens are {"active": false} to the caller', async () => {
    const tokens = await userToken(s.url, { scope: 'openid offline_access' })
    expectInactive(await introspect({ token: tokens.access_token }, asService))
    expectInactive(await introspect({ token: tokens.refresh_token as string }, asService))
    expectInactive(await introspect({ token: tokens.access_token, client_id: 'web2', client_secret: OTHER_SECRET }, {}))
  })

  it('RFC 7662 §2.1: a resource server named in the token\'s aud may introspect it', async () => {
    const { access_token } = await serviceToken(s.url, { resource: API })
    const { body } = await introspect({ token: access_token }, { authorization: basic(API, API_SECRET) })
    expect(body).toMatchObject({ active: true, client_id: 'service', sub: 'service', aud: API, scope: 'read:data write:data' })
  })

  it('RFC 7009 §2 / RFC 7662 §2.2: a revoked access token is inactive', async () => {
    const { access_token } = await serviceToken(s.url)
    expect((await introspect({ token: access_token }, asService)).body.active).toBe(true)
    expect((await postForm(`${s.url}/revoke`, { token: access_token }, asService)).status).toBe(200)
    expectInactive(await introspect({ token: access_token }, asService))
  })

  it('RFC 7662 §2.1: the caller must authenticate: 401 invalid_client', async () => {
    const { access_token } = await serviceToken(s.url)
    const anonymous = await postForm(endpoint, { token: access_token })
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('cache-control')).toBe('no-store')
    expect(((await anonymous.json()) as { error: string }).error).toBe('invalid_client')

    const wrong = await postForm(endpoint, { token: access_token }, { authorization: basic('service', 'wrong-secret-0123456789abcdef0123') })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /)
    expect(wrong.headers.get('cache-control')).toBe('no-store')
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_client')
  })

  it('RFC 7662 §2.1: a public client (client_id only) may not introspect', async () => {
    const res = await postForm(endpoint, { token: 'x', client_id: 'spa' })
    expect(res.status).toBe(401)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client')
  })

  it('RFC 7662 §2.1: token is required: invalid_request', async () => {
    const res = await postForm(endpoint, {}, asWeb)
    expect(res.status).toBe(400)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request')
  })

  it('RFC 6749 §3.2: repeated parameters and non-form bodies are invalid_request', async () => {
    const dup = await fetch(endpoint, { method: 'POST', headers: { ...asWeb, 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=a&token=b' })
    expect(dup.status).toBe(400)
    expect(((await dup.json()) as { error: string }).error).toBe('invalid_request')
    const json = await fetch(endpoint, { method: 'POST', headers: { ...asWeb, 'content-type': 'application/json' }, body: '{"token":"a"}' })
    expect(json.status).toBe(400)
    expect(json.headers.get('cache-control')).toBe('no-store')
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request')
  })

  it('RFC 7662 §2.2: openid-client reads the active answer', async () => {
    const config = await oidc.discovery(new URL(s.url), 'web', undefined, oidc.ClientSecretBasic(WEB_SECRET), { execute: [oidc.allowInsecureRequests] })
    const { access_token } = await userToken(s.url, { scope: 'openid' })
    const result = await oidc.tokenIntrospection(config, access_token)
    expect(result.active).toBe(true)
    expect(result.client_id).toBe('web')
  })

  it('RFC 7662 §2.2: an expired access token is inactive', async () => {
    const { access_token } = await serviceToken(s.url)
    expect((await introspect({ token: access_token }, asService)).body.active).toBe(true)
    clock.advance(s.server.config.tokens.access_token_ttl + 1)
    expectInactive(await introspect({ token: access_token }, asService))
  })
})
