/**
 * OpenID Connect Back-Channel Logout 1.0 as the provider, over real HTTP: a Latch and a node:http
 * receiver stand-in. When a session ends (logout, a password change with sign-out, the user's
 * deletion) each client with a `backchannel_logout_uri` that took part in it gets one logout token,
 * verified here with jose against Latch's JWKS; failed deliveries are retried with backoff until
 * the retry window passes, then abandoned; a tenant's clients never hear of another's sessions.
 * The clock is injected, and `deliverLogouts()` steps the loop. Runs on SQLite and PostgreSQL.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
 */
import dns from 'node:dns'
import { syncBuiltinESMExports } from 'node:module'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { hashHandle } from '../../src/lib/random.js'
import { BACKCHANNEL_LOGOUT_EVENT } from '../../src/tokens/logout-token.js'
import { Browser } from '../browser.js'
import { ALICE, BOB, WEB_REDIRECT, baseTestConfig, basic, postForm, startServer, type TestServer } from '../helpers.js'
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js'

const SECRET = 'bcl-secret-0123456789abcdef0123456789abcd'
const FORM = 'application/x-www-form-urlencoded'

describe('back-channel logout (OIDC Back-Channel Logout 1.0)', () => {
  const clock = new ManualClock()
  let s: TestServer
  let receiver: LogoutReceiver
  const events: { name: string; payload: Record<string, unknown> }[] = []

  const rp = (client_id: string, extra: Record<string, unknown> = {}) => ({
    client_id, client_secret: SECRET, grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [WEB_REDIRECT],
    scope: 'openid offline_access', skip_consent: true, ...extra,
  })

  /** Signs `user` in to `clientId` in `browser` (SSO after the first) and redeems the code: the client took part in the session. */
  const signIn = async (browser: Browser, clientId: string, user = ALICE) => {
    const authorize = new URL(`${s.url}/authorize`)
    authorize.search = new URLSearchParams({ client_id: clientId, redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid', state: 's' }).toString()
    const code = (await browser.authorize(authorize, user)).redirect?.searchParams.get('code')
    if (!code) throw new Error(`no code for ${clientId}`)
    const res = await postForm(`${s.url}/token`, { grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT }, { authorization: basic(clientId, clientId === 'web' ? 'web-secret-0123456789abcdef0123456789' : SECRET) })
    const body = (await res.json()) as { id_token: string }
    return decodeJwt(body.id_token)
  }
  const logout = async (browser: Browser, idToken?: string) => {
    const res = await browser.fetch(`${s.url}/logout${idToken ? `?id_token_hint=${idToken}` : ''}`)
    await res.body?.cancel()
  }
  /** Logs out silently: the hint is an ID token of the browser's own session. */
  const signOut = async (browser: Browser, clientId: string) => {
    const authorize = new URL(`${s.url}/authorize`)
    authorize.search = new URLSearchParams({ client_id: clientId, redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid', state: 's' }).toString()
    const code = (await browser.authorize(authorize)).redirect?.searchParams.get('code')
    const res = await postForm(`${s.url}/token`, { grant_type: 'authorization_code', code: code!, redirect_uri: WEB_REDIRECT }, { authorization: basic(clientId, SECRET) })
    await logout(browser, ((await res.json()) as { id_token: string }).id_token)
  }
  const jwks = () => createRemoteJWKSet(new URL(`${s.url}/jwks`))
  const verify = (token: string, audience: string) =>
    jwtVerify(token, jwks(), { issuer: s.url, audience, typ: 'logout+jwt', currentDate: new Date(clock.now() * 1000), maxTokenAge: 120 })
  const take = () => receiver.received.splice(0)
  const queued = () => s.server.ctx.store.logoutDeliveries.list()

  beforeAll(async () => {
    receiver = await startLogoutReceiver()
    s = await startServer(
      {
        clients: [
          ...baseTestConfig.clients,
          rp('bcl-a', { backchannel_logout_uri: `${receiver.url}/a` }),
          rp('bcl-b', { backchannel_logout_uri: `${receiver.url}/b?tenant=main`, backchannel_logout_session_required: true }),
          rp('bcl-none'),
        ],
      },
      { clock },
    )
    for (const name of ['logout_token.delivered', 'logout_token.abandoned'] as const) {
      s.server.ctx.events.on(name, (payload) => events.push({ name, payload: payload as Record<string, unknown> }))
    }
  })
  afterAll(async () => {
    await s?.close()
    await receiver?.close()
  })

  it('OIDC Back-Channel Logout §2.1: discovery advertises back-channel logout with sid', async () => {
    const doc = (await (await fetch(`${s.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
    expect(doc.backchannel_logout_supported).toBe(true)
    expect(doc.backchannel_logout_session_supported).toBe(true)
  })

  it('OIDC Back-Channel Logout §2.5, §2.4: a logout sends one logout token to each client of the session with a URI, form-encoded, verified with jose', async () => {
    const browser = new Browser(s.url)
    const idA = await signIn(browser, 'bcl-a')
    await signIn(browser, 'bcl-a') // twice in one session: still one token
    await signIn(browser, 'bcl-b')
    await signIn(browser, 'bcl-none')
    take()
    await signOut(browser, 'bcl-a')
    await s.server.deliverLogouts()

    const got = take()
    expect(got.map((r) => r.path).sort()).toEqual(['/a', '/b'])
    for (const r of got) {
      expect(r.contentType).toBe(FORM)
      const audience = r.path === '/a' ? 'bcl-a' : 'bcl-b'
      const { payload, protectedHeader } = await verify(r.logoutToken!, audience)
      expect(protectedHeader.typ).toBe('logout+jwt')
      expect(payload).toEqual({
        iss: s.url, aud: audience, iat: clock.now(), exp: clock.now() + 120, jti: expect.any(String),
        sub: idA.sub, sid: idA.sid, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      } satisfies JWTPayload)
      expect(payload).not.toHaveProperty('nonce')
    }
    expect(events.filter((e) => e.name === 'logout_token.delivered').map((e) => e.payload.client_id).sort()).toEqual(['bcl-a', 'bcl-b'])
    expect(await queued()).toEqual([])
  })

  it('OIDC Back-Channel Logout §2.5: a password change that signs the user out, and the user\'s deletion, notify the clients of every live session', async () => {
    const store = s.server.ctx.store
    const browser1 = new Browser(s.url)
    const browser2 = new Browser(s.url)
    const first = await signIn(browser1, 'bcl-a', BOB)
    const second = await signIn(browser2, 'bcl-a', BOB)
    take()
    await store.users.setPasswordHash(first.sub!, (await store.users.getById(first.sub!))!.password_hash!, clock.now(), { signOut: true })
    await s.server.deliverLogouts()
    const sids = await Promise.all(take().map(async (r) => (await verify(r.logoutToken!, 'bcl-a')).payload.sid))
    expect(sids.sort()).toEqual([first.sid, second.sid].sort())

    const carol = await store.users.upsert({ email: 'carol@example.com', email_verified: true, password_hash: (await store.users.getById(first.sub!))!.password_hash, claims: {} }, clock.now())
    const carolToken = await signIn(new Browser(s.url), 'bcl-b', { email: 'carol@example.com', password: BOB.password })
    take()
    await store.users.delete(carol.id, clock.now())
    await s.server.deliverLogouts()
    const [deleted] = take()
    expect((await verify(deleted!.logoutToken!, 'bcl-b')).payload).toMatchObject({ sub: carol.id, sid: carolToken.sid })
  })

  it('OIDC Back-Channel Logout §2.8: a failed delivery is retried with backoff (500, 500, then 200 delivers)', async () => {
    const browser = new Browser(s.url)
    const { sid } = await signIn(browser, 'bcl-a')
    take()
    events.length = 0
    receiver.answer('/a', 500, 500)
    await signOut(browser, 'bcl-a')
    await s.server.deliverLogouts()
    expect(take().map((r) => r.path)).toEqual(['/a'])
    const [row] = await queued()
    expect(row).toMatchObject({ client_id: 'bcl-a', sid, attempts: 1, leased_until: null })
    // First retry 5 s later ±20 %: not before 4 s.
    expect(row!.next_attempt_at - clock.now()).toBeGreaterThanOrEqual(4)
    expect(row!.next_attempt_at - clock.now()).toBeLessThanOrEqual(6)
    await s.server.deliverLogouts()
    expect(take()).toEqual([]) // not due yet

    clock.advance(6)
    await s.server.deliverLogouts()
    expect(take().map((r) => r.path)).toEqual(['/a'])
    const [again] = await queued()
    expect(again!.attempts).toBe(2)
    expect(again!.next_attempt_at - clock.now()).toBeGreaterThanOrEqual(8) // 10 s ±20 %

    clock.advance(12)
    await s.server.deliverLogouts()
    expect(take().map((r) => r.path)).toEqual(['/a'])
    expect(await queued()).toEqual([])
    expect(events).toEqual([{ name: 'logout_token.delivered', payload: { client_id: 'bcl-a', sid, attempts: 3 } }])
  })

  it('OIDC Back-Channel Logout §2.8: past sessions.backchannel_logout_retry_window the delivery is abandoned (event), and a redirect is never followed', async () => {
    const browser = new Browser(s.url)
    const { sid } = await signIn(browser, 'bcl-a')
    take()
    events.length = 0
    receiver.always('/a', 307)
    await signOut(browser, 'bcl-a')
    await s.server.deliverLogouts()
    expect(take().map((r) => r.path)).toEqual(['/a']) // the redirect was not followed
    clock.advance(s.server.config.sessions.backchannel_logout_retry_window)
    await s.server.deliverLogouts()
    expect(take().map((r) => r.path)).toEqual(['/a'])
    receiver.always('/a', null)
    expect(await queued()).toEqual([])
    expect(events).toEqual([{ name: 'logout_token.abandoned', payload: { client_id: 'bcl-a', sid, attempts: 2, reason: 'retry_window_passed' } }])
  })

  it('a client whose URI is removed is not notified: before the logout nothing is queued, after it the queued token is abandoned', async () => {
    const store = s.server.ctx.store
    const client = (await store.clients.get('bcl-b'))!
    const browser = new Browser(s.url)
    await signIn(browser, 'bcl-b')
    await signIn(browser, 'bcl-a')
    take()
    events.length = 0
    await store.clients.upsert({ ...client, backchannel_logout_uri: null }, clock.now())
    await signOut(browser, 'bcl-a')
    await s.server.deliverLogouts()
    expect(take().map((r) => r.path)).toEqual(['/a'])

    await store.clients.upsert(client, clock.now())
    const next = new Browser(s.url)
    const { sid } = await signIn(next, 'bcl-b')
    // Ended through the store (as the CLI does): queued, and no loop pass yet.
    await store.sessions.end(hashHandle(next.cookies.get('latch_session')!), clock.now())
    expect((await queued()).map((r) => r.client_id)).toEqual(['bcl-b'])
    await store.clients.upsert({ ...client, backchannel_logout_uri: null }, clock.now())
    events.length = 0
    await s.server.deliverLogouts()
    expect(take()).toEqual([])
    expect(events).toEqual([{ name: 'logout_token.abandoned', payload: { client_id: 'bcl-b', sid, attempts: 1, reason: 'client_not_registered' } }])
    expect(await queued()).toEqual([])
    await store.clients.upsert(client, clock.now())
  })

  it('security review M1: a URI whose DNS name resolves to a loopback address is never connected to; the attempt fails and is abandoned like any other', async () => {
    // The name resolves to 127.0.0.1 through the system resolver Latch's transport calls (node:dns),
    // as `vault.corp.internal` or a `*.nip.io` name would: no resolver is needed offline.
    const NAME = 'bcl-internal.test'
    const original = dns.lookup
    let lookups = 0
    dns.lookup = ((hostname: string, options: unknown, callback: unknown) => {
      if (hostname !== NAME) return (original as (...a: unknown[]) => void)(hostname, options, callback)
      lookups++
      const answer = [{ address: '127.0.0.1', family: 4 }]
      const cb = (typeof options === 'function' ? options : callback) as (e: null, a: unknown, f?: number) => void
      if (typeof options === 'object' && options !== null && (options as { all?: boolean }).all) cb(null, answer)
      else cb(null, '127.0.0.1', 4)
    }) as typeof dns.lookup
    syncBuiltinESMExports()
    let connections = 0
    const socket = createNetServer((c) => {
      connections++
      c.destroy()
    })
    await new Promise<void>((resolve) => socket.listen(0, '127.0.0.1', resolve))
    const port = (socket.address() as AddressInfo).port
    const store = s.server.ctx.store
    const client = (await store.clients.get('bcl-a'))!
    try {
      await store.clients.upsert({ ...client, backchannel_logout_uri: `https://${NAME}:${port}/a` }, clock.now())
      const browser = new Browser(s.url)
      const { sid } = await signIn(browser, 'bcl-a')
      take()
      events.length = 0
      await signOut(browser, 'bcl-a')
      await s.server.deliverLogouts()
      expect(lookups).toBeGreaterThan(0) // the name was resolved: the transport, not the URL, refused it
      expect(connections).toBe(0)
      const [row] = await queued()
      expect(row).toMatchObject({ client_id: 'bcl-a', sid, attempts: 1 })
      clock.advance(s.server.config.sessions.backchannel_logout_retry_window)
      await s.server.deliverLogouts()
      expect(connections).toBe(0)
      expect(await queued()).toEqual([])
      expect(events).toEqual([{ name: 'logout_token.abandoned', payload: { client_id: 'bcl-a', sid, attempts: 2, reason: 'retry_window_passed' } }])
    } finally {
      dns.lookup = original
      syncBuiltinESMExports()
      await store.clients.upsert(client, clock.now())
      await new Promise((resolve) => socket.close(resolve))
    }
  })

  it('issue 11: a tenant\'s clients never hear of another tenant\'s sessions, and its tokens carry its own issuer and keys', async () => {
    const root = s.server.ctx.store
    const issuer = `${s.url}/other`
    await root.tenants.upsert({ id: 'other', issuer, settings: {} }, clock.now())
    await s.server.reloadTenants()
    const other = root.forTenant('other')
    await other.clients.upsert({ ...(await root.clients.get('bcl-a'))!, backchannel_logout_uri: `${receiver.url}/other` }, clock.now())
    const user = await other.users.upsert({ email: ALICE.email, email_verified: true, password_hash: null, claims: {} }, clock.now())
    const session = { session_hash: 'h-other', id: 'sid-other', user_id: user.id, auth_time: clock.now(), amr: ['pwd'], created_at: clock.now(), expires_at: clock.now() + 600 }
    await other.sessions.insert(session)
    await other.grants.open({ id: 'g-other', client_id: 'bcl-a', user_id: user.id, scope: 'openid', resource: null, auth_time: clock.now(), session_id: session.id, organization_id: null, created_at: clock.now(), revoked_at: null }, null)

    // The default tenant's logout: only its own bcl-a.
    const browser = new Browser(s.url)
    await signIn(browser, 'bcl-a')
    take()
    await signOut(browser, 'bcl-a')
    await s.server.deliverLogouts()
    expect(take().map((r) => r.path)).toEqual(['/a'])

    // The other tenant's session: only its bcl-a, with its issuer, verified against its JWKS.
    await other.sessions.end(session.session_hash, clock.now())
    await s.server.deliverLogouts()
    const got = take()
    expect(got.map((r) => r.path)).toEqual(['/other'])
    const { payload } = await jwtVerify(got[0]!.logoutToken!, createRemoteJWKSet(new URL(`${issuer}/jwks`)), { issuer, audience: 'bcl-a', typ: 'logout+jwt', currentDate: new Date(clock.now() * 1000) })
    expect(payload).toMatchObject({ sub: user.id, sid: 'sid-other' })
    await expect(verify(got[0]!.logoutToken!, 'bcl-a')).rejects.toThrow()
  })
})
