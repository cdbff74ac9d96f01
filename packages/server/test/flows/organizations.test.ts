/**
 * Organizations at the authorization endpoint and on the interaction pages (issue 10,
 * docs/architecture.md "Pages" and §3), over real HTTP with openid-client 6 as the relying party:
 * the selector (`organization:<id>` scope or `organization` parameter), the organization step after
 * sign-in (member: used; non-member: the picker with a notice, or the not-a-member page whose
 * button ends in `access_denied` at the client), clients with `organization_required`
 * (1 membership silent, several the picker, none the not-a-member page; `prompt=select_account`
 * the picker again without a new sign-in), `prompt=none`, dynamic scopes granted per membership
 * and the ones refused dropped from the response's `scope` (RFC 6749 §3.3), parameter injection,
 * a membership ended mid-interaction, and the code carrying `organization_id` into its grant.
 * Runs on SQLite and PostgreSQL (vitest projects).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthError
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { hashHandle } from '../../src/lib/random.js'
import { alertText, Browser, formOf, isConsentPage, isLoginPage, type Page } from '../browser.js'
import { baseTestConfig, startServer, type TestServer } from '../helpers.js'
import { client, discover, newRequestSecrets } from './relying-party.js'

const SECRET = 'org-app-secret-0123456789abcdef0123456789'
const APP_CB = 'http://127.0.0.1:5901/app/cb'
const SSO_CB = 'http://127.0.0.1:5902/sso/cb'
const REQ_CB = 'http://127.0.0.1:5903/req/cb'
const TEMPLATE = 'read:organization:{org_id}'

const user = (name: string) => ({ email: `${name}@example.com`, password: `${name}-password-long-enough` })
/** Admin of Acme, member of Globex. */
const ALICE = user('alice')
/** Viewer of Initech only. */
const BOB = user('bob')
/** No organization. */
const CAROL = user('carol')
/** Member of Acme only. */
const DAVE = user('dave')
/** Member of Acme and Globex; Acme drops her mid-interaction. */
const ERIN = user('erin')
/** Member of Acme and Globex, for the prompt=select_account and consent cases. */
const FRANK = user('frank')
/** Joins Umbrella through its email domain when signing in. */
const GINA = { email: 'gina@umbrella.example', password: 'gina-password-long-enough' }
/** Member of 201 organizations (made by the test). */
const MANY = user('many')

const app = (id: string, redirect: string, more: Record<string, unknown> = {}) => ({
  client_id: id,
  client_name: `App ${id}`,
  client_secret: SECRET,
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: [redirect],
  scope: `openid profile offline_access ${TEMPLATE}`,
  ...more,
})

const config = {
  scopes: [...baseTestConfig.scopes, { name: TEMPLATE, description: 'Read {org_name} data', roles: ['admin', 'member'] }],
  clients: [
    ...baseTestConfig.clients,
    // Third party: consent is shown (and remembered).
    app('org-app', APP_CB),
    // First party: nothing to ask once signed in, for single sign-on and prompt=none.
    app('org-sso', SSO_CB, { skip_consent: true }),
    // Tokens only for an organization.
    app('org-required', REQ_CB, { skip_consent: true, organization_required: true }),
  ],
  users: [...baseTestConfig.users.filter((u) => u.email !== ALICE.email && u.email !== BOB.email), ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GINA, MANY]
    .map((u) => ({ ...u, email_verified: true })),
  organizations: [
    { id: 'acme', name: 'Acme Corp', members: [{ email: ALICE.email, roles: ['admin'] }, { email: DAVE.email, roles: ['member'] }, { email: ERIN.email, roles: ['member'] }, { email: FRANK.email, roles: ['member'] }] },
    { id: 'globex', name: 'Globex Corporation', members: [{ email: ALICE.email, roles: ['member'] }, { email: ERIN.email, roles: ['member'] }, { email: FRANK.email, roles: ['member'] }] },
    { id: 'initech', name: 'Initech', members: [{ email: BOB.email, roles: ['viewer'] }] },
    { id: 'umbrella', name: 'Umbrella', domains: ['umbrella.example'] },
  ],
}

let server: TestServer
let orgApp: client.Configuration
let orgSso: client.Configuration
let orgRequired: client.Configuration

