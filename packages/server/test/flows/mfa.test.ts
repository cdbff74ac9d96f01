/**
 * Issue 13: two-step verification at sign-in, end to end over HTTP (the pages as a browser without
 * JavaScript drives them, openid-client as the relying party): the second factor cannot be skipped
 * (going back, replaying the password form or a used second-factor form, another browser, consent
 * posted directly, the password grant), TOTP codes are single use within their window, recovery
 * codes are single use, wrong codes are throttled per challenge and per account, `amr`/`acr` in the
 * ID and access tokens, `acr_values` step-up (same `sid`, new cookie), remembered devices, and a
 * first factor that is already two (a passkey, lane C) skips the step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadInteraction, completeSignIn } from '../../src/interaction/pages.js'
import { passVerifiedSecondFactor, pendingSecondFactorUser } from '../../src/interaction/second-factor.js'
import { ManualClock } from '../../src/lib/clock.js'
import { SECOND_FACTOR_REQUIRED } from '../../src/grants/password.js'
import { totpCode } from '../../src/users/totp.js'
import { alertText, Browser, formOf, isLoginPage, type Page } from '../browser.js'
import { ALICE, BOB, baseTestConfig, startServer, WEB_SECRET, type TestServer } from '../helpers.js'
import { continueHref, enrolTotp, isEnrolmentPage, isSecondFactorPage, secondFactorForm, shownRecoveryCodes, shownSecret } from '../support/mfa.js'
import { client, discover, newRequestSecrets, postForm, basicAuth, verifyJwt } from './relying-party.js'

const RP_SECRET = 'rp-secret-0123456789abcdef0123456789abcd'
const RP_CALLBACK = 'http://127.0.0.1:5711/rp/callback'
const CAROL = { email: 'carol@example.com', password: 'carol-password-123' }
const ERIN = { email: 'erin@example.com', password: 'erin-password-1234' }
const IVY = { email: 'ivy@example.com', password: 'ivy-password-12345' }
const REMEMBER = 3600

let server: TestServer
let rp: client.Configuration
const clock = new ManualClock(1_800_000_000)
let alice: { userId: string; secret: string; recoveryCodes: string[] }
let carol: { userId: string; secret: string; recoveryCodes: string[] }
const events: { name: string; payload: unknown }[] = []

beforeAll(async () => {
  server = await startServer({
    mfa: { remember_device: REMEMBER },
    clients: [
      ...baseTestConfig.clients,
      {
        client_id: 'rp', client_name: 'Relying Party', client_secret: RP_SECRET, token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'], redirect_uris: [RP_CALLBACK], scope: 'openid email', skip_consent: true,
      },
    ],
    users: [...baseTestConfig.users, CAROL, ERIN, IVY],
  }, { clock })
  rp = await discover(server.url, 'rp', client.ClientSecretBasic(RP_SECRET))
  const ctx = server.server.ctx
  ctx.events.onAny((name, payload) => events.push({ name, payload }))
  alice = await enrolTotp(ctx, ALICE.email)
  carol = await enrolTotp(ctx, CAROL.email)
})

afterAll(async () => {
  await server?.close()
})

/** A code of a time step no test has used yet. */
function freshCode(secret: string): string {
  clock.advance(30)
  return totpCode(secret, clock.now())
}

async function start(browser: Browser, params: Record<string, string> = {}) {
  const s = await newRequestSecrets()
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: RP_CALLBACK, scope: 'openid email', state: s.state, nonce: s.nonce, code_challenge: s.challenge, code_challenge_method: 'S256', ...params,
  })
  return { s, page: await browser.open(url) }
}

async function tokensOf(page: Page, s: Awaited<ReturnType<typeof newRequestSecrets>>) {
  if (!page.redirect) throw new Error(`no redirect to the client: ${page.status}\n${page.html.slice(0, 500)}`)
  return client.authorizationCodeGrant(rp, page.redirect, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce })
}

