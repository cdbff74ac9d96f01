/**
 * Issue 13 and issue 11: `passwordless` is a tenant key. A tenant that turns it on offers the email
 * ways on its own sign-in page (another tenant's page does not), mails through its own SMTP server,
 * its links point at its own issuer (a path tenant's too), and a link of one tenant is nothing at
 * another.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser, formOf } from '../browser.js'
import { ALICE, FORM } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js'
import { hostAgent, startTenantsServer, type TenantsServer } from '../support/tenants.js'

let t: TenantsServer
let initechMail: SmtpSink

beforeAll(async () => {
  initechMail = await startSmtpSink()
  t = await startTenantsServer({
    perTenant: { initech: { passwordless: { magic_link: true }, mail: { smtp_url: initechMail.url } } },
  })
}, 60_000)

afterAll(async () => {
  await t?.close()
  await initechMail?.close()
})

describe('passwordless email per tenant (issues 11 and 13)', () => {
  it('only the tenant that turns it on offers it; its link points at its own issuer and works there only', async () => {
    const main = await new Browser(t.issuers.main, { dispatcher: hostAgent }).open(webAuthorizeUrl(t.issuers.main))
    expect(main.html).not.toContain('Email me a sign-in link')
    const browser = new Browser(t.issuers.initech, { dispatcher: hostAgent })
    const page = await browser.open(webAuthorizeUrl(t.issuers.initech))
    expect(page.html).toContain('Email me a sign-in link')
    expect(page.html).not.toContain('Email me a code')
    const form = formOf(page)
    const asked = await browser.fetch(form.action.replace(/\/login$/, '/email'), { method: 'POST', headers: { 'content-type': FORM }, body: new URLSearchParams({ ...form.fields, method: 'magic_link', email: ALICE.email }) })
    expect(asked.status).toBe(200)
    const link = new URL(/(https?:\/\/\S+\/email-link\?\S+)/.exec((await initechMail.next(ALICE.email)).text)![1]!)
    expect(link.href.startsWith(`${t.issuers.initech}/email-link?`)).toBe(true)
    // The same token at another tenant names nothing there.
    const elsewhere = await new Browser(t.issuers.acme, { dispatcher: hostAgent }).open(`${t.issuers.acme}/email-link${link.search}`)
    expect(elsewhere.status).toBe(400)
    const done = await browser.open(link)
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
  })
})
