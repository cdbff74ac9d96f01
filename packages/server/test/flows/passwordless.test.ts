/**
 * Issue 13: passwordless sign-in by email (a link or a 6-digit code) and the account page's change
 * of email, over real HTTP with mail through a real SMTP server in-process (test/support/smtp-sink.ts).
 * Checks: a link signs in the browser that asked (to a code whose ID token says `amr: ['email']`),
 * once; another browser gets "Continue signing in on this device?" and only its POST (CSRF) signs
 * in; a GET without the binding (a mail scanner) consumes nothing; links and codes expire (an
 * injected clock); a code dies after 5 wrong guesses and works only in the browser that asked; an
 * unknown address gets the same page and no mail; the mail limits per address and per source;
 * CSRF on every form; an email sign-in verifies the email. Change of email: the current password,
 * the link to the new address (the change happens on its POST), the notice to the old address, and
 * the same answer for an address another account has.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html
 */
import { createHash, randomBytes } from 'node:crypto'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { alertText, Browser, formOf, parseForms } from '../browser.js'
import { ALICE, baseTestConfig, basic, FORM, interposeOnce, postForm, startServer, WEB_REDIRECT, WEB_SECRET, type TestServer } from '../helpers.js'
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js'

const clock = new ManualClock()
let server: TestServer
let sink: SmtpSink
const events: { name: string; payload: unknown }[] = []

const USERS = ['dora', 'ed', 'flo', 'gil', 'hal', 'ivy', 'jo', 'kim', 'lou', 'quin', 'rex', 'sam', 'tia'].map((n) => ({ email: `${n}@example.com`, name: n }))

beforeAll(async () => {
  sink = await startSmtpSink()
  server = await startServer({
    trust_proxy: true,
    clients: [...baseTestConfig.clients, { client_id: 'tv', client_name: 'Living Room TV', token_endpoint_auth_method: 'none', grant_types: ['urn:ietf:params:oauth:grant-type:device_code'], scope: 'openid' }],
    users: [...baseTestConfig.users, ...USERS, { email: 'pat@example.com', password: 'pat-password-long-enough', email_verified: true }],
    passwordless: { magic_link: true, email_code: true },
    mail: { smtp_url: sink.url, max_per_address: 3, max_per_source: 6 },
  }, { clock })
  server.server.ctx.events.onAny((name, payload) => events.push({ name, payload }))
}, 60_000)

afterAll(async () => {
  await server?.close()
  await sink?.close()
})

let ipCounter = 0
/** A client address no other case uses (TEST-NET-2), so the per-source limit is each case's own. */
const freshIp = () => `198.51.100.${++ipCounter}`
const settled = () => server.server.ctx.background.settled()
const store = () => server.server.ctx.store

/** A code + PKCE request of `web`, with its verifier. */
function authorizeUrl(): { url: URL; verifier: string } {
  const verifier = randomBytes(32).toString('base64url')
  const url = new URL(`${server.url}/authorize`)
  url.search = new URLSearchParams({
    response_type: 'code', client_id: 'web', redirect_uri: WEB_REDIRECT, scope: 'openid email', state: 's', nonce: 'n',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  }).toString()
  return { url, verifier }
}

interface Asked {
  browser: Browser
  verifier: string
  status: number
  html: string
  /** The sign-in form's action (`/interaction/:id/login`). */
  login: string
}

/** A browser (new unless given) on a fresh sign-in page, asking for a link or a code for `email`. */
async function ask(method: 'magic_link' | 'email_code', email: string, options: { browser?: Browser; ip?: string; userAgent?: string; fields?: Record<string, string> } = {}): Promise<Asked> {
  const browser = options.browser ?? new Browser(server.url)
  const { url, verifier } = authorizeUrl()
  const page = await browser.open(url)
  const form = formOf(page)
  const res = await browser.fetch(form.action.replace(/\/login$/, '/email'), {
    method: 'POST',
    headers: { 'content-type': FORM, 'x-forwarded-for': options.ip ?? freshIp(), ...(options.userAgent !== undefined && { 'user-agent': options.userAgent }) },
    body: new URLSearchParams(options.fields ?? { ...form.fields, method, email }),
  })
  return { browser, verifier, status: res.status, html: await res.text(), login: form.action }
}

