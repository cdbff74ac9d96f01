/**
 * Issue 13, self-service accounts over real HTTP with a real SMTP server (test/support/smtp-sink.ts):
 * sign-up with email verification by link, password reset, and their security rules: no user
 * enumeration (the same status and page for an address with and without an account), single use,
 * expiry, throttling per address and per source, CSRF, and a reset ending every session.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LatchEventMap } from '../../src/events.js'
import { ManualClock } from '../../src/lib/clock.js'
import { alertText, Browser, formOf, isLoginPage, unescapeHtml, type Page } from '../browser.js'
import { ALICE, BOB, baseTestConfig, basic, interposeOnce, postForm, startServer, WEB_REDIRECT, WEB_SECRET, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink.js'

let s: TestServer
let sink: SmtpSink
const clock = new ManualClock()
const events: { name: keyof LatchEventMap; payload: unknown }[] = []

beforeAll(async () => {
  sink = await startSmtpSink()
  s = await startServer({
    trust_proxy: true,
    mail: { smtp_url: sink.url, from: 'Latch Test <no-reply@latch.test>', max_per_address: 3, max_per_source: 6 },
    sign_up: { enabled: true },
    clients: [
      ...baseTestConfig.clients,
      { client_id: 'closed', client_secret: WEB_SECRET, redirect_uris: [WEB_REDIRECT], scope: 'openid', skip_consent: true, sign_up: false },
    ],
  }, { clock })
  for (const name of ['user.registered', 'email.verified', 'password.reset_requested', 'password.reset_completed'] as const) {
    s.server.ctx.events.on(name, (payload) => events.push({ name, payload }))
  }
}, 60_000)

afterAll(async () => {
  await s?.close()
  await sink?.close()
})

let ipCounter = 0
/** A client address no other case uses (TEST-NET-3). */
const freshIp = () => `203.0.113.${++ipCounter}`
let emailCounter = 0
const freshEmail = (name: string) => `${name}-${++emailCounter}@example.net`

/** A new browser on the sign-in page of a fresh authorization request (`client`: `web` unless given). */
async function signInPage(client = 'web', browser = new Browser(s.url)): Promise<{ browser: Browser; page: Page }> {
  const page = await browser.open(webAuthorizeUrl(s.url, { client_id: client }))
  expect(isLoginPage(page)).toBe(true)
  return { browser, page }
}

const link = (page: Page, text: string): string | undefined => {
  for (const m of page.html.matchAll(/<a href="([^"]+)"[^>]*>([^<]*)<\/a>/g)) if (unescapeHtml(m[2] as string) === text) return unescapeHtml(m[1] as string)
  return undefined
}

/** POSTs `form` (own fields + `values`) from `ip`, following in-origin redirects. */
async function submitFrom(browser: Browser, form: ReturnType<typeof formOf>, values: Record<string, string>, ip: string): Promise<Page> {
  const res = await browser.fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip }, body: new URLSearchParams({ ...form.fields, ...values }) })
  const location = res.headers.get('location')
  if (res.status === 303 && location !== null) return { ...(await browser.open(new URL(location, form.action))), status: 303 }
  return { url: form.action, status: res.status, headers: res.headers, html: await res.text() }
}

/** The first `http…` link of a mail's text. */
const linkIn = (mail: ReceivedMail): URL => new URL(/https?:\/\/\S+/.exec(mail.text)![0])

async function signUp(email: string, password: string, ip = freshIp()): Promise<{ browser: Browser; page: Page }> {
  const { browser, page } = await signInPage()
  const form = formOf(await browser.open(link(page, 'Create account')!))
  return { browser, page: await submitFrom(browser, form, { email, password }, ip) }
}

