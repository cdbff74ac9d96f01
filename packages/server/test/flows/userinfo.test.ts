/**
 * UserInfo (OIDC Core §5.3) as an RFC 6750 protected resource, over real HTTP: how the token may
 * travel, what each failure looks like (status, error, WWW-Authenticate, Cache-Control), and which
 * claims each scope releases.
 */
import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { issueAccessToken } from '../../src/tokens/access-token.js'
import { BOB, FORM, WEB_SECRET, postForm, serviceToken, startServer, userToken, type TestServer } from '../helpers.js'

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

async function expectBearerError(res: Response, status: number, error: string): Promise<string> {
  expect(res.status).toBe(status)
  expect(res.headers.get('cache-control')).toBe('no-store')
  const challenge = res.headers.get('www-authenticate') ?? ''
  expect(challenge).toMatch(/^Bearer realm="latch"/)
  expect(challenge).toContain(`error="${error}"`)
  expect(((await res.json()) as { error: string }).error).toBe(error)
  return challenge
}

describe('userinfo', () => {
  const clock = new ManualClock()
  let s: TestServer
  let userinfo: string
  let alice: { access_token: string; id_token?: string }
  beforeAll(async () => {
    s = await startServer({}, { clock })
    userinfo = `${s.url}/userinfo`
    alice = await userToken(s.url, { scope: 'openid profile email' })
  })
  afterAll(() => s.close())

  it('OIDC Core §5.3.2: GET with a Bearer header answers the claims of the granted scope, no-store', async () => {
    const res = await fetch(userinfo, { headers: bearer(alice.access_token) })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const claims = (await res.json()) as Record<string, unknown>
    expect(claims).toMatchObject({ name: 'Alice Example', given_name: 'Alice', email: 'alice@example.com', email_verified: true })
    expect(typeof claims.sub).toBe('string')
    expect(claims.phone_number).toBeUndefined()
  })

  it('OIDC Core §5.4: scope openid alone releases only sub', async () => {
    const { access_token } = await userToken(s.url, { scope: 'openid' })
    const claims = (await (await fetch(userinfo, { headers: bearer(access_token) })).json()) as Record<string, unknown>
    expect(Object.keys(claims)).toEqual(['sub'])
  })

  it('OIDC Core §5.3.1: sub matches the ID token, and openid-client accepts the response', async () => {
    const config = await oidc.discovery(new URL(s.url), 'web', undefined, oidc.ClientSecretBasic(WEB_SECRET), { execute: [oidc.allowInsecureRequests] })
    const idSub = JSON.parse(Buffer.from((alice.id_token ?? '').split('.')[1] ?? '', 'base64url').toString()).sub as string
    const claims = await oidc.fetchUserInfo(config, alice.access_token, idSub)
    expect(claims.sub).toBe(idSub)
  })

  it('RFC 6750 §2.2: POST with a form-encoded access_token works', async () => {
    const res = await postForm(userinfo, { access_token: alice.access_token })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(((await res.json()) as { email: string }).email).toBe('alice@example.com')
  })

  it('RFC 6750 §2.1: POST with a Bearer header and no body works', async () => {
    const res = await fetch(userinfo, { method: 'POST', headers: bearer(alice.access_token) })
    expect(res.status).toBe(200)
  })

  it('RFC 6750 §3.1: no token gives 401 with a bare Bearer challenge', async () => {
    for (const res of [await fetch(userinfo), await fetch(userinfo, { method: 'POST' })]) {
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="latch"')
      expect(res.headers.get('cache-control')).toBe('no-store')
    }
  })

  it('RFC 6750 §3.1: a non-Bearer Authorization header counts as no token', async () => {
    const res = await fetch(userinfo, { headers: { authorization: 'Basic d2ViOnNlY3JldA==' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="latch"')
  })

  it('RFC 6750 §3.1: a token sent by two methods is invalid_request (400)', async () => {
    const res = await fetch(userinfo, {
      method: 'POST',
      headers: { ...bearer(alice.access_token), 'content-type': FORM },
      body: new URLSearchParams({ access_token: alice.access_token }),
    })
    await expectBearerError(res, 400, 'invalid_request')
  })

  it('RFC 6750 §2.3: an access_token in the query string is not accepted', async () => {
    const res = await fetch(`${userinfo}?access_token=${encodeURIComponent(alice.access_token)}`)
    await expectBearerError(res, 400, 'invalid_request')
  })

  it('RFC 6750 §2.2: a GET body token is not looked at (only POST forms carry one)', async () => {
    const res = await fetch(`${userinfo}`, { method: 'GET', headers: { 'content-type': FORM } })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="latch"')
  })

  it('RFC 6750 §3.1: garbage, forged and wrong-typ tokens are 401 invalid_token, never 500', async () => {
    const [h, p, sig] = alice.access_token.split('.') as [string, string, string]
    const forged = `${h}.${p}.${sig.slice(0, -4)}${sig.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`
    const otherPayload = Buffer.from(JSON.stringify({ sub: 'x', scope: 'openid' })).toString('base64url')
    for (const token of ['not-a-jwt', 'a.b.c', `${h}.${otherPayload}.${sig}`, forged, alice.id_token as string, 'eyJhbGciOiJub25lIn0.e30.']) {
      await expectBearerError(await fetch(userinfo, { headers: bearer(token) }), 401, 'invalid_token')
    }
  })

  it('RFC 6750 §3.1: a token of disallowed syntax in the header is invalid_token', async () => {
    await expectBearerError(await fetch(userinfo, { headers: { authorization: 'Bearer a"b' } }), 401, 'invalid_token')
  })

  it('RFC 6750 §3.1: a token without openid is 403 insufficient_scope naming scope="openid"', async () => {
    const { access_token } = await userToken(s.url, { scope: 'profile' })
    const challenge = await expectBearerError(await fetch(userinfo, { headers: bearer(access_token) }), 403, 'insufficient_scope')
    expect(challenge).toContain('scope="openid"')
  })

  it('RFC 6750 §3.1: a client credentials token (no openid possible) is insufficient_scope', async () => {
    const { access_token } = await serviceToken(s.url)
    await expectBearerError(await fetch(userinfo, { headers: bearer(access_token) }), 403, 'insufficient_scope')
  })

  it('RFC 9068 §2.2: a token whose subject is a client has no user: invalid_token', async () => {
    const ctx = s.server.ctx
    const { token } = issueAccessToken(
      { keystore: ctx.keystore, issuer: ctx.config.issuer, clock: ctx.clock, ttl: 60 },
      { sub: 'web2', client_id: 'web2', scope: 'openid', aud: ctx.config.issuer },
    )
    await expectBearerError(await fetch(userinfo, { headers: bearer(token) }), 401, 'invalid_token')
  })

  it('OIDC Core §5.3.3: a deleted user\'s token is invalid_token', async () => {
    const bob = await userToken(s.url, { user: BOB, scope: 'openid' })
    const user = await s.server.ctx.store.users.getByEmail(BOB.email)
    await s.server.ctx.store.users.delete(user?.id ?? '', s.server.ctx.clock.now())
    await expectBearerError(await fetch(userinfo, { headers: bearer(bob.access_token) }), 401, 'invalid_token')
  })

  it('RFC 7009 §2: a revoked access token is invalid_token', async () => {
    const { access_token } = await userToken(s.url, { scope: 'openid' })
    const revoke = await postForm(`${s.url}/revoke`, { token: access_token, token_type_hint: 'access_token' }, {
      authorization: `Basic ${Buffer.from(`web:${WEB_SECRET}`).toString('base64')}`,
    })
    expect(revoke.status).toBe(200)
    await expectBearerError(await fetch(userinfo, { headers: bearer(access_token) }), 401, 'invalid_token')
  })

  it('RFC 6750 §3.1: an expired token is invalid_token', async () => {
    const { access_token } = await userToken(s.url, { scope: 'openid' })
    expect((await fetch(userinfo, { headers: bearer(access_token) })).status).toBe(200)
    clock.advance(s.server.config.tokens.access_token_ttl + 1)
    await expectBearerError(await fetch(userinfo, { headers: bearer(access_token) }), 401, 'invalid_token')
  })
})