async function mailedLink(email: string): Promise<string> {
  const mail = await sink.next(email)
  const link = /(http:\/\/127\.0\.0\.1:\d+\/email-link\?token=[A-Za-z0-9_-]+(?:&from=[a-z-]+)?)/.exec(mail.text)?.[1]
  if (!link) throw new Error(`no link in ${mail.text}`)
  return link
}

async function mailedCode(email: string): Promise<string> {
  const mail = await sink.next(email)
  const code = /: (\d{6})\b/.exec(mail.text)?.[1]
  if (!code) throw new Error(`no code in ${mail.text}`)
  return code
}

/** The code form of a "check your email" page, posted with `code` by `browser`. */
async function postCode(browser: Browser, html: string, code: string, ip = freshIp()): Promise<Response> {
  const form = parseForms(html).find((f) => f.action.endsWith('/email/code'))!
  return browser.fetch(form.action, { method: 'POST', headers: { 'content-type': FORM, 'x-forwarded-for': ip }, body: new URLSearchParams({ ...form.fields, code }) })
}

/** Follows `response` (a 303 after signing in) to the client, and exchanges the code: the ID token's claims. */
async function toIdToken(browser: Browser, response: Response, verifier: string): Promise<Record<string, unknown>> {
  expect(response.status).toBe(303)
  const page = await browser.open(new URL(response.headers.get('location')!, server.url))
  const code = page.redirect?.searchParams.get('code')
  expect(code, page.html.slice(0, 300)).toBeTruthy()
  const res = await postForm(`${server.url}/token`, { grant_type: 'authorization_code', code: code!, redirect_uri: WEB_REDIRECT, code_verifier: verifier }, { authorization: basic('web', WEB_SECRET) })
  const body = (await res.json()) as { id_token: string }
  expect(res.status).toBe(200)
  return decodeJwt(body.id_token)
}

/** The page with what differs by request alone (the address, CSRF token, code request id) blanked out. */
const shape = (html: string, email: string) => html.replaceAll(email, 'EMAIL').replace(/value="[A-Za-z0-9_-]{43}"/g, 'value="CSRF"').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'ID')

