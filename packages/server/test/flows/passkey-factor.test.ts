/**
 * Issue 13: a passkey as the second factor, and the offer to add one right after sign-up, over
 * real HTTP with the software authenticator (real P-256 signatures; test/support/software-authenticator.ts)
 * doing what the page's script does. The step lists the pending user's passkeys (allowCredentials),
 * the credential must be theirs, the challenge is this browser's and this step's, once; nothing is
 * signed in before it passes; `amr`/`acr` say what was done.
 * @see https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { alertText, Browser, isLoginPage, parseForms, unescapeHtml, type Page } from '../browser.js'
import { ALICE, BOB, baseTestConfig, basic, postForm, startServer, WEB_SECRET, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { enrolTotp, isSecondFactorPage } from '../support/mfa.js'
import { PASSKEY_TEST_VERIFIER as VERIFIER, registerPasskey, signInWithPasskey } from '../support/passkeys.js'
import { SoftwareAuthenticator, type Bend } from '../support/software-authenticator.js'

const FAILED = 'That passkey could not be used. Try again, or verify another way.'
const CAROL = { email: 'carol@example.com', password: 'carol-password-123' }

let server: TestServer
const events: { name: string; payload: Record<string, unknown> }[] = []
let alicePasskey: SoftwareAuthenticator
let bobPasskey: SoftwareAuthenticator

const rp = () => new URL(server.url)
const authenticator = () => new SoftwareAuthenticator(rp().hostname, rp().origin)

beforeAll(async () => {
  // Review M3: passkeys are enrolled only once the mailbox is proven, so the users with passkeys are verified.
  server = await startServer({ users: [...baseTestConfig.users.map((u) => ({ ...u, email_verified: true })), CAROL], sign_up: { enabled: true, verify_email: 'none' } })
  const ctx = server.server.ctx
  ctx.events.onAny((name, payload) => events.push({ name, payload: payload as Record<string, unknown> }))
  // Passkeys first (a password sign-in of the account page), then Alice's TOTP: Alice has both, Bob a passkey only.
  alicePasskey = authenticator()
  bobPasskey = authenticator()
  for (const [user, device] of [[ALICE, alicePasskey], [BOB, bobPasskey]] as const) {
    const browser = new Browser(server.url)
    await browser.authorize(webAuthorizeUrl(server.url), user)
    expect((await registerPasskey(server.url, browser, device)).status).toBe(303)
  }
  await enrolTotp(ctx, ALICE.email)
})

afterAll(async () => {
  await server?.close()
})

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url')

interface Step {
  browser: Browser
  page: Page
  options: string
  action: string
  csrf: string
}

/** Password, then the second-factor step, and its passkey element (where the script asks and posts). */
async function toStep(user: { email: string; password: string }, params: Record<string, string> = {}, browser = new Browser(server.url)): Promise<Step> {
  const login = await browser.open(webAuthorizeUrl(server.url, { code_challenge: challengeOf(VERIFIER), ...params }))
  expect(isLoginPage(login)).toBe(true)
  const form = parseForms(login.html)[0]!
  const res = await browser.postForm(form.action, { ...form.fields, email: user.email, password: user.password })
  // Issue 13: the password alone starts no session.
  expect(res.status).toBe(303)
  expect(res.headers.get('set-cookie') ?? '').not.toMatch(/latch_session=/)
  const page = await browser.open(new URL(res.headers.get('location')!, server.url))
  expect(page.status).toBe(200)
  const div = /<div class="passkey" data-passkey-second-factor data-options="([^"]+)" data-action="([^"]+)" data-csrf="([^"]+)"/.exec(page.html)
  expect(div, page.html.slice(0, 800)).not.toBeNull()
  return { browser, page, options: unescapeHtml(div![1]!), action: unescapeHtml(div![2]!), csrf: div![3]! }
}

async function optionsOf(step: Step): Promise<Record<string, any>> {
  const res = await step.browser.postForm(step.options, { csrf: step.csrf })
  expect(res.status).toBe(200)
  expect(res.headers.get('cache-control')).toBe('no-store')
  return (await res.json()) as Record<string, any>
}

async function answer(step: Step, device: SoftwareAuthenticator, options: Record<string, any>, bend: Bend = {}): Promise<Response> {
  return step.browser.postForm(step.action, { csrf: step.csrf, response: JSON.stringify(device.assert(options as never, bend)) })
}

async function expectRefused(res: Response): Promise<void> {
  expect(res.status).toBe(401)
  const html = await res.text()
  expect(alertText(html)).toBe(FAILED)
  expect(html).toContain('data-passkey-second-factor')
  expect(res.headers.get('set-cookie') ?? '').not.toMatch(/latch_session=/)
}

