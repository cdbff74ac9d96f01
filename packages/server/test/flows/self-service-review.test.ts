/**
 * Issue 13, security review of self-service, over real HTTP with a real SMTP server:
 * - M1: an address whose organization requires its own sign-in (issue 12, `required` connection,
 *   by domain) is not signed up, with the same answer as any sign-up; a verification (or a passkey)
 *   of an account that came under such a rule later verifies but does not sign in;
 * - M5: a reset link continues the interaction it was asked from only in the browser that asked;
 *   anywhere else it only changes the password.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser, formOf, isLoginPage, unescapeHtml, type Page } from '../browser.js'
import { startServer, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { PASSKEY_TEST_VERIFIER, registerPasskey } from '../support/passkeys.js'
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink.js'
import { SoftwareAuthenticator } from '../support/software-authenticator.js'

const GLOBEX = { id: 'globex', name: 'Globex', domains: ['globex.example'] }
const LATER = { email: 'lena@later.example', password: 'lena-later-pass-1234', email_verified: true }

let s: TestServer
let sink: SmtpSink

beforeAll(async () => {
  sink = await startSmtpSink()
  s = await startServer({
    trust_proxy: true,
    mail: { smtp_url: sink.url },
    sign_up: { enabled: true },
    users: [LATER],
    organizations: [GLOBEX],
    // Never called: the required-SSO rules read the registry only.
    connections: [{ id: 'globex-sso', type: 'oidc', display_name: 'Globex SSO', organization: 'globex', required: true, issuer: 'https://idp.invalid', client_id: 'c', client_secret: 's' }],
  })
}, 60_000)

afterAll(async () => {
  await s?.close()
  await sink?.close()
})

let n = 0
const freshIp = () => `198.51.100.${++n}`

const link = (page: Page, text: string): string => {
  for (const m of page.html.matchAll(/<a href="([^"]+)"[^>]*>([^<]*)<\/a>/g)) if (unescapeHtml(m[2] as string) === text) return unescapeHtml(m[1] as string)
  throw new Error(`no link ${text} on ${page.url}`)
}

const linkIn = (mail: ReceivedMail): URL => new URL(/https?:\/\/\S+/.exec(mail.text)![0])

/** POSTs `form` from `ip`, following in-origin redirects. */
async function submitFrom(browser: Browser, form: ReturnType<typeof formOf>, values: Record<string, string>, ip = freshIp()): Promise<Page> {
  const res = await browser.fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip }, body: new URLSearchParams({ ...form.fields, ...values }) })
  const location = res.headers.get('location')
  if (res.status === 303 && location !== null) return { ...(await browser.open(new URL(location, form.action))), status: 303 }
  return { url: form.action, status: res.status, headers: res.headers, html: await res.text() }
}

/**
 * The password page of a fresh request (a login_hint outside Globex's domains skips home-realm
 * discovery's identify page).
 */
async function signInPage(browser = new Browser(s.url), params: Record<string, string> = {}): Promise<{ browser: Browser; page: Page }> {
  const page = await browser.open(webAuthorizeUrl(s.url, { login_hint: 'someone@example.net', ...params }))
  expect(isLoginPage(page)).toBe(true)
  return { browser, page }
}

async function signUp(email: string, password: string, browser = new Browser(s.url)): Promise<{ browser: Browser; page: Page }> {
  const { page } = await signInPage(browser)
  const form = formOf(await browser.open(link(page, 'Create account')))
  return { browser, page: await submitFrom(browser, form, { email, password }) }
}

const normal = (p: Page, email: string) => p.html.replaceAll(email, 'EMAIL').replace(/value="[A-Za-z0-9_-]{43}"/g, 'value="CSRF"').replace(/\/interaction\/[0-9a-f-]{36}/g, '/interaction/ID')

