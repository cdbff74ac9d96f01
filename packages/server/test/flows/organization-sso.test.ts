/**
 * Issue 12, enterprise SSO end to end: a second Latch is Acme's identity provider (an
 * organization connection, `required`), another connection (`social`) uses the same upstream as a
 * plain social login. Real HTTP on both sides. Checks: home-realm discovery's page continues to
 * the upstream with `login_hint` (OIDC Core §3.1.2.1) and the user is provisioned and joins Acme
 * (`organization.member_joined` reason `connection`); Acme's IdP cannot link or create an email
 * outside Acme's domains; an Acme email signing in through `social` is refused (required SSO)
 * before any user is created, with a link to Acme's sign-in; and the account page's "Link <name>"
 * (`purpose=link`, its CSRF token in the query) links the upstream account to the signed-in user,
 * or answers `taken` when it is another user's.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alertText, formOf, unescapeHtml } from '../browser.js'
import { ALICE, basic, freePort, postForm, startServer, WEB_SECRET, type TestServer } from '../helpers.js'
import { PATHS } from '../../src/context.js'
import { connectionLink, FederatedBrowser, redeem, webRequest } from '../support/federation.js'

const UPSTREAM_SECRET = 'acme-idp-secret-0123456789abcdef0123456789'
const ANNA = { email: 'anna@acme.example', password: 'anna-upstream-pass1' }
const GREG = { email: 'greg@acme.example', password: 'greg-upstream-pass1' }
/** Alice's address at Acme's IdP: not an Acme domain. */
const ALICE_AT_ACME = { email: ALICE.email, password: 'alice-at-acme-pass1' }
const OUTSIDER = { email: 'new@elsewhere.example', password: 'outsider-pass-1234' }

let upstream: TestServer
let downstream: TestServer
const events: { name: string; payload: Record<string, unknown> }[] = []

beforeAll(async () => {
  const port = await freePort()
  upstream = await startServer({
    clients: [{
      client_id: 'downstream', client_secret: UPSTREAM_SECRET, scope: 'openid profile email', skip_consent: true,
      redirect_uris: [`http://127.0.0.1:${port}/connections/acme/callback`, `http://127.0.0.1:${port}/connections/social/callback`],
    }],
    users: [ANNA, GREG, ALICE_AT_ACME, OUTSIDER].map((u) => ({ ...u, email_verified: true })),
  })
  const connection = { type: 'oidc', issuer: upstream.url, client_id: 'downstream', client_secret: UPSTREAM_SECRET }
  downstream = await startServer({
    organizations: [{ id: 'acme', name: 'Acme Corp', domains: ['acme.example'] }],
    connections: [
      { ...connection, id: 'acme', display_name: 'Acme SSO', organization: 'acme', required: true },
      { ...connection, id: 'social', display_name: 'Social' },
    ],
  }, { port })
  downstream.server.ctx.events.onAny((name, payload) => events.push({ name, payload: payload as Record<string, unknown> }))
})

afterAll(async () => {
  await downstream?.close()
  await upstream?.close()
})

const store = () => downstream.server.ctx.store