/** Password, then the second-factor page. */
async function toSecondFactor(browser: Browser, user: { email: string; password: string }, params: Record<string, string> = {}) {
  const { s, page } = await start(browser, params)
  const second = await browser.signIn(page, user.email, user.password)
  expect(isSecondFactorPage(second), second.html.slice(0, 400)).toBe(true)
  return { s, login: page, second }
}

describe('the second factor at sign-in', () => {
  it('OIDC Core §2 / RFC 8176: a user without a second factor signs in with the password alone: amr pwd, acr 1fa', async () => {
    const browser = new Browser(server.url)
    const { s, page } = await start(browser)
    const done = await browser.signIn(page, BOB.email, BOB.password)
    const tokens = await tokensOf(done, s)
    expect(tokens.claims()).toMatchObject({ amr: ['pwd'], acr: 'urn:latch:acr:1fa' })
  })

  it('issue 13: a user with TOTP gets no session after the password; the code starts it: amr pwd otp mfa, acr mfa in the ID token (openid-client) and the access token with auth_time', async () => {
    const browser = new Browser(server.url)
    const { s, second } = await toSecondFactor(browser, ALICE)
    expect(second.status).toBe(200)
    expect(second.headers.get('cache-control')).toBe('no-store')
    expect(second.html).toContain('autocomplete="one-time-code"')
    expect(second.html).toContain('Use a recovery code')
    expect(second.html).toContain('Remember this device')
    expect(browser.cookies.has('latch_session')).toBe(false)
    expect(browser.cookies.get('latch_mfa_pending')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const done = await browser.submit(secondFactorForm(second), { code: freshCode(alice.secret) })
    expect(browser.cookies.has('latch_session')).toBe(true)
    expect(browser.cookies.has('latch_mfa_pending')).toBe(false)
    const tokens = await tokensOf(done, s)
    const claims = tokens.claims()
    expect(claims).toMatchObject({ sub: alice.userId, amr: ['pwd', 'otp', 'mfa'], acr: 'urn:latch:acr:mfa' })
    const { payload } = await verifyJwt(rp, tokens.access_token, { typ: 'at+jwt' })
    expect(payload.acr).toBe('urn:latch:acr:mfa')
    expect(payload.auth_time).toBe(claims?.auth_time)
    expect(events.some((e) => e.name === 'mfa.verified' && (e.payload as { method: string }).method === 'totp')).toBe(true)
  })

  it('issue 13: going back, replaying the password form, posting consent directly or opening a new request never skips the second factor', async () => {
    const browser = new Browser(server.url)
    const { login, second } = await toSecondFactor(browser, ALICE)
    // Back to the interaction page: still the second factor.
    expect(isSecondFactorPage(await browser.open(second.url))).toBe(true)
    // The password form again (the browser's back button and resubmit).
    const replayed = await browser.submit(formOf(login), { email: ALICE.email, password: ALICE.password })
    expect(isSecondFactorPage(replayed)).toBe(true)
    expect(browser.cookies.has('latch_session')).toBe(false)
    // A consent POST forged for the interaction: back to its page, no code.
    const forged = await browser.postForm(`${second.url}/consent`, { csrf: formOf(login).fields.csrf as string, decision: 'allow' })
    expect(forged.status).toBe(303)
    expect(forged.headers.get('location')).toBe(second.url)
    // A new authorization request in the same browser: nobody is signed in.
    const { page } = await start(browser)
    expect(isLoginPage(page)).toBe(true)
    expect(page.redirect).toBeUndefined()
  })

  it('issue 13: the challenge is bound to the browser: the right code from a browser without its cookie signs no one in', async () => {
    const browser = new Browser(server.url)
    const { second } = await toSecondFactor(browser, ALICE)
    const other = new Browser(server.url)
    for (const [k, v] of browser.cookies) if (k !== 'latch_mfa_pending') other.cookies.set(k, v)
    other.cookies.set('latch_mfa_pending', 'x'.repeat(43))
    const page = await other.submit(secondFactorForm(second), { code: freshCode(alice.secret) })
    expect(isLoginPage(page)).toBe(true)
    expect(other.cookies.has('latch_session')).toBe(false)
  })

  it('issue 13: a used second-factor form replayed finds nothing (the interaction and its challenge were taken)', async () => {
    const browser = new Browser(server.url)
    const { second } = await toSecondFactor(browser, ALICE)
    const form = secondFactorForm(second)
    const code = freshCode(alice.secret)
    const done = await browser.submit(form, { code })
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
    const replay = await browser.postForm(form.action, { ...form.fields, code })
    expect(replay.status).toBe(400)
    expect(replay.headers.get('location')).toBeNull()
  })

  it('RFC 6238 §5.2: a TOTP code accepted once is refused in the same window (another browser, same code); the next step works', async () => {
    const code = freshCode(alice.secret)
    const first = new Browser(server.url)
    const a = await toSecondFactor(first, ALICE)
    expect((await first.submit(secondFactorForm(a.second), { code })).redirect).toBeDefined()
    const second = new Browser(server.url)
    const b = await toSecondFactor(second, ALICE)
    const refused = await second.submit(secondFactorForm(b.second), { code })
    expect(refused.status).toBe(401)
    expect(alertText(refused.html)).toBe('That code is not valid. Enter the code your app shows now.')
    expect(second.cookies.has('latch_session')).toBe(false)
    const next = await second.submit(secondFactorForm(refused), { code: freshCode(alice.secret) })
    expect(next.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('NIST SP 800-63B §5.1.2.2: a recovery code signs in once (amr otp mfa), then is refused; how many are left is reported', async () => {
    const code = alice.recoveryCodes[0] as string
    const browser = new Browser(server.url)
    const { s, second } = await toSecondFactor(browser, ALICE)
    const done = await browser.submit(secondFactorForm(second, 'recovery_code'), { recovery_code: code.toUpperCase() })
    expect((await tokensOf(done, s)).claims()).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: 'urn:latch:acr:mfa' })
    expect(events.find((e) => e.name === 'recovery_code.used')?.payload).toEqual({ user_id: alice.userId, remaining: 9 })
    const again = new Browser(server.url)
    const b = await toSecondFactor(again, ALICE)
    const refused = await again.submit(secondFactorForm(b.second, 'recovery_code'), { recovery_code: code })
    expect(refused.status).toBe(401)
    expect(refused.html).toContain('<details open>')
    expect(alertText(refused.html)).toBe('That recovery code is not valid or was already used.')
  })

  it('NIST SP 800-63B §5.2.2: five wrong codes drop the pending sign-in (the password again); ten per account are refused until the window passes', async () => {
    const browser = new Browser(server.url)
    let { second } = await toSecondFactor(browser, CAROL)
    for (let i = 0; i < 4; i++) {
      second = await browser.submit(secondFactorForm(second), { code: '000000' })
      expect(second.status).toBe(401)
    }
    const dropped = await browser.submit(secondFactorForm(second), { code: '000000' })
    expect(isLoginPage(dropped)).toBe(true)
    expect(events.some((e) => e.name === 'mfa.failed' && (e.payload as { reason: string }).reason === 'restarted')).toBe(true)
    // The right code on the dropped form is too late.
    expect(isLoginPage(await browser.submit(secondFactorForm(second), { code: freshCode(carol.secret) }))).toBe(true)
    // A new first factor buys no new guesses past the account's budget (10 per 15 minutes).
    let again = (await toSecondFactor(browser, CAROL)).second
    for (let i = 0; i < 4; i++) again = await browser.submit(secondFactorForm(again), { code: '000000' })
    again = (await toSecondFactor(browser, CAROL)).second
    for (let i = 0; i < 2; i++) again = await browser.submit(secondFactorForm(again), { code: '000000' })
    const throttled = await browser.submit(secondFactorForm(again), { code: freshCode(carol.secret) })
    expect(throttled.status).toBe(429)
    expect(alertText(throttled.html)).toBe('Too many wrong codes. Wait a few minutes, then try again.')
    clock.advance(15 * 60)
    const done = await browser.submit(secondFactorForm(throttled), { code: freshCode(carol.secret) })
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('RFC 6749 §4.3 / issue 13: the password grant refuses a user who has a second factor (invalid_grant, a clear description); others still get tokens', async () => {
    const url = `${server.url}/token`
    const refused = await postForm(url, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid' }, { authorization: basicAuth('web', WEB_SECRET) })
    expect(refused.status).toBe(400)
    expect(refused.body).toEqual({ error: 'invalid_grant', error_description: SECOND_FACTOR_REQUIRED })
    const ok = await postForm(url, { grant_type: 'password', username: BOB.email, password: BOB.password, scope: 'openid' }, { authorization: basicAuth('web', WEB_SECRET) })
    expect(ok.status).toBe(200)
  })
})

describe('step-up', () => {
  it('OIDC Core §3.1.2.1 acr_values: a one-factor session asked for urn:latch:acr:mfa does only the missing factor (enrolment here), keeps its sid, rotates its cookie', async () => {
    const browser = new Browser(server.url)
    const first = await start(browser)
    const signedIn = await browser.signIn(first.page, ERIN.email, ERIN.password)
    const before = (await tokensOf(signedIn, first.s)).claims()
    expect(before?.acr).toBe('urn:latch:acr:1fa')
    const cookie = browser.cookies.get('latch_session')

    // prompt=none cannot step up: the user must act.
    const silent = await start(browser, { prompt: 'none', acr_values: 'urn:latch:acr:mfa' })
    expect(silent.page.redirect?.searchParams.get('error')).toBe('login_required')

    const { s, page } = await start(browser, { acr_values: 'urn:other:gold urn:latch:acr:mfa' })
    expect(isLoginPage(page)).toBe(false)
    expect(isEnrolmentPage(page)).toBe(true)
    expect(page.html).toMatch(/<svg class="qr" role="img" aria-label="QR code for your authenticator app" [^>]*viewBox=/)
    expect(page.html).not.toMatch(/<img\b/)
    const secret = shownSecret(page)
    const wrong = await browser.submit(formOf(page), { code: '000000' })
    expect(wrong.status).toBe(401)
    expect(isEnrolmentPage(wrong)).toBe(true)
    const codesPage = await browser.submit(formOf(wrong), { code: freshCode(secret) })
    const codes = shownRecoveryCodes(codesPage)
    expect(codes).toHaveLength(10)
    expect(codesPage.headers.get('cache-control')).toBe('no-store')
    const done = await browser.open(new URL(continueHref(codesPage), server.url))
    const after = (await tokensOf(done, s)).claims()
    expect(after).toMatchObject({ acr: 'urn:latch:acr:mfa', amr: ['pwd', 'otp', 'mfa'], sid: before?.sid })
    expect(browser.cookies.get('latch_session')).not.toBe(cookie)
    expect(events.some((e) => e.name === 'mfa.enrolled' && (e.payload as { where: string }).where === 'sign_in')).toBe(true)

    // Now two factors: the same request is answered at once.
    const sso = await start(browser, { acr_values: 'urn:latch:acr:mfa' })
    expect(sso.page.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('issue 13: a session signed in over 10 minutes ago by a user without a second factor signs in again before enrolling (a stolen cookie cannot enrol its thief)', async () => {
    const browser = new Browser(server.url)
    const first = await start(browser)
    await browser.signIn(first.page, IVY.email, IVY.password)
    clock.advance(601)
    const { s, page } = await start(browser, { acr_values: 'urn:latch:acr:mfa' })
    expect(isLoginPage(page)).toBe(true)
    const enrolment = await browser.signIn(page, IVY.email, IVY.password)
    expect(isEnrolmentPage(enrolment)).toBe(true)
    const codes = await browser.submit(formOf(enrolment), { code: freshCode(shownSecret(enrolment)) })
    const done = await browser.open(new URL(continueHref(codes), server.url))
    expect((await tokensOf(done, s)).claims()).toMatchObject({ acr: 'urn:latch:acr:mfa' })
  })

  it('issue 13 (lane C): a first factor that is already two (a passkey with user verification: amr has mfa) starts the session without a second factor; acr phr', async () => {
    const browser = new Browser(server.url)
    const { s, page } = await start(browser)
    const id = new URL(page.url).pathname.split('/').pop() as string
    const ctx = server.server.ctx
    const user = await ctx.store.users.getByEmail(ALICE.email)
    const done = await completeSignIn(ctx, await loadInteraction(ctx, id), user!, ['hwk', 'user', 'mfa'], Object.fromEntries(browser.cookies))
    expect(done?.session).not.toBeNull()
    const cookie = done?.cookies.find((c) => c.name === 'latch_session')
    browser.cookies.set('latch_session', (cookie as { value: string }).value)
    const tokens = await tokensOf(await browser.open(page.url), s)
    expect(tokens.claims()).toMatchObject({ amr: ['hwk', 'user', 'mfa'], acr: 'urn:latch:acr:phr' })
  })

  it('issue 13 (lane C): a passkey as the second factor takes this browser\'s challenge and starts the session with hwk user mfa (acr phr); another user\'s or a used challenge is gone', async () => {
    const browser = new Browser(server.url)
    const { s, second } = await toSecondFactor(browser, ALICE)
    const id = new URL(second.url).pathname.split('/').pop() as string
    const ctx = server.server.ctx
    const { interaction } = await loadInteraction(ctx, id)
    const jar = Object.fromEntries(browser.cookies)
    expect((await pendingSecondFactorUser(ctx, interaction, jar))?.id).toBe(alice.userId)
    expect(await pendingSecondFactorUser(ctx, interaction, {})).toBeNull()
    expect((await passVerifiedSecondFactor(ctx, interaction, jar, carol.userId, ['hwk', 'user'])).type).toBe('gone')
    const passed = await passVerifiedSecondFactor(ctx, interaction, jar, alice.userId, ['hwk', 'user'])
    if (passed.type !== 'signed_in') throw new Error(`expected signed_in, got ${passed.type}`)
    expect((await passVerifiedSecondFactor(ctx, interaction, jar, alice.userId, ['hwk', 'user'])).type).toBe('gone')
    const session = passed.cookies.find((c) => c.name === 'latch_session') as { value: string }
    browser.cookies.set('latch_session', session.value)
    const tokens = await tokensOf(await browser.open(second.url), s)
    expect(tokens.claims()).toMatchObject({ amr: ['pwd', 'hwk', 'user', 'mfa'], acr: 'urn:latch:acr:phr' })
  })

  it('OIDC Discovery §3: acr_values_supported lists the acr values weakest first; claims_supported has acr and amr', async () => {
    const m = rp.serverMetadata()
    expect(m.acr_values_supported).toEqual(['urn:latch:acr:1fa', 'urn:latch:acr:mfa', 'urn:latch:acr:phr'])
    expect(m.claims_supported).toEqual(expect.arrayContaining(['acr', 'amr']))
  })
})

describe('remembered device', () => {
  it('issue 13 mfa.remember_device: a browser that ticked the box skips the second factor for that user (amr mfa) until it expires', async () => {
    const browser = new Browser(server.url)
    const { second } = await toSecondFactor(browser, ALICE)
    await browser.submit(secondFactorForm(second), { code: freshCode(alice.secret), remember: '1' })
    const remembered = [...browser.cookies.keys()].find((k) => k.startsWith('latch_mfa_device_'))
    expect(remembered).toBeDefined()
    browser.cookies.delete('latch_session')
    const { s, page } = await start(browser)
    const done = await browser.signIn(page, ALICE.email, ALICE.password)
    expect((await tokensOf(done, s)).claims()).toMatchObject({ amr: ['pwd', 'mfa'], acr: 'urn:latch:acr:mfa' })
    // Not another user's: Carol on this browser is asked.
    browser.cookies.delete('latch_session')
    await toSecondFactor(browser, CAROL)
    // Expired: asked again.
    browser.cookies.delete('latch_session')
    clock.advance(REMEMBER)
    await toSecondFactor(browser, ALICE)
  })
})
