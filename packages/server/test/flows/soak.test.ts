/**
 * Soak: round after round of anonymous `/authorize` requests, abandoned device authorizations and
 * complete sign-ins (code exchange, refresh, revocation, a replayed code), with the clock moved
 * ten minutes and a sweep after each round, as every node runs it. Every table Latch sweeps must
 * stay under a bound set by its rows' lifetimes, however many rounds run; and sweeping must never
 * bring a revoked access token back to life before its `exp` (its grant row is what revokes it).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { sweepPolicy } from '../../src/storage/repositories/sweep.js'
import { Browser } from '../browser.js'
import { ALICE, API, API_SECRET, basic, baseTestConfig, postForm, startServer, WEB_REDIRECT, WEB_SECRET, type TestServer } from '../helpers.js'
import { openTableCounter, type TableCounter, type TableSizes } from '../table-sizes.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const ROUNDS = 10
/** Clock step per round, seconds. */
const STEP = 600
const ANONYMOUS_PER_ROUND = 10
const DEVICES_PER_ROUND = 5
const ACCESS_TOKEN_TTL = 300
const REFRESH_TOKEN_TTL = 3600
const SESSION_TTL = 1800

const clock = new ManualClock()
let server: TestServer
let counter: TableCounter

beforeAll(async () => {
  server = await startServer(
    {
      default_resource: API,
      tokens: { access_token_ttl: ACCESS_TOKEN_TTL, refresh_token_ttl: REFRESH_TOKEN_TTL, device_code_ttl: 300 },
      sessions: { ttl: SESSION_TTL, interaction_ttl: 900, anonymous_interaction_ttl: 300 },
      security: { pending_per_source: 100, pending_source_window: 60 },
      clients: [
        ...baseTestConfig.clients,
        { client_id: 'tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT], scope: 'openid' },
      ],
    },
    { clock },
  )
  counter = await openTableCounter(server.server.config.database)
})

afterAll(async () => {
  await counter?.close()
  await server?.close()
})

async function token(params: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const res = await postForm(`${server.url}/token`, params, { authorization: basic('web', WEB_SECRET) })
  return { status: res.status, body: (await res.json()) as Record<string, string> }
}

async function active(accessToken: string): Promise<boolean> {
  const res = await postForm(`${server.url}/introspect`, { token: accessToken }, { authorization: basic(API, API_SECRET) })
  return ((await res.json()) as { active: boolean }).active
}

/** A user signs in on a fresh browser and the client redeems the code; returns the code too. */
async function signIn(scope: string): Promise<{ code: string; tokens: Record<string, string> }> {
  const url = new URL(`${server.url}/authorize`)
  url.search = new URLSearchParams({ client_id: 'web', redirect_uri: WEB_REDIRECT, response_type: 'code', scope, state: 's' }).toString()
  const done = await new Browser(server.url).authorize(url, ALICE)
  const code = done.redirect?.searchParams.get('code') as string
  const exchanged = await token({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT })
  expect(exchanged.status).toBe(200)
  return { code, tokens: exchanged.body }
}

/**
 * Most rows a table may hold after a round's sweep: what one round creates times the rounds its
 * rows live (lifetime plus the sweep's retention, over STEP), plus one round.
 */
function bounds(): TableSizes {
  const policy = sweepPolicy(server.server.config)
  const rounds = (lifetime: number) => Math.ceil(lifetime / STEP) + 1
  return {
    interactions: 0,
    authorization_codes: 0,
    sessions: 2 * rounds(SESSION_TTL),
    grants: 2 * rounds(REFRESH_TOKEN_TTL + policy.grantRetention),
    // The first user's token and its rotation, and the second user's (web may refresh).
    refresh_tokens: 3 * rounds(REFRESH_TOKEN_TTL + policy.grantRetention),
    access_tokens: 0,
    device_codes: DEVICES_PER_ROUND * rounds(300 + policy.deviceCodeRetention),
    replay_keys: 0,
  }
}

describe('soak', () => {
  /** @see issue 8 */
  it('RFC 7009 §2.1 + issue 8: table sizes stay flat under anonymous requests and complete flows, and revoked tokens stay revoked through the sweeps', async () => {
    const store = server.server.ctx.store
    const policy = sweepPolicy(server.server.config)
    const limit = bounds()
    const history: TableSizes[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // Anonymous: sign-in pages nobody finishes, device codes nobody approves.
      for (let i = 0; i < ANONYMOUS_PER_ROUND; i++) {
        const res = await fetch(`${server.url}/authorize?client_id=web&redirect_uri=${encodeURIComponent(WEB_REDIRECT)}&response_type=code&scope=openid&state=${'x'.repeat(2048)}&nonce=${'n'.repeat(2048)}`, { redirect: 'manual' })
        expect(res.headers.get('location')).toMatch(/\/interaction\//)
      }
      for (let i = 0; i < DEVICES_PER_ROUND; i++) {
        expect((await postForm(`${server.url}/device/authorize`, { client_id: 'tv', scope: 'openid' })).status).toBe(200)
      }

      // A user with a refresh token: refresh once, revoke one access token alone, then the grant.
      const { tokens: kept } = await signIn('openid offline_access')
      const refreshed = await token({ grant_type: 'refresh_token', refresh_token: kept.refresh_token as string })
      expect(refreshed.status).toBe(200)
      expect((await postForm(`${server.url}/revoke`, { token: kept.access_token as string }, { authorization: basic('web', WEB_SECRET) })).status).toBe(200)
      expect((await postForm(`${server.url}/revoke`, { token: refreshed.body.refresh_token as string }, { authorization: basic('web', WEB_SECRET) })).status).toBe(200)
      expect(await active(refreshed.body.access_token as string)).toBe(false)

      // A user without one, whose code is replayed: the grant (and its access token) is revoked.
      const { code, tokens: replayedGrant } = await signIn('openid')
      expect(await active(replayedGrant.access_token as string)).toBe(true)
      expect((await token({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT })).body.error).toBe('invalid_grant')

      // Sweep just before the revoked tokens expire: they must still read as revoked.
      clock.advance(ACCESS_TOKEN_TTL - 1)
      await store.sweep(clock.now(), policy)
      expect(await active(replayedGrant.access_token as string), `round ${round}: revoked by code replay`).toBe(false)
      expect(await active(refreshed.body.access_token as string), `round ${round}: revoked with its grant`).toBe(false)

      clock.advance(STEP - (ACCESS_TOKEN_TTL - 1))
      await store.sweep(clock.now(), policy)
      const sizes = await counter.sizes()
      history.push(sizes)
      for (const [table, rows] of Object.entries(sizes)) {
        expect(rows, `round ${round}: ${table} ${JSON.stringify(sizes)}`).toBeLessThanOrEqual(limit[table as keyof TableSizes])
      }
    }
    // Far more was created than is kept: the tables are flat, not merely small so far.
    expect(ROUNDS * ANONYMOUS_PER_ROUND).toBeGreaterThan(10 * Math.max(1, limit.interactions))
    expect(ROUNDS * DEVICES_PER_ROUND).toBeGreaterThan(limit.device_codes)
    expect(ROUNDS * 2).toBeGreaterThan(limit.grants)
    const last = history[history.length - 1] as TableSizes
    const middle = history[Math.floor(ROUNDS / 2)] as TableSizes
    expect(last.grants).toBeLessThanOrEqual(middle.grants)
    expect(last.device_codes).toBeLessThanOrEqual(middle.device_codes)
  })
})
