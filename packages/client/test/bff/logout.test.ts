/**
 * `POST /auth/logout` over real HTTP against a real Latch: the session ends here (store and
 * cookie), the refresh token is revoked at Latch (RFC 7009; Latch revokes the whole grant, so the
 * access token dies too), and the answer is Latch's end-session URL (OpenID Connect RP-Initiated
 * Logout §2) for fetch, or a 303 to it for a plain HTML form. Following that URL signs the user
 * out of Latch and lands on the registered post_logout_redirect_uri.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API, API_SECRET, basic, postForm } from '../../../server/test/helpers.js'
import {
  BFF_SECRET,
  me,
  newAgent,
  setCookies,
  signIn,
  startBffStack,
  storedSession,
  type BffApp,
  type BffStack,
  type TestServer,
} from './harness.js'

describe('BFF logout', () => {
  let stack: BffStack
  let latch: TestServer
  let bff: BffApp

  beforeAll(async () => {
    stack = await startBffStack()
    ;({ latch, bff } = stack)
  })
  afterAll(async () => {
    await stack?.close()
  })

  it('RFC 7009 §2.1, OIDC RP-Initiated Logout §2: logout ends the session, revokes the grant at Latch and returns the end-session URL', async () => {
    const agent = newAgent(bff.url, latch)
    await signIn(agent, bff.url)
    const csrf = (await me(agent, bff.url)).csrfToken as string
    const tokens = await storedSession(bff, agent)
    const res = await agent.app.fetch(`${bff.url}/auth/logout`, { method: 'POST', headers: { 'x-latch-csrf': csrf, origin: bff.url } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(setCookies(res).get('latch_bff')?.value).toBe('')
    const { logoutUrl } = (await res.json()) as { logoutUrl: string }
    const url = new URL(logoutUrl)
    expect(url.origin + url.pathname).toBe(`${latch.url}/logout`)
    expect(url.searchParams.get('id_token_hint')).toBe(tokens.idToken)
    expect(url.searchParams.get('client_id')).toBe('bff')
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${bff.url}/`)

    // The session is gone here ...
    expect(await me(agent, bff.url)).toEqual({ authenticated: false })
    expect((await agent.app.fetch(`${bff.url}/api/data`)).status).toBe(401)
    // ... and its tokens are dead at Latch: the refresh token is invalid_grant, the access token inactive.
    const refresh = await postForm(`${latch.url}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refreshToken as string }, { authorization: basic('bff', BFF_SECRET) })
    expect(refresh.status).toBe(400)
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' })
    const introspection = await postForm(`${latch.url}/introspect`, { token: tokens.accessToken }, { authorization: basic(API, API_SECRET) })
    expect(await introspection.json()).toEqual({ active: false })

    // Following the URL signs the user out of Latch silently (the hint names them) and comes back.
    expect(agent.op.cookies.has('latch_session')).toBe(true)
    const end = await agent.op.fetch(logoutUrl)
    expect(end.status).toBe(303)
    expect(end.headers.get('location')).toBe(`${bff.url}/`)
    expect(agent.op.cookies.has('latch_session')).toBe(false)
  })

  it('OIDC RP-Initiated Logout §2: a plain HTML form post with the csrf field gets a 303 to the end-session URL', async () => {
    const agent = newAgent(bff.url, latch)
    await signIn(agent, bff.url)
    const csrf = (await me(agent, bff.url)).csrfToken as string
    const res = await agent.app.fetch(`${bff.url}/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: bff.url },
      body: new URLSearchParams({ csrf }).toString(),
    })
    expect(res.status).toBe(303)
    const location = new URL(res.headers.get('location') as string)
    expect(location.origin + location.pathname).toBe(`${latch.url}/logout`)
    expect(location.searchParams.get('id_token_hint')).toMatch(/^eyJ/)
    expect(await me(agent, bff.url)).toEqual({ authenticated: false })
  })

  it('a logout without a session still answers the end-session URL (client_id, no id_token_hint), and clears the cookie', async () => {
    const agent = newAgent(bff.url, latch)
    const res = await agent.app.fetch(`${bff.url}/auth/logout`, { method: 'POST' })
    expect(res.status).toBe(200)
    const url = new URL(((await res.json()) as { logoutUrl: string }).logoutUrl)
    expect(url.searchParams.get('id_token_hint')).toBeNull()
    expect(url.searchParams.get('client_id')).toBe('bff')
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${bff.url}/`)
    // Latch accepts it: with nobody signed in there, a GET signs out silently and redirects back.
    const end = await fetch(url, { redirect: 'manual' })
    expect(end.status).toBe(303)
    expect(end.headers.get('location')).toBe(`${bff.url}/`)
  })

  it('a logout from a foreign Origin is refused even without a session', async () => {
    const agent = newAgent(bff.url, latch)
    const res = await agent.app.fetch(`${bff.url}/auth/logout`, { method: 'POST', headers: { origin: 'https://evil.example' } })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('logout ends only this session: another user agent stays signed in', async () => {
    const a = newAgent(bff.url, latch)
    const b = newAgent(bff.url, latch)
    await signIn(a, bff.url)
    await signIn(b, bff.url)
    const csrf = (await me(a, bff.url)).csrfToken as string
    expect((await a.app.fetch(`${bff.url}/auth/logout`, { method: 'POST', headers: { 'x-latch-csrf': csrf } })).status).toBe(200)
    expect((await me(b, bff.url)).authenticated).toBe(true)
    expect((await b.app.fetch(`${bff.url}/api/data`)).status).toBe(200)
  })
})