describe('enterprise SSO through an organization connection (issue 12)', () => {
  it('identify → continuing page → Acme\'s IdP with login_hint → back signed in; the user is created and joins Acme', async () => {
    const browser = new FederatedBrowser()
    const request = webRequest(downstream.url)
    const identify = await browser.open(request.url)
    const continuing = await browser.submit(identify, { email: ANNA.email })
    expect(continuing.status).toBe(200)
    const link = unescapeHtml(/<a class="button" href="([^"]+)">Continue to Acme SSO<\/a>/.exec(continuing.html)?.[1] ?? '')
    const atUpstream = await browser.open(link)
    expect(atUpstream.url.startsWith(upstream.url)).toBe(true)
    // OIDC Core §3.1.2.1: login_hint reached the IdP, whose sign-in form is filled in with it.
    expect(formOf(atUpstream).fields.email).toBe(ANNA.email)
    const end = await browser.submit(atUpstream, ANNA)
    expect(end.redirect?.searchParams.get('code')).toBeTruthy()
    const { body } = await redeem(downstream.url, end.redirect!, request.verifier)
    expect(body.id_token).toBeTruthy()
    const anna = (await store().users.getByEmail(ANNA.email))!
    expect(anna.password_hash).toBeNull()
    expect((await store().organizations.membership('acme', anna.id))?.roles).toEqual(['member'])
    expect(events).toContainEqual({ name: 'organization.member_joined', payload: { organization_id: 'acme', user_id: anna.id, reason: 'connection' } })
  })

  it('Acme\'s IdP cannot claim an email outside Acme\'s domains: no link to the existing user, no new user', async () => {
    for (const user of [ALICE_AT_ACME, OUTSIDER]) {
      const browser = new FederatedBrowser()
      const request = webRequest(downstream.url, { organization: 'acme' })
      // organization=acme goes straight to the IdP.
      const atUpstream = await browser.open(request.url)
      expect(atUpstream.url.startsWith(upstream.url), user.email).toBe(true)
      const end = await browser.submit(atUpstream, user)
      expect(end.redirect, user.email).toBeUndefined()
      expect(alertText(end.html)).toMatch(/^This account cannot be used to sign in here\./)
      expect(browser.browser(downstream.url).cookies.has('latch_session')).toBe(false)
    }
    const alice = (await store().users.getByEmail(ALICE.email))!
    expect(await store().identities.listForUser(alice.id)).toEqual([])
    expect(await store().organizations.membership('acme', alice.id)).toBeNull()
    expect(await store().users.getByEmail(OUTSIDER.email)).toBeNull()
  })

  it('required SSO: an Acme email signing in through another connection is refused before a user is created, with a link to Acme\'s sign-in', async () => {
    const browser = new FederatedBrowser()
    const request = webRequest(downstream.url)
    const identify = await browser.open(request.url)
    const atUpstream = await browser.open(connectionLink(identify, 'Social'))
    const end = await browser.submit(atUpstream, GREG)
    expect(end.redirect).toBeUndefined()
    expect(alertText(end.html)).toBe('Your organization requires you to sign in through its own sign-in service.')
    const interaction = /\/interaction\/([0-9a-f-]{36})/.exec(end.url)![1]!
    expect(end.html).toContain(`href="${downstream.url}/connections/acme/start?interaction=${interaction}"`)
    expect(await store().users.getByEmail(GREG.email)).toBeNull()
    expect(browser.browser(downstream.url).cookies.has('latch_session')).toBe(false)
    expect(events).toContainEqual({ name: 'upstream_login.failed', payload: { connection_id: 'social', reason: 'refused' } })
  })

  it('RFC 6749 §4.3.2 / issue 12: the password grant obeys required SSO: an Acme email is refused before its password is checked (unknown or not), a member of Acme after', async () => {
    const passwordGrant = (username: string, password: string) =>
      postForm(`${downstream.url}${PATHS.token}`, { grant_type: 'password', username, password, scope: 'openid' }, { authorization: basic('web', WEB_SECRET) })
    const refused = { error: 'invalid_grant', error_description: "this account signs in through its organization's identity provider" }
    for (const [username, password] of [['nobody@acme.example', 'whatever-password-1'], [ANNA.email, ANNA.password]] as const) {
      const res = await passwordGrant(username, password)
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual(refused)
    }
    // Alice (example.com, with a password) is a member of Acme: refused after a correct password, no tokens.
    const alice = (await store().users.getByEmail(ALICE.email))!
    await store().organizations.addMember('acme', alice.id, ['member'], Math.floor(Date.now() / 1000))
    try {
      const res = await passwordGrant(ALICE.email, ALICE.password)
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual(refused)
    } finally {
      await store().organizations.removeMember('acme', alice.id, Math.floor(Date.now() / 1000))
    }
    const allowed = await passwordGrant(ALICE.email, ALICE.password)
    expect(allowed.status).toBe(200)
  })

  it('account page: Link Social signs in at the upstream and links that account to the signed-in user; the same account for another user is taken', async () => {
    async function signedInAt(email: string, password: string): Promise<FederatedBrowser> {
      const browser = new FederatedBrowser()
      // The hint skips the identify page.
      const page = await browser.open(webRequest(downstream.url, { login_hint: email }).url)
      expect((await browser.submit(page, { email, password })).redirect?.searchParams.get('code')).toBeTruthy()
      return browser
    }
    const browser = await signedInAt(ALICE.email, ALICE.password)
    const account = await browser.open(`${downstream.url}/account`)
    const href = unescapeHtml(/<a class="button connection" href="([^"]+)">(?:<svg [^>]*>(?:(?!<\/svg>)[\s\S])*<\/svg>)?Link Social<\/a>/.exec(account.html)?.[1] ?? '')
    expect(new URL(href).searchParams.get('purpose')).toBe('link')
    // Without its CSRF token, nothing starts.
    const forged = new URL(href)
    forged.searchParams.delete('csrf')
    expect((await browser.browser(downstream.url).fetch(forged)).status).toBe(403)
    const atUpstream = await browser.open(href)
    expect(atUpstream.url.startsWith(upstream.url)).toBe(true)
    const back = await browser.submit(atUpstream, ALICE_AT_ACME)
    expect(back.url).toBe(`${downstream.url}/account?notice=linked`)
    expect(back.html).toContain('The account was linked.')
    const alice = (await store().users.getByEmail(ALICE.email))!
    expect((await store().identities.listForUser(alice.id)).map((i) => [i.connection_id, i.email])).toEqual([['social', ALICE.email]])
    expect(events).toContainEqual({ name: 'identity.linked', payload: { user_id: alice.id, connection_id: 'social', reason: 'account_page' } })
    // Bob (a password user downstream) links the same upstream account: another user's.
    const bob = await signedInAt('bob@example.com', 'battery-staple-horse')
    const bobAccount = await bob.open(`${downstream.url}/account`)
    const bobHref = unescapeHtml(/<a class="button connection" href="([^"]+)">(?:<svg [^>]*>(?:(?!<\/svg>)[\s\S])*<\/svg>)?Link Social<\/a>/.exec(bobAccount.html)?.[1] ?? '')
    const bobBack = await bob.submit(await bob.open(bobHref), ALICE_AT_ACME)
    expect(bobBack.url).toBe(`${downstream.url}/account?notice=taken`)
    expect(alertText(bobBack.html)).toBe('That account is already linked to another user, so it was not linked.')
    expect((await store().identities.listForUser(alice.id)).map((i) => i.connection_id)).toEqual(['social'])
  })
})
