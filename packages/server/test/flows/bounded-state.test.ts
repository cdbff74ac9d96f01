/**
 * What anonymous requests can make Latch store is bounded (issue 8): interactions started by
 * `GET /authorize` and device authorizations are limited per source (IPv4 address, IPv6 /64, and
 * the /56 and /48 around it) and in total; at the interaction cap the oldest page nobody signed in
 * to is evicted, an interaction nobody signs in to expires early, and single sign-on stores nothing.
 * Sources are set with `X-Forwarded-For` (`trust_proxy: true`); time is a clock the tests move,
 * which also slides the rate-limit windows.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { sweepPolicy } from '../../src/storage/repositories/sweep.js'
import { Browser, formOf, isConsentPage, isLoginPage } from '../browser.js'
import { ALICE, baseTestConfig, startServer, WEB_REDIRECT, type TestServer } from '../helpers.js'
import { expectNoStore, postForm } from './relying-party.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const WINDOW = 600
const PER_SOURCE = 3
const PER_56 = 5
const PER_48 = 8
const MAX_INTERACTIONS = 6
const MAX_DEVICE_CODES = 4
const ANONYMOUS_TTL = 120

const clock = new ManualClock()
let server: TestServer

beforeAll(async () => {
  server = await startServer(
    {
      trust_proxy: true,
      sessions: { interaction_ttl: 3600, anonymous_interaction_ttl: ANONYMOUS_TTL },
      security: {
        pending_per_source: PER_SOURCE,
        pending_per_ipv6_56: PER_56,
        pending_per_ipv6_48: PER_48,
        pending_source_window: WINDOW,
        max_pending_interactions: MAX_INTERACTIONS,
        max_pending_device_codes: MAX_DEVICE_CODES,
      },
      clients: [
        ...baseTestConfig.clients,
        { client_id: 'tv', client_name: 'Living Room TV', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT], scope: 'openid' },
      ],
    },
    { clock },
  )
})

afterAll(async () => {
  await server?.close()
})

/** A fresh start: every window slid past and every pending row expired and swept. */
async function fresh(): Promise<void> {
  clock.advance(WINDOW + 3600 * 2)
  await server.server.ctx.store.sweep(clock.now(), sweepPolicy(server.server.config))
}

