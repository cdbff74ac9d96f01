/**
 * CSRF defence of the BFF's state-changing routes over real HTTP: `POST /auth/refresh`,
 * `POST /auth/logout` and non-safe methods under `/api` need the session's token in
 * `x-latch-csrf` (or, for the auth forms, a `csrf` field), and an `Origin`, when sent, equal to
 * the app's origin; every refusal is 403 `invalid_request` and changes nothing.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html#synchronizer-token-pattern
 * @see https://www.rfc-editor.org/rfc/rfc6454#section-7.3
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  me,
  newAgent,
  signIn,
  startBffStack,
  type Agent,
  type BffApp,
  type BffStack,
  type TestServer,
  type Upstream,
} from './harness.js'

describe('BFF CSRF', () => {
  let stack: BffStack
  let latch: TestServer
  let upstream: Upstream
  let bff: BffApp
  let agent: Agent
  let csrf: string

  beforeAll(async () => {
    stack = await startBffStack()
    ;({ latch, upstream, bff } = stack)
    agent = newAgent(bff.url, latch)
    await signIn(agent, bff.url)
    csrf = (await me(agent, bff.url)).csrfToken as string
  })
  afterAll(async () => {
    await stack?.close()
  })

  const post = (path: string, headers: Record<string, string> = {}, body?: string) => agent.app.fetch(`${bff.url}${path}`, { method: 'POST', headers, ...(body !== undefined && { body }) })

  async function expectRefused(res: Response, reason: RegExp): Promise<void> {
    expect(res.status).toBe(403)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = (await res.json()) as { error: string; error_description: string }
    expect(body.error).toBe('invalid_request')
    expect(body.error_description).toMatch(/csrf/)
    expect(body.error_description).toMatch(reason)
    expect(body.error_description).not.toContain(csrf)
  }

  for (const path of ['/auth/refresh', '/auth/logout', '/api/data']) {
    describe(`POST ${path}`, () => {
      it('OWASP CSRF synchronizer token: without x-latch-csrf it is 403 invalid_request', async () => {
        const before = upstream.received.length
        await expectRefused(await post(path), /missing/)
        expect(upstream.received.length).toBe(before)
        expect((await me(agent, bff.url)).authenticated).toBe(true)
      })

      it('OWASP CSRF synchronizer token: a wrong token is 403', async () => {
        await expectRefused(await post(path, { 'x-latch-csrf': `${csrf.slice(0, -1)}x` }), /does not match/)
        await expectRefused(await post(path, { 'x-latch-csrf': 'short' }), /does not match/)
      })

      it('RFC 6454 §7.3: a foreign Origin is 403 even with the right token', async () => {
        await expectRefused(await post(path, { 'x-latch-csrf': csrf, origin: 'https://evil.example' }), /Origin/)
        await expectRefused(await post(path, { 'x-latch-csrf': csrf, origin: 'null' }), /Origin/)
        // Same host, other port: another origin.
        await expectRefused(await post(path, { 'x-latch-csrf': csrf, origin: 'http://127.0.0.1:1' }), /Origin/)
        expect((await me(agent, bff.url)).authenticated).toBe(true)
      })
    })
  }

  it('OWASP CSRF synchronizer token: another session\'s token does not work with this session\'s cookie', async () => {
    const other = newAgent(bff.url, latch)
    await signIn(other, bff.url)
    const otherCsrf = (await me(other, bff.url)).csrfToken as string
    expect(otherCsrf).not.toBe(csrf)
    await expectRefused(await post('/auth/refresh', { 'x-latch-csrf': otherCsrf }), /does not match/)
  })

  it('RFC 9110 §9.2.1: the right token with the app\'s Origin is accepted; safe methods need none', async () => {
    const refreshed = await post('/auth/refresh', { 'x-latch-csrf': csrf, origin: bff.url })
    expect(refreshed.status).toBe(200)
    expect(typeof ((await refreshed.json()) as { expiresAt: number }).expiresAt).toBe('number')
    // No Origin at all (a non-browser client, or an old browser) with the right token is fine too.
    const created = await post('/api/data', { 'x-latch-csrf': csrf, 'content-type': 'application/json' }, '{"a":1}')
    expect(created.status).toBe(201)
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      const res = await agent.app.fetch(`${bff.url}/api/data`, { method })
      expect(res.status, method).toBe(200)
    }
  })

  it('RFC 9110 §9.2.1: PUT, PATCH and DELETE under /api need the token as POST does', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const before = upstream.received.length
      await expectRefused(await agent.app.fetch(`${bff.url}/api/data`, { method, headers: { 'content-type': 'application/json' }, body: '{}' }), /missing/)
      expect(upstream.received.length).toBe(before)
      const ok = await agent.app.fetch(`${bff.url}/api/data`, { method, headers: { 'x-latch-csrf': csrf, 'content-type': 'application/json' }, body: '{}' })
      expect(ok.status, method).toBe(200)
    }
  })

  it('a csrf form field works for the auth forms only: the API proxy wants the header', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const viaForm = await post('/auth/refresh', form, new URLSearchParams({ csrf, returnTo: '/account' }).toString())
    expect(viaForm.status).toBe(303)
    expect(viaForm.headers.get('location')).toBe('/account')
    await expectRefused(await post('/auth/refresh', form, new URLSearchParams({ csrf: 'wrong' }).toString()), /does not match/)
    // A repeated field is no field.
    await expectRefused(await post('/auth/refresh', form, `csrf=${csrf}&csrf=${csrf}`), /missing|does not match/)
    await expectRefused(await post('/api/data', form, new URLSearchParams({ csrf }).toString()), /missing/)
  })

  it('RFC 6749 §5.2: a malformed or unsupported body on an auth route is 4xx invalid_request, never 500', async () => {
    const broken = await post('/auth/refresh', { 'content-type': 'application/json', 'x-latch-csrf': csrf }, '{not json')
    expect(broken.status).toBe(400)
    expect(await broken.json()).toMatchObject({ error: 'invalid_request' })
    const xml = await post('/auth/logout', { 'content-type': 'application/xml', 'x-latch-csrf': csrf }, '<a/>')
    expect(xml.status).toBe(415)
    expect(await xml.json()).toMatchObject({ error: 'invalid_request' })
    const huge = await post('/auth/refresh', { 'content-type': 'application/json', 'x-latch-csrf': csrf }, JSON.stringify({ a: 'x'.repeat(64 * 1024) }))
    expect(huge.status).toBe(413)
    expect((await me(agent, bff.url)).authenticated).toBe(true)
  })

  it('without a session, POST /auth/refresh is 401 login_required', async () => {
    const stranger = newAgent(bff.url, latch)
    const res = await stranger.app.fetch(`${bff.url}/auth/refresh`, { method: 'POST', headers: { 'x-latch-csrf': csrf } })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: 'login_required' })
  })
})
