/**
 * Issue 12: upstream accounts without an email (X always; GitHub without a verified address) are
 * provisioned with a placeholder address under `.invalid` (RFC 6761 §6.4), never verified: the RP's
 * ID token and userinfo carry no `email`/`email_verified`, pages show the name, a second sign-in
 * is the same user (found by its identity), and another connection's account is another user. An
 * organization's connection still refuses them (its domain rule needs an address). Local stand-ins
 * of X and GitHub on real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isLoginPage } from '../browser.js'
import { startServer, type TestServer } from '../helpers.js'
import { connectionLink, FederatedBrowser, payloadOf, redeem, webRequest } from '../support/federation.js'
import { startGithubStandIn, type GithubStandIn } from '../support/upstream/github-stand-in.js'
import { startXStandIn, type XStandIn } from '../support/upstream/x-stand-in.js'

let x: XStandIn
let github: GithubStandIn
let downstream: TestServer

beforeAll(async () => {
  x = await startXStandIn({ clientId: 'x-client', clientSecret: 'x-secret', user: { id: '2244994945', name: 'Xavier Dev', username: 'xdev' } })
  github = await startGithubStandIn({
    clientId: 'gh-client', clientSecret: 'gh-secret-0123456789', user: { id: 583231, login: 'octocat', name: 'The Octocat', email: 'public@example.com' },
    emails: [{ email: 'public@example.com', primary: true, verified: false }],
  })
  const twitter = { type: 'twitter', client_id: 'x-client', client_secret: 'x-secret', ...x.endpoints }
  downstream = await startServer({
    organizations: [{ id: 'acme', name: 'Acme', domains: ['acme.example'] }],
    connections: [
      { ...twitter, id: 'x', display_name: 'X' },
      { ...twitter, id: 'x-again', display_name: 'X Again' },
      { ...twitter, id: 'x-acme', display_name: 'Acme X', organization: 'acme' },
      { id: 'github', type: 'github', client_id: 'gh-client', client_secret: 'gh-secret-0123456789', ...github.endpoints },
    ],
  })
})

afterAll(async () => {
  await downstream?.close()
  await x?.close()
  await github?.close()
})

/** Signs in to `web` through the connection named `name` (one click: the stand-ins ask nothing); the token response and the browser. */
async function signIn(name: string, browser = new FederatedBrowser()) {
  const request = webRequest(downstream.url)
  const page = await browser.open(request.url)
  const end = await browser.open(connectionLink(page, name))
  expect(end.redirect?.searchParams.get('code')).toBeTruthy()
  return { browser, ...(await redeem(downstream.url, end.redirect!, request.verifier)) }
}

async function userinfo(accessToken: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${downstream.url}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, unknown>
}

describe('upstream accounts without an email (issue 12)', () => {
  it('X: the first sign-in creates a user with a placeholder under .invalid (RFC 6761 §6.4), unverified; OIDC Core §5.4: no email claims in the ID token or userinfo', async () => {
    const { body, text, browser } = await signIn('X')
    const idToken = payloadOf(body.id_token!)
    expect(idToken).toMatchObject({ name: 'Xavier Dev', preferred_username: 'xdev', amr: ['fed'] })
    expect(idToken).not.toHaveProperty('email')
    expect(idToken).not.toHaveProperty('email_verified')
    const info = await userinfo(body.access_token!)
    expect(info).toMatchObject({ sub: idToken.sub, name: 'Xavier Dev' })
    expect(info).not.toHaveProperty('email')
    expect(info).not.toHaveProperty('email_verified')
    expect(text).not.toContain('.invalid')
    const user = await downstream.server.ctx.store.users.getById(String(idToken.sub))
    expect(user?.email).toMatch(/^u-[A-Za-z0-9_-]{16}@x\.invalid$/)
    expect(user?.email_verified).toBe(false)
    // The account page shows the name, never the placeholder.
    const account = await browser.browser(downstream.url).open(`${downstream.url}/account`)
    expect(account.html).toContain('Xavier Dev')
    expect(account.html).not.toContain('.invalid')
  })

  it('OIDC Core §5.7: the second sign-in is the same user, found by its identity', async () => {
    const first = payloadOf((await signIn('X')).body.id_token!).sub
    const second = payloadOf((await signIn('X')).body.id_token!).sub
    expect(second).toBe(first)
  })

  it('the same upstream account through another connection is another user (placeholders never link)', async () => {
    const viaX = payloadOf((await signIn('X')).body.id_token!).sub
    const viaAgain = payloadOf((await signIn('X Again')).body.id_token!).sub
    expect(viaAgain).not.toBe(viaX)
    expect((await downstream.server.ctx.store.users.getById(String(viaAgain)))?.email).toMatch(/@x-again\.invalid$/)
  })

  it('GitHub without a verified address: provisioned too, without email claims (the unverified public address is not used)', async () => {
    const { body } = await signIn('GitHub')
    const idToken = payloadOf(body.id_token!)
    expect(idToken).toMatchObject({ name: 'The Octocat', preferred_username: 'octocat' })
    expect(idToken).not.toHaveProperty('email')
    expect(await downstream.server.ctx.store.users.getByEmail('public@example.com')).toBeNull()
  })

  it('an organization\'s connection still refuses an account without an email: back to the sign-in page, nobody created', async () => {
    const browser = new FederatedBrowser()
    const page = await browser.open(webRequest(downstream.url).url)
    const interaction = new URL(page.url).pathname.split('/').at(-1)!
    const users = (await downstream.server.ctx.store.users.list()).length
    const end = await browser.open(`${downstream.url}/connections/x-acme/start?interaction=${interaction}`)
    expect(end.redirect).toBeUndefined()
    expect(end.html).toContain('This account cannot be used to sign in here.')
    expect((await downstream.server.ctx.store.users.list()).length).toBe(users)
    expect(isLoginPage(end) || end.html.includes('name="email"')).toBe(true)
  })
})
