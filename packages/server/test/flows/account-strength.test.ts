/**
 * Issue 13, the security review's account-page findings, over HTTP (the pages as a browser without
 * JavaScript drives them; a software authenticator where the passkey script would act):
 * - H1: a one-factor session of a user who has a second factor changes no sign-in method (passkeys,
 *   recovery codes, TOTP off, password); it signs in again with two factors through the account
 *   page's own interaction and comes back; TOTP off and new recovery codes take a code, not the
 *   password; setting up TOTP ends the user's other sessions;
 * - L2, L4: the password at **Set up** is checked first, under the sign-in throttle;
 * - M3: an account whose email was never verified enrols nothing, and the first proof of its
 *   mailbox (a reset link) removes what was enrolled before;
 * - L7: an app that skips consent is listed and revoked;
 * - L8: the passkey pages' CSP names the one script and the one URL it fetches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { startSession } from '../../src/sessions/idp-session.js'
import { issueLinkToken } from '../../src/users/email-tokens.js'
import { totpCode } from '../../src/users/totp.js'
import { alertText, Browser, formOf, isLoginPage, parseForms, type Form, type Page } from '../browser.js'
import { ALICE, baseTestConfig, basic, postForm, startServer, WEB_REDIRECT, type TestServer } from '../helpers.js'
import { enrolTotp, isEnrolmentPage, secondFactorForm, shownRecoveryCodes, shownSecret } from '../support/mfa.js'
import { registerPasskey } from '../support/passkeys.js'
import { SoftwareAuthenticator } from '../support/software-authenticator.js'
import { webAuthorizeUrl } from '../sign-in.js'

const PASSWORD = 'strength-password-123'
const APP_SECRET = 'strength-app-secret-0123456789abcdef0123'
const NAMES = ['dana', 'eli', 'fay', 'gus', 'hal'] as const
type Name = (typeof NAMES)[number]
const email = (name: Name | string) => `${name}@example.com`
const STEP_UP = 'For your security, sign in again with your second factor before you change how you sign in.'
const UNVERIFIED = 'Your email address is not confirmed yet, so you cannot add a passkey or two-step verification.'

let server: TestServer
const clock = new ManualClock(1_900_000_000)
const events: { name: string; payload: Record<string, unknown> }[] = []
const heard = (name: string) => events.filter((e) => e.name === name).map((e) => e.payload)

beforeAll(async () => {
  server = await startServer({
    clients: [
      ...baseTestConfig.clients,
      {
        client_id: 'trusted', client_name: 'Trusted App', client_secret: APP_SECRET, grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [WEB_REDIRECT], scope: 'openid profile offline_access', skip_consent: true,
      },
    ],
    users: [...baseTestConfig.users, ...NAMES.map((n) => ({ email: email(n), password: PASSWORD, email_verified: true }))],
  }, { clock })
  server.server.ctx.events.onAny((name, payload) => events.push({ name, payload: payload as Record<string, unknown> }))
}, 30_000)

afterAll(async () => {
  await server?.close()
})

const ctx = () => server.server.ctx
const userOf = async (name: string) => (await ctx().store.users.getByEmail(email(name)))!
const authenticator = () => new SoftwareAuthenticator(new URL(server.url).hostname, new URL(server.url).origin)
const formTo = (page: Page, path: string): Form => {
  const form = parseForms(page.html).find((f) => f.action === `${server.url}${path}`)
  if (!form) throw new Error(`no form to ${path} on ${page.url} (${page.status}):\n${page.html.slice(0, 600)}`)
  return form
}
/** A code of a time step no test has used yet. */
function freshCode(secret: string): string {
  clock.advance(30)
  return totpCode(secret, clock.now())
}

