/**
 * The BFF's API proxy over real HTTP: a real Latch, and an upstream API that checks each bearer
 * token by introspection at Latch (so a revoked token is a real 401). The proxy adds the session's
 * access token, forwards method, path, query, body and content headers, and nothing of the
 * browser's credentials; relays the answer without cookies or hop-by-hop headers; refreshes and
 * retries once on a 401; refuses paths that climb out of the API.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#name-backend-for-frontend-bff
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { basic, postForm } from '../../../server/test/helpers.js'
import {
  BFF_SECRET,
  cookieHeader,
  freePort,
  me,
  newAgent,
  rawRequest,
  signIn,
  startBff,
  startBffStack,
  storedSession,
  type Agent,
  type BffApp,
  type BffStack,
  type TestServer,
  type Upstream,
} from './harness.js'

describe('BFF API proxy', () => {
  let stack: BffStack
  let latch: TestServer
  let upstream: Upstream
  let bff: BffApp
  let agent: Agent
  let csrf: string
  let sub: string

  beforeAll(async () => {
    stack = await startBffStack()
    ;({ latch, upstream, bff } = stack)
    agent = newAgent(bff.url, latch)
    await signIn(agent, bff.url)
    const state = await me(agent, bff.url)
    csrf = state.csrfToken as string
    sub = (state.user as { sub: string }).sub
  })
  afterAll(async () => {
    await stack?.close()
  })

  const last = () => upstream.received.at(-1)

  it('RFC 6750 §2.1: a GET goes upstream with Authorization: Bearer <the session\'s access token>, path and query as sent', async () => {
    const res = await agent.app.fetch(`${bff.url}/api/data/items?x=1&y=a%20b&z=%2F`, { headers: { accept: 'application/json', 'accept-language': 'fr' } })
    expect(res.status).toBe(200)
    const { accessToken } = await storedSession(bff, agent)
    const seen = last()
    expect(seen?.headers.authorization).toBe(`Bearer ${accessToken}`)
    expect(seen?.sub).toBe(sub)
    expect(seen?.method).toBe('GET')
    expect(seen?.url).toBe('/api/data/items?x=1&y=a%20b&z=%2F')
    expect(seen?.headers.accept).toBe('application/json')
    expect(seen?.headers['accept-language']).toBe('fr')
    expect(await res.json()).toMatchObject({ sub })
  })

  it('the browser\'s cookies, Authorization, CSRF and other headers are not forwarded', async () => {
    await agent.app.fetch(`${bff.url}/api/data`, {
      method: 'POST',
      headers: { 'x-latch-csrf': csrf, authorization: 'Bearer forged-by-the-page', 'x-custom': 'page', 'content-type': 'application/json', 'x-forwarded-for': '6.6.6.6' },
      body: '{}',
    })
    const seen = last()
    expect(seen?.headers.cookie).toBeUndefined()
    expect(seen?.headers.authorization).not.toContain('forged-by-the-page')
    expect(seen?.sub).toBe(sub)
    expect(seen?.headers['x-latch-csrf']).toBeUndefined()
    expect(seen?.headers['x-custom']).toBeUndefined()
    expect(seen?.headers['x-forwarded-for']).toBeUndefined()
    expect(cookieHeader(agent)).toContain('latch_bff=')
  })

  it('methods, bodies and content types are forwarded byte for byte; the status and content headers come back', async () => {
    const json = JSON.stringify({ name: 'ünïcode', n: 1 })
    const created = await agent.app.fetch(`${bff.url}/api/data`, { method: 'POST', headers: { 'x-latch-csrf': csrf, 'content-type': 'application/json; charset=utf-8' }, body: json })
    expect(created.status).toBe(201)
    expect(created.headers.get('content-type')).toBe('application/json')
    expect(created.headers.get('x-upstream')).toBe('yes')
    expect(last()?.body).toBe(json)
    expect(last()?.headers['content-type']).toBe('application/json; charset=utf-8')
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 255])
    await agent.app.fetch(`${bff.url}/api/data/blob`, { method: 'PUT', headers: { 'x-latch-csrf': csrf, 'content-type': 'application/octet-stream' }, body: bytes })
    expect(last()?.method).toBe('PUT')
    expect(last()?.bytes.equals(Buffer.from(bytes))).toBe(true)
    expect(last()?.headers['content-type']).toBe('application/octet-stream')
    const text = await agent.app.fetch(`${bff.url}/api/data`, { method: 'PATCH', headers: { 'x-latch-csrf': csrf, 'content-type': 'text/plain' }, body: 'plain text' })
    expect(text.status).toBe(200)
    expect(last()?.body).toBe('plain text')
  })

  it('RFC 9110 §7.6.1: hop-by-hop headers, Set-Cookie and CORS grants from the API never reach the browser', async () => {
    const res = await agent.app.fetch(`${bff.url}/api/set-cookie`, { headers: { origin: 'https://evil.example' } })
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie()).toEqual([])
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    expect(res.headers.get('access-control-allow-credentials')).toBeNull()
    expect(res.headers.get('x-hop')).toBeNull()
    expect(res.headers.get('x-upstream')).toBe('yes')
    expect(agent.app.cookies.has('planted')).toBe(false)
  })

  it('RFC 6750 §3: a Bearer challenge from the API is relayed; a Basic challenge is not (no browser password dialog)', async () => {
    const bearer = await agent.app.fetch(`${bff.url}/api/always-401`)
    expect(bearer.status).toBe(401)
    expect(bearer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
    const basicChallenge = await agent.app.fetch(`${bff.url}/api/basic-401`)
    expect(basicChallenge.status).toBe(401)
    expect(basicChallenge.headers.get('www-authenticate')).toBeNull()
  })

  it('a redirect inside the API is mapped back under /api; it is relayed, not followed', async () => {
    const res = await agent.app.fetch(`${bff.url}/api/redirect`)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`${bff.url}/api/elsewhere?x=1`)
  })

  it('RFC 6750 §3.1: an access token the API rejects (revoked at Latch) is refreshed once and the request retried once', async () => {
    const before = await storedSession(bff, agent)
    // Revoke the access token only (RFC 7009 §2.1: its refresh token stays valid).
    const revoked = await postForm(`${latch.url}/revoke`, { token: before.accessToken, token_type_hint: 'access_token' }, { authorization: basic('bff', BFF_SECRET) })
    expect(revoked.status).toBe(200)
    const count = upstream.received.length
    const res = await agent.app.fetch(`${bff.url}/api/data?after=revoke`, { method: 'POST', headers: { 'x-latch-csrf': csrf, 'content-type': 'application/json' }, body: '{"retry":true}' })
    expect(res.status).toBe(201)
    const attempts = upstream.received.slice(count)
    expect(attempts).toHaveLength(2)
    expect(attempts[0]?.token).toBe(before.accessToken)
    expect(attempts[0]?.sub).toBeNull()
    const after = await storedSession(bff, agent)
    expect(after.accessToken).not.toBe(before.accessToken)
    expect(after.refreshToken).not.toBe(before.refreshToken) // Latch rotates refresh tokens
    expect(attempts[1]?.token).toBe(after.accessToken)
    expect(attempts[1]?.sub).toBe(sub)
    // The retry carries the same body.
    expect(attempts[1]?.body).toBe('{"retry":true}')
  })

  it('RFC 6750 §3.1: a second 401 is not retried again: the API is called exactly twice and its 401 relayed', async () => {
    const count = upstream.received.length
    const res = await agent.app.fetch(`${bff.url}/api/always-401`)
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: 'invalid_token' })
    expect(upstream.received.length - count).toBe(2)
    // The refresh worked, so the session lives on.
    expect((await me(agent, bff.url)).authenticated).toBe(true)
  })

  it('without a session every /api call is 401 login_required and nothing reaches the API', async () => {
    const stranger = newAgent(bff.url, latch)
    const count = upstream.received.length
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await stranger.app.fetch(`${bff.url}/api/data`, { method })
      expect(res.status, method).toBe(401)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(await res.json()).toMatchObject({ error: 'login_required' })
    }
    expect(upstream.received.length).toBe(count)
  })

  it('RFC 3986 §5.2.4 / issue: a path that climbs out of the API base (.., encoded or not, or ..; as Tomcat/Spring read it) is 400 invalid_request and never sent', async () => {
    const count = upstream.received.length
    for (const path of ['/api/../admin', '/api/%2e%2e/admin', '/api/%2E%2E/admin', '/api/a/..%2fadmin', '/api/a%2F..%2F..%2Fadmin', '/api/..\\admin', '/api/./data', '/api/..;/admin', '/api/..%3b/admin', '/api/..%3B/admin']) {
      const res = await rawRequest(bff.url, 'GET', path, { cookie: cookieHeader(agent) })
      expect(res.status, path).toBe(400)
      expect(JSON.parse(res.body), path).toMatchObject({ error: 'invalid_request' })
    }
    expect(upstream.received.length).toBe(count)
  })

  it('/api itself maps to the API base; HEAD is relayed without a body', async () => {
    const root = await agent.app.fetch(`${bff.url}/api?q=1`)
    expect(root.status).toBe(200)
    expect(last()?.url).toBe('/api?q=1')
    const head = await agent.app.fetch(`${bff.url}/api/data`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    expect(last()?.method).toBe('HEAD')
  })

  it('RFC 6750 §5.3 / issue: request.latchSession.fetch refuses http:// off loopback before any token is sent (insecure_request)', async () => {
    const res = await agent.app.fetch(`${bff.url}/session-fetch?url=${encodeURIComponent('http://api.invalid/data')}`)
    expect(await res.json()).toEqual({ error: 'ClientValidationError', code: 'insecure_request' })
    // https, and http to loopback (the configured upstream here), are fine.
    expect(await (await agent.app.fetch(`${bff.url}/session-fetch?url=${encodeURIComponent(`${upstream.base}/data`)}`)).json()).toEqual({ status: 200 })
  })

  it('issue: request.latchSession.fetch without its own signal gives up after api.timeout (no request held forever)', async () => {
    // An API that accepts the request and never answers.
    const { createServer } = await import('node:http')
    const silent = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/data`
    // A second instance of the app sharing the session store, with a short API timeout.
    const impatient = await startBff(await freePort(), latch, upstream, { redirectUri: `${bff.url}/auth/callback`, sessionStore: bff.store, api: { upstream: upstream.base, timeout: 300 } })
    try {
      const res = await rawRequest(impatient.url, 'GET', `/session-fetch?url=${encodeURIComponent(silentUrl)}`, { cookie: cookieHeader(agent) })
      expect(JSON.parse(res.body)).toMatchObject({ error: 'TimeoutError' })
    } finally {
      await impatient.close()
      silent.closeAllConnections()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  })

  it('an unreachable API is 502 temporarily_unavailable, and the session is kept', async () => {
    // A second instance of the app sharing the first one's session store, its API pointing at a closed port.
    const deadApi = `http://127.0.0.1:${await freePort()}/api`
    const nowhere = await startBff(await freePort(), latch, { base: deadApi, received: [], close: async () => {} }, { redirectUri: `${bff.url}/auth/callback`, sessionStore: bff.store })
    try {
      const res = await rawRequest(nowhere.url, 'GET', '/api/data', { cookie: cookieHeader(agent) })
      expect(res.status).toBe(502)
      expect(JSON.parse(res.body)).toMatchObject({ error: 'temporarily_unavailable' })
      expect(res.body).not.toContain(deadApi)
    } finally {
      await nowhere.close()
    }
    expect((await me(agent, bff.url)).authenticated).toBe(true)
  })
})
