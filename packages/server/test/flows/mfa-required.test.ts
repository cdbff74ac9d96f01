/**
 * Issue 13 `mfa.required`: a tenant whose every sign-in needs a second factor. A user without one
 * enrols at their next sign-in (no session before), the password grant refuses everyone, and TOTP
 * cannot be turned off on the account page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { SECOND_FACTOR_REQUIRED } from '../../src/grants/password.js'
import { totpCode } from '../../src/users/totp.js'
import { Browser, formOf, isConsentPage, isLoginPage, parseForms } from '../browser.js'
import { ALICE, BOB, baseTestConfig, startServer, WEB_SECRET, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { continueHref, isEnrolmentPage, shownRecoveryCodes, shownSecret } from '../support/mfa.js'
import { basicAuth, postForm } from './relying-party.js'

let server: TestServer
const clock = new ManualClock(1_800_000_000)

beforeAll(async () => {
  server = await startServer({
    mfa: { required: true },
    clients: [...baseTestConfig.clients, { client_id: 'tv', client_name: 'Living Room TV', token_endpoint_auth_method: 'none', grant_types: ['urn:ietf:params:oauth:grant-type:device_code'], scope: 'openid' }],
  }, { clock })
})

afterAll(async () => {
  await server?.close()
})

describe('mfa.required', () => {
  it('issue 13: enrolment is forced at the next sign-in (no session before the first code), then the code goes to the client; TOTP cannot be turned off', async () => {
    const browser = new Browser(server.url)
    const login = await browser.open(webAuthorizeUrl(server.url))
    const forced = await browser.signIn(login, BOB.email, BOB.password)
    expect(isEnrolmentPage(forced)).toBe(true)
    expect(browser.cookies.has('latch_session')).toBe(false)
    clock.advance(30)
    const codes = await browser.submit(formOf(forced), { code: totpCode(shownSecret(forced), clock.now()) })
    expect(shownRecoveryCodes(codes)).toHaveLength(10)
    const done = await browser.open(new URL(continueHref(codes), server.url))
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
    const account = await browser.open(`${server.url}/account/mfa`)
    expect(account.html).toContain('Two-step verification is required for your account, so it cannot be turned off.')
    expect(parseForms(account.html)).toHaveLength(1)
    const forged = await browser.postForm(`${server.url}/account/mfa/disable`, { csrf: parseForms(account.html)[0]!.fields.csrf as string, password: BOB.password })
    expect(forged.headers.get('location')).toBe(`${server.url}/account/mfa?notice=required`)
  })

  it('RFC 6749 §4.3 / issue 13: the password grant refuses every user of the tenant', async () => {
    const res = await postForm(`${server.url}/token`, { grant_type: 'password', username: 'alice@example.com', password: 'correct-horse-battery', scope: 'openid' }, { authorization: basicAuth('web', WEB_SECRET) })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: SECOND_FACTOR_REQUIRED })
  })

  it('RFC 8628 §3.3 / issue 13: device verification goes through the same gate: enrolment before consent, no session before it', async () => {
    const res = await postForm(`${server.url}/device/authorize`, { client_id: 'tv', scope: 'openid' })
    expect(res.status).toBe(200)
    const browser = new Browser(server.url)
    const entered = await browser.submit(formOf(await browser.open(res.body.verification_uri_complete as string)))
    expect(isLoginPage(entered)).toBe(true)
    const forced = await browser.signIn(entered, ALICE.email, ALICE.password)
    expect(isEnrolmentPage(forced)).toBe(true)
    expect(browser.cookies.has('latch_session')).toBe(false)
    clock.advance(30)
    const codes = await browser.submit(formOf(forced), { code: totpCode(shownSecret(forced), clock.now()) })
    const consent = await browser.open(new URL(continueHref(codes), server.url))
    expect(isConsentPage(consent)).toBe(true)
    expect((await browser.decide(consent, 'allow')).html).toContain('Device connected')
  })
})
