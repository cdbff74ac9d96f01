/**
 * Issue 13: the account page over real HTTP, section by section. Signing in to it goes through
 * Latch's own interaction pages (kind `account`) and back to `/account`; **Sign out** ends the
 * session. "Profile" saves the name claims within limits; "Change password" asks the current
 * password under the sign-in throttle, keeps this session (with a fresh cookie), ends the others
 * with back-channel logout, and revokes the user's grants; "Active sessions" lists the user's
 * sessions with their device and methods, and signs out another one (its refresh token revoked,
 * its clients told), never another user's; "Apps you authorized" revokes an app's consent with its
 * tokens, so the app must ask again. Every form needs the CSRF token and a session.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 * @see https://openid.net/specs/openid-connect-core-1_0.html#OfflineAccess
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
import { decodeJwt, jwtVerify, createRemoteJWKSet } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LatchEventMap } from '../../src/events.js'
import { hashHandle } from '../../src/lib/random.js'
import { hashPassword } from '../../src/users/password-hash.js'
import { alertText, Browser, isConsentPage, isLoginPage, parseForms, type Form, type Page } from '../browser.js'
import { API, baseTestConfig, basic, FORM, postForm, startServer, WEB_REDIRECT, type TestServer } from '../helpers.js'
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js'

const PASSWORD = 'account-page-password-1'
const APP_SECRET = 'account-app-secret-0123456789abcdef012345'
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'
const PHONE = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36'
const NAMES = ['ann', 'carl', 'dora', 'emil', 'finn', 'gwen', 'hank'] as const
type Name = (typeof NAMES)[number]
const email = (name: Name) => `${name}@example.com`

let server: TestServer
let receiver: LogoutReceiver
const events: { name: string; payload: Record<string, unknown> }[] = []
const heard = (name: keyof LatchEventMap) => events.filter((e) => e.name === name).map((e) => e.payload)

beforeAll(async () => {
  receiver = await startLogoutReceiver()
  const password_hash = await hashPassword(PASSWORD)
  server = await startServer({
    clients: [
      ...baseTestConfig.clients,
      {
        client_id: 'app', client_name: 'Photo App', client_secret: APP_SECRET, grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [WEB_REDIRECT],
        scope: 'openid profile offline_access read:data', resources: [API], backchannel_logout_uri: `${receiver.url}/app`,
      },
    ],
    users: [...baseTestConfig.users, ...NAMES.map((n) => ({ email: email(n), password_hash, email_verified: true }))],
  })
  for (const name of ['session.ended', 'password.changed', 'consent.revoked', 'user.profile_updated'] as const) {
    server.server.ctx.events.on(name, (payload) => events.push({ name, payload: payload as Record<string, unknown> }))
  }
}, 30_000)

afterAll(async () => {
  await server?.close()
  await receiver?.close()
})

const store = () => server.server.ctx.store
const now = () => Math.floor(Date.now() / 1000)
const account = () => `${server.url}/account`
const userOf = async (name: Name) => (await store().users.getByEmail(email(name)))!
const sessionCookie = (browser: Browser) => [...browser.cookies].find(([k]) => k.startsWith('latch_session'))?.[1]
const formTo = (page: Page, path: string): Form => {
  const form = parseForms(page.html).find((f) => f.action === `${server.url}${path}`)
  if (!form) throw new Error(`no form to ${path} on ${page.url}:\n${page.html.slice(0, 400)}`)
  return form
}

/** POSTs a form with the browser's User-Agent as `agent`, without following redirects. */
function post(browser: Browser, url: string, fields: Record<string, string>, agent = FIREFOX): Promise<Response> {
  return browser.fetch(url, { method: 'POST', headers: { 'content-type': FORM, 'user-agent': agent }, body: new URLSearchParams(fields) })
}

/** Signs in to the account page itself: /account → Sign in → Latch's sign-in page → back to /account. */
async function signInToAccount(name: Name, agent = FIREFOX, password = PASSWORD): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser(server.url)
  const start = await browser.open(account())
  const begun = await post(browser, formTo(start, '/account/sign-in').action, formTo(start, '/account/sign-in').fields, agent)
  expect(begun.status).toBe(303)
  const login = await browser.open(new URL(begun.headers.get('location')!, server.url))
  expect(isLoginPage(login)).toBe(true)
  const page = await browser.signIn(login, email(name), password)
  return { browser, page }
}

