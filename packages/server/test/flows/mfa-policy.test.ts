/**
 * Issue 13: MFA policy per client (`clients[].mfa_required`) and per organization
 * (`organizations[].mfa_required`, decided once the organization the grant acts for is known),
 * enrolment forced at the sign-in it applies to, the password grant's refusal of users a policy
 * covers, and the account's page `/account/mfa` (status, recovery codes, regenerate and turn off
 * with a fresh proof, refused while policy requires it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { SECOND_FACTOR_REQUIRED } from '../../src/grants/password.js'
import { ORGANIZATION_NEEDS_MFA } from '../../src/grants/token-exchange.js'
import { totpCode } from '../../src/users/totp.js'
import { alertText, Browser, formOf, parseForms, type Page } from '../browser.js'
import { baseTestConfig, startServer, type TestServer } from '../helpers.js'
import { continueHref, isEnrolmentPage, isSecondFactorPage, shownRecoveryCodes, shownSecret } from '../support/mfa.js'
import { basicAuth, client, discover, newRequestSecrets, postForm } from './relying-party.js'

const SECRET = 'rp-secret-0123456789abcdef0123456789abcd'
const CALLBACK = 'http://127.0.0.1:5712/rp/callback'
const FRANK = { email: 'frank@example.com', password: 'frank-password-123' }
const GRACE = { email: 'grace@example.com', password: 'grace-password-123' }
const HENRY = { email: 'henry@example.com', password: 'henry-password-123' }
const JACK = { email: 'jack@example.com', password: 'jack-password-1234' }
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'

let server: TestServer
let rp: client.Configuration
let strict: client.Configuration
const clock = new ManualClock(1_800_000_000)
const secrets = new Map<string, string>()

const rpClient = (client_id: string, extra: Record<string, unknown> = {}) => ({
  client_id, client_secret: SECRET, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code', 'password'],
  redirect_uris: [CALLBACK], scope: 'openid', skip_consent: true, ...extra,
})

beforeAll(async () => {
  server = await startServer({
    clients: [...baseTestConfig.clients, rpClient('rp', { grant_types: ['authorization_code', 'password', TOKEN_EXCHANGE] }), rpClient('strict', { mfa_required: true })],
    // Verified emails: a factor is enrolled only on a proven mailbox (review M3).
    users: [...baseTestConfig.users, ...[FRANK, GRACE, HENRY, JACK].map((u) => ({ ...u, email_verified: true }))],
    organizations: [
      { id: 'open', name: 'Open', members: [{ email: GRACE.email }, { email: JACK.email }] },
      { id: 'secure', name: 'Secure', mfa_required: true, members: [{ email: GRACE.email }, { email: HENRY.email }, { email: JACK.email }] },
    ],
  }, { clock })
  rp = await discover(server.url, 'rp', client.ClientSecretBasic(SECRET))
  strict = await discover(server.url, 'strict', client.ClientSecretBasic(SECRET))
})

afterAll(async () => {
  await server?.close()
})

function code(email: string): string {
  clock.advance(30)
  return totpCode(secrets.get(email) as string, clock.now())
}

async function start(browser: Browser, config: client.Configuration, params: Record<string, string> = {}) {
  const s = await newRequestSecrets()
  const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', state: s.state, nonce: s.nonce, code_challenge: s.challenge, code_challenge_method: 'S256', ...params })
  return { s, page: await browser.open(url) }
}

async function claimsOf(config: client.Configuration, page: Page, s: Awaited<ReturnType<typeof newRequestSecrets>>) {
  if (!page.redirect) throw new Error(`no redirect to the client: ${page.status}\n${page.html.slice(0, 500)}`)
  return (await client.authorizationCodeGrant(config, page.redirect, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce })).claims()
}

/** Enrolment page → first code → recovery codes → Continue: the page after (the client's redirect). */
async function enrol(browser: Browser, page: Page, email: string): Promise<Page> {
  expect(isEnrolmentPage(page), page.html.slice(0, 400)).toBe(true)
  secrets.set(email, shownSecret(page))
  const codes = await browser.submit(formOf(page), { code: code(email) })
  expect(shownRecoveryCodes(codes)).toHaveLength(10)
  return browser.open(new URL(continueHref(codes), server.url))
}

