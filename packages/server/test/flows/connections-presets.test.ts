/**
 * Issue 12: sign-in through the GitHub and Apple presets, end to end over real HTTP: the downstream
 * Latch's sign-in page, its /connections/:id/start and callback endpoints, and local stand-ins of
 * GitHub and Apple (test/support/upstream) with their quirks. The RP gets a code and a token as after
 * a password sign-in; the user is created from the preset's profile.
 */
import { exportPKCS8, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isLoginPage } from '../browser.js'
import { startServer, type TestServer } from '../helpers.js'
import { connectionLink, FederatedBrowser, payloadOf, redeem, webRequest } from '../support/federation.js'
import { startAppleStandIn, type AppleStandIn } from '../support/upstream/apple-stand-in.js'
import { startGithubStandIn, type GithubStandIn } from '../support/upstream/github-stand-in.js'

let github: GithubStandIn
let apple: AppleStandIn
let downstream: TestServer

beforeAll(async () => {
  github = await startGithubStandIn({
    clientId: 'gh-client', clientSecret: 'gh-secret-0123456789', user: { id: 583231, login: 'octocat', name: 'The Octocat', email: 'public@example.com' },
    emails: [{ email: 'public@example.com', primary: false, verified: false }, { email: 'octo@example.com', primary: true, verified: true }],
  })
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  apple = await startAppleStandIn({
    clientId: 'com.example.web', teamId: 'TEAM123456', keyId: 'KEY1234567', clientSecretKey: publicKey,
    user: { sub: '001234.abcdef', email: 'x1@privaterelay.appleid.com', is_private_email: true, firstName: 'Ada', lastName: 'Lovelace' },
  })
  downstream = await startServer({
    connections: [
      { id: 'github', type: 'github', client_id: 'gh-client', client_secret: 'gh-secret-0123456789', ...github.endpoints },
      { id: 'apple', type: 'apple', client_id: 'com.example.web', team_id: 'TEAM123456', key_id: 'KEY1234567', private_key: await exportPKCS8(privateKey), issuer: apple.url },
    ],
  })
})

afterAll(async () => {
  await downstream?.close()
  await github?.close()
  await apple?.close()
})

async function start(name: string, browser = new FederatedBrowser()) {
  const request = webRequest(downstream.url)
  const page = await browser.open(request.url)
  expect(isLoginPage(page)).toBe(true)
  return { request, browser, href: connectionLink(page, name) }
}

describe('presets end to end (issue 12)', () => {
  it('GitHub: one click signs in; the user is created with the verified primary email of /user/emails, not /user\'s', async () => {
    const { request, browser, href } = await start('GitHub')
    const end = await browser.open(href)
    expect(end.redirect?.searchParams.get('code')).toBeTruthy()
    const { body } = await redeem(downstream.url, end.redirect!, request.verifier)
    expect(payloadOf(body.id_token!)).toMatchObject({ email: 'octo@example.com', email_verified: true, name: 'The Octocat', amr: ['fed'] })
    expect(github.apiHeaders.at(-1)).toMatchObject({ 'user-agent': 'Latch', 'x-github-api-version': '2022-11-28' })
    expect(await downstream.server.ctx.store.users.getByEmail('public@example.com')).toBeNull()
  })

  it('Apple: the form_post answer is followed through; the ES256 client secret is accepted; the name of the first sign-in is kept', async () => {
    const first = await start('Apple')
    const formPage = await first.browser.open(first.href)
    expect(formPage.url.startsWith(apple.url)).toBe(true)
    const end = await first.browser.submit(formPage)
    const { body } = await redeem(downstream.url, end.redirect!, first.request.verifier)
    expect(payloadOf(body.id_token!)).toMatchObject({ email: 'x1@privaterelay.appleid.com', email_verified: true, name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace' })
    expect(apple.clientSecrets.at(-1)?.payload).toMatchObject({ iss: 'TEAM123456', sub: 'com.example.web', aud: apple.url })
    const sub = payloadOf(body.id_token!).sub

    // Apple sends no name the second time: the same user, the name unchanged.
    const second = await start('Apple')
    const again = await second.browser.submit(await second.browser.open(second.href))
    const token = await redeem(downstream.url, again.redirect!, second.request.verifier)
    expect(payloadOf(token.body.id_token!)).toMatchObject({ sub, name: 'Ada Lovelace' })
  })
})
