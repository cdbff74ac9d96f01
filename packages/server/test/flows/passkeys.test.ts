/**
 * Issue 13: passkeys over real HTTP, with a software authenticator doing real cryptography
 * (test/support/software-authenticator.ts) in place of the browser: registration on
 * `/account/passkeys` and sign-in as the first factor, and what the server refuses, each with the
 * same sign-in page (401, one message): a challenge it never issued, one issued to another browser,
 * one already used (a replayed assertion), a wrong origin or RP ID, a credential it does not know,
 * no user verification, and a signature counter that did not go up (refused and reported). Also:
 * the script's headers, the recent-authentication rule of the account page, CSRF on its forms.
 * @see https://www.w3.org/TR/webauthn-3/#sctn-registering-a-new-credential
 * @see https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { startSession } from '../../src/sessions/idp-session.js'
import { alertText, Browser, parseForms, unescapeHtml } from '../browser.js'
import { ALICE, BOB, baseTestConfig, basic, postForm, startServer, WEB_SECRET, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { PASSKEY_TEST_VERIFIER as VERIFIER, passkeyButton as passkeyButtonAt, registerPasskey, signInWithPasskey } from '../support/passkeys.js'
import { SoftwareAuthenticator, type Bend } from '../support/software-authenticator.js'

const FAILED = 'That passkey could not be used to sign in here. Try again, or sign in another way.'

let server: TestServer
const events: { name: string; payload: Record<string, unknown> }[] = []

beforeAll(async () => {
  // Bob's email is verified here: a passkey is enrolled only on a proven mailbox (review M3).
  server = await startServer({ users: [baseTestConfig.users[0], { ...baseTestConfig.users[1], email_verified: true }] })
  server.server.ctx.events.onAny((name, payload) => {
    if (name.startsWith('passkey.')) events.push({ name, payload: payload as Record<string, unknown> })
  })
})

afterAll(async () => {
  await server?.close()
})

const rp = () => new URL(server.url)
const authenticator = (options: { backupEligible?: boolean } = {}) => new SoftwareAuthenticator(rp().hostname, rp().origin, options)
const now = () => Math.floor(Date.now() / 1000)

async function signedIn(user = ALICE): Promise<Browser> {
  const browser = new Browser(server.url)
  const done = await browser.authorize(webAuthorizeUrl(server.url), user)
  expect(done.redirect?.searchParams.get('code')).toBeTruthy()
  return browser
}

/** A browser with a session of `user` that signed in with `amr` `ago` seconds ago (an hour). */
async function sessionWith(user: Parameters<typeof startSession>[2], amr: string[], ago = 3600): Promise<Browser> {
  const then = Object.create(server.server.ctx, { clock: { value: { now: () => now() - ago } } }) as typeof server.server.ctx
  const started = (await startSession(then, {}, user, amr))!
  const browser = new Browser(server.url)
  if (!('value' in started.cookie)) throw new Error('expected a cookie')
  browser.cookies.set(started.cookie.name, started.cookie.value)
  return browser
}

async function json(res: Response): Promise<Record<string, any>> {
  return (await res.json()) as Record<string, any>
}

const register = (browser: Browser, device: SoftwareAuthenticator, name?: string, bend?: Bend) => registerPasskey(server.url, browser, device, name, bend)
const passkeyButton = (browser: Browser) => passkeyButtonAt(server.url, browser)

async function signInOptions(browser: Browser, button: { options: string; csrf: string }): Promise<Record<string, any>> {
  const res = await browser.postForm(button.options, { csrf: button.csrf })
  expect(res.status).toBe(200)
  return json(res)
}

/** One passkey sign-in: fresh page, options, assertion (bent as asked), posted. */
async function passkeySignIn(device: SoftwareAuthenticator, bend: Bend = {}, browser = new Browser(server.url)): Promise<{ res: Response; browser: Browser }> {
  const { res, options } = await signInWithPasskey(server.url, device, bend, browser)
  expect(options).toMatchObject({ rpId: rp().hostname, userVerification: 'required' })
  expect(options.allowCredentials ?? []).toEqual([])
  return { res, browser }
}

async function expectRefused(res: Response): Promise<void> {
  expect(res.status).toBe(401)
  const html = await res.text()
  expect(alertText(html)).toBe(FAILED)
  expect(html).toContain('<label for="email">Email</label>')
  expect(res.headers.get('set-cookie') ?? '').not.toMatch(/latch_session=/)
}

