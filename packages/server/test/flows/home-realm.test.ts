/**
 * Issue 12, enterprise SSO per organization, over real HTTP: home-realm discovery (the identify
 * page when the tenant has organization connections; an email of an organization's domain
 * continues to its connection's start URL with `login_hint` through a 200 page, because CSP
 * `form-action` covers a form submission's whole redirect chain; any other email to the password
 * page, filled in), `organization=<id>`, the `organization:<id>` scope and an email `login_hint`
 * going straight there, and required SSO (the password refused by domain before it is checked,
 * and for a member of another domain after it is checked), with answers that do not depend on
 * whether the user exists. The federated part (the start endpoint and the callback) is tested
 * with the upstream flows.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (login_hint)
 * @see https://www.w3.org/TR/CSP3/#directive-form-action
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alertText, Browser, formOf, isLoginPage, parseForms, unescapeHtml, type Page } from '../browser.js'
import { ALICE, baseTestConfig, FORM, startServer, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'

const PASSWORD = 'a-password-long-enough'
/** Of acme's domain (acme's connection is not required). */
const ANNA = { email: 'anna@acme.example', password: PASSWORD }
/** Of globex's domain (globex's connection is required). */
const GREG = { email: 'greg@globex.example', password: PASSWORD }
/** A member of globex whose email is of another domain. */
const CAROL = { email: 'carol@example.com', password: PASSWORD }

const upstream = (id: string, more: Record<string, unknown>) => ({
  id,
  type: 'oidc',
  // Never called here: the sign-in page and discovery read only the connections table.
  issuer: 'http://127.0.0.1:9/idp',
  client_id: 'latch',
  client_secret: 'upstream-secret-0123456789',
  ...more,
})

const config = {
  users: [...baseTestConfig.users, ANNA, GREG, CAROL].map((u) => ({ ...u, email_verified: true })),
  organizations: [
    { id: 'acme', name: 'Acme Corp', domains: ['acme.example'] },
    { id: 'globex', name: 'Globex', domains: ['globex.example'], members: [{ email: CAROL.email }] },
    // Lists a domain but has no connection: its users sign in with a password.
    { id: 'initech', name: 'Initech', domains: ['initech.example'] },
  ],
  connections: [
    upstream('acme-sso', { display_name: 'Acme SSO', organization: 'acme' }),
    upstream('globex-sso', { display_name: 'Globex SSO', organization: 'globex', required: true }),
    upstream('social', { display_name: 'Social' }),
    upstream('hidden', { display_name: 'Hidden', enabled: false }),
  ],
}

let server: TestServer

beforeAll(async () => {
  server = await startServer(config)
})

afterAll(async () => {
  await server?.close()
})

/** A fresh authorization request's first page (no redirect out of the issuer followed). */
async function open(params: Record<string, string> = {}, browser = new Browser(server.url)): Promise<{ browser: Browser; page: Page; interaction: string }> {
  const page = await browser.open(webAuthorizeUrl(server.url, params))
  const id = /\/interaction\/([0-9a-f-]{36})/.exec(page.url)?.[1]
  if (id === undefined) throw new Error(`no interaction at ${page.url}`)
  return { browser, page, interaction: id }
}

/** The redirects of an authorization request up to the first one to a connection's start. */
async function firstConnectionRedirect(params: Record<string, string>): Promise<URL> {
  const browser = new Browser(server.url)
  let url = webAuthorizeUrl(server.url, params)
  for (let hops = 0; hops < 5; hops++) {
    const res = await browser.fetch(url)
    await res.body?.cancel()
    const location = res.headers.get('location')
    if (res.status !== 303 || location === null) throw new Error(`expected a 303, got ${res.status} at ${url.href}`)
    url = new URL(location, url)
    if (url.pathname.startsWith('/connections/')) return url
  }
  throw new Error('no redirect to a connection')
}

function startUrl(connection: string, interaction: string, loginHint?: string): string {
  const query = new URLSearchParams({ interaction, ...(loginHint !== undefined && { login_hint: loginHint }) })
  return `${server.url}/connections/${connection}/start?${query.toString()}`
}

