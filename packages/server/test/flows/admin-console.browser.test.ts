/**
 * Issue 14: the admin console (`/admin`). In a real browser (Debian's Chromium through
 * playwright-core), at phone width (375 px), JavaScript off, the keyboard only (WCAG 2.2 §2.1.1,
 * §1.4.10, §2.4.1 skip link): a `latch:admin` signs in through Latch's own sign-in page, creates a
 * client (its secret shown once, and it works), creates a user, revokes another browser's session,
 * rotates the signing keys (confirmed), and finds each change in the audit log, with the console as
 * its channel. Then over plain HTTP (test/browser.ts): a `latch:viewer` reads without forms and its
 * forged change is refused (403), a user without an admin role gets 403, a form without its CSRF
 * token changes nothing (403), and a form without a session is the sign-in page (401).
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://www.w3.org/TR/WCAG22/#keyboard
 * @see https://www.w3.org/TR/WCAG22/#reflow
 * @see https://www.w3.org/TR/WCAG22/#bypass-blocks
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../src/storage/store.js'
import { hasChromium, launchChromium } from '../chromium.js'
import { Browser as HttpBrowser, formOf, parseForms, type Page as HttpPage } from '../browser.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { enrolTotp, secondFactorForm } from '../support/mfa.js'
import { totpCode } from '../../src/users/totp.js'
import { adminChangeRecord } from '../../src/management/admin-change.js'
import { basic, freePort, postForm, startServer, type TestServer } from '../helpers.js'

const ADMIN = { email: 'root@example.com', password: 'root-password-long-enough', roles: ['latch:admin'] }
const VIEWER = { email: 'auditor@example.com', password: 'auditor-password-long-enough', roles: ['latch:viewer'] }
const NOBODY = { email: 'nobody@example.com', password: 'nobody-password-long-enough', roles: ['staff'] }
const ALICE = { email: 'alice@example.com', password: 'alice-password-long-enough' }
const INITECH_ADMIN = { email: 'boss@initech.example', password: 'initech-password-long-enough', roles: ['latch:admin'] }

describe.skipIf(!hasChromium)('the admin console (issue 14)', () => {
  let s: TestServer
  let chromium: Browser

  beforeAll(async () => {
    const port = await freePort()
    s = await startServer({
      users: [...[ADMIN, VIEWER, NOBODY, ALICE].map((u) => ({ ...u, email_verified: true })), { email: 'bob@example.com' }, { email: 'dana@example.com' }],
      connections: [{ id: 'gh', type: 'github', display_name: 'GitHub', client_id: 'c', client_secret: 'gh-secret' }],
      // A tenant under the default's host, with an administrator of its own.
      tenants: [
        { id: 'initech', issuer: `http://127.0.0.1:${port}/t/initech`, users: [{ ...INITECH_ADMIN, email_verified: true }] },
        // admin.require_mfa: administrators of this tenant use the console with two factors only.
        { id: 'strict', issuer: `http://127.0.0.1:${port}/t/strict`, admin: { require_mfa: true }, users: [{ ...INITECH_ADMIN, email_verified: true }] },
      ],
    }, { port })
    chromium = await launchChromium()
  }, 30_000)

  afterAll(async () => {
    await chromium?.close()
    await s?.close()
  })

  type Focused = { id: string; tag: string; text: string; href: string }
  /** Tab until `matches` holds for the focused element (at most 80 presses): the control is reachable by keyboard. */
  async function tabTo(page: Page, what: string, matches: (el: Focused) => boolean): Promise<void> {
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab')
      const el = await page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null
        return { id: a?.id ?? '', tag: a?.tagName.toLowerCase() ?? '', text: a?.textContent?.trim() ?? '', href: a?.getAttribute('href') ?? '' }
      })
      if (matches(el)) return
    }
    throw new Error(`Tab never reached ${what}`)
  }
  const button = (label: string) => (el: Focused) => el.tag === 'button' && el.text === label
  const link = (label: string) => (el: Focused) => el.tag === 'a' && el.text === label
  const field = (id: string) => (el: Focused) => el.id === id

  async function noSidewaysScroll(page: Page): Promise<void> {
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }))
    expect(scroll).toBeLessThanOrEqual(client)
  }

  /** Every page starts with the skip link, then the sections' navigation. */
  async function skipLinkFirst(page: Page): Promise<void> {
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
  }

  async function records(): Promise<AuditRecord[]> {
    return (await s.server.ctx.store.audit.list({ limit: 1000 })).records
  }

  /** Signs in to the console over plain HTTP: /admin → Sign in → Latch's sign-in page → back. */
  async function consoleSignIn(user: { email: string; password: string }, issuer = s.url, browser = new HttpBrowser(s.url)): Promise<{ browser: HttpBrowser; page: HttpPage }> {
    const start = await browser.open(`${issuer}/admin`)
    const page = await browser.signIn(await browser.submit(formOf(start)), user.email, user.password)
    expect(page.url).toBe(`${issuer}/admin`)
    return { browser, page }
  }

  it('WCAG 2.2 §2.1.1, §1.4.10, §2.4.1: create a client and a user, revoke a session, rotate keys and read the audit log, by keyboard at 375 px without JavaScript', async () => {
    const context = await chromium.newContext({ viewport: { width: 375, height: 800 }, javaScriptEnabled: false })
    context.setDefaultTimeout(10_000)
    const page = await context.newPage()
    const admin = (await s.server.ctx.store.users.getByEmail(ADMIN.email))!

    // Sign in through Latch's own sign-in page (interaction kind `account`), and back to /admin.
    await page.goto(`${s.url}/admin`)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Admin console')
    await tabTo(page, 'Sign in', button('Sign in'))
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/interaction\//)
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('email')
    await page.keyboard.type(ADMIN.email)
    await page.keyboard.press('Tab')
    await page.keyboard.type(ADMIN.password)
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/admin`)
    expect(await page.getByRole('navigation', { name: 'Admin console sections' }).getByRole('link').allTextContents()).toEqual(['Overview', 'Clients', 'Users', 'Organizations', 'Connections', 'Signing keys', 'Audit log'])
    expect(await page.locator('.who p').textContent()).toBe(`Signed in as ${ADMIN.email} (administrator)`)
    await skipLinkFirst(page)
    await noSidewaysScroll(page)

    // Clients: create a confidential client; its secret is shown once, and authenticates it.
    await tabTo(page, 'Clients', link('Clients'))
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/admin/clients`)
    expect(await page.locator('a[aria-current=page]').textContent()).toBe('Clients')
    await tabTo(page, 'Client ID', field('client-id'))
    await page.keyboard.type('billing')
    await page.keyboard.press('Tab')
    await page.keyboard.type('Billing')
    await tabTo(page, 'Redirect URIs', field('redirect-uris'))
    await page.keyboard.type('https://billing.example.com/callback')
    await tabTo(page, 'Create client', button('Create client'))
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/admin/clients`)
    expect(await page.getByRole('status').textContent()).toBe('Client billing was created.')
    expect(await page.getByRole('heading', { name: 'Client secret: copy it now' }).count()).toBe(1)
    const secret = (await page.locator('#client-secret').textContent())!
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    await noSidewaysScroll(page)
    // RFC 6749 §2.3.1: the secret shown authenticates the client; a wrong one does not.
    expect((await postForm(`${s.url}/introspect`, { token: 'x' }, { authorization: basic('billing', secret) })).status).toBe(200)
    expect((await postForm(`${s.url}/introspect`, { token: 'x' }, { authorization: basic('billing', `${secret}x`) })).status).toBe(401)
    // Shown once: the page, opened again, has no secret.
    await page.goto(`${s.url}/admin/clients`)
    expect(await page.locator('#client-secret').count()).toBe(0)
    expect(await page.locator('ul.rows li strong', { hasText: 'billing' }).count()).toBe(1)

    // Users: create one (no password: they set it by a reset).
    await tabTo(page, 'Users', link('Users'))
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/admin/users`)
    await tabTo(page, 'Email of the new user', field('user-email'))
    await page.keyboard.type('carol@example.com')
    await page.keyboard.press('Tab')
    await page.keyboard.type('Carol Jones')
    await tabTo(page, 'Create user', button('Create user'))
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/admin\/users\/[^/?]+\?notice=user_created$/)
    expect(await page.getByRole('status').textContent()).toBe('The user was created.')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('carol@example.com')
    const carol = (await s.server.ctx.store.users.getByEmail('carol@example.com'))!
    expect([carol.claims.name, carol.password_hash, carol.roles]).toEqual(['Carol Jones', null, []])

    // Sessions: Alice signs in in another browser; her session is revoked from here.
    const other = new HttpBrowser(s.url)
    expect((await other.authorize(webAuthorizeUrl(s.url), ALICE)).redirect?.searchParams.get('code')).toBeTruthy()
    await page.goto(`${s.url}/admin/users?email=alice`)
    await tabTo(page, 'alice', link(ALICE.email))
    await page.keyboard.press('Enter')
    const alice = (await s.server.ctx.store.users.getByEmail(ALICE.email))!
    await page.waitForURL(`${s.url}/admin/users/${alice.id}`)
    const [session] = await s.server.ctx.store.sessions.listForUser(alice.id, s.server.ctx.clock.now(), 10)
    expect(await page.getByRole('region', { name: 'Active sessions' }).locator('li').count()).toBe(1)
    await noSidewaysScroll(page)
    await tabTo(page, 'Revoke the session', (el) => el.tag === 'button' && el.text.startsWith('Revoke the session of '))
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/admin/users/${alice.id}?notice=session_revoked`)
    expect(await page.getByRole('status').textContent()).toBe('The session was revoked: its tokens no longer work.')
    expect(await page.getByText('No active sessions.').count()).toBe(1)
    expect((await other.open(`${s.url}/account`)).html).toContain('You are not signed in')

    // Keys: rotate, confirmed on a page of its own.
    const keysBefore = await s.server.ctx.store.keys.list(s.server.ctx.clock.now())
    await tabTo(page, 'Signing keys', link('Signing keys'))
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/admin/keys`)
    expect(await page.getByText('current (signing)').count()).toBe(1)
    await tabTo(page, 'Rotate keys', button('Rotate keys'))
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/admin/keys/rotate`)
    expect(await page.locator('#content p').first().textContent()).toBe('Rotate the signing keys? A new key is created; the current one retires.')
    await tabTo(page, 'Confirm', button('Confirm'))
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/admin/keys?notice=keys_rotated`)
    const keysAfter = await s.server.ctx.store.keys.list(s.server.ctx.clock.now())
    expect(keysAfter.length).toBe(keysBefore.length + 1)
    const fresh = keysAfter.find((k) => !keysBefore.some((b) => b.kid === k.kid))!
    expect(await page.locator('ul.rows li', { hasText: fresh.kid }).textContent()).toContain('next')
    await noSidewaysScroll(page)

    // Audit log: every change, newest first, the signed-in administrator its actor, via the console.
    await tabTo(page, 'Audit log', link('Audit log'))
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/admin/audit`)
    const types = (await page.locator('#audit-records > li > strong').allTextContents()).filter((t) => t.startsWith('admin.'))
    expect(types).toEqual(['admin.key.rotated', 'admin.session.revoked', 'admin.user.created', 'admin.client.created'])
    await noSidewaysScroll(page)
    await tabTo(page, 'Event types', field('audit-type'))
    await page.keyboard.type('admin.session.revoked')
    await page.keyboard.press('Enter')
    await page.waitForURL(`${s.url}/admin/audit?type=admin.session.revoked&user=&outcome=&since=`)
    expect(await page.locator('#audit-records > li').count()).toBe(1)
    expect(await page.locator('#audit-records dd').first().textContent()).toBe(`user ${ADMIN.email} (${admin.id})`)
    const changes = (await records()).filter((r) => r.type.startsWith('admin.'))
    for (const r of changes) {
      expect(r.actor).toEqual({ type: 'user', id: admin.id })
      expect(r.data.via).toBe('console')
      expect(r.ip).toBe('127.0.0.1')
    }
    const revoked = changes.find((r) => r.type === 'admin.session.revoked')!
    expect(revoked.subject).toEqual({ type: 'session', id: session!.id })
    expect(revoked.data).toMatchObject({ user_id: alice.id, after: null, before: { id: session!.id, user_id: alice.id } })
    expect(JSON.stringify(revoked.data)).not.toContain('session_hash')
    const created = changes.find((r) => r.type === 'admin.client.created')!
    expect(JSON.stringify(created.data)).not.toContain(secret)
    await context.close()
  }, 60_000)

  it('the console\'s refusals: a viewer reads without forms and its forged change is 403; no admin role is 403; no CSRF token is 403; no session is the sign-in page (401)', async () => {
    // latch:viewer: the pages show no form but Sign out; a change posted anyway is refused.
    const viewer = await consoleSignIn(VIEWER)
    expect(viewer.page.html).toContain('(viewer (read only))')
    for (const path of ['/clients', '/users', '/organizations', '/connections', '/keys']) {
      const page = await viewer.browser.open(`${s.url}/admin${path}`)
      expect(page.status).toBe(200)
      expect(parseForms(page.html).filter((f) => f.method.toLowerCase() === 'post').map((f) => f.action)).toEqual([`${s.url}/logout`])
    }
    const csrf = viewer.browser.cookies.get('latch_csrf')!
    const forged = await viewer.browser.postForm(`${s.url}/admin/clients`, { csrf, client_id: 'sneaky', redirect_uris: 'https://sneaky.example.com/cb', grant_types_authorization_code: 'yes' })
    expect(forged.status).toBe(403)
    expect(await forged.text()).toContain('Your role (latch:viewer) does not allow changes.')
    const rotate = await viewer.browser.postForm(`${s.url}/admin/keys/rotate`, { csrf, confirm: 'yes' })
    expect(rotate.status).toBe(403)
    expect(await s.server.ctx.store.clients.get('sneaky')).toBeNull()

    // A user without an admin role: 403 on every page.
    const stranger = new HttpBrowser(s.url)
    const start = await stranger.open(`${s.url}/admin`)
    const denied = await stranger.signIn(await stranger.submit(formOf(start)), NOBODY.email, NOBODY.password)
    expect([denied.url, denied.status]).toEqual([`${s.url}/admin`, 403])
    expect(denied.html).toContain('No access to the admin console')
    expect((await stranger.open(`${s.url}/admin/audit`)).status).toBe(403)
    const strangerUser = (await s.server.ctx.store.users.getByEmail(NOBODY.email))!
    const [strangerSession] = await s.server.ctx.store.sessions.listForUser(strangerUser.id, s.server.ctx.clock.now(), 10)

    // An administrator's form without, or with another, CSRF token: refused before anything is done.
    const { browser: admin } = await consoleSignIn(ADMIN)
    const keys = (await s.server.ctx.store.keys.list(s.server.ctx.clock.now())).length
    for (const token of [undefined, 'A'.repeat(43)]) {
      const res = await admin.postForm(`${s.url}/admin/keys/rotate`, { confirm: 'yes', ...(token !== undefined && { csrf: token }) })
      expect(res.status).toBe(403)
      expect(await res.text()).toContain('This form has expired or was not sent from this site.')
    }
    expect((await s.server.ctx.store.keys.list(s.server.ctx.clock.now())).length).toBe(keys)

    // management/sessions.ts: a session is ended only through its own user's page; another user's id names nothing.
    const alice = (await s.server.ctx.store.users.getByEmail(ALICE.email))!
    const adminCsrf = admin.cookies.get('latch_csrf')!
    for (const id of [strangerSession!.id, 'not-a-session-id']) {
      const res = await admin.postForm(`${s.url}/admin/users/${alice.id}/sessions/revoke`, { csrf: adminCsrf, session: id })
      expect([res.status, res.headers.get('location')]).toEqual([303, `${s.url}/admin/users/${alice.id}?notice=session_not_found`])
    }
    expect(await s.server.ctx.store.sessions.getById(strangerSession!.id, s.server.ctx.clock.now())).not.toBeNull()
    expect((await admin.open(`${s.url}/admin/users/${alice.id}?notice=session_not_found`)).html).toContain('<p class="error" role="alert">That session had already ended.</p>')

    // Without a session: the sign-in page (401), nothing changed.
    const anonymous = new HttpBrowser(s.url)
    const page = await anonymous.open(`${s.url}/admin/keys`)
    expect(page.html).toContain('Sign in with an administrator account')
    const res = await anonymous.postForm(`${s.url}/admin/keys/rotate`, { csrf: anonymous.cookies.get('latch_csrf')!, confirm: 'yes' })
    expect(res.status).toBe(401)

    // Pages are HTML with the pages' headers; the admin API beside it is untouched.
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect((await fetch(`${s.url}/admin/api/v1/audit-events`)).status).toBe(401)
  }, 30_000)

  it('refused input is the page again with its alert, the values kept: a taken client id (409), a bad redirect URI (400), an unknown audit event type (400)', async () => {
    const { browser } = await consoleSignIn(ADMIN)
    const csrf = browser.cookies.get('latch_csrf')!
    const taken = await browser.postForm(`${s.url}/admin/clients`, { csrf, client_id: 'web', redirect_uris: 'https://web.example.com/cb', 'grant-authorization_code': 'yes' })
    expect(taken.status).toBe(409)
    // WCAG 2.2 §3.3.1: the alert beside the form, focus in its first field, which the alert describes.
    const takenHtml = await taken.text()
    expect(takenHtml).toContain('<p class="error" role="alert" id="new-client-alert">client web already exists</p>')
    expect(takenHtml).toMatch(/<input type="text" id="client-id" name="client_id" value="web"[^>]* autofocus aria-describedby="new-client-alert">/)
    const bad = await browser.postForm(`${s.url}/admin/clients`, { csrf, client_id: 'fresh', client_name: 'Fresh <b>', redirect_uris: 'not a uri', 'grant-authorization_code': 'yes' })
    expect(bad.status).toBe(400)
    const body = await bad.text()
    expect(body).toContain('redirect_uris')
    expect(body).toContain('value="Fresh &lt;b&gt;"')
    const audit = await browser.open(`${s.url}/admin/audit?type=admin.nothing`)
    expect(audit.status).toBe(400)
    expect(audit.html).toContain('no such event &quot;admin.nothing&quot;')
    const missing = await browser.open(`${s.url}/admin/users/no-such-user`)
    expect(missing.status).toBe(404)
  }, 30_000)

  it('the audit log pages by cursor: 50 records, then **Older records** with the same filters (a relative since made absolute), to the end', async () => {
    const start = Date.now() - 60_000
    await s.server.ctx.store.audit.append(Array.from({ length: 55 }, (_, i) => adminChangeRecord(
      { tenant: 'default', actor: { type: 'admin', id: 'ops' }, via: 'cli' },
      { type: 'admin.tenant.created', subject: { type: 'tenant', id: `t${i}` }, before: null, after: { id: `t${i}` } },
      start + i,
    )))
    const { browser } = await consoleSignIn(ADMIN)
    const first = await browser.open(`${s.url}/admin/audit?type=admin.tenant.created&since=1h`)
    const subjects = (html: string) => [...html.matchAll(/<dd>tenant (t\d+)<\/dd>/g)].map((m) => m[1])
    expect(subjects(first.html)).toEqual(Array.from({ length: 50 }, (_, i) => `t${54 - i}`))
    const older = /<a href="([^"]+)">Older records<\/a>/.exec(first.html)![1]!.replace(/&amp;/g, '&')
    const next = new URL(older)
    expect([next.searchParams.get('type'), new Date(next.searchParams.get('since')!).getTime() <= start]).toEqual(['admin.tenant.created', true])
    const second = await browser.open(older)
    expect(subjects(second.html)).toEqual(['t4', 't3', 't2', 't1', 't0'])
    expect(second.html).not.toContain('Older records')
  }, 30_000)

  it('a change that cannot be undone asks first: deleting a client, resetting a user\'s two-step verification; each then recorded (admin.client.deleted, admin.user.mfa_reset)', async () => {
    const { browser } = await consoleSignIn(ADMIN)
    const csrf = browser.cookies.get('latch_csrf')!
    const admin = (await s.server.ctx.store.users.getByEmail(ADMIN.email))!
    const store = s.server.ctx.store
    // A client of the config file is the file's: the console refuses to delete it (the next start would bring it back).
    const fromFile = await browser.submit({ action: `${s.url}/admin/clients/delete`, method: 'post', fields: { csrf, client_id: 'spa', confirm: 'yes' }, buttons: [] })
    expect(fromFile.status).toBe(409)
    expect(await store.clients.get('spa')).not.toBeNull()
    // An administrator's client (as `latch clients create` or the console makes them).
    await store.clients.upsert({ ...(await store.clients.get('spa'))!, client_id: 'spa-copy' }, Date.now(), 'cli')
    // The first press shows the question and a form with confirm=yes; nothing is deleted yet.
    const asked = await browser.submit({ action: `${s.url}/admin/clients/delete`, method: 'post', fields: { csrf, client_id: 'spa-copy' }, buttons: [] })
    expect(asked.html).toContain('Delete client spa-copy? Its grants are revoked')
    expect(await store.clients.get('spa-copy')).not.toBeNull()
    const confirm = parseForms(asked.html).find((f) => f.action === `${s.url}/admin/clients/delete`)!
    expect(confirm.fields).toMatchObject({ client_id: 'spa-copy', confirm: 'yes' })
    const deleted = await browser.submit(confirm)
    expect(deleted.url).toBe(`${s.url}/admin/clients?notice=client_deleted`)
    expect(deleted.html).toContain('The client was deleted.')
    expect(await store.clients.get('spa-copy')).toBeNull()

    const alice = (await s.server.ctx.store.users.getByEmail(ALICE.email))!
    const resetAction = `${s.url}/admin/users/${alice.id}/reset-mfa`
    const question = await browser.submit({ action: resetAction, method: 'post', fields: { csrf, passkeys: 'yes' }, buttons: [] })
    expect(question.html).toContain(`Reset the two-step verification of ${ALICE.email}?`)
    const reset = await browser.submit(parseForms(question.html).find((f) => f.action === resetAction)!)
    expect(reset.url).toBe(`${s.url}/admin/users/${alice.id}?notice=mfa_reset`)
    const types = (await records()).filter((r) => r.actor.id === admin.id && (r.type === 'admin.client.deleted' || r.type === 'admin.user.mfa_reset'))
    expect(types.map((r) => [r.type, r.subject, r.data.via])).toEqual([
      ['admin.user.mfa_reset', { type: 'user', id: alice.id }, 'console'],
      ['admin.client.deleted', { type: 'client', id: 'spa-copy' }, 'console'],
    ])
  }, 30_000)

  it('users\' roles and deletion, organizations and connections: each change through its management service, recorded with the console as its channel', async () => {
    const { browser } = await consoleSignIn(ADMIN)
    const csrf = browser.cookies.get('latch_csrf')!
    const store = s.server.ctx.store
    const bob = (await store.users.getByEmail('bob@example.com'))!
    const bobPage = `${s.url}/admin/users/${bob.id}`
    // Roles: given here, the reserved latch: prefix included (an administrator gives it).
    const saved = await browser.submit({ action: `${bobPage}/roles`, method: 'post', fields: { csrf, roles: 'latch:viewer staff' }, buttons: [] })
    expect(saved.url).toBe(`${bobPage}?notice=roles_saved`)
    expect((await store.users.getById(bob.id))!.roles).toEqual(['latch:viewer', 'staff'])
    // Review M2: Bob is listed in the config file, which would create him again at the next start: not deleted here (409).
    const kept = await browser.submit({ action: `${bobPage}/delete`, method: 'post', fields: { csrf, confirm: 'yes' }, buttons: [] })
    expect(kept.status).toBe(409)
    expect(kept.html).toContain('is listed in the config file')
    expect(await store.users.getById(bob.id)).not.toBeNull()
    // Delete an administrator's user: asked, then done.
    const erin = await store.users.upsert({ email: 'erin@example.com', email_verified: true, password_hash: null, claims: {} }, Date.now())
    const erinPage = `${s.url}/admin/users/${erin.id}`
    const asked = await browser.submit({ action: `${erinPage}/delete`, method: 'post', fields: { csrf }, buttons: [] })
    expect(asked.html).toContain('Delete erin@example.com? Their sessions end')
    const gone = await browser.submit(parseForms(asked.html).find((f) => f.action === `${erinPage}/delete`)!)
    expect([gone.url, await store.users.getById(erin.id)]).toEqual([`${s.url}/admin/users?notice=user_deleted`, null])

    // Organizations: created (the config file's rules: a bad id is refused, the form kept), then deleted.
    const bad = await browser.postForm(`${s.url}/admin/organizations`, { csrf, id: 'Not Valid', name: 'Acme' })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('value="Not Valid"')
    const made = await browser.submit({ action: `${s.url}/admin/organizations`, method: 'post', fields: { csrf, id: 'acme', name: 'Acme Inc', domains: 'acme.example' }, buttons: [] })
    expect(made.url).toBe(`${s.url}/admin/organizations?notice=organization_created`)
    expect(made.html).toContain('acme.example')
    expect((await store.organizations.get('acme'))!.domains).toEqual(['acme.example'])
    await browser.submit(parseForms((await browser.submit({ action: `${s.url}/admin/organizations/delete`, method: 'post', fields: { csrf, id: 'acme' }, buttons: [] })).html).find((f) => f.action.endsWith('/organizations/delete'))!)
    expect(await store.organizations.get('acme')).toBeNull()

    // Connections: listed (never a secret). The config file's has no Delete, and a forged one is
    // refused (409); an administrator's is deleted after asking.
    const connections = await browser.open(`${s.url}/admin/connections`)
    expect(connections.html).toContain('GitHub')
    expect(connections.html).not.toContain('gh-secret')
    expect(connections.html).toContain('Defined in the config file: remove it there')
    expect(parseForms(connections.html).filter((f) => f.action.endsWith('/connections/delete'))).toEqual([])
    const fromFile = await browser.submit({ action: `${s.url}/admin/connections/delete`, method: 'post', fields: { csrf, id: 'gh', confirm: 'yes' }, buttons: [] })
    expect(fromFile.status).toBe(409)
    expect(fromFile.html).toContain('connection gh is defined in the config file')
    expect(await store.connections.get('gh')).not.toBeNull()
    const { created_at: _c, updated_at: _u, ...gh } = (await store.connections.get('gh'))!
    await store.connections.upsert({ ...gh, id: 'gh-copy', source: 'cli' }, Math.floor(Date.now() / 1000))
    const listed = await browser.open(`${s.url}/admin/connections`)
    expect(parseForms(listed.html).filter((f) => f.action.endsWith('/connections/delete')).map((f) => f.fields.id)).toEqual(['gh-copy'])
    const deleted = await browser.submit(parseForms((await browser.submit({ action: `${s.url}/admin/connections/delete`, method: 'post', fields: { csrf, id: 'gh-copy' }, buttons: [] })).html).find((f) => f.action.endsWith('/connections/delete'))!)
    expect(deleted.url).toBe(`${s.url}/admin/connections?notice=connection_deleted`)
    expect(await store.connections.get('gh-copy')).toBeNull()

    const admin = (await store.users.getByEmail(ADMIN.email))!
    const types = (await records()).filter((r) => r.actor.id === admin.id && r.data.via === 'console').map((r) => r.type)
    expect(types.slice(0, 5)).toEqual(['admin.connection.deleted', 'admin.organization.deleted', 'admin.organization.created', 'admin.user.deleted', 'admin.user.updated'])

    // Sign out everywhere: Alice, signed in on two browsers, is signed out of both (asked first), her grants revoked.
    const alice = (await store.users.getByEmail(ALICE.email))!
    const browsers = [new HttpBrowser(s.url), new HttpBrowser(s.url)]
    for (const b of browsers) await b.authorize(webAuthorizeUrl(s.url), ALICE)
    const live = await store.sessions.listForUser(alice.id, s.server.ctx.clock.now(), 10)
    expect(live.length).toBeGreaterThanOrEqual(2)
    const endAll = `${s.url}/admin/users/${alice.id}/sessions/end-all`
    const ask = await browser.submit({ action: endAll, method: 'post', fields: { csrf }, buttons: [] })
    expect(ask.html).toContain(`Sign ${ALICE.email} out everywhere?`)
    const ended = await browser.submit(parseForms(ask.html).find((f) => f.action === endAll)!)
    expect(ended.url).toBe(`${s.url}/admin/users/${alice.id}?notice=sessions_ended`)
    expect(ended.html).toContain('No active sessions.')
    for (const b of browsers) expect((await b.open(`${s.url}/account`)).html).toContain('You are not signed in')
    const signedOut = (await records()).find((r) => r.type === 'admin.user.signed_out' && r.subject?.id === alice.id)
    expect(signedOut?.data).toMatchObject({ via: 'console', sessions_ended: live.length })
  }, 30_000)

  it('per tenant: a path tenant has its console under its issuer; the default tenant\'s administrator is not signed in there, and each console shows and changes its own tenant only', async () => {
    const initech = `${s.url}/t/initech`
    const { browser } = await consoleSignIn(ADMIN)
    // The same browser, signed in to the default tenant, is not signed in to initech's console.
    expect((await browser.open(`${initech}/admin`)).html).toContain('Sign in with an administrator account')
    // initech's own administrator; the default tenant's password does not work there.
    const { page } = await consoleSignIn(INITECH_ADMIN, initech, browser)
    expect(page.html).toContain(`href="${initech}/admin/organizations"`)
    // sessions/idp-session.ts cookieName: a tenant's cookies carry its id.
    const csrf = browser.cookies.get('latch_csrf_initech')!
    const made = await browser.submit({ action: `${initech}/admin/organizations`, method: 'post', fields: { csrf, id: 'initrode', name: 'Initrode' }, buttons: [] })
    expect(made.url).toBe(`${initech}/admin/organizations?notice=organization_created`)
    expect(made.html).toContain('Initrode')
    expect(await s.server.ctx.store.organizations.get('initrode')).toBeNull()
    expect((await browser.open(`${s.url}/admin/organizations`)).html).not.toContain('Initrode')
    const audit = await browser.open(`${initech}/admin/audit?type=admin.organization.created`)
    expect(audit.html).toContain('organization initrode')
    expect((await browser.open(`${s.url}/admin/audit?type=admin.organization.created`)).html).not.toContain('organization initrode')
  }, 30_000)

  it('issue 14: a user\'s page shows whether they may sign in; Disable asks first, then disables (disableUser); Enable enables; each recorded with the console as its channel', async () => {
    const { browser } = await consoleSignIn(ADMIN)
    const store = s.server.ctx.store
    const admin = (await store.users.getByEmail(ADMIN.email))!
    const dana = (await store.users.getByEmail('dana@example.com'))!
    const danaPage = `${s.url}/admin/users/${dana.id}`
    const shown = await browser.open(danaPage)
    expect(shown.html).toContain('<dd id="sign-in-state">Allowed</dd>')
    expect(parseForms(shown.html).map((f) => f.action)).toContain(`${danaPage}/disable`)
    expect(parseForms(shown.html).map((f) => f.action)).not.toContain(`${danaPage}/enable`)
    // The first press asks; nothing is disabled yet.
    const asked = await browser.submit(parseForms(shown.html).find((f) => f.action === `${danaPage}/disable`)!)
    expect(asked.html).toContain('Disable dana@example.com? They cannot sign in until enabled again')
    expect((await store.users.getById(dana.id))!.disabled_at ?? null).toBeNull()
    const disabled = await browser.submit(parseForms(asked.html).find((f) => f.action === `${danaPage}/disable`)!)
    expect(disabled.url).toBe(`${danaPage}?notice=user_disabled`)
    expect(disabled.html).toContain('The user was disabled')
    expect(disabled.html).toMatch(/<dd id="sign-in-state">Disabled since \d{4}-\d\d-\d\d \d\d:\d\d UTC<\/dd>/)
    expect((await store.users.getById(dana.id))!.disabled_at).toEqual(expect.any(Number))
    expect(parseForms(disabled.html).map((f) => f.action)).not.toContain(`${danaPage}/disable`)
    // Enable: no question (it takes nothing away).
    const enabled = await browser.submit(parseForms(disabled.html).find((f) => f.action === `${danaPage}/enable`)!)
    expect(enabled.url).toBe(`${danaPage}?notice=user_enabled`)
    expect(enabled.html).toContain('<dd id="sign-in-state">Allowed</dd>')
    expect((await store.users.getById(dana.id))!.disabled_at ?? null).toBeNull()
    const changes = (await records()).filter((r) => r.subject?.id === dana.id).slice(0, 2)
    expect(changes.map((r) => [r.type, r.actor, r.data.via])).toEqual([
      ['admin.user.enabled', { type: 'user', id: admin.id }, 'console'],
      ['admin.user.disabled', { type: 'user', id: admin.id }, 'console'],
    ])
    // Forged without CSRF: refused before anything is done.
    expect((await browser.postForm(`${danaPage}/disable`, { confirm: 'yes' })).status).toBe(403)
    expect((await store.users.getById(dana.id))!.disabled_at ?? null).toBeNull()
  }, 30_000)

  it('issue 14, admin.require_mfa: a latch:admin signed in with one factor gets the step-up (403), not the console\'s pages or forms, and a change posted anyway is refused', async () => {
    const strict = `${s.url}/t/strict`
    const browser = new HttpBrowser(s.url)
    const start = await browser.open(`${strict}/admin`)
    const page = await browser.signIn(await browser.submit(formOf(start)), INITECH_ADMIN.email, INITECH_ADMIN.password)
    expect([page.url, page.status]).toEqual([`${strict}/admin`, 403])
    expect(page.html).toContain('Two-step verification required')
    expect(page.html).not.toContain('Admin console sections')
    // The one form besides signing out is the step-up's: a sign-in asking for the second factor.
    const stepUp = parseForms(page.html).filter((f) => f.action !== `${strict}/logout`)
    expect(stepUp.map((f) => [f.action, f.fields.step_up])).toEqual([[`${strict}/admin/sign-in`, 'admin']])
    for (const path of ['/clients', '/users', '/keys', '/audit']) {
      const other = await browser.open(`${strict}/admin${path}`)
      expect([path, other.status]).toEqual([path, 403])
      expect(other.html).toContain('Two-step verification required')
      expect(parseForms(other.html).some((f) => f.action.startsWith(`${strict}/admin/`) && f.action !== `${strict}/admin/sign-in`)).toBe(false)
    }
    const csrf = browser.cookies.get('latch_csrf_strict')!
    const forged = await browser.postForm(`${strict}/admin/clients`, { csrf, client_id: 'one-factor', redirect_uris: 'https://one.example.com/cb', grant_types_authorization_code: 'yes' })
    expect(forged.status).toBe(403)
    expect(await s.server.ctx.store.forTenant('strict').clients.get('one-factor')).toBeNull()
  }, 30_000)

  it('OIDC Core §3.1.2.1 acr_values: the console\'s step-up (admin.require_mfa) signs in afresh with the second factor and comes back to /admin with a session of two factors', async () => {
    const { browser } = await consoleSignIn(VIEWER)
    const { userId, secret } = await enrolTotp(s.server.ctx, VIEWER.email)
    const login = await browser.submit({ action: `${s.url}/admin/sign-in`, method: 'post', fields: { csrf: browser.cookies.get('latch_csrf')!, step_up: 'admin' }, buttons: [] })
    // A fresh sign-in although a session exists (account-kind.ts requiresFreshLogin), then the second factor.
    const second = await browser.signIn(login, VIEWER.email, VIEWER.password)
    const back = await browser.submit(secondFactorForm(second), { code: totpCode(secret, s.server.ctx.clock.now()) })
    expect([back.url, back.status]).toEqual([`${s.url}/admin`, 200])
    const sessions = await s.server.ctx.store.sessions.listForUser(userId, s.server.ctx.clock.now(), 10)
    expect(sessions.filter((session) => session.amr.includes('mfa'))).toHaveLength(1)
  }, 30_000)
})