beforeAll(async () => {
  server = await startServer(config)
  ;[orgApp, orgSso, orgRequired] = await Promise.all([
    discover(server.url, 'org-app', client.ClientSecretBasic(SECRET)),
    discover(server.url, 'org-sso', client.ClientSecretBasic(SECRET)),
    discover(server.url, 'org-required', client.ClientSecretBasic(SECRET)),
  ])
})

afterAll(async () => {
  await server?.close()
})

const store = () => server.server.ctx.store

interface AuthzRequest {
  config: client.Configuration
  url: URL
  secrets: Awaited<ReturnType<typeof newRequestSecrets>>
}

const CALLBACKS = new Map([['org-app', APP_CB], ['org-sso', SSO_CB], ['org-required', REQ_CB]])

async function request(config: client.Configuration, params: Record<string, string> = {}): Promise<AuthzRequest> {
  const secrets = await newRequestSecrets()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACKS.get(config.clientMetadata().client_id) as string,
    scope: 'openid',
    state: secrets.state,
    nonce: secrets.nonce,
    code_challenge: secrets.challenge,
    code_challenge_method: 'S256',
    ...params,
  })
  return { config, url, secrets }
}

function isPicker(page: Page): boolean {
  return /<legend>Organization<\/legend>/.test(page.html) && /type="radio"/.test(page.html)
}

function isNotMemberPage(page: Page): boolean {
  return /<h1>You are not a member<\/h1>/.test(page.html) && /name="decision" value="cancel"/.test(page.html)
}

/** The organizations the picker lists, as `id: name`, in page order. */
function pickerChoices(page: Page): string[] {
  return [...page.html.matchAll(/<input type="radio" id="org-([a-z0-9-]+)"[^>]*><label for="org-\1">([^<]*)<\/label>/g)].map((m) => `${m[1]}: ${m[2]}`)
}

function callbackOf(page: Page): URL {
  if (!page.redirect) throw new Error(`expected a redirect to the client, got ${page.status} at ${page.url}\n${page.html.slice(0, 600)}`)
  return page.redirect
}

/** Opens the request, signs in when asked, and returns the page after (organization step, consent or redirect). */
async function openSignedIn(browser: Browser, req: AuthzRequest, who?: { email: string; password: string }): Promise<Page> {
  const page = await browser.open(req.url)
  if (!isLoginPage(page)) return page
  if (!who) throw new Error('the sign-in page was shown but no user was given')
  return browser.signIn(page, who.email, who.password)
}

async function choose(browser: Browser, page: Page, organization: string): Promise<Page> {
  if (!isPicker(page)) throw new Error(`expected the organization picker at ${page.url}, got ${page.status}:\n${page.html.slice(0, 600)}`)
  return browser.submit(formOf(page), { organization })
}

async function redeem(req: AuthzRequest, callback: URL) {
  return client.authorizationCodeGrant(req.config, callback, {
    pkceCodeVerifier: req.secrets.verifier,
    expectedState: req.secrets.state,
    expectedNonce: req.secrets.nonce,
  })
}

/** The organization the code's grant acts for, read from the store before the code is redeemed. */
async function codeOrganization(callback: URL): Promise<string | null | undefined> {
  const found = await store().authorizationCodes.find(hashHandle(callback.searchParams.get('code') ?? ''))
  return found?.code.organization_id
}

/** Asserts an error authorization response at the client (RFC 6749 §4.1.2.1, RFC 9207: state and iss). */
function expectErrorAt(callback: URL, req: AuthzRequest, error: string): void {
  expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACKS.get(req.config.clientMetadata().client_id))
  expect(callback.searchParams.get('error')).toBe(error)
  expect(callback.searchParams.get('state')).toBe(req.secrets.state)
  expect(callback.searchParams.get('iss')).toBe(server.url)
  expect(callback.searchParams.get('code')).toBeNull()
}

const scopeOf = (tokens: { scope?: string }) => (tokens.scope ?? '').split(' ').sort()