function identifyForm(page: Page) {
  const form = formOf(page)
  expect(form.action).toMatch(/\/interaction\/[0-9a-f-]{36}\/identify$/)
  return form
}

async function identifyAs(email: string): Promise<{ res: Response; html: string; interaction: string; browser: Browser }> {
  const { browser, page, interaction } = await open()
  const res = await browser.postForm(identifyForm(page).action, { ...identifyForm(page).fields, email })
  return { res, html: await res.text(), interaction, browser }
}

describe('home-realm discovery (issue 12)', () => {
  it('config: required needs organization; the organization must exist when seeding', async () => {
    await expect(startServer({ ...config, connections: [upstream('x', { required: true })] })).rejects.toThrow(/connections\[0\]\.required/)
    await expect(startServer({ ...config, connections: [upstream('x', { organization: 'nope' })] })).rejects.toThrow(/connections\[0\]\.organization.*nope/)
  })

  it('asks for the email first (label Email, button Continue), with the buttons of the connections that are not an organization\'s', async () => {
    const { page, interaction } = await open()
    expect(page.status).toBe(200)
    expect(isLoginPage(page)).toBe(false)
    expect(page.html).toContain('<label for="email">Email</label>')
    expect(parseForms(page.html)).toHaveLength(1)
    expect(identifyForm(page).buttons.map((b) => b.label)).toEqual(['Continue'])
    expect(page.html).not.toContain('type="password"')
    // Buttons are links: one per enabled connection without an organization.
    const links = [...page.html.matchAll(/<a class="button[^"]*" href="([^"]+)">(?:<svg [^>]*>(?:(?!<\/svg>)[\s\S])*<\/svg>)?([^<]+)<\/a>/g)].map((m) => [unescapeHtml(m[1]!), m[2]])
    expect(links).toEqual([[startUrl('social', interaction), 'Continue with Social']])
    expect(page.html).not.toMatch(/Acme SSO|Globex SSO|Hidden/)
  })

  it('an email of an organization\'s domain gets a 200 page continuing to its connection with login_hint (meta refresh and a link)', async () => {
    const { res, html, interaction } = await identifyAs('Anna@Acme.example')
    expect(res.status).toBe(200)
    const target = startUrl('acme-sso', interaction, ANNA.email)
    expect(unescapeHtml(/<meta http-equiv="refresh" content="0; url=([^"]+)">/.exec(html)?.[1] ?? '')).toBe(target)
    expect(unescapeHtml(/<a class="button" href="([^"]+)">Continue to Acme SSO<\/a>/.exec(html)?.[1] ?? '')).toBe(target)
    expect(html).toContain('Acme Corp')
    // Not a redirect: CSP form-action ('self' and the client's redirect URI) would block the IdP's origin at the end of the chain.
    expect(res.headers.get('location')).toBeNull()
    expect(res.headers.get('content-security-policy')).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:5555;/)
  })

  it('only the domain decides: an unknown email of the domain gets the same page', async () => {
    const known = await identifyAs(ANNA.email)
    const unknown = await identifyAs('nobody@acme.example')
    expect(unknown.res.status).toBe(known.res.status)
    const normalise = (r: { html: string; interaction: string }, email: string) => r.html.replaceAll(r.interaction, 'ID').replaceAll(encodeURIComponent(email), 'EMAIL')
    expect(normalise(unknown, 'nobody@acme.example')).toBe(normalise(known, ANNA.email))
  })

  it('any other email continues to the password page with the email filled in', async () => {
    for (const email of [ALICE.email, 'someone@initech.example', 'nobody@example.org']) {
      const { browser, page } = await open()
      const next = await browser.submit(identifyForm(page), { email })
      expect(isLoginPage(next), email).toBe(true)
      expect(formOf(next).fields.email).toBe(email)
      // The same interaction shows the password page from now on.
      expect(isLoginPage(await browser.open(next.url))).toBe(true)
    }
    const { browser, page } = await open()
    const signedIn = await browser.signIn(await browser.submit(identifyForm(page), { email: ALICE.email }), ALICE.email, ALICE.password)
    expect(signedIn.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('a malformed email is asked again (400)', async () => {
    const { res, html } = await identifyAs('not-an-email')
    expect(res.status).toBe(400)
    expect(alertText(html)).toBe('Enter your email address.')
  })

  it('organization=<id>, the organization:<id> scope and an email login_hint of its domain go straight to the connection', async () => {
    const byParam = await firstConnectionRedirect({ organization: 'acme' })
    expect(byParam.pathname).toBe('/connections/acme-sso/start')
    expect(byParam.searchParams.get('interaction')).toMatch(/^[0-9a-f-]{36}$/)
    expect(byParam.searchParams.has('login_hint')).toBe(false)
    expect((await firstConnectionRedirect({ scope: 'openid organization:globex' })).pathname).toBe('/connections/globex-sso/start')
    const byHint = await firstConnectionRedirect({ login_hint: 'someone@acme.example' })
    expect(byHint.pathname).toBe('/connections/acme-sso/start')
    expect(byHint.searchParams.get('login_hint')).toBe('someone@acme.example')
    // With the organization, the hint goes along.
    expect((await firstConnectionRedirect({ organization: 'acme', login_hint: ANNA.email })).searchParams.get('login_hint')).toBe(ANNA.email)
  })

  it('an organization without a connection, or a login_hint of another domain, shows the sign-in page (the hint filled in)', async () => {
    const { page } = await open({ organization: 'initech' })
    expect(page.html).toContain('/identify"')
    const hinted = await open({ login_hint: ALICE.email })
    expect(isLoginPage(hinted.page)).toBe(true)
    expect(formOf(hinted.page).fields.email).toBe(ALICE.email)
  })
})

describe('required SSO (issue 12)', () => {
  async function postPassword(email: string, password: string): Promise<{ res: Response; html: string; interaction: string; browser: Browser }> {
    const { browser, interaction } = await open({ login_hint: 'x@example.org' })
    const page = await browser.open(`${server.url}/interaction/${interaction}`)
    const form = formOf(page)
    const res = await browser.fetch(form.action, { method: 'POST', headers: { 'content-type': FORM }, body: new URLSearchParams({ ...form.fields, email, password }) })
    return { res, html: await res.text(), interaction, browser }
  }

  const REQUIRED = 'Your organization requires you to sign in through its own sign-in service.'

  it('an email of a domain whose organization requires its connection is refused before the password is checked, the same for unknown users', async () => {
    const known = await postPassword(GREG.email, GREG.password)
    const wrong = await postPassword(GREG.email, 'wrong-password-entirely')
    const unknown = await postPassword('nobody@globex.example', 'wrong-password-entirely')
    for (const r of [known, wrong, unknown]) {
      expect(r.res.status).toBe(403)
      expect(alertText(r.html)).toBe(REQUIRED)
      expect(r.res.headers.getSetCookie().some((c) => c.startsWith('latch_session'))).toBe(false)
    }
    const link = (r: typeof known) => unescapeHtml(/<a class="button" href="([^"]+)">Continue with Globex SSO<\/a>/.exec(r.html)?.[1] ?? '')
    expect(link(known)).toBe(startUrl('globex-sso', known.interaction, GREG.email))
    expect(link(unknown)).toBe(startUrl('globex-sso', unknown.interaction, 'nobody@globex.example'))
  })

  it('a member of that organization with another domain is refused after a correct password (no session); a wrong one is the usual failure', async () => {
    const right = await postPassword(CAROL.email, CAROL.password)
    expect(right.res.status).toBe(403)
    expect(alertText(right.html)).toBe(REQUIRED)
    expect(right.res.headers.getSetCookie().some((c) => c.startsWith('latch_session'))).toBe(false)
    expect(right.html).toContain(startUrl('globex-sso', right.interaction, CAROL.email).replaceAll('&', '&amp;'))
    const wrong = await postPassword(CAROL.email, 'wrong-password-entirely')
    expect(wrong.res.status).toBe(401)
    expect(alertText(wrong.html)).toBe('Incorrect email or password.')
  })

  it('a connection that is not required leaves the password to its domain\'s users', async () => {
    const { res } = await postPassword(ANNA.email, ANNA.password)
    expect(res.status).toBe(303)
  })
})