describe('sign-up (issue 13)', () => {
  it('the sign-in page links to "Create account" only where sign-up is on (a client\'s sign_up: false overrides the tenant)', async () => {
    const open = await signInPage()
    expect(link(open.page, 'Create account')).toMatch(/\/interaction\/[0-9a-f-]{36}\/signup$/)
    const closed = await signInPage('closed')
    expect(link(closed.page, 'Create account')).toBeUndefined()
    const id = /\/interaction\/([0-9a-f-]{36})/.exec(closed.page.url)![1]
    const res = await closed.browser.open(`${s.url}/interaction/${id}/signup`)
    expect(res.status).toBe(404)
  })

  it('NIST SP 800-63B §5.1.1.2: the form has one new-password field; short, breached and email-like passwords are refused with why, and nothing is mailed', async () => {
    const { browser, page } = await signInPage()
    const formPage = await browser.open(link(page, 'Create account')!)
    expect(formPage.html).toContain('autocomplete="new-password"')
    expect(formPage.html.match(/type="password"/g)).toHaveLength(1)
    const form = formOf(formPage)
    const email = freshEmail('weak')
    for (const [password, alert] of [
      ['short7!', 'Choose a password of at least 8 characters.'],
      ['Password1', 'This password is one of the most commonly used, so it is easy to guess. Choose another one.'],
      [email, 'Do not use your email address as your password. Choose another one.'],
    ] as const) {
      const answer = await submitFrom(browser, form, { email, password }, freshIp())
      expect(answer.status).toBe(400)
      expect(alertText(answer.html) ?? /role="alert" id="form-error">([^<]*)</.exec(answer.html)?.[1]).toBe(alert)
      expect(answer.html).toContain('aria-invalid="true"')
    }
    await s.server.ctx.background.settled()
    expect(sink.pending(email)).toEqual([])
    expect(await s.server.ctx.store.users.getByEmail(email)).toBeNull()
  })

  it('NIST SP 800-63B §5.1.3: sign-up → "check your email" → the mailed link (a button, then POST) → back in the sign-in, signed in; unverified, the password alone does not sign in', async () => {
    const email = freshEmail('newbie')
    const password = 'tangerine-orbit-lamp'
    const { browser, page } = await signUp(email, password)
    expect(page.status).toBe(200)
    expect(page.html).toContain('Check your email')
    const mail = await sink.next(email)
    expect(mail.subject).toBe('Confirm your email address for Latch')
    expect(mail.html).toContain('<html lang="en" dir="ltr">')
    // Unverified: the right password gets the confirm-first page (403), not a session.
    const other = await signInPage()
    const refused = await submitFrom(other.browser, formOf(other.page), { email, password }, freshIp())
    expect(refused.status).toBe(403)
    expect(refused.html).toContain('Confirm your email first')
    expect(refused.html).toMatch(/action="[^"]*\/signup\/resend"/)
    expect([...other.browser.cookies.keys()]).not.toContain('latch_session')
    const unverified = await s.server.ctx.store.users.getByEmail(email)
    expect(unverified).toMatchObject({ email_verified: false, verification_pending: true })
    // RFC 6749 §4.3: the password grant refuses it too.
    const grant = await postForm(`${s.url}/token`, { grant_type: 'password', username: email, password, scope: 'openid' }, { authorization: basic('web', WEB_SECRET), 'x-forwarded-for': freshIp() })
    expect(grant.status).toBe(400)
    expect(((await grant.json()) as { error: string }).error).toBe('invalid_grant')

    const confirm = await browser.open(linkIn(mail))
    expect(confirm.status).toBe(200)
    expect(confirm.html).toContain(`Confirm that ${email} is your email address.`)
    // A GET (a mail scanner) changed nothing.
    expect((await s.server.ctx.store.users.getByEmail(email))?.email_verified).toBe(false)
    const done = await browser.submit(formOf(confirm))
    expect(done.redirect?.origin + done.redirect!.pathname).toBe(WEB_REDIRECT)
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
    expect(await s.server.ctx.store.users.getByEmail(email)).toMatchObject({ email_verified: true, verification_pending: false })
    const user = await s.server.ctx.store.users.getByEmail(email)
    expect(events).toContainEqual({ name: 'user.registered', payload: { user_id: user!.id, verification: 'link' } })
    expect(events).toContainEqual({ name: 'email.verified', payload: { user_id: user!.id, method: 'link' } })

    // Single use: the same link again is refused.
    const again = await new Browser(s.url).open(linkIn(mail))
    expect(again.status).toBe(400)
    expect(again.html).toContain('This link has expired or was already used.')
  })

  it('a link opened in another browser verifies the email and says to sign in; then the password signs in', async () => {
    const email = freshEmail('elsewhere')
    const password = 'marble-kettle-violin'
    await signUp(email, password)
    const mail = await sink.next(email)
    const phone = new Browser(s.url)
    const done = await phone.submit(formOf(await phone.open(linkIn(mail))))
    expect(done.status).toBe(200)
    expect(done.html).toContain('Your email address is confirmed. Go back to the application and sign in.')
    expect([...phone.cookies.keys()]).not.toContain('latch_session')
    const { browser, page } = await signInPage()
    const signedIn = await submitFrom(browser, formOf(page), { email, password }, freshIp())
    expect(signedIn.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('OWASP ASVS V2.2: signing up with an address that has an account answers exactly as for a new one, and mails its owner a note instead', async () => {
    const fresh = freshEmail('fresh')
    const newPage = (await signUp(fresh, 'quartz-meadow-pillow')).page
    const takenPage = (await signUp(ALICE.email, 'quartz-meadow-pillow')).page
    expect(takenPage.status).toBe(newPage.status)
    const normal = (p: Page, email: string) => p.html.replaceAll(email, 'EMAIL').replace(/value="[A-Za-z0-9_-]{43}"/g, 'value="CSRF"').replace(/\/interaction\/[0-9a-f-]{36}/g, '/interaction/ID')
    expect(normal(takenPage, ALICE.email)).toBe(normal(newPage, fresh))
    const note = await sink.next(ALICE.email)
    expect(note.subject).toBe('Someone tried to sign up for Latch with your email address')
    expect(note.text).not.toMatch(/https?:\/\//)
    await sink.next(fresh)
    // Alice's account is untouched: her password still signs in.
    const { browser, page } = await signInPage()
    expect((await submitFrom(browser, formOf(page), ALICE, freshIp())).redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('OWASP Authentication Cheat Sheet (timing): the answer does not wait for anything that depends on the address: account creation runs after it', async () => {
    const { browser, page } = await signInPage()
    const form = formOf(await browser.open(link(page, 'Create account')!))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const created = interposeOnce(s.server.ctx.store, 'signUps', 'create', () => gate)
    const email = freshEmail('timing')
    const answer = await submitFrom(browser, form, { email, password: 'ginger-atlas-meadow' }, freshIp())
    // Answered while the account's creation is still held back.
    expect(answer.status).toBe(200)
    expect(answer.html).toContain('Check your email')
    release()
    expect(await created).toMatchObject({ email })
    await sink.next(email)
  })

  it('NIST SP 800-63B §5.1.3: a verification link expires (sign_up.verification_ttl)', async () => {
    const email = freshEmail('late')
    await signUp(email, 'walnut-harbor-glide')
    const mail = await sink.next(email)
    clock.advance(s.server.ctx.config.sign_up.verification_ttl)
    try {
      const late = await new Browser(s.url).open(linkIn(mail))
      expect(late.status).toBe(400)
      expect(late.html).toContain('This link has expired or was already used.')
    } finally {
      clock.advance(-s.server.ctx.config.sign_up.verification_ttl)
    }
  })

  it('OWASP CSRF: a sign-up without the form\'s token is refused (403) and creates nothing', async () => {
    const { browser, page } = await signInPage()
    const form = formOf(await browser.open(link(page, 'Create account')!))
    const email = freshEmail('forged')
    const forged = await new Browser(s.url).postForm(form.action, { email, password: 'saffron-tundra-echo', csrf: form.fields.csrf! })
    expect(forged.status).toBe(403)
    await s.server.ctx.background.settled()
    expect(await s.server.ctx.store.users.getByEmail(email)).toBeNull()
  })
})

describe('password reset (issue 13)', () => {
  async function forgot(email: string, ip = freshIp(), browser?: Browser): Promise<Page> {
    const { browser: b, page } = await signInPage('web', browser)
    const forgotPage = await b.open(link(page, 'Forgot password?')!)
    expect(forgotPage.html).toContain('Reset your password')
    return submitFrom(b, formOf(forgotPage), { email }, ip)
  }

  it('OWASP Forgot Password: the same status and page whether or not the address has an account; only an account gets a link', async () => {
    const unknown = freshEmail('nobody')
    const known = await forgot(ALICE.email)
    const none = await forgot(unknown)
    expect(none.status).toBe(known.status)
    expect(known.status).toBe(200)
    const normal = (p: Page, email: string) => p.html.replaceAll(email, 'EMAIL').replace(/\/interaction\/[0-9a-f-]{36}/g, '/interaction/ID')
    expect(normal(none, unknown)).toBe(normal(known, ALICE.email))
    expect(known.html).toContain('we sent it a link to choose a new password. The link works once, within 30 minutes.')
    const mail = await sink.next(ALICE.email)
    expect(mail.subject).toBe('Reset your Latch password')
    await s.server.ctx.background.settled()
    expect(sink.pending(unknown)).toEqual([])
  })

  it('OWASP Forgot Password (same timing class): the answer does not wait for the account lookup, which runs after it', async () => {
    const { browser, page } = await signInPage()
    const form = formOf(await browser.open(link(page, 'Forgot password?')!))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const looked = interposeOnce(s.server.ctx.store, 'users', 'getByEmail', () => gate)
    const answer = await submitFrom(browser, form, { email: BOB.email }, freshIp())
    expect(answer.status).toBe(200)
    release()
    expect(await looked).toMatchObject({ email: BOB.email })
    expect((await sink.next(BOB.email)).subject).toBe('Reset your Latch password')
  })

  it('NIST SP 800-63B §5.1.1.2 and OWASP: the link sets a new password under the policy, once; every session ends and grants are revoked; then the new password signs in', async () => {
    const email = freshEmail('forgetful')
    const old = 'copper-lantern-drift'
    await signUp(email, old)
    const verifyBrowser = new Browser(s.url)
    await verifyBrowser.submit(formOf(await verifyBrowser.open(linkIn(await sink.next(email)))))
    // A session and a refresh token from before the reset.
    const before = await signInPage()
    const code = (await submitFrom(before.browser, formOf(before.page), { email, password: old }, freshIp())).redirect!.searchParams.get('code')!
    const grant = await postForm(`${s.url}/token`, { grant_type: 'password', username: email, password: old, scope: 'openid offline_access' }, { authorization: basic('web', WEB_SECRET), 'x-forwarded-for': freshIp() })
    const { refresh_token } = (await grant.json()) as { refresh_token: string }
    expect(code).toBeTruthy()

    const asker = new Browser(s.url)
    await forgot(email, freshIp(), asker)
    const mail = await sink.next(email)
    const resetLink = linkIn(mail)
    expect(resetLink.pathname).toBe('/reset-password')
    const form = await asker.open(resetLink)
    expect(form.html).toContain('autocomplete="new-password"')
    // A breached password is refused, and the link still works.
    const weak = await submitFrom(asker, formOf(form), { password: 'iloveyou2' }, freshIp())
    expect(weak.status).toBe(400)
    expect(weak.html).toContain('This password is one of the most commonly used')
    const fresh = 'nebula-pickle-saddle'
    const done = await submitFrom(asker, formOf(weak), { password: fresh }, freshIp())
    // Back to the sign-in it was asked from, which says so.
    expect(done.status).toBe(303)
    expect(isLoginPage(done)).toBe(true)
    expect(done.html).toContain('Your password was changed. Sign in with your new password.')
    const user = await s.server.ctx.store.users.getByEmail(email)
    expect(events).toContainEqual({ name: 'password.reset_completed', payload: { user_id: user!.id } })
    // Every session ended: the earlier browser's session is gone, and the refresh token no longer works.
    expect(before.browser.cookies.has('latch_session')).toBe(true)
    const prompt = await before.browser.open(webAuthorizeUrl(s.url))
    expect(isLoginPage(prompt)).toBe(true)
    const refreshed = await postForm(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token }, { authorization: basic('web', WEB_SECRET) })
    expect(refreshed.status).toBe(400)
    // Single use.
    const replay = await submitFrom(new Browser(s.url), { ...formOf(form), fields: { ...formOf(form).fields } }, { password: 'another-fresh-phrase' }, freshIp())
    expect(replay.status).toBe(403) // another browser has no CSRF cookie
    const again = await asker.open(resetLink)
    expect(again.status).toBe(400)
    expect(again.html).toContain('This link has expired or was already used.')
    // The old password no longer signs in; the new one does.
    const after = await signInPage()
    expect((await submitFrom(after.browser, formOf(after.page), { email, password: old }, freshIp())).status).toBe(401)
    const later = await signInPage()
    expect((await submitFrom(later.browser, formOf(later.page), { email, password: fresh }, freshIp())).redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('OWASP Forgot Password: a reset link expires after passwords.reset_ttl (30 minutes)', async () => {
    await forgot(BOB.email)
    const mail = await sink.next(BOB.email)
    clock.advance(1800)
    try {
      const late = await new Browser(s.url).open(linkIn(mail))
      expect(late.status).toBe(400)
      expect(late.html).toContain('This link has expired or was already used.')
    } finally {
      clock.advance(-1800)
    }
  })

  it('OWASP Forgot Password: requests are throttled per address (mail.max_per_address) and per source (mail.max_per_source), with Retry-After, whether or not the address has an account', async () => {
    for (const email of [ALICE.email.replace('alice', 'alice+t'), freshEmail('ghost')]) {
      for (let i = 0; i < 3; i++) expect((await forgot(email)).status).toBe(200)
      const fourth = await forgot(email)
      expect(fourth.status).toBe(429)
      expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(alertText(fourth.html) ?? fourth.html).toMatch(/Too many requests\. Try again in \d+ (minutes|seconds)\./)
    }
    const ip = freshIp()
    for (let i = 0; i < 6; i++) expect((await forgot(freshEmail('spread'), ip)).status).toBe(200)
    expect((await forgot(freshEmail('spread'), ip)).status).toBe(429)
    await s.server.ctx.background.settled()
  })

  it('OWASP CSRF: a reset request without the form\'s token is refused (403)', async () => {
    const { browser, page } = await signInPage()
    const form = formOf(await browser.open(link(page, 'Forgot password?')!))
    const forged = await new Browser(s.url).postForm(form.action, { email: ALICE.email, csrf: form.fields.csrf! })
    expect(forged.status).toBe(403)
  })

  it('expired links and codes and long-unverified sign-ups are swept', async () => {
    const email = freshEmail('abandoned')
    await signUp(email, 'pebble-canyon-flute')
    await sink.next(email)
    const swept = await s.server.ctx.store.sweep(clock.now() + 9 * 86_400)
    expect(swept.email_tokens).toBeGreaterThan(0)
    expect(swept.unverified_users).toBeGreaterThan(0)
    expect(await s.server.ctx.store.users.getByEmail(email)).toBeNull()
    // Verified accounts stay.
    expect(await s.server.ctx.store.users.getByEmail(ALICE.email)).not.toBeNull()
  })
})