/** A browser holding a session of `name` that signed in with `amr` (now, or `ago` seconds ago). */
async function sessionOf(name: string, amr: string[], ago = 0): Promise<Browser> {
  const then = Object.create(ctx(), { clock: { value: { now: () => clock.now() - ago } } }) as ReturnType<typeof ctx>
  const started = (await startSession(then, {}, await userOf(name), amr))!
  if (!('value' in started.cookie)) throw new Error('expected a cookie')
  const browser = new Browser(server.url)
  browser.cookies.set(started.cookie.name, started.cookie.value)
  return browser
}

/** **Sign in again** on `page`: the account page's interaction, the password, the TOTP code; back where it started. */
async function stepUp(browser: Browser, page: Page, name: Name, secret: string): Promise<Page> {
  const login = await browser.submit(formTo(page, '/account/sign-in'))
  expect(isLoginPage(login), login.html.slice(0, 400)).toBe(true)
  const second = await browser.signIn(login, email(name), PASSWORD)
  return browser.submit(secondFactorForm(second), { code: freshCode(secret) })
}

describe('review H1: changing how one signs in needs a session of two factors', () => {
  it('NIST SP 800-63B §6.1.2.1: a one-factor session of a user with TOTP adds no passkey (no page, no options, the password does not help); Sign in again (password + code) comes back to /account/passkeys, which then adds one', async () => {
    const { secret } = await enrolTotp(ctx(), email('dana'))
    const browser = await sessionOf('dana', ['pwd'])
    const page = await browser.open(`${server.url}/account/passkeys`)
    expect(page.html).toContain(STEP_UP)
    expect(page.html).not.toContain('data-passkey-register')
    const csrf = formTo(page, '/account/sign-in').fields.csrf!
    const options = await browser.postForm(`${server.url}/account/passkeys/options`, { csrf })
    expect(options.status).toBe(403)
    // The password confirmation renews nothing for such a user (it would make the session look fresh).
    const sid = (await ctx().store.sessions.listForUser((await userOf('dana')).id, clock.now(), 5))[0]!
    const confirm = await browser.postForm(`${server.url}/account/passkeys/confirm`, { csrf, password: PASSWORD })
    expect(confirm.headers.get('location')).toBe(`${server.url}/account/passkeys`)
    const after = (await ctx().store.sessions.listForUser((await userOf('dana')).id, clock.now(), 5))[0]!
    expect(after).toMatchObject({ id: sid.id, auth_time: sid.auth_time, amr: ['pwd'] })

    const back = await stepUp(browser, page, 'dana', secret)
    expect(back.url).toBe(`${server.url}/account/passkeys`)
    expect(back.html).toContain('data-passkey-register')
    const session = (await ctx().store.sessions.listForUser((await userOf('dana')).id, clock.now(), 5))[0]!
    expect(session.id).toBe(sid.id)
    expect(session.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']))
    const res = await registerPasskey(server.url, browser, authenticator())
    expect(res.headers.get('location')).toBe(`${server.url}/account/passkeys?notice=registered`)
  })

  it('NIST SP 800-63B §6.1.2.1: a user with a passkey only cannot rename or delete it from a one-factor session, even a recent one', async () => {
    const browser = await sessionOf('eli', ['pwd'])
    // A passkey added before (the store, as a registration would).
    await ctx().store.passkeys.insert({ credential_id: 'eli-key', user_id: (await userOf('eli')).id, public_key: 'AA', sign_count: 0, transports: [], backup_eligible: false, backed_up: false, aaguid: '00000000-0000-0000-0000-000000000000', name: 'Eli key', created_at: clock.now(), last_used_at: null })
    const page = await browser.open(`${server.url}/account/passkeys`)
    expect(page.html).toContain(STEP_UP)
    const csrf = formTo(page, '/account/sign-in').fields.csrf!
    for (const path of ['/rename', '/delete']) {
      const res = await browser.postForm(`${server.url}/account/passkeys${path}`, { csrf, credential: 'eli-key', name: 'Mine now' })
      expect(res.headers.get('location')).toBe(`${server.url}/account/passkeys`)
    }
    expect((await ctx().store.passkeys.listForUser((await userOf('eli')).id)).map((p) => p.name)).toEqual(['Eli key'])
    // A passkey session (phr) may.
    const strong = await sessionOf('eli', ['hwk', 'user', 'mfa'])
    const list = await strong.open(`${server.url}/account/passkeys`)
    const renamed = await strong.submit(parseForms(list.html).find((f) => f.action.endsWith('/rename'))!, { name: 'Laptop' })
    expect(renamed.html).toContain('The passkey was renamed.')
  })

  it('NIST SP 800-63B §6.1.2.1, §5.1.2.2: new recovery codes and turning TOTP off need a two-factor session and a TOTP or recovery code, never the password', async () => {
    const { secret, recoveryCodes } = await enrolTotp(ctx(), email('fay'))
    const browser = await sessionOf('fay', ['pwd'])
    const page = await browser.open(`${server.url}/account/mfa`)
    expect(page.html).toContain(STEP_UP)
    expect(parseForms(page.html).map((f) => f.action)).toEqual([`${server.url}/account/sign-in`])
    const csrf = formTo(page, '/account/sign-in').fields.csrf!
    for (const path of ['/regenerate', '/disable']) {
      const res = await browser.postForm(`${server.url}/account/mfa${path}`, { csrf, code: freshCode(secret) })
      expect(res.headers.get('location')).toBe(`${server.url}/account/mfa`)
    }
    expect(await ctx().store.mfa.recoveryCodesLeft((await userOf('fay')).id)).toBe(10)

    const back = await stepUp(browser, page, 'fay', secret)
    expect(back.url).toBe(`${server.url}/account/mfa`)
    expect(back.html).not.toContain('autocomplete="current-password"')
    const regenerate = formTo(back, '/account/mfa/regenerate')
    const withPassword = await browser.submit(regenerate, { password: PASSWORD })
    expect(alertText(withPassword.html)).toBe('That code is not right.')
    const codes = await browser.submit(regenerate, { code: freshCode(secret) })
    expect(shownRecoveryCodes(codes)).toHaveLength(10)
    // The old recovery codes are gone; a new one turns TOTP off.
    const stale = await browser.submit(formTo(await browser.open(`${server.url}/account/mfa`), '/account/mfa/disable'), { recovery_code: recoveryCodes[0]! })
    expect(alertText(stale.html)).toBe('That code is not right.')
    const off = await browser.submit(formTo(stale, '/account/mfa/disable'), { recovery_code: shownRecoveryCodes(codes)[0]! })
    expect(off.html).toContain('Two-step verification was turned off.')
    expect(heard('mfa.disabled')).toContainEqual({ user_id: (await userOf('fay')).id })
  })

  it('OWASP ASVS 4.0 V3.3.3 / NIST SP 800-63B §6.1.2.1: a one-factor session of a user with TOTP changes no password (403, Sign in again); after the step-up it does', async () => {
    const { secret } = await enrolTotp(ctx(), email('gus'))
    const browser = await sessionOf('gus', ['pwd'])
    const page = await browser.open(`${server.url}/account`)
    expect(page.html).toContain(STEP_UP)
    expect(page.html).not.toContain('autocomplete="new-password"')
    const csrf = formTo(page, '/account/sign-in').fields.csrf!
    const before = (await userOf('gus')).password_hash
    const refused = await browser.postForm(`${server.url}/account/password`, { csrf, current_password: PASSWORD, new_password: 'a-brand-new-passphrase' })
    expect(refused.status).toBe(403)
    expect((await userOf('gus')).password_hash).toBe(before)
    const back = await stepUp(browser, page, 'gus', secret)
    expect(back.url).toBe(`${server.url}/account`)
    const changed = await browser.submit(formTo(back, '/account/password'), { current_password: PASSWORD, new_password: 'a-brand-new-passphrase' })
    expect(changed.html).toContain('Your password was changed')
    await ctx().store.users.setPasswordHash((await userOf('gus')).id, before!, clock.now())
  })

  it('NIST SP 800-63B §6.1.2.1: setting up TOTP on the account page ends the user\'s other sessions (a thief\'s older one does not survive); a wrong password at Set up (review L4, L2) replaces no waiting secret and counts as a failed sign-in', async () => {
    const thief = await sessionOf('hal', ['pwd'], 3600)
    const owner = await sessionOf('hal', ['pwd'], 700)
    // L4: an enrolment waiting (its secret shown); a wrong password at Set up leaves it as it was.
    const waiting = await owner.submit(formTo(await owner.open(`${server.url}/account/mfa`), '/account/mfa/enrol'), { password: PASSWORD })
    expect(isEnrolmentPage(waiting)).toBe(true)
    const stored = (await ctx().store.mfa.totp((await userOf('hal')).id))!
    const failedBefore = heard('login.failed').length
    const wrong = await owner.submit(formTo(await owner.open(`${server.url}/account/mfa`), '/account/mfa/enrol'), { password: 'not-the-password' })
    expect(alertText(wrong.html)).toBe('Your current password is not correct.')
    expect(await ctx().store.mfa.totp((await userOf('hal')).id)).toEqual(stored)
    // L2: the sign-in throttle's account (its failures, its event).
    expect(heard('login.failed').slice(failedBefore)).toEqual([expect.objectContaining({ reason: 'bad_credentials' })])

    const setUp = await owner.submit(formTo(wrong, '/account/mfa/enrol'), { password: PASSWORD })
    const codes = await owner.submit(formOf(setUp), { code: freshCode(shownSecret(setUp)) })
    expect(shownRecoveryCodes(codes)).toHaveLength(10)
    expect((await thief.open(`${server.url}/account`)).html).toContain('You are not signed in')
    expect((await owner.open(`${server.url}/account`)).html).not.toContain('You are not signed in')
    expect(heard('session.ended')).toContainEqual(expect.objectContaining({ user_id: (await userOf('hal')).id, reason: 'mfa_enrolled' }))
  })
})

describe('review M3: a pre-made account keeps nothing its maker enrolled', () => {
  it('an account whose email was never verified (sign_up.verify_email none) enrols no passkey or TOTP; a reset link, the first proof of its mailbox, removes its passkeys, TOTP, recovery codes and linked identities', async () => {
    const store = ctx().store
    const made = (await store.signUps.create({ email: email('victim'), email_verified: false, claims: {}, password_hash: (await userOf('dana')).password_hash!, verification_pending: false }, clock.now()))!
    const attacker = await sessionOf('victim', ['pwd'])
    const passkeys = await attacker.open(`${server.url}/account/passkeys`)
    expect(passkeys.html).toContain(UNVERIFIED)
    expect(passkeys.html).not.toContain('data-passkey-register')
    const csrf = parseForms(passkeys.html)[0]?.fields.csrf ?? /name="csrf" value="([^"]+)"/.exec((await attacker.open(`${server.url}/account`)).html)![1]!
    expect((await attacker.postForm(`${server.url}/account/passkeys/options`, { csrf })).status).toBe(403)
    const mfa = await attacker.open(`${server.url}/account/mfa`)
    expect(mfa.html).toContain(UNVERIFIED)
    const enrol = await attacker.postForm(`${server.url}/account/mfa/enrol`, { csrf })
    expect(enrol.headers.get('location')).toBe(`${server.url}/account/mfa?notice=unverified`)
    expect(await store.mfa.totp(made.id)).toBeNull()

    // What the attacker could enrol before the fix: a passkey, TOTP with recovery codes, a linked identity.
    await store.passkeys.insert({ credential_id: 'attacker-key', user_id: made.id, public_key: 'AA', sign_count: 0, transports: [], backup_eligible: false, backed_up: false, aaguid: '00000000-0000-0000-0000-000000000000', name: 'Mine', created_at: clock.now(), last_used_at: null })
    await enrolTotp(ctx(), email('victim'))
    await store.connections.upsert({ id: 'up', type: 'oidc', display_name: 'Up', organization_id: null, required: false, settings: {}, secrets_encrypted: null, source: 'cli', digest: 'd' }, clock.now())
    expect(await store.identities.link({ connection_id: 'up', subject: 'attacker', user_id: made.id, email: null, email_verified: false }, clock.now())).toBe('linked')

    // The owner uses "Forgot password?": the link proves the mailbox.
    const token = await issueLinkToken(store, clock.now(), { purpose: 'reset_password', email: email('victim'), userId: made.id, ttl: 1800 })
    const owner = new Browser(server.url)
    const form = await owner.open(`${server.url}/reset-password?token=${token}`)
    const done = await owner.submit(formOf(form), { password: 'the-owners-own-passphrase' })
    expect(done.status).toBe(200)
    expect((await store.users.getById(made.id))!.email_verified).toBe(true)
    expect(await store.passkeys.listForUser(made.id)).toEqual([])
    expect(await store.mfa.totp(made.id)).toBeNull()
    expect(await store.mfa.recoveryCodesLeft(made.id)).toBe(0)
    expect(await store.identities.listForUser(made.id)).toEqual([])
    expect(heard('user.unproven_methods_removed')).toEqual([{ user_id: made.id, via: 'password_reset', passkeys: 1, totp: true, identities: 1 }])
    // A verified account's second reset removes nothing.
    expect(await store.signUps.proveMailbox(made.id, clock.now())).toBeNull()
  })
})

