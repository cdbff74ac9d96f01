/**
 * Issue 13, `sign_up.verify_email: code`: the mailed 6-digit code typed on the check-your-email
 * page, over real HTTP and a real SMTP server. NIST SP 800-63B §5.1.3.2 (out-of-band secrets):
 * single use, limited guesses, and bound to the browser that signed up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CODE_GUESSES_PER_ADDRESS } from '../../src/mail/mail-throttle.js'
import { CODE_MAX_ATTEMPTS } from '../../src/users/email-tokens.js'
import { Browser, formOf, isLoginPage, parseForms, type Form, type Page } from '../browser.js'
import { startServer, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js'
import { pastPasskeyOffer } from '../support/passkeys.js'

let s: TestServer
let sink: SmtpSink

beforeAll(async () => {
  sink = await startSmtpSink()
  s = await startServer({ mail: { smtp_url: sink.url }, sign_up: { enabled: true, verify_email: 'code' } })
}, 60_000)

afterAll(async () => {
  await s?.close()
  await sink?.close()
})

let n = 0
const freshEmail = () => `coder-${++n}@example.org`

/** Signs up in a new browser; the check-your-email page's code form, and the mailed code. */
async function signUp(): Promise<{ browser: Browser; page: Page; codeForm: Form; code: string; email: string }> {
  const email = freshEmail()
  const browser = new Browser(s.url)
  const signIn = await browser.open(webAuthorizeUrl(s.url))
  const href = /<a href="([^"]+\/signup)">Create account<\/a>/.exec(signIn.html)![1]!
  const page = await browser.submit(formOf(await browser.open(href)), { email, password: 'juniper-falcon-ribbon' })
  expect(page.html).toContain('Enter the 6-digit code from it to confirm your address.')
  const codeForm = parseForms(page.html).find((f) => f.action.endsWith('/signup/code'))!
  const mail = await sink.next(email)
  expect(mail.subject).toBe('Your Latch verification code')
  const code = /Code: (\d{6})/.exec(mail.text)![1]!
  expect(mail.text).not.toMatch(/https?:\/\//)
  return { browser, page, codeForm, code, email }
}

describe('sign-up with a mailed code (issue 13)', () => {
  it('NIST SP 800-63B §5.1.3.2: the code form (autocomplete one-time-code) takes the mailed code once, and continues the sign-in', async () => {
    const { browser, page, codeForm, code, email } = await signUp()
    expect(page.html).toContain('autocomplete="one-time-code"')
    const wrong = await browser.submit(codeForm, { code: code === '000000' ? '111111' : '000000' })
    expect(wrong.status).toBe(400)
    expect(wrong.html).toContain('That code is not right, or it has expired.')
    const done = await pastPasskeyOffer(browser, await browser.submit(codeForm, { code }))
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
    expect(await s.server.ctx.store.users.getByEmail(email)).toMatchObject({ email_verified: true, verification_pending: false })
    // Single use.
    const replay = await browser.submit(codeForm, { code })
    expect(replay.status).toBe(400)
  })

  it(`NIST SP 800-63B §5.2.2: after ${CODE_MAX_ATTEMPTS} wrong guesses even the right code is refused`, async () => {
    const { browser, codeForm, code, email } = await signUp()
    const wrongCode = code === '123456' ? '654321' : '123456'
    for (let i = 0; i < CODE_MAX_ATTEMPTS; i++) expect((await browser.submit(codeForm, { code: wrongCode })).status).toBe(400)
    expect((await browser.submit(codeForm, { code })).status).toBe(400)
    expect((await s.server.ctx.store.users.getByEmail(email))?.verification_pending).toBe(true)
  })

  it('security review M2: a right code typed in another browser verifies the email but signs nobody in there', async () => {
    const { codeForm, code, email } = await signUp()
    const other = new Browser(s.url)
    const otherPage = await other.open(webAuthorizeUrl(s.url))
    expect(isLoginPage(otherPage)).toBe(true)
    const otherCsrf = formOf(otherPage).fields.csrf!
    const foreign = await other.submit({ ...codeForm, fields: { ...codeForm.fields, csrf: otherCsrf } }, { code })
    expect(foreign.status).toBe(200)
    expect(foreign.redirect).toBeUndefined()
    expect(foreign.html).toContain('Your email address is confirmed. Go back to the application and sign in.')
    expect(other.cookies.has('latch_session')).toBe(false)
    expect(await s.server.ctx.store.users.getByEmail(email)).toMatchObject({ email_verified: true, verification_pending: false })
  })

  it('security review M2: "Send again" from another browser mails the code bound to the sign-up\'s browser: a right guess there only verifies', async () => {
    const { browser, email } = await signUp()
    const attacker = new Browser(s.url)
    const page = await attacker.open(webAuthorizeUrl(s.url))
    const interaction = new URL(page.url).pathname
    const resent = await attacker.submit({ action: `${s.url}${interaction}/signup/resend`, method: 'post', fields: { csrf: formOf(page).fields.csrf!, email }, buttons: [] })
    expect(resent.status).toBe(200)
    const codeForm = parseForms(resent.html).find((f) => f.action.endsWith('/signup/code'))!
    const code = /Code: (\d{6})/.exec((await sink.next(email)).text)![1]!
    // The attacker's right guess (the test reads the mail) verifies the address, and signs nobody in.
    const guessed = await attacker.submit(codeForm, { code })
    expect(guessed.redirect).toBeUndefined()
    expect(guessed.html).toContain('Your email address is confirmed.')
    expect(attacker.cookies.has('latch_session')).toBe(false)
    expect(browser.cookies.has('latch_session')).toBe(false)
  })

  it(`security review M2, NIST SP 800-63B §5.2.2: at most ${CODE_GUESSES_PER_ADDRESS} guesses per address a day over every code: new codes (Send again) do not reopen it`, async () => {
    const { browser, page, codeForm, code, email } = await signUp()
    const wrong = (c: string) => (c === '000000' ? '111111' : '000000')
    let form = codeForm
    let current = code
    let sent = page
    for (let round = 0; round * CODE_MAX_ATTEMPTS < CODE_GUESSES_PER_ADDRESS; round++) {
      for (let i = 0; i < CODE_MAX_ATTEMPTS; i++) expect((await browser.submit(form, { code: wrong(current) })).status).toBe(400)
      sent = await browser.submit(parseForms(sent.html).find((f) => f.action.endsWith('/signup/resend'))!)
      current = /Code: (\d{6})/.exec((await sink.next(email)).text)![1]!
      form = parseForms(sent.html).find((f) => f.action.endsWith('/signup/code'))!
    }
    // A fresh code with all its own attempts, and the right one: refused for the day.
    const refused = await browser.submit(form, { code: current })
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3600)
    expect(refused.html).toContain('Too many requests.')
    expect((await s.server.ctx.store.users.getByEmail(email))?.verification_pending).toBe(true)
  })

  it('"Send again" mails a new code, which the page\'s form then takes', async () => {
    const { browser, page, email } = await signUp()
    const resend = parseForms(page.html).find((f) => f.action.endsWith('/signup/resend'))!
    const again = await browser.submit(resend)
    expect(again.status).toBe(200)
    expect(again.html).toContain('If the address still needs confirming, a new message is on its way.')
    const code = /Code: (\d{6})/.exec((await sink.next(email)).text)![1]!
    const form = parseForms(again.html).find((f) => f.action.endsWith('/signup/code'))!
    expect((await pastPasskeyOffer(browser, await browser.submit(form, { code }))).redirect?.searchParams.get('code')).toBeTruthy()
  })
})
