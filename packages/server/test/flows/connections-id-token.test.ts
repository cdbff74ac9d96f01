/**
 * Issue 12: the downstream checks every upstream ID token (OIDC Core §3.1.3.7) — a node:http + jose
 * stand-in spoils one thing at a time: audience, issuer, nonce, signature (a key it does not
 * publish), expiry. Each is refused: back to the sign-in page with a notice, no user, no session,
 * and the log (the production logger, at trace) holds none of the codes, tokens or verifiers.
 */
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/server.js'
import { isLoginPage } from '../browser.js'
import { ALICE, freePort, startServer, type TestServer } from '../helpers.js'
import { connectionLink, FederatedBrowser, payloadOf, redeem, webRequest } from '../support/federation.js'
import { startOidcStandIn, type OidcStandIn, type StandInFault } from '../support/upstream/oidc-stand-in.js'

const lines: string[] = []
const captured = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString('utf8'))
    done()
  },
})
const SECRET = 'stand-in-secret-0123456789abcdef012345'
let standIn: OidcStandIn
let latch: TestServer

beforeAll(async () => {
  standIn = await startOidcStandIn({ clientId: 'latch', clientSecret: SECRET, user: { sub: 'erin-1', email: 'erin@example.com', email_verified: true, name: 'Erin', amr: ['pwd', 'mfa', 'invented'] } })
  latch = await startServer(
    {
      connections: [
        { id: 'standin', type: 'oidc', display_name: 'Stand-in', issuer: standIn.issuer, client_id: 'latch', client_secret: SECRET, trust_amr: true },
        // The same upstream without `trust_amr` (the default).
        { id: 'untrusted', type: 'oidc', display_name: 'Untrusted', issuer: standIn.issuer, client_id: 'latch', client_secret: SECRET },
        // The same server reached as plain OAuth 2.0: no ID token, so no auth_time to check.
        {
          id: 'plain', type: 'oauth2', display_name: 'Plain OAuth', client_id: 'latch', client_secret: SECRET,
          authorization_endpoint: `${standIn.issuer}/authorize`, token_endpoint: `${standIn.issuer}/token`, userinfo_endpoint: `${standIn.issuer}/userinfo`, mapping: { sub: 'sub' },
        },
      ],
    },
    { port: await freePort(), logger: createLogger('trace', captured) },
  )
})
afterAll(async () => {
  await latch?.close()
  await standIn?.close()
})

async function attempt(params: Record<string, string> = {}, name = 'Stand-in') {
  const browser = new FederatedBrowser()
  const request = webRequest(latch.url, params)
  const page = await browser.open(connectionLink(await browser.open(request.url), name))
  return { page, browser, request }
}