describe('MFA policy', () => {
  it('issue 13 clients[].mfa_required: a user without a second factor enrols during that sign-in; the other client then asks for it too', async () => {
    const browser = new Browser(server.url)
    const { s, page } = await start(browser, strict)
    const forced = await browser.signIn(page, FRANK.email, FRANK.password)
    expect(browser.cookies.has('latch_session')).toBe(false)
    const done = await enrol(browser, forced, FRANK.email)
    expect(await claimsOf(strict, done, s)).toMatchObject({ acr: 'urn:latch:acr:mfa', amr: ['pwd', 'otp', 'mfa'] })
    const other = new Browser(server.url)
    const b = await start(other, rp)
    expect(isSecondFactorPage(await other.signIn(b.page, FRANK.email, FRANK.password))).toBe(true)
  })

  it('issue 13 organizations[].mfa_required: decided once the organization is known: another organization signs in with the password alone, this one steps up (same sid)', async () => {
    const browser = new Browser(server.url)
    const first = await start(browser, rp, { organization: 'open' })
    const open = await claimsOf(rp, await browser.signIn(first.page, GRACE.email, GRACE.password), first.s)
    expect(open).toMatchObject({ acr: 'urn:latch:acr:1fa', org_id: 'open' })
    const { s, page } = await start(browser, rp, { organization: 'secure' })
    const done = await enrol(browser, page, GRACE.email)
    expect(await claimsOf(rp, done, s)).toMatchObject({ acr: 'urn:latch:acr:mfa', org_id: 'secure', sid: open?.sid })
  })

  it('RFC 8693 / issue 13: a one-factor token of one organization is not switched by token exchange into an organization that requires MFA', async () => {
    const browser = new Browser(server.url)
    const { s, page } = await start(browser, rp, { organization: 'open' })
    const done = await browser.signIn(page, JACK.email, JACK.password)
    if (!done.redirect) throw new Error('no redirect')
    const tokens = await client.authorizationCodeGrant(rp, done.redirect, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce })
    const exchange = (organization: string) => postForm(`${server.url}/token`, {
      grant_type: TOKEN_EXCHANGE, subject_token: tokens.access_token, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', organization,
    }, { authorization: basicAuth('rp', SECRET) })
    expect((await exchange('secure')).body).toEqual({ error: 'invalid_grant', error_description: ORGANIZATION_NEEDS_MFA })
    expect((await exchange('open')).status).toBe(200)
  })

  it('RFC 6749 §4.3 / issue 13: the password grant refuses a user an MFA policy covers (a member of an organization that requires it), and any user for a client that requires it', async () => {
    const token = (clientId: string, user: { email: string; password: string }) =>
      postForm(`${server.url}/token`, { grant_type: 'password', username: user.email, password: user.password, scope: 'openid' }, { authorization: basicAuth(clientId, SECRET) })
    expect((await token('rp', HENRY)).body).toEqual({ error: 'invalid_grant', error_description: SECOND_FACTOR_REQUIRED })
    const admin = { email: 'bob@example.com', password: 'battery-staple-horse' }
    expect((await token('strict', admin)).body).toMatchObject({ error: 'invalid_grant', error_description: SECOND_FACTOR_REQUIRED })
    expect((await token('rp', admin)).status).toBe(200)
  })
})

describe('/account/mfa', () => {
  async function signedIn(user: { email: string; password: string }, config = rp): Promise<Browser> {
    const browser = new Browser(server.url)
    const { page } = await start(browser, config)
    const second = await browser.signIn(page, user.email, user.password)
    if (isSecondFactorPage(second)) await browser.submit(parseForms(second.html)[0]!, { code: code(user.email) })
    expect(browser.cookies.has('latch_session')).toBe(true)
    return browser
  }

  it('issue 13 (review H1): needs a session; shows the status and recovery codes left; new codes and turning off need a fresh code, not the password', async () => {
    expect((await new Browser(server.url).open(`${server.url}/account/mfa`)).html).toContain('You are not signed in')
    const browser = await signedIn(FRANK)
    const page = await browser.open(`${server.url}/account/mfa`)
    expect(page.status).toBe(200)
    expect(page.html).toContain('Two-step verification is on.')
    expect(page.html).toContain('Recovery codes left: 10')
    const [regenerate, disable] = parseForms(page.html)
    const wrong = await browser.submit(regenerate!, { password: FRANK.password })
    expect(alertText(wrong.html)).toBe('That code is not right.')
    const fresh = await browser.submit(regenerate!, { code: code(FRANK.email) })
    expect(shownRecoveryCodes(fresh)).toHaveLength(10)
    const off = await browser.submit(disable!, { code: code(FRANK.email) })
    expect(off.html).toContain('Two-step verification was turned off.')
    expect(off.html).toContain('Two-step verification is off.')
    // Frank signs in to rp with the password alone again.
    const again = new Browser(server.url)
    const b = await start(again, rp)
    expect((await again.signIn(b.page, FRANK.email, FRANK.password)).redirect).toBeDefined()
  })

  it('issue 13: set up from the account page (QR code, first code, recovery codes once); turning off is refused while an organization requires MFA', async () => {
    const frank = await signedIn(FRANK)
    const off = await frank.open(`${server.url}/account/mfa`)
    const setUp = await frank.submit(formOf(off))
    expect(isEnrolmentPage(setUp)).toBe(true)
    secrets.set(FRANK.email, shownSecret(setUp))
    const codes = await frank.submit(formOf(setUp), { code: code(FRANK.email) })
    expect(shownRecoveryCodes(codes)).toHaveLength(10)
    expect((await frank.open(new URL(continueHref(codes), server.url))).html).toContain('Two-step verification is now on.')

    const grace = await signedIn(GRACE)
    const page = await grace.open(`${server.url}/account/mfa`)
    expect(page.html).toContain('Two-step verification is required for your account, so it cannot be turned off.')
    expect(parseForms(page.html)).toHaveLength(1)
  })

  it('issue 13: setting up from a session signed in over 10 minutes ago needs the current password', async () => {
    const henry = await signedIn(HENRY)
    clock.advance(601)
    const page = await henry.open(`${server.url}/account/mfa`)
    expect(page.html).toContain('autocomplete="current-password"')
    const refused = await henry.submit(formOf(page), { password: 'not-it' })
    expect(alertText(refused.html)).toBe('Your current password is not correct.')
    const setUp = await henry.submit(formOf(refused), { password: HENRY.password })
    expect(isEnrolmentPage(setUp)).toBe(true)
  })
})
