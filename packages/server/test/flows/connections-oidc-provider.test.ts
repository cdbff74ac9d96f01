/**
 * Issue 12: another upstream than Latch, panva's oidc-provider 9 (in-process, its development
 * interactions driven by posting their forms), so that nothing in the upstream RP depends on
 * Latch's own answers: discovery, PKCE, nonce, RFC 9207 iss, an RS256 ID token, and the claims it
 * releases only at userinfo merged into the new user.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isLoginPage } from '../browser.js'
import { freePort, startServer, type TestServer } from '../helpers.js'
import { connectionLink, FederatedBrowser, payloadOf, redeem, webRequest } from '../support/federation.js'

interface ProviderInstance {
  callback(): (req: unknown, res: unknown) => void
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance

const SECRET = 'op-secret-0123456789abcdef0123456789abcdef'
let http: Server
let issuer: string
let latch: TestServer

beforeAll(async () => {
  const specifier = 'oidc-provider'
  const { default: Provider } = (await import(specifier)) as { default: ProviderClass }
  const [opPort, latchPort] = [await freePort(), await freePort()]
  issuer = `http://127.0.0.1:${opPort}`
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'latch', client_secret: SECRET, grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: [`http://127.0.0.1:${latchPort}/connections/op/callback`] }],
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx: unknown, sub: string) {
      return { accountId: sub, claims: async () => ({ sub, name: `User ${sub}`, email: `${sub}@op.example`, email_verified: true }) }
    },
  })
  http = createServer(provider.callback())
  await new Promise<void>((resolve) => http.listen(opPort, '127.0.0.1', resolve))
  latch = await startServer({ connections: [{ id: 'op', type: 'oidc', display_name: 'OP', issuer, client_id: 'latch', client_secret: SECRET }] }, { port: latchPort })
})
afterAll(async () => {
  await latch?.close()
  http?.closeAllConnections()
  await new Promise((resolve) => http?.close(resolve))
})

describe('oidc-provider 9 as an upstream', () => {
  it('OIDC Core §3.1.3.7 + §5.3: discovery, PKCE, nonce and iss checked; the user is created with the userinfo claims', async () => {
    const browser = new FederatedBrowser()
    const request = webRequest(latch.url)
    const signInPage = await browser.open(request.url)
    expect(isLoginPage(signInPage)).toBe(true)
    let page = await browser.open(connectionLink(signInPage, 'OP'))
    for (let step = 0; step < 4 && !page.redirect; step++) {
      page = await browser.submit(page, page.html.includes('name="login"') ? { login: 'frank', password: 'any' } : {})
    }
    expect(page.redirect?.searchParams.get('code')).toBeTruthy()
    const { body } = await redeem(latch.url, page.redirect!, request.verifier)
    expect(payloadOf(body.id_token!)).toMatchObject({ iss: latch.url, email: 'frank@op.example', name: 'User frank', amr: ['fed'] })
    const identity = await latch.server.ctx.store.identities.find('op', 'frank')
    expect(identity?.user).toMatchObject({ email: 'frank@op.example', email_verified: true, claims: { name: 'User frank' } })
  })
})
