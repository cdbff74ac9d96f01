/**
 * Security review of issue 13 (M4, L3), over real HTTP with a real SMTP server:
 * - M4: the account's window of wrong second-factor answers refills, so on its own it allowed 960
 *   guesses a day. Now 20 wrong answers in a row (TOTP and recovery codes alike) lock the second
 *   factor until a password reset (or `latch users reset-mfa`); a right answer starts the count
 *   again; the user is mailed in the page's language; and wrong answers from one source over every
 *   account are bounded (credential stuffing).
 * - L3: a forced enrolment's secret belongs to its pending sign-in, so a password holder who saw
 *   one never learns the secret the real user confirms.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#throttle
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LatchEventMap } from '../../src/events.js'
import { ManualClock } from '../../src/lib/clock.js'
import { MFA_LOCKOUT_AFTER } from '../../src/sessions/second-factor.js'
import { hashPassword } from '../../src/users/password-hash.js'
import { totpCode } from '../../src/users/totp.js'
import { alertText, Browser, formOf, unescapeHtml, type Form, type Page } from '../browser.js'
import { baseTestConfig, startServer, WEB_REDIRECT, WEB_SECRET, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { enrolTotp, isEnrolmentPage, isSecondFactorPage, secondFactorForm, shownSecret } from '../support/mfa.js'
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink.js'

const PASSWORD = 'granite-orchid-meadow'
const EMAILS = ['lock@example.org', 'steady@example.org', 'spray-a@example.org', 'spray-b@example.org', 'spray-c@example.org', 'newbie@example.org'] as const

let s: TestServer
let sink: SmtpSink
const clock = new ManualClock(1_800_000_000)
const events: { name: keyof LatchEventMap; payload: unknown }[] = []
const secrets = new Map<string, { secret: string; recoveryCodes: string[] }>()

beforeAll(async () => {
  sink = await startSmtpSink()
  const passwordHash = await hashPassword(PASSWORD)
  s = await startServer({
    trust_proxy: true,
    mail: { smtp_url: sink.url, from: 'Latch Test <no-reply@latch.test>' },
    clients: [
      ...baseTestConfig.clients,
      { client_id: 'strict', client_secret: WEB_SECRET, redirect_uris: [WEB_REDIRECT], scope: 'openid', skip_consent: true, mfa_required: true },
    ],
    users: [...baseTestConfig.users, ...EMAILS.map((email) => ({ email, password_hash: passwordHash, email_verified: true }))],
  }, { clock })
  for (const name of ['mfa.locked', 'mfa.failed'] as const) s.server.ctx.events.on(name, (payload) => events.push({ name, payload }))
  for (const email of EMAILS.slice(0, 5)) secrets.set(email, await enrolTotp(s.server.ctx, email))
}, 60_000)

afterAll(async () => {
  await s?.close()
  await sink?.close()
})

let ipCounter = 0
/** A client address no other case uses (TEST-NET-3). */
const freshIp = () => `203.0.113.${++ipCounter}`

/** POSTs `form` (own fields + `values`) from `ip`, following redirects as a browser would. */
async function submitFrom(browser: Browser, form: Form, values: Record<string, string>, ip: string): Promise<Page> {
  const res = await browser.fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip }, body: new URLSearchParams({ ...form.fields, ...values }) })
  const location = res.headers.get('location')
  if (res.status === 303 && location !== null) return { ...(await browser.open(new URL(location, form.action))), status: 303 }
  return { url: form.action, status: res.status, headers: res.headers, html: await res.text() }
}

/** A new browser through the password, from `ip`, to the second-factor page (or the enrolment). */
async function toSecondFactor(email: string, ip: string, params: Record<string, string> = {}, browser = new Browser(s.url)): Promise<{ browser: Browser; page: Page }> {
  const login = await browser.open(webAuthorizeUrl(s.url, params))
  // The sign-in form, in whatever language the request asked.
  expect(login.html).toContain('autocomplete="current-password"')
  const page = await submitFrom(browser, formOf(login), { email, password: PASSWORD }, ip)
  expect(isSecondFactorPage(page) || isEnrolmentPage(page), page.html.slice(0, 400)).toBe(true)
  return { browser, page }
}

/** A code of a time step no test has used yet. */
function freshCode(email: string): string {
  clock.advance(30)
  return totpCode(secrets.get(email)!.secret, clock.now())
}

/**
 * `n` wrong answers for `email`, four per sign-in (the fifth would drop it), a fresh source per
 * sign-in and the account's 15-minute window moved past every ten; every other one a recovery code.
 * The last page.
 */
