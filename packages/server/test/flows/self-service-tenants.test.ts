/**
 * Issue 13 and issue 11: `mail`, `sign_up` and `passwords` are tenant keys. Each tenant mails
 * through its own SMTP server in its own product's name, its links point at its own issuer (a
 * path tenant's too), a token of one tenant is nothing at another, and a tenant with
 * `sign_up.verify_email: none` signs a new account in at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser, formOf, isLoginPage, type Page } from '../browser.js'
import { ALICE, WEB_REDIRECT } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js'
import { hostAgent, startTenantsServer, type TenantName, type TenantsServer } from '../support/tenants.js'

let t: TenantsServer
let acmeMail: SmtpSink
let initechMail: SmtpSink

beforeAll(async () => {
  acmeMail = await startSmtpSink()
  initechMail = await startSmtpSink()
  t = await startTenantsServer({
    perTenant: {
      acme: { sign_up: { enabled: true, verify_email: 'none' }, mail: { smtp_url: acmeMail.url, from: 'Acme ID <id@acme.test>' }, branding: { product_name: 'Acme ID' } },
      initech: { sign_up: { enabled: true, max_unverified: 2 }, mail: { smtp_url: initechMail.url }, passwords: { min_length: 12 } },
    },
  })
}, 60_000)

afterAll(async () => {
  await t?.close()
  await acmeMail?.close()
  await initechMail?.close()
})

async function signUpAt(name: TenantName, email: string, password: string, browser = new Browser(t.issuers[name], { dispatcher: hostAgent })): Promise<Page> {
  const signIn = await browser.open(webAuthorizeUrl(t.issuers[name]))
  expect(isLoginPage(signIn)).toBe(true)
  const href = /<a href="([^"]+\/signup)">Create account<\/a>/.exec(signIn.html)?.[1]
  expect(href, `${name} offers sign-up`).toBeDefined()
  return browser.submit(formOf(await browser.open(href!)), { email, password })
}

describe('self-service per tenant (issues 11 and 13)', () => {
  it('sign_up is per tenant: off at the default tenant, on at acme and initech', async () => {
    const main = await new Browser(t.issuers.main, { dispatcher: hostAgent }).open(webAuthorizeUrl(t.issuers.main))
    expect(main.html).not.toContain('Create account')
  })

  it('sign_up.verify_email: none signs a new account in at once; a taken address gets "check your email" and its owner a note, through the tenant\'s own SMTP server and name', async () => {
    const done = await signUpAt('acme', 'quick@acme.test', 'sparrow-tundra-mosaic')
    expect(done.redirect?.origin + done.redirect!.pathname).toBe(WEB_REDIRECT)
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
    const taken = await signUpAt('acme', ALICE.email, 'sparrow-tundra-mosaic')
    expect(taken.html).toContain('Check your email')
    const note = await acmeMail.next(ALICE.email)
    expect(note.subject).toBe('Someone tried to sign up for Acme ID with your email address')
    expect(note.from).toBe('id@acme.test')
    expect(initechMail.pending(ALICE.email)).toEqual([])
  })

  it('a path tenant\'s link points at its own issuer and works there only; its passwords.min_length applies', async () => {
    const short = await signUpAt('initech', 'pathy@initech.test', 'eleven-char')
    expect(short.status).toBe(400)
    expect(short.html).toContain('Choose a password of at least 12 characters.')
    const browser = new Browser(t.issuers.initech, { dispatcher: hostAgent })
    await signUpAt('initech', 'pathy@initech.test', 'twelve-chars-long', browser)
    const mail = await initechMail.next('pathy@initech.test')
    const link = new URL(/https?:\/\/\S+/.exec(mail.text)![0])
    expect(link.href.startsWith(`${t.issuers.initech}/verify-email?`)).toBe(true)
    // The same token at another tenant names nothing there.
    const elsewhere = await new Browser(t.issuers.acme, { dispatcher: hostAgent }).open(`${t.issuers.acme}/verify-email${link.search}`)
    expect(elsewhere.status).toBe(400)
    const confirm = await browser.open(link)
    expect(confirm.status).toBe(200)
    const done = await browser.submit(formOf(confirm))
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('sign_up.max_unverified bounds the accounts waiting for verification: past it, every address gets 503 and nothing is created', async () => {
    for (const name of ['wait-1', 'wait-2']) {
      expect((await signUpAt('initech', `${name}@initech.test`, 'lilac-forest-anchor')).status).toBe(200)
      await initechMail.next(`${name}@initech.test`)
    }
    const full = await signUpAt('initech', 'wait-3@initech.test', 'lilac-forest-anchor')
    expect(full.status).toBe(503)
    expect(full.html).toContain('New accounts cannot be created right now. Try again later.')
    await t.server.ctx.background.settled()
    expect(await t.server.ctx.store.forTenant('initech').users.getByEmail('wait-3@initech.test')).toBeNull()
    // Another tenant's cap is its own.
    expect((await signUpAt('acme', 'wait-3@acme.test', 'lilac-forest-anchor')).redirect?.searchParams.get('code')).toBeTruthy()
  })
})