/** Follows a signed-in answer to the client and returns the ID token's claims. */
async function idTokenOf(res: Response, browser: Browser): Promise<Record<string, unknown>> {
  expect(res.status).toBe(303)
  const page = await browser.open(new URL(res.headers.get('location')!, server.url))
  const code = page.redirect?.searchParams.get('code')
  expect(code, page.html.slice(0, 300)).toBeTruthy()
  const tokens = await json(await postForm(`${server.url}${PATHS.token}`, { grant_type: 'authorization_code', code: code!, redirect_uri: page.redirect!.origin + page.redirect!.pathname, code_verifier: VERIFIER }, { authorization: basic('web', WEB_SECRET) }))
  return tokens as Record<string, unknown>
}

describe('passkeys over HTTP', () => {
  let device: SoftwareAuthenticator
  let registeredAt: number
  beforeAll(() => {
    device = authenticator()
  })

  it('WebAuthn L3 §7.1: a recently signed-in user adds a discoverable, user-verified passkey; it is listed and reported', async () => {
    const browser = await signedIn()
    registeredAt = now()
    const res = await register(browser, device, 'Work laptop')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${server.url}/account/passkeys?notice=registered`)
    const page = await browser.open(res.headers.get('location')!)
    expect(page.html).toContain('The passkey was added.')
    expect(page.html).toContain('<strong>Work laptop</strong>')
    expect(page.headers.get('content-security-policy')).toContain(`script-src ${server.url}/assets/passkeys.js; connect-src ${server.url}/account/passkeys/options`)
    expect(events.find((e) => e.name === 'passkey.registered')?.payload).toMatchObject({ credential_id: device.id, backup_eligible: false })
    // Review H1: Alice has a second factor now; this one-factor session changes nothing more (the list, and Sign in again).
    expect(page.html).toContain('Sign in again')
    expect((await browser.postForm(`${server.url}/account/passkeys/options`, { csrf: parseForms(page.html)[0]!.fields.csrf! })).status).toBe(403)
    // §7.1 step 26 and excludeCredentials: the same credential again is not stored twice (a two-factor session).
    const strong = await sessionWith((await server.server.ctx.store.users.getByEmail(ALICE.email))!, ['hwk', 'user', 'mfa'], 0)
    const list = await strong.open(`${server.url}/account/passkeys`)
    const options = await json(await strong.postForm(`${server.url}/account/passkeys/options`, { csrf: parseForms(list.html)[0]!.fields.csrf! }))
    expect(options.excludeCredentials).toEqual([{ id: device.id, type: 'public-key', transports: ['internal'] }])
    expect((await register(strong, device)).headers.get('location')).toBe(`${server.url}/account/passkeys?alert=registerFailed`)
  })

  it('WebAuthn L3 §7.2, RFC 8176: a passkey signs in as the first factor; amr hwk user mfa; swk for a synced (backup-eligible) one', async () => {
    const { res, browser } = await passkeySignIn(device)
    const claims = JSON.parse(Buffer.from(String((await idTokenOf(res, browser)).id_token).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
    expect(claims.amr).toEqual(['hwk', 'user', 'mfa'])
    expect(events.at(-1)).toMatchObject({ name: 'passkey.used', payload: { credential_id: device.id } })
    const found = await server.server.ctx.store.passkeys.find(device.id)
    expect(found?.passkey.last_used_at).toBeGreaterThanOrEqual(registeredAt)

    const synced = authenticator({ backupEligible: true })
    expect((await register(await signedIn(BOB), synced, 'Synced')).status).toBe(303)
    const second = await passkeySignIn(synced)
    const bob = JSON.parse(Buffer.from(String((await idTokenOf(second.res, second.browser)).id_token).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
    expect(bob.amr).toEqual(['swk', 'user', 'mfa'])
    expect(bob.sub).toBe((await server.server.ctx.store.users.getByEmail(BOB.email))!.id)
  })

  it('WebAuthn L3 §7.2 step 12: a replayed assertion (its challenge already used) is refused', async () => {
    const browser = new Browser(server.url)
    const button = await passkeyButton(browser)
    const options = await signInOptions(browser, button)
    const response = JSON.stringify(device.assert(options as never))
    const first = await browser.postForm(button.action, { csrf: button.csrf, response })
    expect(first.status).toBe(303)
    // The same assertion on a fresh sign-in of the same browser.
    const again = await passkeyButton(new Browser(server.url))
    const replay = new Browser(server.url)
    const page = await passkeyButton(replay)
    await expectRefused(await replay.postForm(page.action, { csrf: page.csrf, response }))
    expect(again.action).not.toBe(button.action)
    expect(events.at(-1)).toMatchObject({ name: 'passkey.failed', payload: { reason: 'unknown_challenge' } })
  })

  it('WebAuthn L3 §7.2 step 12: a challenge the server never issued, or issued to another browser, is refused', async () => {
    await expectRefused((await passkeySignIn(device, { challenge: 'bm90LWEtY2hhbGxlbmdlLWZyb20tdXM' })).res)
    const a = new Browser(server.url)
    const b = new Browser(server.url)
    const aButton = await passkeyButton(a)
    const aOptions = await signInOptions(a, aButton)
    const bButton = await passkeyButton(b)
    await expectRefused(await b.postForm(bButton.action, { csrf: bButton.csrf, response: JSON.stringify(device.assert(aOptions as never)) }))
  })

  it('WebAuthn L3 §7.2 steps 13, 15, 17: a wrong origin, a wrong RP ID or no user verification is refused', async () => {
    await expectRefused((await passkeySignIn(device, { origin: 'https://evil.example' })).res)
    await expectRefused((await passkeySignIn(device, { rpId: 'evil.example' })).res)
    await expectRefused((await passkeySignIn(device, { userVerified: false })).res)
    await expectRefused((await passkeySignIn(device, { type: 'webauthn.create' })).res)
  })

  it('WebAuthn L3 §7.2 steps 5, 6: an unknown credential, or a user handle that is not its owner\'s, gets the same answer', async () => {
    const stranger = authenticator()
    stranger.register({ challenge: 'AAAAAAAAAAAAAAAAAAAAAA', user: { id: Buffer.from('someone').toString('base64url') } })
    await expectRefused((await passkeySignIn(stranger)).res)
    await expectRefused((await passkeySignIn(device, { userHandle: Buffer.from('another-user').toString('base64url') })).res)
  })

  it('WebAuthn L3 §6.1.1: a signature counter that did not go up is refused and reported (passkey.counter_regressed)', async () => {
    const stored = (await server.server.ctx.store.passkeys.find(device.id))!.passkey.sign_count
    expect(stored).toBeGreaterThan(0)
    await expectRefused((await passkeySignIn(device, { signCount: stored })).res)
    expect(events.filter((e) => e.name === 'passkey.counter_regressed').at(-1)?.payload).toMatchObject({ credential_id: device.id, stored, received: stored })
    await expectRefused((await passkeySignIn(device, { signCount: 0 })).res)
    expect((await passkeySignIn(device, { signCount: stored + 10 })).res.status).toBe(303)
  })

  it('malformed answers are a 401 page, never a 500', async () => {
    const browser = new Browser(server.url)
    const button = await passkeyButton(browser)
    for (const response of ['', 'null', '[]', '{"id":"x"}', '{"id":"x","response":{"clientDataJSON":"%%%"}}', 'x'.repeat(16_000), JSON.stringify({ id: device.id, response: { clientDataJSON: Buffer.from('{"challenge":1}').toString('base64url') } })]) {
      await expectRefused(await browser.postForm(button.action, { csrf: button.csrf, response }))
    }
    // Past the form parameters' bound (16 KiB): the error page, 400.
    expect((await browser.postForm(button.action, { csrf: button.csrf, response: 'x'.repeat(20_000) })).status).toBe(400)
    // No CSRF token: the form is refused before anything is read.
    expect((await browser.postForm(button.action, { response: '{}' })).status).toBe(403)
    expect((await browser.postForm(button.options, {})).status).toBe(403)
  })

  it('the script: long-cached, versioned, with an ETag; the sign-in page allows only it', async () => {
    const page = await new Browser(server.url).open(webAuthorizeUrl(server.url))
    const src = /<script src="([^"]+)" defer><\/script>/.exec(page.html)?.[1]
    expect(src).toMatch(new RegExp(`^${server.url}/assets/passkeys\\.js\\?v=[A-Za-z0-9_-]{16}$`))
    expect(page.headers.get('content-security-policy')).toContain(`script-src ${server.url}/assets/passkeys.js; connect-src ${server.url}/interaction/`)
    expect(page.html).toContain('autocomplete="username webauthn"')
    const res = await fetch(unescapeHtml(src!))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const text = await res.text()
    expect(text).toContain('SimpleWebAuthnBrowser')
    expect(text).toContain('[data-passkey-sign-in]')
    const again = await fetch(unescapeHtml(src!), { headers: { 'if-none-match': res.headers.get('etag')! } })
    expect(again.status).toBe(304)
  })

  it('recent authentication (review H1): an older session of a user with a passkey signs in again with two factors (the password alone does not do); CSRF on every form', async () => {
    const user = (await server.server.ctx.store.users.getByEmail(ALICE.email))!
    const browser = await sessionWith(user, ['pwd'])
    const page = await browser.open(`${server.url}/account/passkeys`)
    expect(page.html).toContain('Confirm it’s you')
    expect(page.html).toContain('<strong>Work laptop</strong>')
    expect(page.html).not.toContain('/account/passkeys/rename')
    const [form] = parseForms(page.html)
    expect(form!.action).toBe(`${server.url}/account/sign-in`)
    // Registration options and actions are refused until then; the password does not help.
    const options = await browser.postForm(`${server.url}/account/passkeys/options`, { csrf: form!.fields.csrf! })
    expect(options.status).toBe(403)
    expect((await browser.postForm(`${server.url}/account/passkeys/delete`, { csrf: form!.fields.csrf!, credential: device.id })).headers.get('location')).toBe(`${server.url}/account/passkeys`)
    expect((await browser.postForm(`${server.url}/account/passkeys/confirm`, { csrf: form!.fields.csrf!, password: ALICE.password })).headers.get('location')).toBe(`${server.url}/account/passkeys`)
    expect(await server.server.ctx.store.passkeys.find(device.id)).not.toBeNull()
    // Sign in again: the account page's interaction, where the passkey signs in (two factors), and back here
    // (its counter past the one the §6.1.1 test left stored).
    const login = await browser.submit(form!)
    const div = /data-options="([^"]+)" data-action="([^"]+)" data-csrf="([^"]+)"/.exec(login.html)!
    const assertion = await browser.postForm(unescapeHtml(div[1]!), { csrf: div[3]! })
    const signedIn = await browser.postForm(unescapeHtml(div[2]!), { csrf: div[3]!, response: JSON.stringify(device.assert((await json(assertion)) as never, { signCount: 1_000_000 })) })
    expect(signedIn.status, await signedIn.clone().text()).toBe(303)
    const right = await browser.open(new URL(signedIn.headers.get('location')!, server.url))
    expect(right.url).toBe(`${server.url}/account/passkeys`)
    expect(right.html).toContain('<strong>Work laptop</strong>')
    const forms = parseForms(right.html)
    const rename = forms.find((f) => f.action.endsWith('/rename'))!
    expect((await browser.postForm(rename.action, { credential: device.id, name: 'Hijacked' })).status).toBe(403)
    const renamed = await browser.submit(rename, { name: '  Old laptop\u0007 ' })
    expect(renamed.html).toContain('The passkey was renamed.')
    expect(renamed.html).toContain('<strong>Old laptop</strong>')
    const remove = parseForms(renamed.html).find((f) => f.action.endsWith('/delete'))!
    const removed = await browser.submit(remove)
    expect(removed.html).toContain('The passkey was deleted.')
    expect(events.map((e) => e.name)).toEqual(expect.arrayContaining(['passkey.renamed', 'passkey.removed']))
    expect(await server.server.ctx.store.passkeys.find(device.id)).toBeNull()
    // Deleted: it signs in no more.
    await expectRefused((await passkeySignIn(device)).res)
  })

  it('recent authentication: an older session of a user without a second factor is asked for the password; a wrong one is refused', async () => {
    const alice = (await server.server.ctx.store.users.getByEmail(ALICE.email))!
    const user = await server.server.ctx.store.users.upsert({ email: 'nofactor@example.com', email_verified: true, password_hash: alice.password_hash, claims: {} }, now())
    const browser = await sessionWith(user, ['pwd'])
    const page = await browser.open(`${server.url}/account/passkeys`)
    expect(page.html).toContain('Confirm it’s you')
    const [form] = parseForms(page.html)
    const wrong = await browser.submit(form!, { password: 'not-the-password' })
    expect(wrong.status).toBe(401)
    expect(alertText(wrong.html)).toBe('That password is not right.')
    const right = await browser.submit(form!, { password: ALICE.password })
    expect(right.html).toContain('data-passkey-register')
  })

  it('recent authentication, a user without a password (a federated sign-in): the page asks to sign in again, with no form', async () => {
    const user = await server.server.ctx.store.users.upsert({ email: 'federated@example.com', email_verified: true, password_hash: null, claims: {} }, now())
    const then = Object.create(server.server.ctx, { clock: { value: { now: () => now() - 3600 } } }) as typeof server.server.ctx
    const started = (await startSession(then, {}, user, ['fed']))!
    const browser = new Browser(server.url)
    if (!('value' in started.cookie)) throw new Error('expected a cookie')
    browser.cookies.set(started.cookie.name, started.cookie.value)
    const page = await browser.open(`${server.url}/account/passkeys`)
    expect(page.html).toContain('managing passkeys needs a recent sign-in')
    expect(parseForms(page.html)).toEqual([])
  })

  it('without a session: the page says so; its POSTs answer 401', async () => {
    const browser = new Browser(server.url)
    const page = await browser.open(`${server.url}/account/passkeys`)
    expect(page.html).toContain('You are not signed in')
    const csrf = /name="csrf" value="([^"]+)"/.exec((await browser.open(webAuthorizeUrl(server.url))).html)![1]!
    expect((await browser.postForm(`${server.url}/account/passkeys/options`, { csrf })).status).toBe(401)
    expect((await browser.postForm(`${server.url}/account/passkeys`, { csrf, response: '{}' })).status).toBe(401)
  })
})