async function wrongAnswers(email: string, n: number, params: Record<string, string> = {}): Promise<Page> {
  let page: Page | undefined
  let browser: Browser | undefined
  let ip = ''
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) clock.advance(15 * 60 + 1)
    if (i % 4 === 0 || i % 10 === 0) ({ browser, page } = await toSecondFactor(email, (ip = freshIp()), params))
    const recovery = i % 2 === 1
    page = await submitFrom(browser!, secondFactorForm(page!, recovery ? 'recovery_code' : 'totp'), recovery ? { recovery_code: 'aaaaa-bbbbb' } : { code: '000000' }, ip)
    if (i < n - 1) expect(page.status, `answer ${i + 1}`).toBe(401)
  }
  return page!
}

/** The first `http…` link of a mail's text. */
const linkIn = (mail: ReceivedMail): URL => new URL(/https?:\/\/\S+/.exec(mail.text)![0])

describe('M4: the consecutive wrong-answer lock', () => {
  it('NIST SP 800-63B §5.2.2: 20 wrong answers in a row (TOTP and recovery codes) lock the second factor: right codes are refused (429) however long one waits; mfa.locked; the user is mailed in the page\'s language; a password reset unlocks it', async () => {
    const email = EMAILS[0]
    expect(MFA_LOCKOUT_AFTER).toBe(20)
    await wrongAnswers(email, MFA_LOCKOUT_AFTER - 1)
    const locking = await wrongAnswers(email, 1, { ui_locales: 'de' })
    expect(locking.status).toBe(429)
    expect(alertText(locking.html)).toContain('Die Bestätigung in zwei Schritten ist gesperrt')
    const user = await s.server.ctx.store.users.getByEmail(email)
    expect(events).toContainEqual({ name: 'mfa.locked', payload: { user_id: user!.id, failures: 20 } })
    const mail = await sink.next(email)
    expect(mail.subject).toBe('Die Bestätigung in zwei Schritten Ihres Latch-Kontos ist gesperrt')
    expect(mail.text).toContain('„Passwort vergessen?“')
    expect(mail.text).not.toMatch(/\d{6}/)

    // Locked: a right TOTP code and a right recovery code are refused, now and two days later, from anywhere.
    for (const wait of [0, 2 * 86_400]) {
      clock.advance(wait)
      const { browser, page } = await toSecondFactor(email, freshIp())
      const totp = await submitFrom(browser, secondFactorForm(page), { code: freshCode(email) }, freshIp())
      expect(totp.status).toBe(429)
      expect(alertText(totp.html)).toBe('Too many wrong codes in a row: two-step verification is locked. Reset your password with "Forgot password?" to unlock it, or contact your administrator.')
      const recovery = await submitFrom(browser, secondFactorForm(totp, 'recovery_code'), { recovery_code: secrets.get(email)!.recoveryCodes[0]! }, freshIp())
      expect(recovery.status).toBe(429)
      expect(totp.redirect).toBeUndefined()
    }
    expect(events.filter((e) => e.name === 'mfa.failed' && (e.payload as { reason: string }).reason === 'locked').length).toBeGreaterThanOrEqual(4)
    // The recovery code was not spent while locked.
    expect(await s.server.ctx.store.mfa.recoveryCodesLeft(user!.id)).toBe(10)

    // The way back: "Forgot password?", the mailed link, a new password.
    const asker = new Browser(s.url)
    const login = await asker.open(webAuthorizeUrl(s.url))
    const forgotHref = /href="([^"]*\/forgot)"/.exec(login.html)![1]!
    await submitFrom(asker, formOf(await asker.open(unescapeHtml(forgotHref))), { email }, freshIp())
    const reset = await asker.open(linkIn(await sink.next(email)))
    const newPassword = 'harbor-velvet-compass'
    expect((await submitFrom(asker, formOf(reset), { password: newPassword }, freshIp())).status).toBe(303)
    const browser = new Browser(s.url)
    const again = await submitFrom(browser, formOf(await browser.open(webAuthorizeUrl(s.url))), { email, password: newPassword }, freshIp())
    const done = await submitFrom(browser, secondFactorForm(again), { code: freshCode(email) }, freshIp())
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('NIST SP 800-63B §5.2.2: a right answer starts the count again: 19 wrong, a right code, 19 wrong, and the right code still signs in', async () => {
    const email = EMAILS[1]
    await wrongAnswers(email, MFA_LOCKOUT_AFTER - 1)
    clock.advance(15 * 60 + 1)
    let { browser, page } = await toSecondFactor(email, freshIp())
    expect((await submitFrom(browser, secondFactorForm(page), { code: freshCode(email) }, freshIp())).redirect?.searchParams.get('code')).toBeTruthy()
    await wrongAnswers(email, MFA_LOCKOUT_AFTER - 1)
    clock.advance(15 * 60 + 1)
    ;({ browser, page } = await toSecondFactor(email, freshIp()))
    expect((await submitFrom(browser, secondFactorForm(page), { code: freshCode(email) }, freshIp())).redirect?.searchParams.get('code')).toBeTruthy()
    const user = await s.server.ctx.store.users.getByEmail(email)
    expect(events.some((e) => e.name === 'mfa.locked' && (e.payload as { user_id: string }).user_id === user!.id)).toBe(false)
  })

  it('OWASP credential stuffing / security review M4: wrong second-factor answers from one source over every account are bounded (security.login_max_failures_per_ip per window): a third account\'s right code from that source is refused (429), from another it passes', async () => {
    clock.advance(15 * 60 + 1)
    const ip = freshIp()
    // 10 per account (the account's own window), 20 from the source over two accounts.
    for (const email of [EMAILS[2], EMAILS[3]]) {
      let { browser, page } = await toSecondFactor(email, ip)
      for (let i = 0; i < 10; i++) {
        if (i === 4 || i === 8) ({ browser, page } = await toSecondFactor(email, ip))
        page = await submitFrom(browser, secondFactorForm(page), { code: '000000' }, ip)
        expect(page.status).toBe(401)
      }
    }
    const third = await toSecondFactor(EMAILS[4], ip)
    const refused = await submitFrom(third.browser, secondFactorForm(third.page), { code: freshCode(EMAILS[4]) }, ip)
    expect(refused.status).toBe(429)
    // The refusal spent nothing of the account's: the same challenge passes from another source.
    const passed = await submitFrom(third.browser, secondFactorForm(refused), { code: freshCode(EMAILS[4]) }, freshIp())
    expect(passed.redirect?.searchParams.get('code')).toBeTruthy()
  })
})

