/**
 * Issue 12 in a real browser: Debian's Chromium driven by playwright-core, with a second Latch as
 * the upstream OpenID Provider of two downstream Latches, all on real HTTP:
 * - `shop` (`http://login.shop.test:PORT`): a social connection "Upstream ID" on its sign-in page
 *   and its account page;
 * - `corp` (`http://login.corp.test:PORT`): Acme's organization connection "Acme SSO", so its
 *   sign-in starts with home-realm discovery (the identify page);
 * - the upstream at `http://127.0.0.1:PORT` (the downstreams' servers reach it for discovery and
 *   tokens, so it keeps an address Node resolves).
 * Chromium maps `*.test` to 127.0.0.1 (`--host-resolver-rules`): cookies are per host, not per
 * port, so three Latches on 127.0.0.1 would overwrite each other's `latch_session`.
 * The application's redirect URI is a tiny local server that records the callback query.
 *
 * Checked: the "Continue with <name>" link by keyboard and back to the application with a code,
 * then single sign-on (the connection callback, the end of the upstream's form submission,
 * continues with a page, not a 303 that the upstream's CSP form-action would block: found here); home-realm discovery to the organization's IdP with the email pre-filled
 * (OIDC Core §3.1.2.1 `login_hint`), or on to the password page; linking and unlinking on the
 * account page by keyboard, and the refusal to unlink the only way to sign in; and every page of
 * these flows at 375 px (WCAG 2.2 §1.4.10), with labelled inputs (§1.3.1, §3.3.2) and a visible
 * focus on each element Tab reaches (§2.4.7).
 *
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 * @see https://www.w3.org/TR/WCAG22/#keyboard
 * @see https://www.w3.org/TR/WCAG22/#reflow
 * @see https://www.w3.org/TR/WCAG22/#focus-visible
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { hashHandle } from '../../src/lib/random.js'
import { CHROMIUM_ARGS, hasChromium, launchChromium } from '../chromium.js'
import { ALICE, BOB, baseTestConfig, freePort, startCallbackServer, startServer, type CallbackServer, type TestServer } from '../helpers.js'

const UPSTREAM_SECRET = 'upstream-secret-0123456789abcdef0123456789'
const APP_SECRET = 'shop-app-secret-0123456789abcdef012345'
const APP_NAME = 'Browser Shop'
const UPSTREAM_NAME = 'Upstream ID'
const ACME_NAME = 'Acme SSO'
/** At the upstream only: provisioned downstream by their first sign-in (no password there). */
const CAROL = { email: 'carol@upstream.example', password: 'carol-upstream-pass1' }
const DAVE = { email: 'dave@upstream.example', password: 'dave-upstream-pass12' }
/** Of Acme's domain, at the upstream only. */
const ANNA = { email: 'anna@acme.example', password: 'anna-upstream-pass12' }
/** Alice's account at the upstream, which she links to her password account at `shop`. */
const ALICE_UPSTREAM = { email: 'alice.work@upstream.example', password: 'alice-upstream-pass1' }
const PHONE = { width: 375, height: 667 }