describe('organization selected at /authorize', () => {
  it('Issue 10, RFC 6749 §3.3: a member asking organization:acme sees the organization and "Read Acme Corp data" on the consent page and gets a grant for acme whose scope says so', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgApp, { scope: 'openid offline_access organization:acme read:organization:acme', prompt: 'consent' })
    const consent = await openSignedIn(browser, req, ALICE)
    expect(isConsentPage(consent)).toBe(true)
    expect(consent.html).toContain('<strong>Read Acme Corp data</strong> <span class="muted">(read:organization:acme)</span>')
    expect(consent.html).toContain('For the organization <strong>Acme Corp</strong>')
    expect(consent.html).not.toContain('Not granted')
    const callback = callbackOf(await browser.decide(consent, 'allow'))
    expect(await codeOrganization(callback)).toBe('acme')
    const tokens = await redeem(req, callback)
    expect(scopeOf(tokens)).toEqual(['offline_access', 'openid', 'organization:acme', 'read:organization:acme'])
    // The grant the code opened acts for acme (the refresh token reads it from there).
    const refresh = await store().refreshTokens.getForRefresh(hashHandle(tokens.refresh_token as string), Math.floor(Date.now() / 1000))
    expect(refresh?.grant?.organization_id).toBe('acme')

    // Remembered consent is on the concrete scope: the same request again is single sign-on...
    const again = await request(orgApp, { scope: 'openid offline_access organization:acme read:organization:acme' })
    const direct = await browser.open(again.url)
    expect(await codeOrganization(callbackOf(direct))).toBe('acme')
    // ...while another organization's instance asks again.
    const other = await request(orgApp, { scope: 'openid organization:globex read:organization:globex' })
    const asked = await browser.open(other.url)
    expect(isConsentPage(asked)).toBe(true)
    expect(asked.html).toContain('Read Globex Corporation data')
  })

  it('Issue 10: the organization parameter selects as the scope does, and the granted scope still names organization:<id>', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgSso, { scope: 'openid', organization: 'globex' })
    const callback = callbackOf(await openSignedIn(browser, req, ALICE))
    expect(await codeOrganization(callback)).toBe('globex')
    expect(scopeOf(await redeem(req, callback))).toEqual(['openid', 'organization:globex'])
  })

  it('Issue 10: a request without a selector gets a grant for no organization', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgSso, { scope: 'openid' })
    const callback = callbackOf(await openSignedIn(browser, req, ALICE))
    expect(await codeOrganization(callback)).toBeNull()
    expect(scopeOf(await redeem(req, callback))).toEqual(['openid'])
  })

  it('Issue 10, RFC 6749 §4.1.2.1: a non-member with no organization sees the not-a-member page; its button ends the request with access_denied at the client, with state and iss', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgSso, { scope: 'openid organization:acme' })
    const page = await openSignedIn(browser, req, CAROL)
    expect(isNotMemberPage(page)).toBe(true)
    expect(page.status).toBe(200)
    expect(alertText(page.html)).toBe('App org-sso asked to act for an organization that your account is not a member of.')
    const form = formOf(page)
    expect(form.action).toMatch(new RegExp(`${PATHS.interaction}/[0-9a-f-]{36}/organization$`))
    expect(form.buttons).toEqual([{ name: 'decision', value: 'cancel', label: 'Back to App org-sso' }])
    const callback = callbackOf(await browser.submit(form, { decision: 'cancel' }))
    expectErrorAt(callback, req, 'access_denied')
    expect(callback.searchParams.get('error_description')).toBe('the user is not a member of the requested organization')
    // The interaction is finished: the page is gone.
    expect((await browser.open(page.url)).status).toBe(400)
  })

  it('Issue 10: the not-a-member page never tells whether the organization exists (same page for acme and for one that does not exist)', async () => {
    const browser = new Browser(server.url)
    const normalize = (html: string) => html.replace(/[0-9a-f-]{36}/g, 'ID').replace(/name="csrf" value="[^"]*"/, 'CSRF')
    const existing = await openSignedIn(browser, await request(orgSso, { scope: 'openid organization:acme' }), CAROL)
    const missing = await browser.open((await request(orgSso, { scope: 'openid organization:no-such-org' })).url)
    expect(isNotMemberPage(existing)).toBe(true)
    expect(normalize(missing.html)).toBe(normalize(existing.html))
    for (const page of [existing, missing]) {
      expect(page.html).not.toMatch(/acme|Acme|no-such-org/)
    }
  })

  it('Issue 10: a non-member of the organization asked who belongs to others gets the picker with a notice, and the grant is for the one chosen', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgSso, { scope: 'openid organization:acme' })
    const picker = await openSignedIn(browser, req, BOB)
    expect(isPicker(picker)).toBe(true)
    expect(picker.html).toContain('You are not a member of the organization the application asked for.')
    expect(picker.html).not.toMatch(/acme|Acme/)
    expect(pickerChoices(picker)).toEqual(['initech: Initech'])
    const callback = callbackOf(await choose(browser, picker, 'initech'))
    expect(await codeOrganization(callback)).toBe('initech')
    expect(scopeOf(await redeem(req, callback))).toEqual(['openid', 'organization:initech'])
  })

  it('Issue 10, RFC 6749 §4.1.2.1: two different selectors, two organization: scopes or a malformed id are invalid_request at the client', async () => {
    const browser = new Browser(server.url)
    for (const params of [
      { scope: 'openid organization:acme', organization: 'globex' },
      { scope: 'openid organization:acme organization:globex' },
      { scope: 'openid', organization: 'ACME' },
      { scope: 'openid', organization: 'acme/x' },
      { scope: 'openid organization:' + 'a'.repeat(65) },
    ] as Record<string, string>[]) {
      const req = await request(orgSso, params)
      const response = await browser.fetch(req.url)
      expect(response.status, JSON.stringify(params)).toBe(303)
      expectErrorAt(new URL(response.headers.get('location') as string), req, 'invalid_request')
    }
  })
})