describe('passwordless sign-in by email (issue 13)', () => {
  it('the sign-in page offers both ways as buttons of its one form, after Sign in (Enter still signs in with the password)', async () => {
    const browser = new Browser(server.url)
    const page = await browser.open(authorizeUrl().url)
    const [form] = parseForms(page.html)
    expect(parseForms(page.html)).toHaveLength(1)
    expect(form!.buttons.map((b) => [b.label, b.value])).toEqual([['Sign in', ''], ['Email me a sign-in link', 'magic_link'], ['Email me a code', 'email_code']])
    expect(page.html).toMatch(/formaction="http:\/\/127\.0\.0\.1:\d+\/interaction\/[0-9a-f-]{36}\/email" formnovalidate name="method" value="magic_link"/)
  })

  it('a link opened in the browser that asked signs in once, with amr ["email"] in the ID token; opened again it is refused', async () => {
    const asked = await ask('magic_link', ALICE.email)
    expect(asked.status).toBe(200)
    expect(asked.html).toContain('<h1>Check your email</h1>')
    expect(asked.html).toContain(`If ${ALICE.email} has an account here, a sign-in link is on its way to it.`)
    expect([...asked.browser.cookies.keys()]).toContain('latch_email')
    const link = await mailedLink(ALICE.email)
    const alice = (await store().users.getByEmail(ALICE.email))!
    await settled()
    expect(events).toContainEqual({ name: 'magic_link.mailed', payload: { user_id: alice.id, interaction_id: expect.any(String) } })
    const claims = await toIdToken(asked.browser, await asked.browser.fetch(link), asked.verifier)
    expect(claims.amr).toEqual(['email'])
    expect(claims.sub).toBe(alice.id)
    const again = await asked.browser.open(link)
    expect(again.status).toBe(400)
    expect(again.html).toContain('This link cannot be used')
  })

  it('stored hashed: an email_tokens row holds neither the link\'s token nor the code', async () => {
    const asked = await ask('email_code', 'dora@example.com')
    const code = await mailedCode('dora@example.com')
    const attempt = parseForms(asked.html).find((f) => f.action.endsWith('/email/code'))!.fields.attempt!
    await ask('magic_link', 'dora@example.com', { browser: asked.browser })
    const token = new URL(await mailedLink('dora@example.com')).searchParams.get('token')!
    const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url')
    const linkRow = (await store().emailTokens.find('magic_link', sha256(token), clock.now()))!
    expect(linkRow.token_hash).toBe(sha256(token))
    expect(linkRow.browser_hash).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(linkRow.browser_hash).not.toBe(asked.browser.cookies.get('latch_email'))
    // Read through the guess counter (one guess spent): the code is kept as a keyed MAC, not even its plain SHA-256.
    const codeRow = (await store().emailTokens.countAttempt(attempt, 'email_code', 100, clock.now()))!
    expect(codeRow.token_hash).not.toContain(code)
    expect(codeRow.token_hash).not.toBe(sha256(code))
  })

  it('another browser gets "Continue signing in on this device?"; a GET never consumes the link (scanners), the POST needs the CSRF token and signs in there', async () => {
    const asked = await ask('magic_link', 'ed@example.com', { userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36' })
    const link = await mailedLink('ed@example.com')
    expect(new URL(link).searchParams.get('from')).toBe('chrome-android')
    // A mail scanner: no cookies at all, fetches twice.
    for (let i = 0; i < 2; i++) {
      const scanned = await fetch(link, { redirect: 'manual' })
      expect(scanned.status).toBe(200)
      expect(await scanned.text()).toContain('<h1>Continue signing in on this device?</h1>')
    }
    const other = new Browser(server.url)
    const page = await other.open(link)
    expect(page.status).toBe(200)
    expect(page.html).toContain('This sign-in link was asked for in another browser or on another device.')
    expect(page.html).toMatch(/Asked for at <time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">[^<]+<\/time>, from Chrome on Android<\/p>/)
    expect(page.html).toContain('Signing in as <strong>ed@example.com</strong>')
    // Only the fixed vocabulary of browsers and systems reaches the page from a link.
    const spoofed = new URL(link)
    spoofed.searchParams.set('from', '<b>your-bank</b>')
    const spoofedPage = await new Browser(server.url).open(spoofed)
    expect(spoofedPage.status).toBe(200)
    expect(spoofedPage.html).not.toContain('bank')
    expect(page.html).toContain('<strong>Test Web App</strong>')
    const form = formOf(page)
    expect(form.buttons[0]?.label).toBe('Continue signing in here')
    const forged = await other.postForm(form.action, { token: form.fields.token! })
    expect(forged.status).toBe(403)
    const confirmed = await other.postForm(form.action, form.fields)
    const claims = await toIdToken(other, confirmed, asked.verifier)
    expect(claims.amr).toEqual(['email'])
    expect(events).toContainEqual({ name: 'email_sign_in.succeeded', payload: expect.objectContaining({ method: 'magic_link', other_browser: true }) })
    // Used: the browser that asked gets the "cannot be used" page now.
    expect((await asked.browser.open(link)).status).toBe(400)
  })

  it('a link whose sign-in request is gone gets a clear page, and signs nobody in', async () => {
    const asked = await ask('magic_link', 'flo@example.com')
    const link = await mailedLink('flo@example.com')
    // The request ends meanwhile (completed, or expired and swept).
    const id = /\/interaction\/([0-9a-f-]{36})\//.exec(asked.login)![1]!
    await store().interactions.take(id, clock.now())
    const other = new Browser(server.url)
    const page = await other.open(link)
    expect(page.status).toBe(400)
    expect(page.html).toContain('This link cannot be used')
    expect([...other.cookies.keys()].some((k) => k.startsWith('latch_session'))).toBe(false)
  })

  it('NIST SP 800-63B §5.1.3: a link and a code expire (10 minutes)', async () => {
    const link = await ask('magic_link', 'gil@example.com')
    const url = await mailedLink('gil@example.com')
    const code = await ask('email_code', 'gil@example.com')
    const digits = await mailedCode('gil@example.com')
    clock.advance(601)
    try {
      expect((await link.browser.open(url)).status).toBe(400)
      const res = await postCode(code.browser, code.html, digits)
      expect(res.status).toBe(401)
      expect(alertText(await res.text())).toMatch(/^That code is not right/)
    } finally {
      clock.advance(-601)
    }
  })

  it('a code signs in the browser that asked and verifies the email; typed in another browser it is refused', async () => {
    const before = (await store().users.getByEmail('hal@example.com'))!
    expect(before.email_verified).toBe(false)
    const asked = await ask('email_code', 'hal@example.com')
    expect(asked.html).toMatch(/<input id="code" name="code" type="text" class="user-code" inputmode="numeric" [^>]*autocomplete="one-time-code" required autofocus>/)
    const code = await mailedCode('hal@example.com')
    // The same form and CSRF pair in a browser without the binding cookie.
    const thief = new Browser(server.url)
    for (const [k, v] of asked.browser.cookies) if (!k.startsWith('latch_email')) thief.cookies.set(k, v)
    const stolen = await postCode(thief, asked.html, code)
    expect(stolen.status).toBe(401)
    const claims = await toIdToken(asked.browser, await postCode(asked.browser, asked.html, code), asked.verifier)
    expect(claims.amr).toEqual(['email'])
    expect(claims.email_verified).toBe(true)
    expect((await store().users.getByEmail('hal@example.com'))!.email_verified).toBe(true)
    expect(events).toContainEqual({ name: 'email.verified', payload: { user_id: before.id, method: 'code' } })
    // Single use: the row is spent (and the request, completed, takes no more codes either).
    const attempt = parseForms(asked.html).find((f) => f.action.endsWith('/email/code'))!.fields.attempt!
    expect(await store().emailTokens.countAttempt(attempt, 'email_code', 100, clock.now())).toBeNull()
    expect((await postCode(asked.browser, asked.html, code)).status).toBe(400)
  })

  it('"Send again" asks once more from the page (CSRF, same email and way): a new code, for the new page', async () => {
    const asked = await ask('email_code', 'sam@example.com')
    const first = await mailedCode('sam@example.com')
    const resend = parseForms(asked.html).find((f) => f.buttons.some((b) => b.label === 'Send again'))!
    expect(resend.fields.email).toBe('sam@example.com')
    expect(resend.buttons[0]).toMatchObject({ name: 'method', value: 'email_code' })
    const again = await asked.browser.fetch(resend.action, { method: 'POST', headers: { 'content-type': FORM, 'x-forwarded-for': freshIp() }, body: new URLSearchParams({ ...resend.fields, method: 'email_code' }) })
    expect(again.status).toBe(200)
    const html = await again.text()
    const second = await mailedCode('sam@example.com')
    const attempt = (page: string) => parseForms(page).find((f) => f.action.endsWith('/email/code'))!.fields.attempt
    expect(attempt(html)).not.toBe(attempt(asked.html))
    // Each page takes its own code only.
    if (first !== second) expect((await postCode(asked.browser, html, first)).status).toBe(401)
    const claims = await toIdToken(asked.browser, await postCode(asked.browser, html, second), asked.verifier)
    expect(claims.amr).toEqual(['email'])
  })

  it('a code dies after 5 wrong guesses: the right one is refused after them, with the same message', async () => {
    const asked = await ask('email_code', 'ivy@example.com')
    const code = await mailedCode('ivy@example.com')
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0')
    const messages = new Set<string | undefined>()
    for (let i = 0; i < 5; i++) {
      const res = await postCode(asked.browser, asked.html, wrong)
      expect(res.status).toBe(401)
      messages.add(alertText(await res.text()))
    }
    const right = await postCode(asked.browser, asked.html, code)
    expect(right.status).toBe(401)
    messages.add(alertText(await right.text()))
    expect([...messages]).toEqual(['That code is not right, or it has expired or was tried too many times. Check the latest email, or ask for a new code.'])
    expect(events.filter((e) => e.name === 'email_code.rejected').length).toBeGreaterThanOrEqual(6)
  })

  it('no enumeration: an unknown address gets the very same page (link and code) and no mail', async () => {
    for (const method of ['magic_link', 'email_code'] as const) {
      const known = await ask(method, 'jo@example.com')
      const unknown = await ask(method, 'nobody-here@example.com')
      expect(unknown.status).toBe(known.status)
      expect(shape(unknown.html, 'nobody-here@example.com')).toBe(shape(known.html, 'jo@example.com'))
      await sink.next('jo@example.com')
    }
    await settled()
    expect(sink.pending('nobody-here@example.com')).toEqual([])
    expect(sink.received.some((m) => m.to.includes('nobody-here@example.com'))).toBe(false)
    // Its code form answers as a wrong code does.
    const unknown = await ask('email_code', 'nobody-here@example.com')
    expect((await postCode(unknown.browser, unknown.html, '123456')).status).toBe(401)
  })

  it('no enumeration (same timing class): the answer does not wait for the account lookup, which runs after it', async () => {
    const browser = new Browser(server.url)
    const form = formOf(await browser.open(authorizeUrl().url))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const looked = interposeOnce(store(), 'users', 'getByEmail', () => gate)
    const answer = await browser.fetch(form.action.replace(/\/login$/, '/email'), {
      method: 'POST', headers: { 'content-type': FORM, 'x-forwarded-for': freshIp() }, body: new URLSearchParams({ ...form.fields, method: 'email_code', email: 'tia@example.com' }),
    })
    // Answered while the lookup is still held back.
    expect(answer.status).toBe(200)
    expect(await answer.text()).toContain('<h1>Check your email</h1>')
    release()
    expect(await looked).toMatchObject({ email: 'tia@example.com' })
    await mailedCode('tia@example.com')
  })

  it('ASVS V2.5.2: at most mail.max_per_address mails per address and max_per_source per source; past them the same page and no mail', async () => {
    const pages: string[] = []
    for (let i = 0; i < 4; i++) pages.push(shape((await ask('magic_link', 'kim@example.com')).html, 'kim@example.com'))
    expect(new Set(pages).size).toBe(1)
    await settled()
    expect(sink.pending('kim@example.com')).toHaveLength(3)
    expect(events.filter((e) => e.name === 'sign_in_mail.throttled')).toHaveLength(1)
    // One source, many addresses (unknown ones count too): the 7th is not mailed, to a known address either.
    const ip = freshIp()
    for (let i = 0; i < 6; i++) await ask('magic_link', `stranger${i}@example.com`, { ip })
    await ask('magic_link', 'lou@example.com', { ip })
    await settled()
    expect(sink.pending('lou@example.com')).toHaveLength(0)
    expect(events.filter((e) => e.name === 'sign_in_mail.throttled')).toHaveLength(2)
    await ask('magic_link', 'lou@example.com')
    await mailedLink('lou@example.com')
  })

  it('RFC 8628 §5.4: a device sign-in\'s link works only in the browser that asked (approving another device from wherever the mail is opened is what a phishing device code wants)', async () => {
    const device = (await (await postForm(`${server.url}/device/authorize`, { client_id: 'tv', scope: 'openid' })).json()) as { user_code: string }
    const browser = new Browser(server.url)
    const entry = await browser.open(`${server.url}/device`)
    const login = await browser.submit(formOf(entry), { user_code: device.user_code })
    const form = formOf(login)
    const asked = await browser.fetch(form.action.replace(/\/login$/, '/email'), { method: 'POST', headers: { 'content-type': FORM, 'x-forwarded-for': freshIp() }, body: new URLSearchParams({ ...form.fields, method: 'magic_link', email: 'quin@example.com' }) })
    expect(asked.status).toBe(200)
    const link = await mailedLink('quin@example.com')
    const other = new Browser(server.url)
    const refused = await other.open(link)
    expect(refused.status).toBe(400)
    expect(refused.html).toContain('<h1>Open the link in the browser that asked</h1>')
    expect(parseForms(refused.html)).toEqual([])
    // Nothing was used: the browser that asked signs in with it and reaches the device's consent.
    const consent = await browser.open(link)
    expect(consent.html).toContain('Living Room TV')
    expect(consent.html).toMatch(/name="decision" value="allow"/)
  })

  it('CSRF on every form: asking and typing the code without the token are refused (403); a method that is off or unknown is a 400', async () => {
    const browser = new Browser(server.url)
    const page = await browser.open(authorizeUrl().url)
    const form = formOf(page)
    const emailUrl = form.action.replace(/\/login$/, '/email')
    expect((await browser.postForm(emailUrl, { method: 'magic_link', email: 'lou@example.com' })).status).toBe(403)
    expect((await browser.postForm(`${emailUrl}/code`, { attempt: '00000000-0000-0000-0000-000000000000', code: '123456' })).status).toBe(403)
    expect((await browser.postForm(`${server.url}/email-link`, { token: 'a'.repeat(43) })).status).toBe(403)
    expect((await browser.postForm(emailUrl, { ...form.fields, method: 'sms', email: 'lou@example.com' })).status).toBe(400)
    const bad = await browser.postForm(emailUrl, { ...form.fields, method: 'magic_link', email: 'not an address' })
    expect(bad.status).toBe(400)
    expect(alertText(await bad.text())).toBe('Enter your email address.')
  })
})

describe('change of email on the account page (issue 13)', () => {
  async function signedIn(): Promise<Browser> {
    const browser = new Browser(server.url)
    const done = await browser.authorize(authorizeUrl().url, { email: 'pat@example.com', password: 'pat-password-long-enough' })
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
    return browser
  }

  it('the account page links to it; it asks the current password; the change happens only on the new address\'s link (POST), and the old address is told', async () => {
    const browser = await signedIn()
    const account = await browser.open(`${server.url}/account`)
    expect(account.html).toContain(`<a href="${server.url}/account/email">Change email address</a>`)
    const page = await browser.open(`${server.url}/account/email`)
    const form = formOf(page)
    expect(page.html).toContain('autocomplete="current-password"')
    const wrong = await browser.postForm(form.action, { ...form.fields, email: 'pat.new@example.com', password: 'not-the-password' })
    expect(wrong.status).toBe(401)
    expect(alertText(await wrong.text())).toBe('The password is not right.')
    expect((await browser.postForm(form.action, { email: 'pat.new@example.com', password: 'pat-password-long-enough' })).status).toBe(403)
    const sent = await browser.postForm(form.action, { ...form.fields, email: 'pat.new@example.com', password: 'pat-password-long-enough' })
    expect(sent.status).toBe(200)
    expect(await sent.text()).toContain('A confirmation link is on its way to pat.new@example.com.')
    const mail = await sink.next('pat.new@example.com')
    const link = /(http:\/\/\S+\/account\/email\/verify\?token=[A-Za-z0-9_-]+)/.exec(mail.text)![1]!
    // Opening it (a scanner, or the person) changes nothing yet.
    const scanner = new Browser(server.url)
    const confirm = await scanner.open(link)
    expect(confirm.html).toContain('Make pat.new@example.com the email address of your account?')
    expect(await store().users.getByEmail('pat@example.com')).not.toBeNull()
    expect((await scanner.postForm(formOf(confirm).action, { token: formOf(confirm).fields.token! })).status).toBe(403)
    const done = await scanner.submit(formOf(confirm))
    expect(done.status).toBe(200)
    expect(done.html).toContain('Your account&#39;s email address is now pat.new@example.com.')
    const user = (await store().users.getByEmail('pat.new@example.com'))!
    expect(user.email_verified).toBe(true)
    expect(await store().users.getByEmail('pat@example.com')).toBeNull()
    expect(events).toContainEqual({ name: 'email.changed', payload: { user_id: user.id } })
    const notice = await sink.next('pat@example.com')
    expect(notice.text).toContain('was changed to pat.new@example.com')
    // Single use.
    expect((await scanner.submit(formOf(confirm))).status).toBe(400)
  })

  it('no enumeration: an address another account has gets the same answer; that address is told, and nothing changes', async () => {
    const browser = new Browser(server.url)
    await browser.authorize(authorizeUrl().url, { email: 'pat.new@example.com', password: 'pat-password-long-enough' })
    const form = formOf(await browser.open(`${server.url}/account/email`))
    const free = await browser.postForm(form.action, { ...form.fields, email: 'pat.other@example.com', password: 'pat-password-long-enough' })
    const taken = await browser.postForm(form.action, { ...form.fields, email: ALICE.email, password: 'pat-password-long-enough' })
    expect(taken.status).toBe(free.status)
    expect(shape(await taken.text(), ALICE.email)).toBe(shape(await free.text(), 'pat.other@example.com'))
    const mail = await sink.next(ALICE.email)
    expect(mail.subject).toBe('Your email address already has an account at Latch')
    expect(mail.text).not.toMatch(/verify\?token=/)
    await sink.next('pat.other@example.com')
    const pat = (await store().users.getByEmail('pat.new@example.com'))!
    expect((await store().users.getByEmail(ALICE.email))!.id).not.toBe(pat.id)
  })

  it('no enumeration (same timing class): the answer does not wait for the lookup of the new address, which runs after it', async () => {
    const browser = new Browser(server.url)
    await browser.authorize(authorizeUrl().url, { email: 'pat.new@example.com', password: 'pat-password-long-enough' })
    const form = formOf(await browser.open(`${server.url}/account/email`))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const looked = interposeOnce(store(), 'users', 'getByEmail', () => gate)
    const answer = await browser.postForm(form.action, { ...form.fields, email: ALICE.email, password: 'pat-password-long-enough' })
    expect(answer.status).toBe(200)
    expect(await answer.text()).toContain(`A confirmation link is on its way to ${ALICE.email}.`)
    release()
    expect(await looked).toMatchObject({ email: ALICE.email })
    expect((await sink.next(ALICE.email)).subject).toBe('Your email address already has an account at Latch')
  })

  it('an account without a password is asked for no password, but for a sign-in at most 10 minutes old', async () => {
    const asked = await ask('magic_link', 'rex@example.com')
    const signedInByLink = await asked.browser.fetch(await mailedLink('rex@example.com'))
    expect(signedInByLink.status).toBe(303)
    const page = await asked.browser.open(`${server.url}/account/email`)
    expect(page.html).not.toContain('autocomplete="current-password"')
    const form = formOf(page)
    const sent = await asked.browser.postForm(form.action, { ...form.fields, email: 'rex.new@example.com' })
    expect(sent.status).toBe(200)
    await sink.next('rex.new@example.com')
    clock.advance(601)
    try {
      const stale = await asked.browser.open(`${server.url}/account/email`)
      expect(alertText(stale.html)).toMatch(/^For your security, changing your email address needs a recent sign-in/)
      expect(parseForms(stale.html)).toEqual([])
      const refused = await asked.browser.postForm(form.action, { ...form.fields, email: 'rex.other@example.com' })
      expect(refused.status).toBe(403)
    } finally {
      clock.advance(-601)
    }
  })

  it('without a session: "You are not signed in"', async () => {
    const page = await new Browser(server.url).open(`${server.url}/account/email`)
    expect(page.html).toContain('<h1>You are not signed in</h1>')
  })
})
