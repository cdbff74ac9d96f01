/**
 * Token revocation (RFC 7009) over real HTTP: a refresh token takes its whole grant with it, an
 * access token goes alone, other clients' tokens are untouched, and the answer is 200 whatever the
 * token was.
 */
import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LatchEventMap } from '../../src/events.js'
import { OTHER_SECRET, SERVICE_SECRET, WEB_SECRET, basic, postForm, serviceToken, startServer, userToken, type TestServer } from '../helpers.js'

describe('revocation', () => {
  let s: TestServer
  let endpoint: string
  const asWeb = { authorization: basic('web', WEB_SECRET) }
  const asService = { authorization: basic('service', SERVICE_SECRET) }
  const revoked: LatchEventMap['token.revoked'][] = []
  const revoke = (params: Record<string, string>, headers: Record<string, string> = asWeb) => postForm(endpoint, params, headers)
  const active = async (token: string, headers: Record<string, string> = asWeb) =>
    ((await (await postForm(`${s.url}/introspect`, { token }, headers)).json()) as { active: boolean }).active
  const refresh = (token: string) => postForm(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: token }, asWeb)
  const expectOk = async (res: Response) => {
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.text()).toBe('')
  }

  beforeAll(async () => {
    s = await startServer()
    endpoint = `${s.url}/revoke`
    s.server.ctx.events.on('token.revoked', (e) => revoked.push(e))
  })
  afterAll(() => s.close())

  it('RFC 7009 §2.2: revoking an unknown token answers 200', async () => {
    await expectOk(await revoke({ token: 'no-such-token' }))
    await expectOk(await revoke({ token: 'a.b.c', token_type_hint: 'access_token' }))
    await expectOk(await revoke({ token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', token_type_hint: 'refresh_token' }))
  })

  it('RFC 7009 §2.1: revoking a refresh token revokes its grant and the access tokens issued under it', async () => {
    const tokens = await userToken(s.url, { scope: 'openid offline_access' })
    const before = revoked.length
    await expectOk(await revoke({ token: tokens.refresh_token as string, token_type_hint: 'refresh_token' }))
    expect(revoked.slice(before)).toEqual([{ client_id: 'web', token_type: 'refresh_token' }])
    expect(await active(tokens.refresh_token as string)).toBe(false)
    expect(await active(tokens.access_token)).toBe(false)
    const userinfo = await fetch(`${s.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(userinfo.status).toBe(401)
    expect(userinfo.headers.get('www-authenticate')).toContain('error="invalid_token"')
    const again = await refresh(tokens.refresh_token as string)
    expect(again.status).toBe(400)
    expect(((await again.json()) as { error: string }).error).toBe('invalid_grant')
  })

  it('RFC 7009 §2.1: revoking an access token leaves its refresh token usable', async () => {
    const tokens = await userToken(s.url, { scope: 'openid offline_access' })
    await expectOk(await revoke({ token: tokens.access_token, token_type_hint: 'access_token' }))
    expect(revoked.at(-1)).toEqual({ client_id: 'web', token_type: 'access_token' })
    expect(await active(tokens.access_token)).toBe(false)
    expect(await active(tokens.refresh_token as string)).toBe(true)
    expect((await refresh(tokens.refresh_token as string)).status).toBe(200)
  })

  it('RFC 7009 §2.1: a client credentials access token is revoked by jti', async () => {
    const { access_token } = await serviceToken(s.url)
    expect(await active(access_token, asService)).toBe(true)
    await expectOk(await revoke({ token: access_token }, asService))
    expect(await active(access_token, asService)).toBe(false)
  })

  it('RFC 7009 §2.1: another client\'s tokens are not revoked, and the answer is still 200', async () => {
    const tokens = await userToken(s.url, { scope: 'openid offline_access' })
    const before = revoked.length
    const asWeb2 = { client_id: 'web2', client_secret: OTHER_SECRET }
    await expectOk(await revoke({ token: tokens.refresh_token as string, ...asWeb2 }, {}))
    await expectOk(await revoke({ token: tokens.access_token, ...asWeb2 }, {}))
    await expectOk(await revoke({ token: tokens.access_token }, asService))
    expect(revoked.length).toBe(before)
    expect(await active(tokens.refresh_token as string)).toBe(true)
    expect(await active(tokens.access_token)).toBe(true)
  })

  it('RFC 7009 §2.1: an unknown token_type_hint is ignored and the token is still found', async () => {
    const tokens = await userToken(s.url, { scope: 'openid offline_access' })
    await expectOk(await revoke({ token: tokens.refresh_token as string, token_type_hint: 'id_token' }))
    expect(await active(tokens.refresh_token as string)).toBe(false)
  })

  it('RFC 7009 §2.1: a wrong hint does not stop the search', async () => {
    const tokens = await userToken(s.url, { scope: 'openid' })
    await expectOk(await revoke({ token: tokens.access_token, token_type_hint: 'refresh_token' }))
    expect(await active(tokens.access_token)).toBe(false)
  })

  it('RFC 7009 §2.1: token is required: 400 invalid_request', async () => {
    const res = await revoke({ token_type_hint: 'access_token' })
    expect(res.status).toBe(400)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request')
  })

  it('RFC 7009 §2.1: the client must authenticate: 401 invalid_client', async () => {
    const tokens = await userToken(s.url, { scope: 'openid offline_access' })
    const anonymous = await revoke({ token: tokens.refresh_token as string }, {})
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('cache-control')).toBe('no-store')
    expect(((await anonymous.json()) as { error: string }).error).toBe('invalid_client')
    const wrong = await revoke({ token: tokens.refresh_token as string }, { authorization: basic('web', 'not-the-secret-0123456789abcdef01234') })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /)
    expect(await active(tokens.refresh_token as string)).toBe(true)
  })

  it('RFC 7009 §2.1: a public client identifies itself with client_id', async () => {
    await expectOk(await revoke({ token: 'unknown', client_id: 'spa' }, {}))
  })

  it('RFC 6749 §3.2: a repeated token parameter is invalid_request', async () => {
    const res = await fetch(endpoint, { method: 'POST', headers: { ...asWeb, 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=a&token=b' })
    expect(res.status).toBe(400)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request')
  })

  it('RFC 7009 §2: openid-client revokes a refresh token', async () => {
    const config = await oidc.discovery(new URL(s.url), 'web', undefined, oidc.ClientSecretBasic(WEB_SECRET), { execute: [oidc.allowInsecureRequests] })
    const tokens = await userToken(s.url, { scope: 'openid offline_access' })
    await oidc.tokenRevocation(config, tokens.refresh_token as string, { token_type_hint: 'refresh_token' })
    expect(await active(tokens.refresh_token as string)).toBe(false)
  })
})