describe('review L7, L8', () => {
  it('RFC 7009 §2.1: an app that skips consent is listed under Apps you authorized, and Revoke revokes its refresh token', async () => {
    const browser = new Browser(server.url)
    const authorize = new URL(`${server.url}/authorize`)
    authorize.search = new URLSearchParams({ client_id: 'trusted', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid offline_access', state: 's' }).toString()
    const done = await browser.authorize(authorize, ALICE)
    const code = done.redirect?.searchParams.get('code')
    expect(code, done.html.slice(0, 300)).toBeTruthy()
    const tokens = (await (await postForm(`${server.url}/token`, { grant_type: 'authorization_code', code: code!, redirect_uri: WEB_REDIRECT }, { authorization: basic('trusted', APP_SECRET) })).json()) as { refresh_token: string }
    expect(await ctx().store.consents.listForUser((await ctx().store.users.getByEmail(ALICE.email))!.id)).toEqual([])
    const page = await browser.open(`${server.url}/account`)
    expect(page.html).toContain('Trusted App')
    const revoke = parseForms(page.html).find((f) => f.action === `${server.url}/account/apps/revoke` && f.fields.client_id === 'trusted')!
    const revoked = await browser.submit(revoke)
    expect(revoked.url).toBe(`${server.url}/account?notice=app_revoked`)
    expect(revoked.html).not.toContain('Trusted App')
    const refresh = await postForm(`${server.url}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { authorization: basic('trusted', APP_SECRET) })
    expect(refresh.status).toBe(400)
  })

  it('CSP Level 3 §6.7.2.8: the sign-in page and /account/passkeys allow only the passkey script and the one URL it fetches', async () => {
    const login = await new Browser(server.url).open(webAuthorizeUrl(server.url))
    const id = new URL(login.url).pathname.split('/').pop()
    expect(login.headers.get('content-security-policy')).toContain(`script-src ${server.url}/assets/passkeys.js; connect-src ${server.url}/interaction/${id}/passkey/options; `)
    const browser = await sessionOf('eli', ['hwk', 'user', 'mfa'])
    const page = await browser.open(`${server.url}/account/passkeys`)
    expect(page.headers.get('content-security-policy')).toContain(`script-src ${server.url}/assets/passkeys.js; connect-src ${server.url}/account/passkeys/options; `)
    expect(page.headers.get('content-security-policy')).not.toContain("script-src 'self'")
  })
})