describe.skipIf(!hasChromium)('connections in a real browser (issue 12)', () => {
  let browser: Browser
  let callbackServer: CallbackServer
  let callbackUrl: string
  let callbacks: URLSearchParams[]
  let upstream: TestServer
  let shop: TestServer
  let corp: TestServer
  let SHOP: string
  let CORP: string

  beforeAll(async () => {
    callbackServer = await startCallbackServer()
    ;({ url: callbackUrl, callbacks } = callbackServer)
    const [shopPort, corpPort] = [await freePort(), await freePort()]
    SHOP = `http://login.shop.test:${shopPort}`
    CORP = `http://login.corp.test:${corpPort}`
    upstream = await startServer({
      clients: [{
        client_id: 'downstream', client_secret: UPSTREAM_SECRET, scope: 'openid profile email', skip_consent: true,
        redirect_uris: [`${SHOP}/connections/upstream/callback`, `${CORP}/connections/acme-sso/callback`],
      }],
      users: [CAROL, DAVE, ANNA, ALICE_UPSTREAM].map((u) => ({ ...u, email_verified: true })),
    })
    const app = {
      client_id: 'shop-app', client_name: APP_NAME, client_secret: APP_SECRET, token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'], redirect_uris: [callbackUrl], scope: 'openid profile email', skip_consent: true,
    }
    const connection = { type: 'oidc', issuer: upstream.url, client_id: 'downstream', client_secret: UPSTREAM_SECRET }
    shop = await startServer({
      issuer: SHOP,
      clients: [...baseTestConfig.clients, app],
      connections: [{ ...connection, id: 'upstream', display_name: UPSTREAM_NAME }],
    }, { port: shopPort })
    corp = await startServer({
      issuer: CORP,
      clients: [...baseTestConfig.clients, app],
      organizations: [{ id: 'acme', name: 'Acme Corp', domains: ['acme.example'] }],
      connections: [{ ...connection, id: 'acme-sso', display_name: ACME_NAME, organization: 'acme' }],
    }, { port: corpPort })
    browser = await launchChromium({ args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.test 127.0.0.1'] })
  })

  afterAll(async () => {
    await browser?.close()
    await corp?.close()
    await shop?.close()
    await upstream?.close()
    await callbackServer?.close()
  })

  /** A fresh browser profile (no cookies): one user, one flow. */
  async function newPage(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext(options)
    context.setDefaultTimeout(10_000)
    return { context, page: await context.newPage() }
  }

  async function withPage(options: BrowserContextOptions, run: (page: Page) => Promise<void>): Promise<void> {
    const { context, page } = await newPage(options)
    try {
      await run(page)
    } finally {
      await context.close()
    }
  }

  function authorizationUrl(issuer: string, state: string): string {
    const url = new URL(`${issuer}${PATHS.authorization}`)
    url.search = new URLSearchParams({
      client_id: 'shop-app',
      redirect_uri: callbackUrl,
      response_type: 'code',
      scope: 'openid profile email',
      state,
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString()
    return url.href
  }

  /** Waits, after `act`, for the application's redirect URI; returns the query it received. */
  async function callbackAfter(page: Page, act: () => Promise<unknown>): Promise<URLSearchParams> {
    const before = callbacks.length
    await act()
    await page.waitForURL((url) => url.href.startsWith(callbackUrl))
    expect(callbacks.length, 'the application received exactly one callback').toBe(before + 1)
    return callbacks[callbacks.length - 1] as URLSearchParams
  }

  /** The user a code of `server` was issued to. */
  async function userOfCode(server: TestServer, query: URLSearchParams): Promise<string | undefined> {
    expect(query.get('error')).toBeNull()
    const stored = await server.server.ctx.store.authorizationCodes.find(hashHandle(query.get('code') ?? ''))
    return stored?.code.user_id
  }

  /** The focused element as role-ish text: `a Continue with …`, `input email`, `button Sign in`. */
  async function focused(page: Page): Promise<string> {
    return page.evaluate(() => {
      const el = document.activeElement
      if (el === null || el === document.body) return 'nothing'
      if (el instanceof HTMLInputElement) return `input ${el.name}`
      return `${el.tagName.toLowerCase()} ${el.textContent?.trim() ?? ''}`
    })
  }

  /** Presses Tab until `target` has focus (fails when it is not reachable within `max` presses). */
  async function tabTo(page: Page, target: Locator, max = 15): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (await target.evaluate((el) => el === document.activeElement)) return
      await page.keyboard.press('Tab')
    }
    throw new Error(`not reachable by Tab: ${target.toString()}`)
  }

  /** Signs in on a Latch sign-in page by its labels, pressing Enter in the password field. */
  async function signInWithKeyboard(page: Page, user: { email: string; password: string }): Promise<void> {
    const email = page.getByLabel('Email')
    if ((await email.inputValue()) !== user.email) await email.fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page.getByLabel('Password').press('Enter')
  }

  async function atUpstream(page: Page): Promise<void> {
    await page.waitForURL((url) => url.href.startsWith(`${upstream.url}/`))
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  }

  /**
   * WCAG 2.2 checks cheap enough for every page: no horizontal scroll at the viewport's width
   * (§1.4.10), a label for every input (§1.3.1, §3.3.2), and a drawn focus indicator on every
   * element Tab reaches (§2.4.7). Tab is pressed until each focusable element was visited once.
   */
  async function checkPage(page: Page, name: string): Promise<void> {
    const scroll = await page.evaluate(() => ({ width: document.scrollingElement?.scrollWidth ?? Infinity, viewport: window.innerWidth }))
    expect(scroll.viewport, name).toBe(PHONE.width)
    expect(scroll.width, `${name}: horizontal scroll`).toBeLessThanOrEqual(PHONE.width)
    const unlabelled = await page.evaluate(() => Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
      .filter((el) => ((el as HTMLInputElement).labels?.length ?? 0) === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
      .map((el) => el.outerHTML))
    expect(unlabelled, `${name}: inputs without a label`).toEqual([])
    const focusables = await page.locator('a[href], button, input:not([type=hidden]), select, textarea').count()
    expect(focusables, `${name}: something to focus`).toBeGreaterThan(0)
    const seen = new Map<string, string>()
    for (let i = 0; i < focusables * 2 + 2 && seen.size < focusables; i++) {
      await page.keyboard.press('Tab')
      const ring = await page.evaluate(() => {
        const el = document.activeElement
        if (el === null || el === document.body) return null
        const all = Array.from(document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea'))
        const cs = getComputedStyle(el)
        const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0
        return { index: all.indexOf(el), text: `${el.tagName.toLowerCase()} ${el.textContent?.trim() || (el as HTMLInputElement).name}`, visible: outline || cs.boxShadow !== 'none' }
      })
      if (ring === null) continue
      expect(ring.index, `${name}: focus on a known control`).toBeGreaterThanOrEqual(0)
      expect(ring.visible, `${name}: no focus indicator on ${ring.text}`).toBe(true)
      seen.set(String(ring.index), ring.text)
    }
    expect(seen.size, `${name}: every control reached by Tab (${[...seen.values()].join(', ')})`).toBe(focusables)
  }

  it('issue 12, WCAG 2.2 §2.1.1 Keyboard: "Continue with Upstream ID" is a named link, in visual Tab order; Enter goes to the upstream, signing in there returns a code to the application; the session then skips sign-in', async () => {
    await withPage({}, async (page) => {
      await page.goto(authorizationUrl(SHOP, 'keyboard'))
      await page.getByRole('heading', { name: 'Sign in' }).waitFor()
      const list = page.getByRole('list', { name: 'Other ways to sign in' })
      const link = list.getByRole('link', { name: `Continue with ${UPSTREAM_NAME}` })
      await link.waitFor()
      // Tab order is the visual order: the link above the form (sign_in.connections: above), then
      // Email (focused first, autofocus), Password, Sign in.
      await expect.poll(() => focused(page)).toBe('input email')
      await page.keyboard.press('Shift+Tab')
      expect(await focused(page)).toBe(`a Continue with ${UPSTREAM_NAME}`)
      const order = [await focused(page)]
      for (let i = 0; i < 3; i++) {
        await page.keyboard.press('Tab')
        order.push(await focused(page))
      }
      expect(order).toEqual([`a Continue with ${UPSTREAM_NAME}`, 'input email', 'input password', 'button Sign in'])
      const tops = await Promise.all([link, page.getByLabel('Email'), page.getByLabel('Password'), page.getByRole('button', { name: 'Sign in', exact: true })].map(async (l) => (await l.boundingBox())?.y ?? -1))
      expect([...tops].sort((a, b) => a - b)).toEqual(tops)
      for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+Tab')
      expect(await focused(page)).toBe(`a Continue with ${UPSTREAM_NAME}`)
      // WCAG 2.2 §2.4.7: the link shows where the focus is.
      expect(await link.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid')
      await page.keyboard.press('Enter')
      await atUpstream(page)
      const shopCallback = page.waitForResponse((r) => r.url().startsWith(`${SHOP}/connections/upstream/callback?`))
      const first = await callbackAfter(page, () => signInWithKeyboard(page, CAROL))
      // CSP3 form-action: the callback ends the upstream's form submission, whose redirect chain
      // the upstream's form-action governs; a 303 from there to the application was blocked, so the
      // callback continues with a page (meta refresh) that carries the code without caching or Referer.
      const continuing = await shopCallback
      expect(continuing.status()).toBe(200)
      expect(await continuing.headerValue('cache-control')).toBe('no-store')
      expect(await continuing.headerValue('referrer-policy')).toBe('no-referrer')
      expect(first.get('state')).toBe('keyboard')
      expect(first.get('iss')).toBe(SHOP)
      const carol = await shop.server.ctx.store.users.getByEmail(CAROL.email)
      expect(carol?.password_hash).toBeNull()
      expect(await userOfCode(shop, first)).toBe(carol?.id)

      // The downstream session: a second request ends at the application without a page of shop's or the upstream's.
      const pages: string[] = []
      page.on('framenavigated', (frame) => pages.push(frame.url()))
      const second = await callbackAfter(page, () => page.goto(authorizationUrl(SHOP, 'again')))
      expect(second.get('state')).toBe('again')
      expect(await userOfCode(shop, second)).toBe(carol?.id)
      expect(pages.filter((u) => u.includes(PATHS.interaction) || u.startsWith(upstream.url))).toEqual([])
    })
  })

  it('issue 12, OIDC Core §3.1.2.1 login_hint: home-realm discovery takes an email of Acme\'s domain (typed, Enter) through the continuing page to Acme\'s IdP with the email filled in, and back with a code', async () => {
    await withPage({}, async (page) => {
      await page.goto(authorizationUrl(CORP, 'acme'))
      await page.getByRole('heading', { name: 'Sign in' }).waitFor()
      await page.getByRole('button', { name: 'Continue' }).waitFor()
      expect(await page.getByLabel('Password').count()).toBe(0)
      // The organization's connection is no button: only the email leads there.
      expect(await page.getByRole('link', { name: `Continue with ${ACME_NAME}` }).count()).toBe(0)
      await expect.poll(() => focused(page)).toBe('input email')
      const continuing = page.waitForResponse((r) => r.url().endsWith('/identify') && r.request().method() === 'POST')
      const atIdp = page.waitForRequest((r) => r.url().startsWith(`${upstream.url}${PATHS.authorization}?`))
      await page.keyboard.type(ANNA.email)
      await page.keyboard.press('Enter')
      const response = await continuing
      // A 200 page (not a redirect: CSP form-action would block the IdP's origin), which moves on by itself.
      expect(response.status()).toBe(200)
      // (Its body is gone once the refresh has moved on: the page itself is read in the 375 px case, which holds it.)
      expect(new URL((await atIdp).url()).searchParams.get('login_hint')).toBe(ANNA.email)
      await atUpstream(page)
      expect(await page.getByLabel('Email').inputValue()).toBe(ANNA.email)
      const query = await callbackAfter(page, () => signInWithKeyboard(page, ANNA))
      expect(query.get('state')).toBe('acme')
      expect(query.get('iss')).toBe(CORP)
      const anna = await corp.server.ctx.store.users.getByEmail(ANNA.email)
      expect(await userOfCode(corp, query)).toBe(anna?.id)
      expect((await corp.server.ctx.store.organizations.membership('acme', anna!.id))?.roles).toEqual(['member'])
    })
  })

  it('issue 12: an email of another domain continues to the password page with the email filled in', async () => {
    await withPage({}, async (page) => {
      await page.goto(authorizationUrl(CORP, 'other'))
      await page.getByLabel('Email').fill(ALICE.email)
      await page.getByLabel('Email').press('Enter')
      await page.getByLabel('Password').waitFor()
      expect(page.url()).toContain(CORP)
      expect(await page.getByLabel('Email').inputValue()).toBe(ALICE.email)
      const query = await callbackAfter(page, () => signInWithKeyboard(page, ALICE))
      expect(query.get('iss')).toBe(CORP)
      expect(await userOfCode(corp, query)).toBe((await corp.server.ctx.store.users.getByEmail(ALICE.email))?.id)
    })
  })

  it('issue 12, WCAG 2.2 §2.1.1 Keyboard: on the account page a password user links the upstream account ("Link Upstream ID", signing in there) and unlinks it with the keyboard', async () => {
    await withPage({}, async (page) => {
      await page.goto(authorizationUrl(SHOP, 'alice'))
      await callbackAfter(page, () => signInWithKeyboard(page, ALICE))
      await page.goto(`${SHOP}/account`)
      await page.getByRole('heading', { name: 'Your account' }).waitFor()
      await page.getByText(`Signed in as ${ALICE.email}`).waitFor()
      await page.getByText('No account of another service is linked.').waitFor()
      const linkLink = page.getByRole('link', { name: `Link ${UPSTREAM_NAME}` })
      await tabTo(page, linkLink)
      await page.keyboard.press('Enter')
      await atUpstream(page)
      await signInWithKeyboard(page, ALICE_UPSTREAM)
      await page.waitForURL(`${SHOP}/account?notice=linked`)
      await page.getByRole('status').filter({ hasText: 'The account was linked.' }).waitFor()
      const item = page.getByRole('listitem').filter({ hasText: UPSTREAM_NAME })
      expect(await item.textContent()).toContain(ALICE_UPSTREAM.email)
      const alice = (await shop.server.ctx.store.users.getByEmail(ALICE.email))!
      expect((await shop.server.ctx.store.identities.listForUser(alice.id)).map((i) => [i.connection_id, i.email])).toEqual([['upstream', ALICE_UPSTREAM.email]])

      await tabTo(page, page.getByRole('button', { name: `Unlink ${UPSTREAM_NAME}` }))
      await page.keyboard.press('Enter')
      await page.waitForURL(`${SHOP}/account?notice=unlinked`)
      await page.getByRole('status').filter({ hasText: 'The account was unlinked.' }).waitFor()
      await page.getByText('No account of another service is linked.').waitFor()
      expect(await page.getByRole('button', { name: `Unlink ${UPSTREAM_NAME}` }).count()).toBe(0)
      expect(await shop.server.ctx.store.identities.listForUser(alice.id)).toEqual([])
      // She can link it again.
      await page.getByRole('link', { name: `Link ${UPSTREAM_NAME}` }).waitFor()
    })
  })

  it('issue 12: unlinking the only way to sign in (a user the upstream provisioned, without a password) is refused with a visible message', async () => {
    await withPage({}, async (page) => {
      await page.goto(authorizationUrl(SHOP, 'dave'))
      await page.getByRole('link', { name: `Continue with ${UPSTREAM_NAME}` }).click()
      await atUpstream(page)
      await callbackAfter(page, () => signInWithKeyboard(page, DAVE))
      const dave = (await shop.server.ctx.store.users.getByEmail(DAVE.email))!
      expect(dave.password_hash).toBeNull()
      await page.goto(`${SHOP}/account`)
      await tabTo(page, page.getByRole('button', { name: `Unlink ${UPSTREAM_NAME}` }))
      await page.keyboard.press('Enter')
      await page.waitForURL(`${SHOP}/account?notice=last_method`)
      expect(await page.getByRole('alert').textContent()).toBe('This is your only way to sign in, so it cannot be unlinked.')
      await page.getByRole('button', { name: `Unlink ${UPSTREAM_NAME}` }).waitFor()
      expect((await shop.server.ctx.store.identities.listForUser(dave.id)).map((i) => i.connection_id)).toEqual(['upstream'])
    })
  })

  it('WCAG 2.2 §1.4.10, §1.3.1, §2.4.7: at 375 px every page of these flows fits without horizontal scroll, labels its inputs and shows focus; the continuing page\'s link works by keyboard', async () => {
    const phone = { viewport: PHONE, isMobile: true, hasTouch: true }
    await withPage(phone, async (page) => {
      await page.goto(authorizationUrl(SHOP, 'phone'))
      await page.getByRole('link', { name: `Continue with ${UPSTREAM_NAME}` }).waitFor()
      await checkPage(page, 'sign-in page with a connection')
      await page.getByRole('link', { name: `Continue with ${UPSTREAM_NAME}` }).click()
      await atUpstream(page)
      await checkPage(page, 'upstream sign-in page')
    })
    await withPage(phone, async (page) => {
      await page.goto(authorizationUrl(CORP, 'phone'))
      await page.getByRole('button', { name: 'Continue' }).waitFor()
      await checkPage(page, 'identify page')
      // Holds the continuing page: its meta refresh (and only it) gets 204 No Content, which
      // leaves the page where it is; then its visible link is followed by keyboard.
      let held = false
      await page.route(`${CORP}/connections/acme-sso/start**`, async (route) => {
        if (held) return route.continue()
        held = true
        return route.fulfill({ status: 204 })
      })
      await page.getByLabel('Email').fill('someone.with.a.rather.long.address@acme.example')
      await page.getByLabel('Email').press('Enter')
      await page.getByRole('heading', { name: 'Continuing to your organization' }).waitFor()
      await expect.poll(() => held).toBe(true)
      await page.getByText('Acme Corp signs you in with its own sign-in service.').waitFor()
      await checkPage(page, 'continuing page')
      await tabTo(page, page.getByRole('link', { name: `Continue to ${ACME_NAME}` }))
      await page.keyboard.press('Enter')
      await atUpstream(page)
      expect(await page.getByLabel('Email').inputValue()).toBe('someone.with.a.rather.long.address@acme.example')
    })
    await withPage(phone, async (page) => {
      await page.goto(authorizationUrl(CORP, 'phone-password'))
      await page.getByLabel('Email').fill(ALICE.email)
      await page.getByLabel('Email').press('Enter')
      await page.getByLabel('Password').waitFor()
      await checkPage(page, 'password page after identify')
    })
    await withPage(phone, async (page) => {
      await page.goto(`${SHOP}/account`)
      await page.getByRole('heading', { name: 'You are not signed in' }).waitFor()
      expect(await page.evaluate(() => document.scrollingElement?.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
      // Bob, with a password and an upstream account whose long address must wrap, not scroll.
      const bob = (await shop.server.ctx.store.users.getByEmail(BOB.email))!
      const now = shop.server.ctx.clock.now()
      expect(await shop.server.ctx.store.identities.link({ connection_id: 'upstream', subject: 'bob-upstream', user_id: bob.id, email: 'bob.with.an.unusually.long.mailbox.name@upstream-identity.example', email_verified: true }, now)).toBe('linked')
      await page.goto(authorizationUrl(SHOP, 'bob'))
      await callbackAfter(page, () => signInWithKeyboard(page, BOB))
      await page.goto(`${SHOP}/account`)
      await page.getByRole('button', { name: `Unlink ${UPSTREAM_NAME}` }).waitFor()
      await checkPage(page, 'account page')
    })
  })
})
