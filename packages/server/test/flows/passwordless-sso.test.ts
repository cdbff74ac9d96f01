/**
 * Issue 13 with issue 12's required SSO: an organization whose connection is `required` cannot be
 * bypassed by signing in by email. An address of its domain is refused when it asks (the same
 * answer for every address of the domain, known or not, and no mail); a member with an address of
 * another domain gets the mail (asking says nothing about membership) but the link ends on the
 * sign-in page with the organization's sign-in, and no session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alertText, Browser, formOf } from '../browser.js'
import { FORM, startServer, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js'

let server: TestServer
let sink: SmtpSink

beforeAll(async () => {
  sink = await startSmtpSink()
  server = await startServer({
    organizations: [{ id: 'acme', name: 'Acme Corp', domains: ['acme.example'], members: [{ email: 'max@example.com' }] }],
    connections: [{
      id: 'acme-sso', type: 'oidc', issuer: 'http://127.0.0.1:9/idp', client_id: 'latch', client_secret: 'upstream-secret-0123456789',
      display_name: 'Acme SSO', organization: 'acme', required: true,
    }],
    users: [{ email: 'ann@acme.example', name: 'Ann' }, { email: 'max@example.com', name: 'Max' }],
    passwordless: { magic_link: true, email_code: true },
    mail: { smtp_url: sink.url },
  })
}, 60_000)

afterAll(async () => {
  await server?.close()
  await sink?.close()
})

/** The sign-in page (a hint of no organization's domain skips home-realm discovery), asking for a link for `email`. */
async function ask(email: string): Promise<{ browser: Browser; response: Response }> {
  const browser = new Browser(server.url)
  const form = formOf(await browser.open(webAuthorizeUrl(server.url, { login_hint: 'someone@example.com' })))
  const response = await browser.fetch(form.action.replace(/\/login$/, '/email'), {
    method: 'POST', headers: { 'content-type': FORM }, body: new URLSearchParams({ ...form.fields, method: 'magic_link', email }),
  })
  return { browser, response }
}

describe('passwordless email and required SSO (issues 12 and 13)', () => {
  it('an address of the organization\'s domain is sent to its sign-in, known or not, and mailed nothing', async () => {
    for (const email of ['ann@acme.example', 'nobody@acme.example']) {
      const { response } = await ask(email)
      expect(response.status).toBe(403)
      const html = await response.text()
      expect(alertText(html)).toBe('Your organization requires you to sign in through its own sign-in service.')
      expect(html).toMatch(/<a class="button" href="[^"]+\/connections\/acme-sso\/start\?interaction=[0-9a-f-]{36}&amp;login_hint=/)
    }
    await server.server.ctx.background.settled()
    expect(sink.received).toEqual([])
  })

  it('a member with another domain\'s address: the link ends on the sign-in page with the organization\'s sign-in, without a session', async () => {
    const { browser, response } = await ask('max@example.com')
    expect(response.status).toBe(200)
    const link = /(http:\/\/\S+\/email-link\?\S+)/.exec((await sink.next('max@example.com')).text)![1]!
    const opened = await browser.fetch(link)
    expect(opened.status).toBe(303)
    expect(opened.headers.get('location')).toMatch(/\/interaction\/[0-9a-f-]{36}\?notice=connection_required&connection=acme-sso$/)
    expect([...browser.cookies.keys()].some((k) => k.startsWith('latch_session'))).toBe(false)
    const page = await browser.open(new URL(opened.headers.get('location')!, server.url))
    expect(alertText(page.html)).toBe('Your organization requires you to sign in through its own sign-in service.')
    expect(page.html).toContain('/connections/acme-sso/start?interaction=')
  })
})