describe('dynamic scopes at /authorize', () => {
  it('Issue 10, RFC 6749 §3.3: a template instance for an organization the user does not belong to (or with a role the template does not list) is dropped, and the consent page names it', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgApp, { scope: 'openid read:organization:acme read:organization:initech read:organization:globex', prompt: 'consent' })
    const consent = await openSignedIn(browser, req, ALICE)
    expect(consent.html).toContain('Read Acme Corp data')
    expect(consent.html).toContain('Read Globex Corporation data')
    expect(consent.html).toContain('Not granted, because your account does not have this access: read:organization:initech.')
    // No selector: the instances do not make the grant one for an organization.
    expect(consent.html).not.toContain('For the organization')
    const callback = callbackOf(await browser.decide(consent, 'allow'))
    expect(await codeOrganization(callback)).toBeNull()
    expect(scopeOf(await redeem(req, callback))).toEqual(['openid', 'read:organization:acme', 'read:organization:globex'])

    // Bob is a member of Initech, but as a viewer: the template lists admin and member only.
    const bobs = new Browser(server.url)
    const asBob = await request(orgSso, { scope: 'openid organization:initech read:organization:initech' })
    const bobCallback = callbackOf(await openSignedIn(bobs, asBob, BOB))
    expect(scopeOf(await redeem(asBob, bobCallback))).toEqual(['openid', 'organization:initech'])
  })

  it('Issue 10, RFC 6749 §3.3: injected parameters (read:organization:* , encoded and decoded separators, upper case) are never granted; only the legitimate instance is', async () => {
    const browser = new Browser(server.url)
    const injected = ['read:organization:*', 'read:organization:acme%2Fx', 'read:organization:acme/x', 'read:organization:ACME', 'read:organization:acme:x', 'read:organization:{org_id}']
    const req = await request(orgApp, { scope: ['openid', 'read:organization:acme', ...injected].join(' '), prompt: 'consent' })
    const consent = await openSignedIn(browser, req, ALICE)
    expect(consent.html).toContain('Read Acme Corp data')
    for (const value of injected) expect(consent.html).toContain(value)
    const callback = callbackOf(await browser.decide(consent, 'allow'))
    const tokens = await redeem(req, callback)
    expect(scopeOf(tokens)).toEqual(['openid', 'read:organization:acme'])
  })

  it('Issue 10, RFC 6749 §3.3: a request of only refused instances still succeeds, with none of them granted', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgSso, { scope: 'openid read:organization:initech read:organization:*' })
    const tokens = await redeem(req, callbackOf(await openSignedIn(browser, req, ALICE)))
    expect(scopeOf(tokens)).toEqual(['openid'])
  })
})