function authorizeUrl(state: string, extra: Record<string, string> = {}): string {
  const url = new URL(`${server.url}/authorize`)
  url.search = new URLSearchParams({ client_id: 'web', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid', state, ...extra }).toString()
  return url.href
}

/** An anonymous GET /authorize from `ip`: where it redirects. */
async function authorizeFrom(ip: string, state = 's'): Promise<URL> {
  const res = await fetch(authorizeUrl(state), { redirect: 'manual', headers: { 'x-forwarded-for': ip } })
  expect(res.status).toBe(303)
  return new URL(res.headers.get('location') as string, server.url)
}

function deviceFrom(ip: string) {
  return postForm(`${server.url}/device/authorize`, { client_id: 'tv', scope: 'openid' }, { 'x-forwarded-for': ip })
}

describe('per source', () => {
  /** @see issue 8 */
  it('RFC 6749 §4.1.2.1: past pending_per_source, /authorize redirects temporarily_unavailable (with state and iss) to the verified redirect_uri', async () => {
    await fresh()
    for (let i = 0; i < PER_SOURCE; i++) expect((await authorizeFrom('198.51.100.7')).pathname).toMatch(/^\/interaction\//)
    const refused = await authorizeFrom('198.51.100.7', 'xyz')
    expect(refused.origin + refused.pathname).toBe(WEB_REDIRECT)
    expect(refused.searchParams.get('error')).toBe('temporarily_unavailable')
    expect(refused.searchParams.get('state')).toBe('xyz')
    expect(refused.searchParams.get('iss')).toBe(server.url)
    // Another source is not affected, and the window slides.
    expect((await authorizeFrom('198.51.100.8')).pathname).toMatch(/^\/interaction\//)
    clock.advance(WINDOW)
    expect((await authorizeFrom('198.51.100.7')).pathname).toMatch(/^\/interaction\//)
  })

  /** @see issue 8 */
  it('RFC 6177: IPv6 addresses of one /64 share one budget; another /64 has its own', async () => {
    await fresh()
    for (const host of ['1', '2', 'ab:cd:ef']) expect((await authorizeFrom(`2001:db8:7:1::${host}`)).pathname).toMatch(/^\/interaction\//)
    expect((await authorizeFrom('2001:db8:7:1:ffff:ffff:ffff:ffff')).searchParams.get('error')).toBe('temporarily_unavailable')
    expect((await authorizeFrom('2001:db8:7:2::1')).pathname).toMatch(/^\/interaction\//)
  })

  /** @see issue 8 */
  it('RFC 6177: an IPv6 /56 and /48 have budgets of their own (pending_per_ipv6_56, _48): fresh /64s of one site do not add up to fresh budgets', async () => {
    await fresh()
    const ok = async (ip: string) => expect((await authorizeFrom(ip)).pathname).toMatch(/^\/interaction\//)
    const refused = async (ip: string) => expect((await authorizeFrom(ip)).searchParams.get('error')).toBe('temporarily_unavailable')
    // One /56: 3 from one /64, 2 from another, then the /56 is spent for every /64 in it.
    for (let i = 0; i < PER_SOURCE; i++) await ok(`2001:db8:a:100::${i + 1}`)
    for (let i = 0; i < PER_56 - PER_SOURCE; i++) await ok(`2001:db8:a:1ff::${i + 1}`)
    await refused('2001:db8:a:150::1')
    // Another /56 of the same /48 until the /48 is spent, then every /56 of it is refused.
    for (let i = 0; i < PER_48 - PER_56; i++) await ok(`2001:db8:a:2${i}0::1`)
    await refused('2001:db8:a:ff00::1')
    // Another /48 is not affected. (Device codes are counted the same way, under keys of their own.)
    await ok('2001:db8:b:100::1')
  })

  /** @see issue 8 */
  it('RFC 6585 §4 + RFC 8628 §3.5: past pending_per_source, /device/authorize answers 429 slow_down with Retry-After, no-store', async () => {
    await fresh()
    for (let i = 0; i < PER_SOURCE; i++) expect((await deviceFrom('203.0.113.9')).status).toBe(200)
    const refused = await deviceFrom('203.0.113.9')
    expect(refused.status).toBe(429)
    expect(refused.body.error).toBe('slow_down')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(WINDOW)
    expectNoStore(refused.headers)
    expect((await deviceFrom('203.0.113.10')).status).toBe(200)
  })
})

describe('global caps', () => {
  /** @see issue 8 */
  it('RFC 6749 §4.1.2.1: past max_pending_interactions the oldest page nobody signed in to makes room; a signed-in one stays', async () => {
    await fresh()
    // A user signed in and on the consent page: their interaction is one of the pending rows.
    const browser = new Browser(server.url)
    const consent = await browser.signIn(await browser.open(authorizeUrl('kept', { prompt: 'consent' })), ALICE.email, ALICE.password)
    expect(isConsentPage(consent)).toBe(true)
    const pages: URL[] = []
    for (let i = 0; i < MAX_INTERACTIONS - 1; i++) {
      pages.push(await authorizeFrom(`192.0.2.${i + 1}`))
      clock.advance(1)
    }
    // Full. A new sign-in is not refused: the oldest anonymous page goes instead.
    const newest = await authorizeFrom('192.0.2.200', 'new')
    expect(newest.pathname).toMatch(/^\/interaction\//)
    const visitor = new Browser(server.url)
    const evicted = await visitor.open((pages[0] as URL).href)
    expect(evicted.status).toBe(400)
    expect(evicted.html).toContain('This sign-in request has expired')
    expect(isLoginPage(await visitor.open((pages[1] as URL).href))).toBe(true)
    expect(isLoginPage(await visitor.open(newest.href))).toBe(true)
    // The signed-in user's consent still completes.
    const decided = await browser.decide(consent, 'allow')
    expect(decided.redirect?.searchParams.get('code')).toBeTruthy()
    expect(decided.redirect?.searchParams.get('state')).toBe('kept')
  })

  /** @see issue 8 */
  it('RFC 6749 §4.1.2.1: when every pending interaction has a signed-in user, a new page is refused (temporarily_unavailable; the device page answers 503 HTML), but single sign-on still works', async () => {
    await fresh()
    const browsers: Browser[] = []
    for (let i = 0; i < MAX_INTERACTIONS; i++) {
      // The browsers share one address: a window apart, three at a time (signed in, theirs outlive it).
      if (i > 0 && i % PER_SOURCE === 0) clock.advance(WINDOW)
      const browser = new Browser(server.url)
      const consent = await browser.signIn(await browser.open(authorizeUrl(`c${i}`, { prompt: 'consent' })), ALICE.email, ALICE.password)
      expect(isConsentPage(consent)).toBe(true)
      browsers.push(browser)
    }
    const started = await deviceFrom('192.0.2.50')
    const userCode = started.body.user_code as string
    const refused = await authorizeFrom('192.0.2.201', 'full')
    expect(refused.searchParams.get('error')).toBe('temporarily_unavailable')
    expect(refused.searchParams.get('state')).toBe('full')
    // A signed-in browser needs no page, so no row, so no refusal.
    const sso = await (browsers[0] as Browser).open(authorizeUrl('sso-1'))
    expect(sso.redirect?.searchParams.get('code')).toBeTruthy()
    expect(sso.redirect?.searchParams.get('state')).toBe('sso-1')
    // The device page shows a page of its own.
    const device = new Browser(server.url)
    const form = formOf(await device.open(`${server.url}/device`))
    const busy = await device.fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '192.0.2.60' },
      body: new URLSearchParams({ ...form.fields, user_code: userCode }),
    })
    expect(busy.status).toBe(503)
    expect(busy.headers.get('content-type')).toMatch(/^text\/html/)
    expect(busy.headers.get('retry-after')).toBe('60')
    const html = await busy.text()
    expect(html).toContain('Sign-in is busy right now')
    expect(html).not.toContain('type="password"')
  })

  /** @see issue 8 */
  it('RFC 6749 §4.1.2.1: past max_pending_device_codes /device/authorize answers 503 temporarily_unavailable with Retry-After', async () => {
    await fresh()
    for (let i = 0; i < MAX_DEVICE_CODES; i++) expect((await deviceFrom(`192.0.2.${i + 1}`)).status).toBe(200)
    const refused = await deviceFrom('192.0.2.100')
    expect(refused.status).toBe(503)
    expect(refused.body.error).toBe('temporarily_unavailable')
    expect(refused.headers.get('retry-after')).toBe('60')
    expectNoStore(refused.headers)
  })
})

describe('lifetime of interactions', () => {
  /** @see issue 8 */
  it('an interaction nobody signs in to expires after anonymous_interaction_ttl; signing in gives it interaction_ttl', async () => {
    await fresh()
    const browser = new Browser(server.url)
    const abandoned = await browser.open(authorizeUrl('a', { prompt: 'login' }))
    expect(isLoginPage(abandoned)).toBe(true)
    clock.advance(ANONYMOUS_TTL)
    const gone = await browser.open(abandoned.url)
    expect(gone.status).toBe(400)
    expect(gone.html).toContain('This sign-in request has expired')

    // web2 needs consent; signed in, the interaction outlives the anonymous lifetime.
    const login = await browser.open(authorizeUrl('b', { prompt: 'consent' }))
    const consent = await browser.signIn(login, ALICE.email, ALICE.password)
    expect(isConsentPage(consent)).toBe(true)
    clock.advance(ANONYMOUS_TTL * 3)
    const decided = await browser.decide(consent, 'allow')
    expect(decided.redirect?.searchParams.get('code')).toBeTruthy()
    expect(decided.redirect?.searchParams.get('state')).toBe('b')
  })
})