/** Signs in to `app` through an authorization request (consent allowed when asked) and redeems the code. */
async function appTokens(browser: Browser, name: Name, scope = 'openid offline_access read:data'): Promise<{ refresh_token: string; access_token: string; id_token: string }> {
  const authorize = new URL(`${server.url}/authorize`)
  authorize.search = new URLSearchParams({ client_id: 'app', redirect_uri: WEB_REDIRECT, response_type: 'code', scope, state: 's', ...(scope.includes('read:data') && { resource: API }) }).toString()
  const done = await browser.authorize(authorize, { email: email(name), password: PASSWORD })
  const code = done.redirect?.searchParams.get('code')
  if (!code) throw new Error(`no code: ${done.status} ${done.redirect?.href ?? ''} ${done.html.slice(0, 300)}`)
  const res = await postForm(`${server.url}/token`, { grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT }, { authorization: basic('app', APP_SECRET) })
  expect(res.status).toBe(200)
  return (await res.json()) as { refresh_token: string; access_token: string; id_token: string }
}

async function refresh(token: string): Promise<number> {
  const res = await postForm(`${server.url}/token`, { grant_type: 'refresh_token', refresh_token: token }, { authorization: basic('app', APP_SECRET) })
  await res.body?.cancel()
  return res.status
}

async function introspect(token: string): Promise<boolean> {
  const res = await postForm(`${server.url}/introspect`, { token }, { authorization: basic('app', APP_SECRET) })
  return ((await res.json()) as { active: boolean }).active
}

describe('account page sign-in and sign-out (issue 13)', () => {
  it('without a session, /account offers Sign in, which runs Latch\'s sign-in and comes back to /account, with no code and no consent', async () => {
    const browser = new Browser(server.url)
    const start = await browser.open(account())
    expect(start.status).toBe(200)
    expect(start.html).toContain('<h1>You are not signed in</h1>')
    const form = formTo(start, '/account/sign-in')
    expect(form.buttons.map((b) => b.label)).toEqual(['Sign in'])
    // CSRF: a sign-in begun from another site is refused, and stores nothing.
    expect((await post(browser, form.action, {})).status).toBe(403)
    const { page } = await signInToAccount('ann')
    expect(page.url).toBe(account())
    expect(page.status).toBe(200)
    expect(page.html).toContain(`Signed in as <strong>${email('ann')}</strong>`)
    const ann = await userOf('ann')
    // Nothing was issued: the account page is no OAuth client.
    const codes = await server.server.ctx.store.consents.listForUser(ann.id)
    expect(codes).toEqual([])
  })

  it('the sign-in page of the account page names the product, not an application, and is refused at the token endpoint as a client', async () => {
    const browser = new Browser(server.url)
    const start = await browser.open(account())
    const login = await browser.submit(formTo(start, '/account/sign-in'))
    expect(isLoginPage(login)).toBe(true)
    expect(login.html).toContain('to continue to <strong>Latch</strong>')
    const res = await postForm(`${server.url}/token`, { grant_type: 'client_credentials', client_id: 'latch account' })
    expect(res.status).toBe(401)
    await res.body?.cancel()
  })

  it('Sign out ends the session (the end-session endpoint, confirmed with the CSRF token)', async () => {
    const { browser, page } = await signInToAccount('ann')
    const form = formTo(page, '/logout')
    expect(form.buttons.map((b) => b.label)).toEqual(['Sign out'])
    const done = await browser.submit(form)
    expect(done.html).toContain('You are signed out')
    expect((await browser.open(account())).html).toContain('<h1>You are not signed in</h1>')
  })
})