describe('organization_required clients', () => {
  it('Issue 10: one membership is used without a page', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgRequired, { scope: `openid read:organization:acme` })
    const callback = callbackOf(await openSignedIn(browser, req, DAVE))
    expect(await codeOrganization(callback)).toBe('acme')
    expect(scopeOf(await redeem(req, callback))).toEqual(['openid', 'organization:acme', 'read:organization:acme'])
  })

  it('Issue 10: several memberships give the picker (ordered by name); the choice makes the grant', async () => {
    const browser = new Browser(server.url)
    // What the picker stores is no request parameter: a client cannot answer the step for the user.
    const req = await request(orgRequired, { organization_chosen: 'globex' })
    const picker = await openSignedIn(browser, req, ALICE)
    expect(isPicker(picker)).toBe(true)
    expect(picker.html).toContain('<h1>Choose an organization</h1>')
    expect(picker.html).not.toContain('You are not a member')
    expect(pickerChoices(picker)).toEqual(['acme: Acme Corp', 'globex: Globex Corporation'])
    expect(formOf(picker).buttons.map((b) => b.label)).toEqual(['Continue'])
    const callback = callbackOf(await choose(browser, picker, 'globex'))
    expect(await codeOrganization(callback)).toBe('globex')
    expect(scopeOf(await redeem(req, callback))).toEqual(['openid', 'organization:globex'])
  })

  it('Issue 10, RFC 6749 §4.1.2.1: no membership gives the not-a-member page and access_denied', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgRequired)
    const page = await openSignedIn(browser, req, CAROL)
    expect(isNotMemberPage(page)).toBe(true)
    expect(alertText(page.html)).toBe('App org-required can only be used for an organization, and your account is not a member of any.')
    const callback = callbackOf(await browser.submit(formOf(page), { decision: 'cancel' }))
    expectErrorAt(callback, req, 'access_denied')
    expect(callback.searchParams.get('error_description')).toBe('the user is not a member of any organization')
  })

  it('Issue 10, OIDC Core §3.1.2.1: prompt=select_account shows the picker again without a new sign-in (even with one membership); other clients still sign in again', async () => {
    const browser = new Browser(server.url)
    const first = await request(orgRequired)
    callbackOf(await choose(browser, await openSignedIn(browser, first, FRANK), 'acme'))
    // Signed in: a plain request is a picker again (two memberships), select_account as well, but never the sign-in page.
    const again = await request(orgRequired, { prompt: 'select_account' })
    const picker = await browser.open(again.url)
    expect(isLoginPage(picker)).toBe(false)
    expect(pickerChoices(picker)).toEqual(['acme: Acme Corp', 'globex: Globex Corporation'])
    const callback = callbackOf(await choose(browser, picker, 'globex'))
    expect(await codeOrganization(callback)).toBe('globex')

    // One membership: silent without the prompt, the picker with it.
    const daves = new Browser(server.url)
    callbackOf(await openSignedIn(daves, await request(orgRequired), DAVE))
    const reselect = await daves.open((await request(orgRequired, { prompt: 'select_account' })).url)
    expect(pickerChoices(reselect)).toEqual(['acme: Acme Corp'])
    expect(await codeOrganization(callbackOf(await choose(daves, reselect, 'acme')))).toBe('acme')

    // A client without organization_required: select_account still asks to sign in (OIDC Core §3.1.2.1).
    expect(isLoginPage(await daves.open((await request(orgSso, { prompt: 'select_account' })).url))).toBe(true)
  })
})

describe('prompt=none (OIDC Core §3.1.2.6)', () => {
  let alice: Browser
  let carol: Browser
  beforeAll(async () => {
    alice = new Browser(server.url)
    carol = new Browser(server.url)
    callbackOf(await openSignedIn(alice, await request(orgSso), ALICE))
    callbackOf(await openSignedIn(carol, await request(orgSso), CAROL))
  })

  async function firstHop(browser: Browser, req: AuthzRequest): Promise<URL> {
    const response = await browser.fetch(req.url)
    expect(response.status).toBe(303)
    return new URL(response.headers.get('location') as string)
  }

  it('Issue 10, OIDC Core §3.1.2.6: a member with a session gets a code for the organization without any page', async () => {
    const req = await request(orgSso, { scope: 'openid organization:acme read:organization:acme', prompt: 'none' })
    const callback = await firstHop(alice, req)
    expect(await codeOrganization(callback)).toBe('acme')
    expect(scopeOf(await redeem(req, callback))).toEqual(['openid', 'organization:acme', 'read:organization:acme'])
  })

  it('Issue 10, OIDC Core §3.1.2.6: a non-member gets interaction_required, the answer a member who must still consent gets: prompt=none is no membership oracle', async () => {
    const answers = new Set<string>()
    for (const organization of ['acme', 'no-such-org']) {
      const req = await request(orgSso, { scope: `openid organization:${organization}`, prompt: 'none' })
      const callback = await firstHop(carol, req)
      expectErrorAt(callback, req, 'interaction_required')
      answers.add(callback.searchParams.get('error_description') ?? '')
    }
    // A member of acme whose consent to this client is still needed: the same code and description.
    const third = await request(orgApp, { scope: 'openid profile organization:acme', prompt: 'none' })
    const member = await firstHop(alice, third)
    expectErrorAt(member, third, 'interaction_required')
    answers.add(member.searchParams.get('error_description') ?? '')
    expect(answers.size).toBe(1)
  })

  it('Issue 10, OIDC Core §3.1.2.6: a needed picker is interaction_required; one membership is silent; none is interaction_required too', async () => {
    const several = await request(orgRequired, { prompt: 'none' })
    expectErrorAt(await firstHop(alice, several), several, 'interaction_required')
    const none = await request(orgRequired, { prompt: 'none' })
    expectErrorAt(await firstHop(carol, none), none, 'interaction_required')
    const daves = new Browser(server.url)
    callbackOf(await openSignedIn(daves, await request(orgSso), DAVE))
    const one = await request(orgRequired, { prompt: 'none' })
    expect(await codeOrganization(await firstHop(daves, one))).toBe('acme')
  })

  it('OIDC Core §3.1.2.6: without a session prompt=none is login_required before anything about organizations', async () => {
    const req = await request(orgSso, { scope: 'openid organization:acme', prompt: 'none' })
    expectErrorAt(await firstHop(new Browser(server.url), req), req, 'login_required')
  })
})

