/**
 * Issue 12: the account page over real HTTP. The linked upstream accounts are written through the
 * store (as a federated sign-in or a link would, see the connections flows), the session comes
 * from a password sign-in, or from Latch's own `startSession` for a user without a password (as a
 * federated sign-in would give). Checks: the page needs a session (else "You are not signed in"
 * with issue 13's **Sign in**, see account-sections.test.ts);
 * it lists each identity (connection, upstream email, date) with an Unlink button, and a Link
 * link only for enabled connections that are not an organization's and not linked yet (carrying
 * the CSRF token); unlinking needs the CSRF token, emits `identity.unlinked`, and is refused when
 * it would leave the user no way to sign in.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LINK_MAX_AUTH_AGE } from '../../src/interaction/account-link.js'
import { startSession } from '../../src/sessions/idp-session.js'
import { alertText, Browser, parseForms, unescapeHtml, type Page } from '../browser.js'
import { ALICE, baseTestConfig, startServer, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'

const upstream = (id: string, more: Record<string, unknown> = {}) => ({
  id, type: 'oidc', issuer: 'http://127.0.0.1:9/idp', client_id: 'latch', client_secret: 'upstream-secret-0123456789', ...more,
})

const config = {
  users: baseTestConfig.users.map((u) => ({ ...u, email_verified: true })),
  organizations: [{ id: 'acme', name: 'Acme Corp', domains: ['acme.example'] }],
  connections: [
    upstream('social', { display_name: 'Social' }),
    upstream('code-host', { display_name: 'Code Host' }),
    upstream('chat', { display_name: 'Chat' }),
    upstream('off', { display_name: 'Switched Off', enabled: false }),
    upstream('acme-sso', { display_name: 'Acme SSO', organization: 'acme' }),
  ],
}

let server: TestServer
const unlinked: unknown[] = []

beforeAll(async () => {
  server = await startServer(config)
  server.server.ctx.events.on('identity.unlinked', (e) => unlinked.push(e))
})

afterAll(async () => {
  await server?.close()
})

const store = () => server.server.ctx.store
const now = () => Math.floor(Date.now() / 1000)

async function link(userId: string, connection: string, subject: string, email: string | null) {
  expect(await store().identities.link({ connection_id: connection, subject, user_id: userId, email, email_verified: email !== null }, now())).toBe('linked')
}

/** A browser signed in as alice with her password (a real sign-in through an authorization request). */
async function aliceBrowser(): Promise<Browser> {
  const browser = new Browser(server.url)
  // The hint skips the identify page (the tenant has an organization connection).
  const done = await browser.authorize(webAuthorizeUrl(server.url, { login_hint: ALICE.email }), ALICE)
  expect(done.redirect?.searchParams.get('code')).toBeTruthy()
  return browser
}

/** A browser with a session of a user who has no password (what a federated sign-in leaves), signed in `age` seconds ago. */
async function sessionFor(email: string, age = 0): Promise<Browser> {
  const user = (await store().users.getByEmail(email))!
  const then = Object.create(server.server.ctx, { clock: { value: { now: () => now() - age } } }) as typeof server.server.ctx
  const started = (await startSession(then, {}, user, ['fed']))!
  const browser = new Browser(server.url)
  if (!('value' in started.cookie)) throw new Error('expected a cookie to set')
  browser.cookies.set(started.cookie.name, started.cookie.value)
  return browser
}

function unlinkForms(page: Page) {
  return parseForms(page.html).filter((f) => f.action === `${server.url}/account/unlink`)
}

function listed(page: Page): string[] {
  return [...page.html.matchAll(/<li><strong>([^<]+)<\/strong>([^<]*)<time datetime="(\d{4}-\d\d-\d\d)">/g)].map((m) => `${unescapeHtml(m[1]!)}${unescapeHtml(m[2]!)}`.trim())
}

function linkLinks(page: Page): { label: string; href: URL }[] {
  return [...page.html.matchAll(/<a class="button connection" href="([^"]+)">(?:<svg [^>]*>(?:(?!<\/svg>)[\s\S])*<\/svg>)?Link ([^<]+)<\/a>/g)].map((m) => ({ label: unescapeHtml(m[2]!), href: new URL(unescapeHtml(m[1]!)) }))
}

