/**
 * What anonymous requests can make Latch store is bounded (issue 8): interactions started by
 * `GET /authorize` and device authorizations are limited per source (IPv4 address, IPv6 /64) and
 * in total, an interaction nobody signs in to expires early, and single sign-on stores nothing.
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
  it('RFC 6749 §4.1.2.1: past max_pending_interactions every new sign-in page is refused (temporarily_unavailable), but single sign-on still works and stores nothing', async () => {
    await fresh()
    // A signed-in browser first (its interaction is one of the pending rows until it completes).
    const browser = new Browser(server.url)
    const done = await browser.authorize(authorizeUrl('sso-0'), ALICE)
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
    for (let i = 0; i < MAX_INTERACTIONS; i++) expect((await authorizeFrom(`192.0.2.${i + 1}`)).pathname).toMatch(/^\/interaction\//)
    const refused = await authorizeFrom('192.0.2.200', 'full')
    expect(refused.searchParams.get('error')).toBe('temporarily_unavailable')
    expect(refused.searchParams.get('state')).toBe('full')
    // The signed-in user needs no page, so no row, so no refusal.
    const sso = await browser.open(authorizeUrl('sso-1'))
    expect(sso.redirect?.searchParams.get('code')).toBeTruthy()
    expect(sso.redirect?.searchParams.get('state')).toBe('sso-1')
    // Once the anonymous rows expire (anonymous_interaction_ttl), there is room again.
    clock.advance(ANONYMOUS_TTL)
    expect((await authorizeFrom('192.0.2.201')).pathname).toMatch(/^\/interaction\//)
  })

  /** @see issue 8 */
  it('RFC 6749 §4.1.2.1: with the interactions full, the device page answers an HTML page (503) instead of starting a sign-in', async () => {
    await fresh()
    const started = await deviceFrom('192.0.2.50')
    const userCode = started.body.user_code as string
    for (let i = 0; i < MAX_INTERACTIONS; i++) await authorizeFrom(`192.0.2.${i + 1}`)
    const browser = new Browser(server.url)
    const form = await browser.open(`${server.url}/device`)
    const refused = await browser.submit(formOf(form), { user_code: userCode })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/)
    expect(refused.html).toContain('Sign-in is busy right now')
    expect(refused.headers.get('retry-after')).toBe('60')
    expect(isLoginPage(refused)).toBe(false)
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