describe('the organization step', () => {
  it('Issue 10: a member removed while the picker is shown is refused at the organization step and may choose another', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgRequired)
    const picker = await openSignedIn(browser, req, ERIN)
    expect(pickerChoices(picker)).toEqual(['acme: Acme Corp', 'globex: Globex Corporation'])
    const erin = await store().users.getByEmail(ERIN.email)
    expect(await store().organizations.removeMember('acme', erin?.id as string, Math.floor(Date.now() / 1000))).toBe(true)
    const refused = await choose(browser, picker, 'acme')
    expect(refused.status).toBe(403)
    expect(alertText(refused.html)).toBe('You are not a member of that organization. Choose one of the organizations listed.')
    // One membership left, but the user is mid-choice: the step shows what remains.
    expect(pickerChoices(refused)).toEqual(['globex: Globex Corporation'])
    const callback = callbackOf(await choose(browser, refused, 'globex'))
    expect(await codeOrganization(callback)).toBe('globex')
  })

  it('Issue 10: a member removed after choosing is taken back to the organization step instead of getting a code', async () => {
    const browser = new Browser(server.url)
    // Third party with organization:globex and consent: the membership ends while the consent page is open.
    const req = await request(orgApp, { scope: 'openid organization:globex', prompt: 'consent' })
    const consent = await openSignedIn(browser, req, FRANK)
    expect(consent.html).toContain('For the organization <strong>Globex Corporation</strong>')
    const frank = await store().users.getByEmail(FRANK.email)
    await store().organizations.removeMember('globex', frank?.id as string, Math.floor(Date.now() / 1000))
    const after = await browser.decide(consent, 'allow')
    expect(after.redirect).toBeUndefined()
    expect(isPicker(after)).toBe(true)
    expect(pickerChoices(after)).toEqual(['acme: Acme Corp'])
    await store().organizations.addMember('globex', frank?.id as string, ['member'], Math.floor(Date.now() / 1000))
  })

  it('Issue 10: a user who goes back to the picker may change their answer until the request is finished', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgApp, { scope: 'openid organization:initech', prompt: 'consent' })
    const picker = await openSignedIn(browser, req, FRANK)
    expect(pickerChoices(picker)).toEqual(['acme: Acme Corp', 'globex: Globex Corporation'])
    const consent = await choose(browser, picker, 'acme')
    expect(consent.html).toContain('For the organization <strong>Acme Corp</strong>')
    // The browser's Back button: the same picker form, answered again.
    const changed = await browser.submit(formOf(picker), { organization: 'globex' })
    expect(changed.html).toContain('For the organization <strong>Globex Corporation</strong>')
    const callback = callbackOf(await browser.decide(changed, 'allow'))
    expect(await codeOrganization(callback)).toBe('globex')
    expect(scopeOf(await redeem(req, callback))).toEqual(['openid', 'organization:globex'])
  })

  it('Issue 10, OIDC Core §3.1.2.4: consent covers what the page showed; an instance granted meanwhile (a role given) is shown before it is granted', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgApp, { scope: 'openid organization:initech read:organization:initech', prompt: 'consent' })
    const consent = await openSignedIn(browser, req, BOB)
    expect(consent.html).toContain('Not granted, because your account does not have this access: read:organization:initech.')
    const bob = await store().users.getByEmail(BOB.email)
    const now = Math.floor(Date.now() / 1000)
    await store().organizations.addMember('initech', bob?.id as string, ['member'], now)
    try {
      const again = await browser.decide(consent, 'allow')
      expect(again.redirect).toBeUndefined()
      expect(isConsentPage(again)).toBe(true)
      expect(again.html).toContain('Read Initech data')
      expect(again.html).not.toContain('Not granted')
      const callback = callbackOf(await browser.decide(again, 'allow'))
      expect(scopeOf(await redeem(req, callback))).toEqual(['openid', 'organization:initech', 'read:organization:initech'])
    } finally {
      await store().organizations.addMember('initech', bob?.id as string, ['viewer'], now)
    }
  })

  it('Issue 10: the organization form answers precisely, never with a 500: no CSRF token, no choice, a forged id, or no step to answer', async () => {
    const browser = new Browser(server.url)
    const picker = await openSignedIn(browser, await request(orgRequired), ALICE)
    const form = formOf(picker)
    const noCsrf = await browser.postForm(form.action, { organization: 'acme' })
    expect(noCsrf.status).toBe(403)
    for (const [organization, status] of [['', 400], ['initech', 403], ['ACME', 403], ['x'.repeat(300), 403]] as const) {
      const page = await browser.submit(form, { organization })
      expect(page.status, organization).toBe(status)
      expect(isPicker(page)).toBe(true)
      expect(alertText(page.html)).toBeDefined()
    }
    const decided = await browser.submit(form, { decision: 'allow' })
    expect(decided.status).toBe(400)
    // A request whose organization is settled has no step to answer.
    const settled = await openSignedIn(browser, await request(orgApp, { scope: 'openid organization:acme', prompt: 'consent' }))
    expect(isConsentPage(settled)).toBe(true)
    const consentForm = formOf(settled)
    const stray = await browser.postForm(consentForm.action.replace(/\/consent$/, '/organization'), { csrf: consentForm.fields.csrf as string, organization: 'globex' })
    expect(stray.status).toBe(400)
    expect(await stray.text()).toContain('There is no organization to choose for this request.')
  })

  it('Issue 10: the picker lists at most 200 organizations, by name, and says when it cut the list', async () => {
    const now = Math.floor(Date.now() / 1000)
    const many = await store().users.getByEmail(MANY.email)
    for (let i = 0; i < 201; i++) {
      const n = String(i).padStart(3, '0')
      await store().organizations.upsert({ id: `bulk-${n}`, name: `Bulk ${n}`, domains: [] }, now)
      await store().organizations.addMember(`bulk-${n}`, many?.id as string, ['member'], now)
    }
    const browser = new Browser(server.url)
    const picker = await openSignedIn(browser, await request(orgRequired), MANY)
    const choices = pickerChoices(picker)
    expect(choices).toHaveLength(200)
    expect(choices[0]).toBe('bulk-000: Bulk 000')
    expect(choices[199]).toBe('bulk-199: Bulk 199')
    expect(picker.html).toContain('Only your first 200 organizations are listed.')
    // One past the list is still the user's own: a member may choose it.
    const callback = callbackOf(await choose(browser, picker, 'bulk-200'))
    expect(await codeOrganization(callback)).toBe('bulk-200')
  })
})

describe('email-domain joins', () => {
  it('Issue 10: a user with a verified email of an organization domain joins it (roles [member]) at sign-in and can use it at once', async () => {
    const browser = new Browser(server.url)
    const req = await request(orgRequired, { scope: 'openid read:organization:umbrella' })
    const callback = callbackOf(await openSignedIn(browser, req, GINA))
    expect(await codeOrganization(callback)).toBe('umbrella')
    expect(scopeOf(await redeem(req, callback))).toEqual(['openid', 'organization:umbrella', 'read:organization:umbrella'])
    const gina = await store().users.getByEmail(GINA.email)
    expect((await store().organizations.membership('umbrella', gina?.id as string))?.roles).toEqual(['member'])
  })
})
