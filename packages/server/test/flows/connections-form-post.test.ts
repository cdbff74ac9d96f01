/**
 * Issue 12 (security review M3): the form_post stash. `POST /connections/:id/callback` is anonymous
 * (cross-site, no cookie), so it stores only for a connection in form_post mode (Apple), only under
 * a pending login of that connection, only the parameters the callback reads, at most 4 KB, once;
 * and the GET that takes the stash may not bring an answer of its own. Real HTTP against a local
 * Apple stand-in and a query-mode connection; what was stored is read back from the store.
 */
import { exportPKCS8, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_STASH_BYTES } from '../../src/federation/upstream-login.js'
import { hashHandle } from '../../src/lib/random.js'
import { isLoginPage } from '../browser.js'
import { startServer, type TestServer } from '../helpers.js'
import { connectionLink, FederatedBrowser, payloadOf, redeem, webRequest } from '../support/federation.js'
import { startAppleStandIn, type AppleStandIn } from '../support/upstream/apple-stand-in.js'

const EP = { authorization_endpoint: 'https://idp.example/authorize', token_endpoint: 'https://idp.example/token', userinfo_endpoint: 'https://idp.example/me' }
let apple: AppleStandIn
let latch: TestServer

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  apple = await startAppleStandIn({
    clientId: 'com.example.web', teamId: 'TEAM123456', keyId: 'KEY1234567', clientSecretKey: publicKey,
    user: { sub: '001234.abcdef', email: 'x1@privaterelay.appleid.com', is_private_email: true, firstName: 'Ada', lastName: 'Lovelace' },
  })
  const appleEntry = { type: 'apple', client_id: 'com.example.web', team_id: 'TEAM123456', key_id: 'KEY1234567', private_key: await exportPKCS8(privateKey), issuer: apple.url }
  latch = await startServer({
    connections: [
      { id: 'apple', ...appleEntry },
      { id: 'apple-two', display_name: 'Apple Two', ...appleEntry },
      { id: 'social', type: 'oauth2', display_name: 'Social', client_id: 'x', client_secret: 'y'.repeat(32), ...EP },
    ],
  })
})

afterAll(async () => {
  await latch?.close()
  await apple?.close()
})

/** A login started at `name` in a fresh browser: its state and the browser's binding value. */
async function started(name: string) {
  const browser = new FederatedBrowser()
  const request = webRequest(latch.url)
  const href = connectionLink(await browser.open(request.url), name)
  const b = browser.browser(latch.url)
  const response = await b.fetch(href)
  const state = new URL(response.headers.get('location')!).searchParams.get('state')!
  const value = [...b.cookies].find(([k]) => k.includes('latch_upstream'))![1]
  return { browser, request, href, state, take: () => latch.server.ctx.store.upstreamLogins.take(hashHandle(state), hashHandle(value), latch.server.ctx.clock.now()) }
}

/** An anonymous form_post (no cookie), as a cross-site page or the upstream would send it. */
function post(id: string, params: Record<string, string>): Promise<Response> {
  return fetch(`${latch.url}/connections/${id}/callback`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString(), redirect: 'manual' })
}

describe('form_post stash (OAuth 2.0 Form Post Response Mode; RFC 6749 §10.12, RFC 9700 §4.7.1)', () => {
  it('a POST for a connection in query mode is refused and stores nothing (only form_post connections are answered by a POST)', async () => {
    const login = await started('Social')
    const answer = await post('social', { state: login.state, code: 'attacker-code' })
    expect(answer.status).toBe(400)
    expect(await answer.text()).toContain('cannot be used')
    expect((await login.take())?.response_params).toBeNull()
  })

  it('a POST to another form_post connection than the login\'s is refused and stores nothing', async () => {
    const login = await started('Apple')
    expect((await post('apple-two', { state: login.state, code: 'attacker-code' })).status).toBe(400)
    expect((await login.take())?.response_params).toBeNull()
  })

  it(`an answer beyond ${MAX_STASH_BYTES} bytes is refused with 413, and only the callback's parameters are kept`, async () => {
    const big = await started('Apple')
    expect((await post('apple', { state: big.state, code: 'c', user: 'A'.repeat(MAX_STASH_BYTES) })).status).toBe(413)
    // Parameters the callback never reads do not count and are not stored.
    const padded = await post('apple', { state: big.state, code: 'c', iss: apple.url, junk: 'J'.repeat(3000), id_token: 'x.y.z' })
    expect(padded.status).toBe(303)
    expect((await big.take())?.response_params).toEqual({ state: big.state, code: 'c', iss: apple.url })
  })

  it('the stash is written once: a second POST for the same state is refused and the first answer stays', async () => {
    const login = await started('Apple')
    expect((await post('apple', { state: login.state, code: 'first' })).status).toBe(303)
    expect((await post('apple', { state: login.state, code: 'second' })).status).toBe(400)
    expect((await login.take())?.response_params).toMatchObject({ code: 'first' })
  })

  it('the GET after a stash may not bring a code (or an error) of its own: refused, no session', async () => {
    const login = await started('Apple')
    expect((await post('apple', { state: login.state, code: 'stashed' })).status).toBe(303)
    const page = await login.browser.open(`${latch.url}/connections/apple/callback?state=${encodeURIComponent(login.state)}&code=injected`)
    expect(page.status).toBe(400)
    expect(isLoginPage(page)).toBe(false)
    expect(login.browser.browser(latch.url).cookies.has('latch_session')).toBe(false)
  })

  it('the genuine form_post still signs in (the stand-in\'s POST, then the browser\'s GET)', async () => {
    const login = await started('Apple')
    const formPage = await login.browser.open(login.href)
    expect(formPage.url.startsWith(apple.url)).toBe(true)
    const end = await login.browser.submit(formPage)
    const { body } = await redeem(latch.url, end.redirect!, login.request.verifier)
    expect(payloadOf(body.id_token!)).toMatchObject({ email: 'x1@privaterelay.appleid.com' })
  })
})