describe('Profile (issue 13)', () => {
  it('shows the email and saves the name claims; an empty field removes its claim', async () => {
    const { browser, page } = await signInToAccount('dora')
    expect(page.html).toContain(`Email: <strong>${email('dora')}</strong>`)
    const form = formTo(page, '/account/profile')
    const res = await post(browser, form.action, { ...form.fields, name: '  Dora Explorer ', given_name: 'Dora', family_name: 'Márquez' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${account()}?notice=profile_saved`)
    const dora = await userOf('dora')
    expect(dora.claims).toMatchObject({ name: 'Dora Explorer', given_name: 'Dora', family_name: 'Márquez' })
    expect(heard('user.profile_updated')).toContainEqual({ user_id: dora.id })
    const after = await browser.open(res.headers.get('location')!)
    expect(after.html).toContain('<p class="notice" role="status">Your profile was saved.</p>')
    expect(formTo(after, '/account/profile').fields.name).toBe('Dora Explorer')
    await post(browser, form.action, { ...form.fields, name: 'Dora Explorer', given_name: '', family_name: 'Márquez' })
    expect((await userOf('dora')).claims.given_name).toBeUndefined()
  })

  it('OIDC Core §5.1: a name over 100 characters or with a line break is refused (400, alert, values kept), and nothing changes', async () => {
    const { browser, page } = await signInToAccount('dora')
    const form = formTo(page, '/account/profile')
    const before = (await userOf('dora')).claims
    for (const name of ['x'.repeat(101), 'Dora\nExplorer']) {
      const res = await post(browser, form.action, { ...form.fields, name, family_name: 'Kept' })
      expect(res.status).toBe(400)
      const html = await res.text()
      expect(alertText(html)).toBe('Each name can have at most 100 characters and no line breaks.')
      expect(html).toContain('value="Kept"')
      expect(html).toMatch(/id="profile-name"[^>]* autofocus/)
    }
    expect((await userOf('dora')).claims).toEqual(before)
  })
})

describe('Change password (issue 13)', () => {
  it('keeps this session under a fresh cookie, ends the others (back-channel logout), revokes the grants, and the new password is the one that signs in', async () => {
    const other = new Browser(server.url)
    const elsewhere = await appTokens(other, 'carl')
    const otherSid = decodeJwt(elsewhere.id_token).sid as string
    const { browser, page } = await signInToAccount('carl')
    const here = await appTokens(browser, 'carl')
    const before = sessionCookie(browser)!
    receiver.received.splice(0)
    const form = formTo(page, '/account/password')
    expect(page.html).toContain('autocomplete="current-password"')
    expect(page.html).toContain('autocomplete="new-password"')
    const res = await post(browser, form.action, { ...form.fields, current_password: PASSWORD, new_password: 'a brand new passphrase' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${account()}?notice=password_changed`)
    const after = sessionCookie(browser)!
    expect(after).not.toBe(before)
    // This device stays signed in; a copy of its old cookie is worth nothing.
    const shown = await browser.open(res.headers.get('location')!)
    expect(shown.html).toContain('Your password was changed, and you were signed out everywhere else.')
    const stale = new Browser(server.url)
    stale.cookies.set([...browser.cookies].find(([k]) => k.startsWith('latch_session'))![0], before)
    expect((await stale.open(account())).html).toContain('You are not signed in')
    // The other browser is signed out and its app told; every grant is revoked, this device's too.
    expect((await other.open(account())).html).toContain('You are not signed in')
    expect(await refresh(elsewhere.refresh_token)).toBe(400)
    expect(await refresh(here.refresh_token)).toBe(400)
    expect(await introspect(here.access_token)).toBe(false)
    await server.server.deliverLogouts()
    const told = receiver.received.splice(0)
    expect(told.map((r) => r.path)).toEqual(['/app'])
    const { payload } = await jwtVerify(told[0]!.logoutToken!, createRemoteJWKSet(new URL(`${server.url}/jwks`)), { issuer: server.url, audience: 'app' })
    expect(payload.sid).toBe(otherSid)
    const carl = await userOf('carl')
    expect(heard('password.changed')).toContainEqual({ user_id: carl.id, reason: 'account_page' })
    expect(heard('session.ended')).toContainEqual({ session_id: otherSid, user_id: carl.id, reason: 'password_changed' })
    // The old password no longer signs in; the new one does.
    const refused = await signInToAccount('carl')
    expect(refused.page.status).toBe(401)
    expect(isLoginPage(refused.page)).toBe(true)
    const again = await signInToAccount('carl', FIREFOX, 'a brand new passphrase')
    expect(again.page.html).toContain(`Signed in as <strong>${email('carl')}</strong>`)
  })

  it('NIST SP 800-63B §5.1.1.2: a new password under 8 or over 128 characters, a breached one, or the email itself is refused, and nothing changes', async () => {
    const { browser, page } = await signInToAccount('emil')
    const form = formTo(page, '/account/password')
    const hash = (await userOf('emil')).password_hash
    const refusals = [
      ['short', 'The new password must have at least 8 characters.'],
      ['x'.repeat(129), 'The new password can have at most 128 characters.'],
      ['Password123', 'This password is too common or was found in a data breach. Choose another one.'],
      [email('emil'), 'The new password cannot be your email address or its first part.'],
    ] as const
    for (const [next, text] of refusals) {
      const res = await post(browser, form.action, { ...form.fields, current_password: PASSWORD, new_password: next })
      expect(res.status).toBe(400)
      const html = await res.text()
      expect(alertText(html)).toBe(text)
      // Focus goes to the form of the alert.
      expect(html).toMatch(/id="current-password"[^>]* autofocus/)
    }
    expect((await userOf('emil')).password_hash).toBe(hash)
  })

  it('RFC 6749 §4.3.2 (brute force): a wrong current password is refused (401) and counted with sign-in failures until throttled (429, Retry-After)', async () => {
    const { browser, page } = await signInToAccount('finn')
    const form = formTo(page, '/account/password')
    const hash = (await userOf('finn')).password_hash
    const statuses: number[] = []
    let last: Response | undefined
    for (let i = 0; i < 7; i++) {
      last = await post(browser, form.action, { ...form.fields, current_password: `wrong-${i}`, new_password: 'whatever-new-password' })
      statuses.push(last.status)
      if (last.status === 429) break
      expect(alertText(await last.text())).toBe('Your current password is not correct.')
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses.at(-1)).toBe(429)
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(alertText(await last!.text())).toMatch(/^Too many failed sign-in attempts\. Try again in /)
    // Throttled: even the right password is not checked now.
    const right = await post(browser, form.action, { ...form.fields, current_password: PASSWORD, new_password: 'whatever-new-password' })
    expect(right.status).toBe(429)
    await right.body?.cancel()
    expect((await userOf('finn')).password_hash).toBe(hash)
  })
})

describe('Active sessions (issue 13)', () => {
  it('lists every session of the user with its device and method, marks this device, and signs out another one: its refresh token is revoked and its app told', async () => {
    const phone = new Browser(server.url)
    const onPhone = await appTokens(phone, 'gwen', 'openid read:data')
    const phoneSid = decodeJwt(onPhone.id_token).sid as string
    const { browser, page } = await signInToAccount('gwen', FIREFOX)
    // The phone's session began without the page's User-Agent header: Node's own.
    const gwen = await userOf('gwen')
    const sessions = await store().sessions.listForUser(gwen.id, now(), 50)
    expect(sessions.map((s) => s.id)).toContain(phoneSid)
    expect(sessions.find((s) => s.id !== phoneSid)?.user_agent).toBe(FIREFOX)
    const section = page.html.slice(page.html.indexOf('<section id="sessions"'), page.html.indexOf('</section>', page.html.indexOf('<section id="sessions"')))
    expect(section).toContain('<h2 id="sessions-heading">Active sessions</h2>')
    expect(section).toContain('<strong>Firefox on Linux</strong> · <strong class="this-device">This device</strong>')
    expect(section).toContain('With password')
    const forms = parseForms(section).filter((f) => f.action === `${server.url}/account/sessions/end`)
    // One form: this device's way out is Sign out.
    expect(forms.map((f) => f.fields.session)).toEqual([phoneSid])
    receiver.received.splice(0)
    const res = await post(browser, forms[0]!.action, forms[0]!.fields)
    expect(res.headers.get('location')).toBe(`${account()}?notice=session_ended`)
    expect((await browser.open(res.headers.get('location')!)).html).toContain('That session was signed out.')
    expect((await phone.open(account())).html).toContain('You are not signed in')
    expect(await refresh(onPhone.refresh_token)).toBe(400)
    expect(await introspect(onPhone.access_token)).toBe(false)
    expect(heard('session.ended')).toContainEqual({ session_id: phoneSid, user_id: gwen.id, reason: 'account_page' })
    await server.server.deliverLogouts()
    const told = receiver.received.splice(0)
    expect(told.map((r) => [r.path, decodeJwt(r.logoutToken!).sid])).toEqual([['/app', phoneSid]])
  })

  it('OIDC Core §11: a session signed out from the account page keeps the grants with offline_access', async () => {
    const phone = new Browser(server.url)
    const offline = await appTokens(phone, 'hank', 'openid offline_access')
    const { browser, page } = await signInToAccount('hank', PHONE)
    expect(page.html).toContain('<strong>Chrome on Android</strong> · <strong class="this-device">This device</strong>')
    const form = formTo(page, '/account/sessions/end')
    expect((await post(browser, form.action, form.fields)).headers.get('location')).toBe(`${account()}?notice=session_ended`)
    expect(await refresh(offline.refresh_token)).toBe(200)
  })

  it('a session of another user, this browser\'s own session, or no session id ends nothing', async () => {
    const victim = new Browser(server.url)
    const victimTokens = await appTokens(victim, 'ann', 'openid read:data')
    const victimSid = decodeJwt(victimTokens.id_token).sid as string
    const { browser, page } = await signInToAccount('dora')
    const dora = await userOf('dora')
    const own = (await store().sessions.listForUser(dora.id, now(), 50)).find((s) => s.session_hash === hashHandle(sessionCookie(browser)!))!
    const { fields, action } = formTo(page, '/logout')
    for (const session of [victimSid, own.id, 'not-an-id']) {
      const res = await post(browser, `${server.url}/account/sessions/end`, { csrf: fields.csrf!, session })
      expect(res.headers.get('location')).toBe(`${account()}?notice=session_not_found`)
    }
    expect(action).toBe(`${server.url}/logout`)
    expect(alertText((await browser.open(`${account()}?notice=session_not_found`)).html)).toBe('That session had already ended.')
    expect((await victim.open(account())).html).toContain(`Signed in as <strong>${email('ann')}</strong>`)
    expect(await refresh(victimTokens.refresh_token)).toBe(200)
  })
})

describe('Apps you authorized (issue 13)', () => {
  it('lists the app with what it may do and since when; Revoke forgets the consent and revokes its refresh and access tokens, so the app must ask again', async () => {
    const browser = new Browser(server.url)
    const tokens = await appTokens(browser, 'emil', 'openid offline_access read:data')
    const page = await browser.open(account())
    const section = page.html.slice(page.html.indexOf('<section id="apps"'))
    expect(section).toContain('<h2 id="apps-heading">Apps you authorized</h2>')
    expect(section).toContain('<strong>Photo App</strong>')
    expect(section).toContain(`authorized on ${new Date().toISOString().slice(0, 10)}`)
    for (const text of ['Sign you in with your account', 'Keep access while you are not using it', 'Read your data']) expect(section).toContain(`<li>${text}</li>`)
    const form = formTo(page, '/account/apps/revoke')
    expect(form.fields.client_id).toBe('app')
    expect(form.buttons.map((b) => b.label)).toEqual(['Revoke Photo App'])
    const res = await post(browser, form.action, form.fields)
    expect(res.headers.get('location')).toBe(`${account()}?notice=app_revoked`)
    const after = await browser.open(res.headers.get('location')!)
    expect(after.html).toContain('Access was revoked. The app has to ask you again.')
    expect(after.html).toContain('You have not authorized any app.')
    expect(await refresh(tokens.refresh_token)).toBe(400)
    expect(await introspect(tokens.access_token)).toBe(false)
    const emil = await userOf('emil')
    expect(heard('consent.revoked')).toContainEqual({ user_id: emil.id, client_id: 'app' })
    // The app asks again: the consent page, although the user is still signed in.
    const authorize = new URL(`${server.url}/authorize`)
    authorize.search = new URLSearchParams({ client_id: 'app', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid read:data', state: 's', resource: API }).toString()
    expect(isConsentPage(await browser.open(authorize))).toBe(true)
    // Revoking again, or an app never authorized: nothing to revoke.
    for (const client_id of ['app', 'web', 'nope']) {
      expect((await post(browser, form.action, { ...form.fields, client_id })).headers.get('location')).toBe(`${account()}?notice=app_not_found`)
    }
  })
})

describe('every form of the account page (issue 13)', () => {
  const FORMS = ['/account/profile', '/account/password', '/account/sessions/end', '/account/apps/revoke', '/account/sign-in']

  it('OWASP CSRF: without the CSRF token every form is refused (403) and changes nothing', async () => {
    const { browser } = await signInToAccount('ann')
    const ann = await userOf('ann')
    for (const path of FORMS) {
      const res = await post(browser, `${server.url}${path}`, { name: 'Forged', current_password: PASSWORD, new_password: 'forged-password-123', session: 'x', client_id: 'app' })
      expect(res.status, path).toBe(403)
      await res.body?.cancel()
    }
    const after = await userOf('ann')
    expect(after.claims).toEqual(ann.claims)
    expect(after.password_hash).toBe(ann.password_hash)
  })

  it('without a session every form is the not-signed-in page (401), with its Sign in', async () => {
    const browser = new Browser(server.url)
    const start = await browser.open(account())
    const { csrf } = formTo(start, '/account/sign-in').fields
    for (const path of FORMS.filter((p) => p !== '/account/sign-in')) {
      const res = await post(browser, `${server.url}${path}`, { csrf: csrf!, name: 'x' })
      expect(res.status, path).toBe(401)
      expect(await res.text()).toContain('<h1>You are not signed in</h1>')
    }
  })
})