describe('sign-up and required SSO (security review M1)', () => {
  it('issue 12 required SSO: signing up an address of an organization that requires its connection answers as any sign-up, creates no account and mails nothing', async () => {
    const mallory = 'mallory@globex.example'
    const other = 'olive@example.net'
    const refused = await signUp(mallory, 'ember-walnut-signal')
    const accepted = await signUp(other, 'ember-walnut-signal')
    expect(refused.page.status).toBe(200)
    expect(normal(refused.page, mallory)).toBe(normal(accepted.page, other))
    // Same cookies too: a binding cookie for both.
    expect([...refused.browser.cookies.keys()].sort()).toEqual([...accepted.browser.cookies.keys()].sort())
    await sink.next(other)
    await s.server.ctx.background.settled()
    expect(sink.pending(mallory)).toEqual([])
    expect(await s.server.ctx.store.users.getByEmail(mallory)).toBeNull()
  })

  it('issue 12 required SSO: a link confirmed in the signing-up browser after the domain came under a required connection verifies the email but signs nobody in, and joins nobody', async () => {
    const email = 'vic@acquired.example'
    const { browser } = await signUp(email, 'harbor-tulip-cobalt')
    const mail = await sink.next(email)
    await s.server.ctx.store.organizations.upsert({ ...GLOBEX, domains: [...GLOBEX.domains, 'acquired.example'] }, Math.floor(Date.now() / 1000))
    try {
      const done = await browser.submit(formOf(await browser.open(linkIn(mail))))
      expect(done.redirect).toBeUndefined()
      expect(done.status).toBe(200)
      expect(done.html).toContain('Your email address is confirmed.')
      expect(browser.cookies.has('latch_session')).toBe(false)
      const user = (await s.server.ctx.store.users.getByEmail(email))!
      expect(user.email_verified).toBe(true)
      expect(await s.server.ctx.store.organizations.membership('globex', user.id)).toBeNull()
    } finally {
      await s.server.ctx.store.organizations.upsert(GLOBEX, Math.floor(Date.now() / 1000))
    }
  })

  it('issue 12 required SSO: a passkey of an address whose domain came under a required connection is refused (403, with the connection\'s link), as the password is', async () => {
    const rp = new URL(s.url)
    const device = new SoftwareAuthenticator(rp.hostname, rp.origin)
    const owner = new Browser(s.url)
    const { page } = await signInPage(owner)
    expect((await submitFrom(owner, formOf(page), { email: LATER.email, password: LATER.password })).redirect?.searchParams.get('code')).toBeTruthy()
    expect((await registerPasskey(s.url, owner, device)).status).toBeLessThan(400)
    await s.server.ctx.store.organizations.upsert({ ...GLOBEX, domains: [...GLOBEX.domains, 'later.example'] }, Math.floor(Date.now() / 1000))
    try {
      const browser = new Browser(s.url)
      const challenge = createHash('sha256').update(PASSKEY_TEST_VERIFIER).digest('base64url')
      const { page: signIn } = await signInPage(browser, { code_challenge: challenge })
      const div = /<div class="passkey" data-passkey-sign-in data-options="([^"]+)" data-action="([^"]+)" data-csrf="([^"]+)"/.exec(signIn.html)!
      const options = (await (await browser.postForm(unescapeHtml(div[1]!), { csrf: div[3]! })).json()) as never
      const res = await browser.postForm(unescapeHtml(div[2]!), { csrf: div[3]!, response: JSON.stringify(device.assert(options)) })
      expect(res.status).toBe(403)
      expect(await res.text()).toContain('Continue with Globex SSO')
      expect(browser.cookies.has('latch_session')).toBe(false)
    } finally {
      await s.server.ctx.store.organizations.upsert(GLOBEX, Math.floor(Date.now() / 1000))
    }
  })
})

describe('password reset bound to the browser that asked (security review M5)', () => {
  it('OWASP Forgot Password: a reset asked from someone else\'s interaction, done from the genuine mail in the owner\'s browser, changes the password and continues nothing', async () => {
    const email = 'rita@example.net'
    const { browser: signUpBrowser } = await signUp(email, 'saffron-canyon-pebble')
    await signUpBrowser.submit(formOf(await signUpBrowser.open(linkIn(await sink.next(email)))))
    // The attacker's interaction asks a reset for Rita's address.
    const attacker = new Browser(s.url)
    const { page: attackerPage } = await signInPage(attacker)
    const forgot = await attacker.open(link(attackerPage, 'Forgot password?'))
    expect((await submitFrom(attacker, formOf(forgot), { email })).status).toBe(200)
    // Rita resets from the mail, in her own browser.
    const rita = new Browser(s.url)
    const form = await rita.open(linkIn(await sink.next(email)))
    const done = await submitFrom(rita, formOf(form), { password: 'lilac-thunder-basket' })
    expect(done.status).toBe(200)
    expect(done.html).toContain('Your password was changed and you were signed out everywhere.')
    expect(isLoginPage(done)).toBe(false)
    expect(rita.cookies.has('latch_session')).toBe(false)
    // The attacker's interaction is where it was: nobody signed in.
    expect(isLoginPage(await attacker.open(attackerPage.url))).toBe(true)
    expect(attacker.cookies.has('latch_session')).toBe(false)
  })

  it('OWASP Forgot Password: in the browser that asked, the reset goes back to its sign-in', async () => {
    const email = 'sam@example.net'
    const { browser: signUpBrowser } = await signUp(email, 'pepper-glacier-anchor')
    await signUpBrowser.submit(formOf(await signUpBrowser.open(linkIn(await sink.next(email)))))
    const { browser, page } = await signInPage()
    const forgot = await browser.open(link(page, 'Forgot password?'))
    await submitFrom(browser, formOf(forgot), { email })
    const form = await browser.open(linkIn(await sink.next(email)))
    const done = await submitFrom(browser, formOf(form), { password: 'walnut-comet-harvest' })
    expect(done.status).toBe(303)
    // The sign-in it was asked from (the page's notice is self-service.test.ts's).
    expect(new URL(done.url).pathname).toBe(new URL(page.url).pathname)
    expect(new URL(done.url).searchParams.get('notice')).toBe('password_reset')
  })
})
