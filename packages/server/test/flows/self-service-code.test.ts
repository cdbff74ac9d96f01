/**
 * Issue 13, `sign_up.verify_email: code`: the mailed 6-digit code typed on the check-your-email
 * page, over real HTTP and a real SMTP server. NIST SP 800-63B §5.1.3.2 (out-of-band secrets):
 * single use, limited guesses, and bound to the browser that signed up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CODE_MAX_ATTEMPTS } from '../../src/users/email-tokens.js'
import { Browser, formOf, isLoginPage, parseForms, type Form, type Page } from '../browser.js'
import { startServer, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js'

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
    const done = await browser.submit(codeForm, { code })
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

  it('the code works only in the browser that signed up, and another browser\'s try does not use it up', async () => {
    const { browser, codeForm, code } = await signUp()
    const other = new Browser(s.url)
    const otherPage = await other.open(webAuthorizeUrl(s.url))
    expect(isLoginPage(otherPage)).toBe(true)
    const otherCsrf = formOf(otherPage).fields.csrf!
    const foreign = await other.submit({ ...codeForm, fields: { ...codeForm.fields, csrf: otherCsrf } }, { code })
    expect(foreign.status).toBe(400)
    const done = await browser.submit(codeForm, { code })
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('"Send again" mails a new code, which the page\'s form then takes', async () => {
    const { browser, page, email } = await signUp()
    const resend = parseForms(page.html).find((f) => f.action.endsWith('/signup/resend'))!
    const again = await browser.submit(resend)
    expect(again.status).toBe(200)
    expect(again.html).toContain('If the address still needs confirming, a new message is on its way.')
    const code = /Code: (\d{6})/.exec((await sink.next(email)).text)![1]!
    const form = parseForms(again.html).find((f) => f.action.endsWith('/signup/code'))!
    expect((await browser.submit(form, { code })).redirect?.searchParams.get('code')).toBeTruthy()
  })
})