/** Follows a signed-in answer to the client; the ID token's claims and the access token's. */
async function claimsOf(res: Response, browser: Browser): Promise<{ id: Record<string, unknown>; access: Record<string, unknown> }> {
  expect(res.status).toBe(303)
  expect(res.headers.get('set-cookie') ?? '').toMatch(/latch_session=/)
  return claimsAt(await browser.open(new URL(res.headers.get('location')!, server.url)))
}

async function claimsAt(page: Page): Promise<{ id: Record<string, unknown>; access: Record<string, unknown> }> {
  const code = page.redirect?.searchParams.get('code')
  expect(code, page.html.slice(0, 300)).toBeTruthy()
  const tokens = (await (await postForm(`${server.url}${PATHS.token}`, {
    grant_type: 'authorization_code', code: code!, redirect_uri: page.redirect!.origin + page.redirect!.pathname, code_verifier: VERIFIER,
  }, { authorization: basic('web', WEB_SECRET) })).json()) as Record<string, string>
  const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
  return { id: decode(tokens.id_token!), access: decode(tokens.access_token!) }
}

describe('a passkey as the second factor', () => {
  it('WebAuthn L3 §7.2 step 6, RFC 8176: after the password, the step lists the user\'s passkeys; one passes it: amr pwd hwk user mfa, acr phr', async () => {
    const step = await toStep(ALICE)
    expect(isSecondFactorPage(step.page)).toBe(true)
    // Review L8: CSP names the one script and the one options URL of this step.
    expect(step.page.headers.get('content-security-policy')).toMatch(new RegExp(`script-src ${server.url}/assets/passkeys\\.js; connect-src ${server.url}/interaction/[0-9a-f-]{36}/mfa/passkey/options;`))
    const options = await optionsOf(step)
    expect(options).toMatchObject({ rpId: rp().hostname, userVerification: 'preferred' })
    expect(options.allowCredentials).toEqual([{ id: alicePasskey.id, type: 'public-key', transports: ['internal'] }])
    const { id, access } = await claimsOf(await answer(step, alicePasskey, options), step.browser)
    expect(id.amr).toEqual(['pwd', 'hwk', 'user', 'mfa'])
    expect(id.acr).toBe('urn:latch:acr:phr')
    expect(access.acr).toBe('urn:latch:acr:phr')
    expect(events.filter((e) => e.name === 'mfa.verified').at(-1)?.payload).toMatchObject({ method: 'passkey' })
    expect(events.filter((e) => e.name === 'passkey.used').at(-1)?.payload).toMatchObject({ credential_id: alicePasskey.id })
  })

  it('WebAuthn L3 §7.2 step 17: without user verification the passkey is possession only: amr pwd hwk mfa, acr mfa', async () => {
    const step = await toStep(ALICE)
    const { id } = await claimsOf(await answer(step, alicePasskey, await optionsOf(step), { userVerified: false }), step.browser)
    expect(id.amr).toEqual(['pwd', 'hwk', 'mfa'])
    expect(id.acr).toBe('urn:latch:acr:mfa')
  })

  it('WebAuthn L3 §7.2 step 6: another user\'s passkey is refused (same alert, no session), and the step still works after', async () => {
    const step = await toStep(ALICE)
    const options = await optionsOf(step)
    await expectRefused(await answer(step, bobPasskey, options))
    expect(events.filter((e) => e.name === 'passkey.failed').at(-1)?.payload).toMatchObject({ reason: 'unknown_credential' })
    // A fresh ceremony with the right passkey still passes (a refused passkey spends no code budget).
    expect((await answer(step, alicePasskey, await optionsOf(step))).status).toBe(303)
  })

  it('WebAuthn L3 §7.2 step 12: a replayed assertion, another browser\'s challenge, a first-factor challenge and one never issued are refused', async () => {
    const step = await toStep(ALICE)
    const options = await optionsOf(step)
    const response = JSON.stringify(alicePasskey.assert(options as never))
    expect((await step.browser.postForm(step.action, { csrf: step.csrf, response })).status).toBe(303)
    // Replayed on a new pending sign-in of the same browser (prompt=login: its session is not enough): its challenge was used.
    const again = await toStep(ALICE, { prompt: 'login' }, step.browser)
    await expectRefused(await again.browser.postForm(again.action, { csrf: again.csrf, response }))
    expect(events.filter((e) => e.name === 'passkey.failed').at(-1)?.payload).toMatchObject({ reason: 'unknown_challenge' })
    // Another browser's challenge (a pending sign-in of the same user elsewhere).
    const other = await toStep(ALICE)
    await expectRefused(await answer(again, alicePasskey, await optionsOf(other)))
    // The sign-in page's (first-factor) ceremony of this interaction cannot answer the second factor.
    const firstFactor = await again.browser.postForm(`${server.url}${PATHS.interaction}/${again.action.split('/').at(-3)}/passkey/options`, { csrf: again.csrf })
    expect(firstFactor.status).toBe(200)
    await expectRefused(await answer(again, alicePasskey, (await firstFactor.json()) as Record<string, any>))
    await expectRefused(await answer(again, alicePasskey, await optionsOf(again), { challenge: 'bm90LWEtY2hhbGxlbmdlLWZyb20tdXM' }))
    // Wrong origin: refused too; and after all that the step still passes, once.
    await expectRefused(await answer(again, alicePasskey, await optionsOf(again), { origin: 'https://evil.example' }))
    expect((await answer(again, alicePasskey, await optionsOf(again))).status).toBe(303)
  })

  it('issue 13: with no pending second factor in this browser there are no options and nothing to answer; no CSRF token, no request', async () => {
    const stranger = new Browser(server.url)
    const login = await stranger.open(webAuthorizeUrl(server.url))
    const id = new URL(login.url).pathname.split('/').at(-1)!
    const csrf = parseForms(login.html)[0]!.fields.csrf!
    expect((await stranger.postForm(`${server.url}${PATHS.interaction}/${id}/mfa/passkey/options`, { csrf })).status).toBe(404)
    const step = await toStep(ALICE)
    const res = await stranger.postForm(step.action.replace(/\/interaction\/[^/]+\//, `/interaction/${id}/`), { csrf, response: JSON.stringify(alicePasskey.assert(await optionsOf(step) as never)) })
    expect(res.status).toBe(303)
    expect(res.headers.get('set-cookie') ?? '').not.toMatch(/latch_session=/)
    expect((await step.browser.postForm(step.options, {})).status).toBe(403)
    for (const response of ['', '{}', 'x'.repeat(16_000)]) await expectRefused(await step.browser.postForm(step.action, { csrf: step.csrf, response }))
  })

  it('issue 13: a user with a passkey and no TOTP whom acr_values requires two factors is offered the passkey, not an enrolment', async () => {
    const step = await toStep(BOB, { acr_values: 'urn:latch:acr:mfa' })
    expect(step.page.html).not.toContain('<svg class="qr"')
    expect(step.page.html).not.toContain('name="code"')
    expect(step.page.html).toContain('Use one of your passkeys to continue.')
    expect(step.page.html).toContain('Using a passkey needs JavaScript, which is off in this browser.')
    const { id } = await claimsOf(await answer(step, bobPasskey, await optionsOf(step)), step.browser)
    expect(id.amr).toEqual(['pwd', 'hwk', 'user', 'mfa'])
  })

  it('OIDC Core §3.1.2.1, RFC 9470: a one-factor session asked for urn:latch:acr:mfa steps up with the passkey only: same sid, new cookie', async () => {
    const browser = new Browser(server.url)
    const first = await claimsAt(await browser.authorize(webAuthorizeUrl(server.url, { code_challenge: challengeOf(VERIFIER) }), BOB))
    expect(first.id.amr).toEqual(['pwd'])
    expect(first.id.sid).toBeTruthy()
    const before = browser.cookies.get('latch_session')
    const page = await browser.open(webAuthorizeUrl(server.url, { code_challenge: challengeOf(VERIFIER), acr_values: 'urn:latch:acr:mfa' }))
    expect(isLoginPage(page)).toBe(false)
    const div = /data-passkey-second-factor data-options="([^"]+)" data-action="([^"]+)" data-csrf="([^"]+)"/.exec(page.html)
    expect(div, page.html.slice(0, 600)).not.toBeNull()
    const step: Step = { browser, page, options: unescapeHtml(div![1]!), action: unescapeHtml(div![2]!), csrf: div![3]! }
    const { id } = await claimsOf(await answer(step, bobPasskey, await optionsOf(step)), browser)
    expect(id.amr).toEqual(['pwd', 'hwk', 'user', 'mfa'])
    expect(browser.cookies.get('latch_session')).not.toBe(before)
    expect(id.sid).toBe(first.id.sid)
  })

  it('OIDC Core §3.1.2.1: acr_values asking urn:latch:acr:phr makes user verification required', async () => {
    const step = await toStep(BOB, { acr_values: 'urn:latch:acr:phr' })
    const options = await optionsOf(step)
    expect(options.userVerification).toBe('required')
    await expectRefused(await answer(step, bobPasskey, options, { userVerified: false }))
    const { id } = await claimsOf(await answer(step, bobPasskey, await optionsOf(step)), step.browser)
    expect(id.acr).toBe('urn:latch:acr:phr')
  })
})