describe('upstream ID token checks (OIDC Core §3.1.3.7)', () => {
  const cases: [StandInFault, string][] = [
    ['aud', 'OIDC Core §3.1.3.7 (3): an ID token for another audience is refused'],
    ['iss', 'OIDC Core §3.1.3.7 (2): an ID token of another issuer is refused'],
    ['nonce', 'OIDC Core §3.1.3.7 (11): an ID token with another nonce is refused'],
    ['signature', 'OIDC Core §3.1.3.7 (6): an ID token signed by a key the upstream does not publish is refused'],
    ['expired', 'OIDC Core §3.1.3.7 (9): an expired ID token is refused'],
  ]
  for (const [fault, title] of cases) {
    it(`${title}: back to the sign-in page with a notice, no user, no session`, async () => {
      standIn.fault = fault
      const { page, browser } = await attempt()
      expect(page.redirect).toBeUndefined()
      expect(isLoginPage(page)).toBe(true)
      expect(page.html).toContain('Signing in with Stand-in did not work.')
      expect(await latch.server.ctx.store.users.getByEmail('erin@example.com')).toBeNull()
      expect(browser.browser(latch.url).cookies.has('latch_session')).toBe(false)
    })
  }

  it('the same upstream without a fault signs in (the faults above are what was refused); with trust_amr, amr keeps only RFC 8176 values of its ID token', async () => {
    standIn.fault = undefined
    const { page, request } = await attempt()
    const { body } = await redeem(latch.url, page.redirect!, request.verifier)
    expect(payloadOf(body.id_token!)).toMatchObject({ email: 'erin@example.com', amr: ['fed', 'pwd', 'mfa'] })
  })

  it('OIDC Core §3.1.3.7 (13): prompt=login is enforced on the upstream ID token\'s auth_time: an old one (silent SSO upstream) is refused, a fresh one signs in', async () => {
    standIn.fault = undefined
    const now = Math.floor(Date.now() / 1000)
    for (const stale of [undefined, now - 3600]) {
      standIn.authTime = stale
      const { page, browser } = await attempt({ prompt: 'login' })
      expect(isLoginPage(page)).toBe(true)
      expect(page.html).toContain('Signing in with Stand-in did not work.')
      expect(browser.browser(latch.url).cookies.has('latch_session')).toBe(false)
    }
    standIn.authTime = now
    const { page, request } = await attempt({ prompt: 'login' })
    const { body } = await redeem(latch.url, page.redirect!, request.verifier)
    expect(payloadOf(body.id_token!).auth_time).toBe(now)
  })

  it('OIDC Core §3.1.2.1 max_age: the upstream authentication must be that recent; the session\'s auth_time is the upstream\'s, not the hop through Latch', async () => {
    const now = Math.floor(Date.now() / 1000)
    standIn.authTime = now - 1200
    const refused = await attempt({ max_age: '600' })
    expect(isLoginPage(refused.page)).toBe(true)
    expect(refused.page.html).toContain('Signing in with Stand-in did not work.')
    const { page, request } = await attempt()
    const { body } = await redeem(latch.url, page.redirect!, request.verifier)
    expect(payloadOf(body.id_token!).auth_time).toBe(now - 1200)
    standIn.authTime = undefined
  })

  it('OIDC Core §3.1.2.1: an OAuth 2.0 connection cannot prove a recent sign-in: offered normally, not for prompt=login or max_age (a start URL made by hand goes back with a notice)', async () => {
    const browser = new FederatedBrowser()
    const plain = await browser.open(webRequest(latch.url).url)
    expect(plain.html).toContain('Continue with Plain OAuth')
    const fresh = await browser.open(webRequest(latch.url, { prompt: 'login' }).url)
    expect(fresh.html).toContain('Continue with Stand-in')
    expect(fresh.html).not.toContain('Continue with Plain OAuth')
    const interaction = /interaction=([0-9a-f-]{36})/.exec(fresh.html)![1]!
    const back = await browser.open(`${latch.url}/connections/plain/start?interaction=${interaction}`)
    expect(isLoginPage(back)).toBe(true)
    expect(back.html).toContain('Signing in with Plain OAuth did not work.')
  })

  it('RFC 8176 §1 (review L4): without trust_amr (the default) the upstream says mfa, yet the session and the ID token say only fed', async () => {
    standIn.fault = undefined
    const { page, request } = await attempt({}, 'Untrusted')
    const { body } = await redeem(latch.url, page.redirect!, request.verifier)
    expect(payloadOf(body.id_token!).amr).toEqual(['fed'])
  })

  it('RFC 6749 §10.3: the log holds no upstream code, token, ID token or verifier, and says why each attempt failed', () => {
    const log = lines.join('')
    expect(standIn.secrets.length).toBeGreaterThan(10)
    for (const secret of standIn.secrets) expect(log).not.toContain(secret)
    expect(log).toContain('"event":"upstream_login.failed"')
    expect(log).toContain('upstream sign-in failed')
  })

  it('password sign-in is unaffected on the same page', async () => {
    const browser = new FederatedBrowser()
    const request = webRequest(latch.url)
    const done = await browser.submit(await browser.open(request.url), ALICE)
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
  })
})