describe('account page (issue 12)', () => {
  it('without a session: a "You are not signed in" page, and unlinking is refused', async () => {
    const browser = new Browser(server.url)
    const page = await browser.open(`${server.url}/account`)
    expect(page.status).toBe(200)
    expect(page.html).toContain('<h1>You are not signed in</h1>')
    // Issue 13: the account page's own sign-in, a form with the CSRF token.
    expect(parseForms(page.html).map((f) => [f.action, f.buttons[0]?.label, typeof f.fields.csrf])).toEqual([[`${server.url}/account/sign-in`, 'Sign in', 'string']])
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    // With a valid CSRF pair but no session.
    await browser.open(webAuthorizeUrl(server.url))
    const csrf = [...browser.cookies].find(([k]) => k.startsWith('latch_csrf'))![1]
    const res = await browser.postForm(`${server.url}/account/unlink`, { csrf, connection: 'social' })
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('You are not signed in')
  })

  it('lists the linked accounts with Unlink buttons, and Link links for the connections that may still be linked', async () => {
    const alice = (await store().users.getByEmail(ALICE.email))!
    await link(alice.id, 'social', 'alice-social', 'alice@social.example')
    await link(alice.id, 'code-host', 'alice-code', null)
    const browser = await aliceBrowser()
    const page = await browser.open(`${server.url}/account`)
    expect(page.status).toBe(200)
    expect(page.html).toContain(`Signed in as <strong>${ALICE.email}</strong>`)
    // Oldest first; both were linked within the same second here.
    expect(listed(page).sort()).toEqual(['Code Host ·', 'Social · alice@social.example ·'])
    expect(page.html).toContain(`<time datetime="${new Date().toISOString().slice(0, 10)}">`)
    expect(unlinkForms(page).map((f) => [f.fields.connection, f.buttons[0]?.label]).sort()).toEqual([['code-host', 'Unlink Code Host'], ['social', 'Unlink Social']])
    // Not the disabled one, not the organization's, not those linked already.
    const links = linkLinks(page)
    expect(links.map((l) => l.label)).toEqual(['Chat'])
    const csrf = [...browser.cookies].find(([k]) => k.startsWith('latch_csrf'))![1]
    expect(links[0]!.href.href).toBe(`${server.url}/connections/chat/start?purpose=link&csrf=${csrf}`)
  })

  it('unlinks with the CSRF token (identity.unlinked), not without it', async () => {
    const browser = await aliceBrowser()
    const page = await browser.open(`${server.url}/account`)
    const form = unlinkForms(page).find((f) => f.fields.connection === 'code-host')!
    const forged = await browser.postForm(form.action, { connection: 'code-host' })
    expect(forged.status).toBe(403)
    const alice = (await store().users.getByEmail(ALICE.email))!
    expect((await store().identities.listForUser(alice.id)).map((i) => i.connection_id)).toContain('code-host')
    const res = await browser.postForm(form.action, form.fields)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${server.url}/account?notice=unlinked`)
    expect(unlinked).toContainEqual({ user_id: alice.id, connection_id: 'code-host' })
    const after = await browser.open(res.headers.get('location')!)
    expect(after.html).toContain('<p class="notice" role="status">The account was unlinked.</p>')
    expect(listed(after)).toEqual(['Social · alice@social.example ·'])
    // Connections by id.
    expect(linkLinks(after).map((l) => l.label)).toEqual(['Chat', 'Code Host'])
    // A password user may unlink the last identity: the password remains.
    const last = unlinkForms(after)[0]!
    expect((await browser.postForm(last.action, last.fields)).headers.get('location')).toBe(`${server.url}/account?notice=unlinked`)
    expect(await store().identities.listForUser(alice.id)).toEqual([])
  })

  it('refuses to unlink the last way to sign in of a user without a password', async () => {
    const provisioned = await store().identities.provision(
      { email: 'nopass@example.org', email_verified: true, claims: {} },
      { connection_id: 'social', subject: 'np-social', email: 'nopass@example.org', email_verified: true },
      now(),
    )
    if (provisioned.outcome !== 'created') throw new Error(provisioned.outcome)
    await link(provisioned.user.id, 'chat', 'np-chat', 'nopass@chat.example')
    const browser = await sessionFor('nopass@example.org')
    let page = await browser.open(`${server.url}/account`)
    const first = unlinkForms(page).find((f) => f.fields.connection === 'chat')!
    expect((await browser.postForm(first.action, first.fields)).headers.get('location')).toBe(`${server.url}/account?notice=unlinked`)
    page = await browser.open(`${server.url}/account`)
    const last = unlinkForms(page)[0]!
    expect(last.fields.connection).toBe('social')
    const refused = await browser.postForm(last.action, last.fields)
    expect(refused.headers.get('location')).toBe(`${server.url}/account?notice=last_method`)
    page = await browser.open(refused.headers.get('location')!)
    expect(alertText(page.html)).toBe('This is your only way to sign in, so it cannot be unlinked.')
    expect((await store().identities.listForUser(provisioned.user.id)).map((i) => i.connection_id)).toEqual(['social'])
    expect(unlinked).not.toContainEqual({ user_id: provisioned.user.id, connection_id: 'social' })
    // Not linked, or not a connection id at all: nothing changes.
    for (const connection of ['code-host', '../x']) {
      expect((await browser.postForm(last.action, { ...last.fields, connection })).headers.get('location')).toBe(`${server.url}/account?notice=not_linked`)
    }
  })

  it('review L3: an identity of a switched-off connection is no way to sign in: the last usable one stays', async () => {
    const provisioned = await store().identities.provision(
      { email: 'offline@example.org', email_verified: true, claims: {} },
      { connection_id: 'social', subject: 'off-social', email: 'offline@example.org', email_verified: true },
      now(),
    )
    if (provisioned.outcome !== 'created') throw new Error(provisioned.outcome)
    await link(provisioned.user.id, 'off', 'off-off', 'offline@off.example')
    const browser = await sessionFor('offline@example.org')
    const page = await browser.open(`${server.url}/account`)
    const social = unlinkForms(page).find((f) => f.fields.connection === 'social')!
    expect((await browser.postForm(social.action, social.fields)).headers.get('location')).toBe(`${server.url}/account?notice=last_method`)
    expect((await store().identities.listForUser(provisioned.user.id)).map((i) => i.connection_id).sort()).toEqual(['off', 'social'])
  })

  it(`review L1: linking starts only within ${LINK_MAX_AUTH_AGE / 60} minutes of signing in; an older session is sent back to the account page, asked to sign in again`, async () => {
    await store().users.upsert({ email: 'linker@example.com', email_verified: true, password_hash: null, claims: {} }, now())
    const stale = await sessionFor('linker@example.com', LINK_MAX_AUTH_AGE + 60)
    const page = await stale.open(`${server.url}/account`)
    const chat = linkLinks(page).find((l) => l.label === 'Chat')!
    const refused = await stale.fetch(chat.href)
    expect(refused.status).toBe(303)
    expect(refused.headers.get('location')).toBe(`${server.url}/account?notice=reauth_needed`)
    expect(refused.headers.get('set-cookie') ?? '').not.toContain('latch_upstream')
    const notice = await stale.open(`${server.url}/account?notice=reauth_needed`)
    expect(alertText(notice.html)).toBe('For your security, linking needs a recent sign-in. Sign out, sign in again, then come back to this page within 10 minutes.')
    // A session just signed in gets past the check (to the upstream, here unreachable: link_failed).
    const fresh = await sessionFor('linker@example.com', LINK_MAX_AUTH_AGE - 60)
    const freshLink = linkLinks(await fresh.open(`${server.url}/account`)).find((l) => l.label === 'Chat')!
    expect((await fresh.fetch(freshLink.href)).headers.get('location')).toBe(`${server.url}/account?notice=link_failed`)
  })

  it('an unknown notice is ignored', async () => {
    const browser = await aliceBrowser()
    const page = await browser.open(`${server.url}/account?notice=%3Cscript%3E`)
    expect(page.status).toBe(200)
    expect(page.html).not.toContain('role="alert"')
    expect(page.html).not.toContain('<script')
  })
})