describe('L3: the forced enrolment secret is the pending sign-in\'s own', () => {
  it('security review L3: two browsers that passed the password each get their own secret (kept across reloads); the other\'s secret does not confirm; the confirmed secret is the one this browser was shown', async () => {
    const email = EMAILS[5]
    const attacker = await toSecondFactor(email, freshIp(), { client_id: 'strict' })
    expect(isEnrolmentPage(attacker.page)).toBe(true)
    const seen = shownSecret(attacker.page)
    // A reload shows the same secret to the same browser.
    expect(shownSecret(await attacker.browser.open(attacker.page.url))).toBe(seen)

    const victim = await toSecondFactor(email, freshIp(), { client_id: 'strict' })
    const own = shownSecret(victim.page)
    expect(own).not.toBe(seen)
    clock.advance(30)
    const withSeen = await submitFrom(victim.browser, formOf(victim.page), { code: totpCode(seen, clock.now()) }, freshIp())
    expect(withSeen.status).toBe(401)
    expect(isEnrolmentPage(withSeen)).toBe(true)
    expect(shownSecret(withSeen)).toBe(own)
    const enrolled = await submitFrom(victim.browser, formOf(withSeen), { code: totpCode(own, clock.now()) }, freshIp())
    expect(enrolled.status).toBe(200)
    expect(enrolled.html).toContain('Save your recovery codes')

    // The attacker's pending enrolment is over, and their secret's codes open nothing.
    clock.advance(30)
    const late = await submitFrom(attacker.browser, formOf(attacker.page), { code: totpCode(seen, clock.now()) }, freshIp())
    expect(late.redirect).toBeUndefined()
    expect(isEnrolmentPage(late)).toBe(false)
    secrets.set(email, { secret: own, recoveryCodes: [] })
    const later = await toSecondFactor(email, freshIp())
    expect(isSecondFactorPage(later.page)).toBe(true)
    clock.advance(30)
    const wrong = await submitFrom(later.browser, secondFactorForm(later.page), { code: totpCode(seen, clock.now()) }, freshIp())
    expect(wrong.status).toBe(401)
    const right = await submitFrom(later.browser, secondFactorForm(wrong), { code: freshCode(email) }, freshIp())
    expect(right.redirect?.searchParams.get('code')).toBeTruthy()
  })
})