describe('the offer to add a passkey after sign-up', () => {
  async function signUp(email: string): Promise<{ browser: Browser; res: Response; html: string }> {
    const browser = new Browser(server.url)
    const login = await browser.open(webAuthorizeUrl(server.url, { code_challenge: challengeOf(VERIFIER) }))
    const href = /href="([^"]+\/signup)"/.exec(login.html)?.[1]
    expect(href).toBeTruthy()
    const form = parseForms((await browser.open(unescapeHtml(href!))).html)[0]!
    const res = await browser.postForm(form.action, { ...form.fields, email, password: 'a-new-account-password' })
    return { browser, res, html: await res.text() }
  }

  it('issue 13: right after sign-up, once: Add a passkey (script) or Not now (a link that continues without JavaScript)', async () => {
    const { browser, res, html } = await signUp('dana@example.com')
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie') ?? '').toMatch(/latch_session=/)
    expect(res.headers.get('content-security-policy')).toMatch(new RegExp(`script-src ${server.url}/assets/passkeys\\.js; connect-src ${server.url}/interaction/[0-9a-f-]{36}/passkey/offer/options;`))
    expect(html).toContain('<h1 tabindex="-1" autofocus>Add a passkey for faster sign-in?</h1>')
    expect(html).toMatch(/<form method="post" action="[^"]+\/passkey\/offer" data-passkey-register [^>]* hidden>/)
    const notNow = /<a class="button secondary" href="([^"]+)" id="not-now">Not now<\/a>/.exec(html)?.[1]
    expect(notNow).toBeTruthy()
    const onwards = await browser.open(unescapeHtml(notNow!))
    expect(onwards.redirect?.searchParams.get('code')).toBeTruthy()
    // Once: a sign-in of the same account later goes straight on.
    const again = await new Browser(server.url).authorize(webAuthorizeUrl(server.url), { email: 'dana@example.com', password: 'a-new-account-password' })
    expect(again.redirect?.searchParams.get('code')).toBeTruthy()
  })

  it('WebAuthn L3 §7.1: Add a passkey registers one for the new account and continues; it then signs in as the first factor', async () => {
    const { browser, html } = await signUp('eve@example.com')
    const form = parseForms(html)[0]!
    const optionsUrl = unescapeHtml(/data-options="([^"]+)"/.exec(html)![1]!)
    // Another browser (no session of this interaction) gets no options.
    expect((await new Browser(server.url).postForm(optionsUrl, { csrf: form.fields.csrf! })).status).toBe(403)
    const res0 = await browser.postForm(optionsUrl, { csrf: form.fields.csrf! })
    expect(res0.status).toBe(200)
    const options = (await res0.json()) as Record<string, any>
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' })
    const device = authenticator()
    const res = await browser.postForm(form.action, { ...form.fields, response: JSON.stringify(device.register(options as never)) })
    expect(res.status).toBe(303)
    const page = await browser.open(new URL(res.headers.get('location')!, server.url))
    expect(page.redirect?.searchParams.get('code')).toBeTruthy()
    const eve = await server.server.ctx.store.users.getByEmail('eve@example.com')
    expect((await server.server.ctx.store.passkeys.listForUser(eve!.id)).map((p) => p.credential_id)).toEqual([device.id])
    expect((await signInWithPasskey(server.url, device)).res.status).toBe(303)
    // A broken answer is the offer again with an alert, Not now still there.
    const other = await signUp('frank@example.com')
    const otherForm = parseForms(other.html)[0]!
    const bad = await other.browser.postForm(otherForm.action, { ...otherForm.fields, response: '{}' })
    expect(bad.status).toBe(400)
    const badHtml = await bad.text()
    expect(alertText(badHtml)).toBe('The passkey could not be added. Try again.')
    expect(badHtml).toContain('id="not-now"')
  })

  it('issue 13: an address that has an account gets no offer and no session', async () => {
    const taken = await signUp(CAROL.email)
    expect(taken.html).not.toContain('Add a passkey for faster sign-in?')
    expect(taken.res.headers.get('set-cookie') ?? '').not.toMatch(/latch_session=/)
  })
})
