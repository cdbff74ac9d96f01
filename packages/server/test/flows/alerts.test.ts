/**
 * Issue 14, alert webhooks end to end: a real receiver on port 0, a real server on SQLite (or
 * PostgreSQL by LATCH_TEST_DIALECT), a manual clock to step retries. Signatures are checked here
 * with node:crypto alone (the README's recipe), not with Latch's code. A refresh-token reuse in a
 * real authorization code + refresh flow delivers a theft alert; thresholds fire once per window;
 * 500s are retried with backoff until a 2xx or the attempt bound; delivery status reaches the bus
 * (`alert.delivered`, `alert.failed`) without the body or the secret, and the log never holds the secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LatchEventMap, LatchEventName } from '../../src/events.js'
import { ManualClock } from '../../src/lib/clock.js'
import { Browser } from '../browser.js'
import { ALICE, API, WEB_REDIRECT, WEB_SECRET, startServer, type TestServer } from '../helpers.js'
import { startAlertReceiver, type AlertReceiver, type ReceivedAlert } from '../support/alert-receiver.js'
import { client, discover, expectResponseError, newRequestSecrets } from './relying-party.js'

const SECRET = 'whsec-theft-0123456789abcdef0123456789abcdef'
const OTHER = 'whsec-other-0123456789abcdef0123456789abcdef'

/** The README's verification recipe, written against node:crypto only. */
function verify(secret: string, header: string | undefined, raw: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=', 2) as [string, string]))
  const t = Number(parts.t)
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || typeof parts.v1 !== 'string') return false
  const expected = createHmac('sha256', secret).update(`${t}.${raw}`).digest()
  const given = Buffer.from(parts.v1, 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

let receiver: AlertReceiver
let server: TestServer
let clock: ManualClock
let web: client.Configuration
const events: { name: string; payload: Record<string, unknown> }[] = []
const logLines: string[] = []

beforeAll(async () => {
  receiver = await startAlertReceiver()
  clock = new ManualClock()
  const logger = pino({ level: 'debug' }, new Writable({ write(chunk, _e, done) { logLines.push(String(chunk)); done() } }))
  server = await startServer(
    {
      alerts: {
        webhooks: [
          { url: `${receiver.url}/theft`, secret: SECRET, events: ['theft'] },
          { url: `${receiver.url}/threshold`, secret: OTHER, events: ['threshold'] },
          { url: `${receiver.url}/throttle`, secret: OTHER, events: ['login.throttled', 'throttle.engaged'] },
          { url: `${receiver.url}/retry`, secret: OTHER, events: ['passkey.counter_regressed'] },
          { url: `${receiver.url}/down`, secret: OTHER, events: ['client_assertion.replayed'] },
        ],
        thresholds: { failed_sign_ins_per_account: { count: 3, window: 600 }, failed_sign_ins_per_network: null },
        max_attempts: 3,
      },
    },
    { clock, logger },
  )
  for (const name of ['alert.delivered', 'alert.failed'] as const) server.server.ctx.events.on(name, (payload) => events.push({ name, payload: payload as unknown as Record<string, unknown> }))
  web = await discover(server.url, 'web', client.ClientSecretBasic(WEB_SECRET))
})

afterAll(async () => {
  await server?.close()
  await receiver?.close()
})

const deliver = () => server.server.deliverAlerts()
function emit<K extends LatchEventName>(name: K, payload: LatchEventMap[K]): void {
  server.server.ctx.events.emit(name, payload)
}

describe('theft alerts', () => {
  it('RFC 9700 §4.14.2 + issue 14: a refresh token reused in a real flow delivers one signed refresh_token.family_revoked alert; it verifies with the secret and not with another', async () => {
    const browser = new Browser(server.url)
    const s = await newRequestSecrets()
    const url = client.buildAuthorizationUrl(web, {
      redirect_uri: WEB_REDIRECT, scope: 'openid offline_access read:data', resource: API, state: s.state, nonce: s.nonce,
      code_challenge: s.challenge, code_challenge_method: 'S256',
    })
    const page = await browser.authorize(url, ALICE)
    const tokens = await client.authorizationCodeGrant(web, page.redirect!, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce })
    await client.refreshTokenGrant(web, tokens.refresh_token!)
    expect((await expectResponseError(client.refreshTokenGrant(web, tokens.refresh_token!))).error).toBe('invalid_grant')
    await deliver()

    const [got, ...more] = receiver.at('/theft')
    expect(more).toEqual([])
    const alert = got as ReceivedAlert
    expect(alert.headers['content-type']).toBe('application/json')
    expect(alert.headers['latch-alert-id']).toBe(alert.body.id)
    expect(alert.body).toMatchObject({ type: 'refresh_token.family_revoked', tenant: 'default', data: { client_id: 'web', reason: 'reused' } })
    expect(Object.keys(alert.body).sort()).toEqual(['data', 'id', 'tenant', 'time', 'type'])
    expect(new Date(alert.body.time).getTime()).toBe(clock.now() * 1000)
    // Never a token in an alert.
    expect(alert.raw).not.toContain(tokens.refresh_token!)
    expect(alert.raw).not.toContain(tokens.access_token)
    const header = alert.headers['latch-signature'] as string
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
    expect(verify(SECRET, header, alert.raw, clock.now())).toBe(true)
    expect(verify(OTHER, header, alert.raw, clock.now())).toBe(false)
    expect(verify(SECRET, header, alert.raw.replace('reused', 'REUSED'), clock.now())).toBe(false)
    expect(verify(SECRET, header, alert.raw, clock.now() + 301)).toBe(false)
    expect(events).toContainEqual({ name: 'alert.delivered', payload: { alert_id: alert.body.id, type: 'refresh_token.family_revoked', webhook: receiver.url, attempts: 1, status: 200 } })
  })

  it('issue 14: a 500 is retried with backoff (10 s, then 20 s, ±20 %) and delivered at the third attempt; the same body each time, signed again', async () => {
    receiver.answer('/retry', 500, 500)
    emit('passkey.counter_regressed', { user_id: 'u1', credential_id: 'c1', stored: 7, received: 3 })
    await deliver()
    expect(receiver.at('/retry')).toHaveLength(1)
    const [row] = await server.server.ctx.store.alertDeliveries.list()
    expect(row).toMatchObject({ attempts: 1, last_status: 500, leased_until: null })
    expect(row!.next_attempt_at - clock.now()).toBeGreaterThanOrEqual(8)
    expect(row!.next_attempt_at - clock.now()).toBeLessThanOrEqual(12)
    await deliver() // not due yet
    expect(receiver.at('/retry')).toHaveLength(1)
    clock.advance(12)
    await deliver()
    const [second] = await server.server.ctx.store.alertDeliveries.list()
    expect(second!.next_attempt_at - clock.now()).toBeGreaterThanOrEqual(16)
    expect(second!.next_attempt_at - clock.now()).toBeLessThanOrEqual(24)
    clock.advance(24)
    await deliver()
    const got = receiver.at('/retry')
    expect(got).toHaveLength(3)
    expect(new Set(got.map((g) => g.raw)).size).toBe(1)
    expect(new Set(got.map((g) => g.headers['latch-alert-id'])).size).toBe(1)
    for (const g of got) expect(verify(OTHER, g.headers['latch-signature'] as string, g.raw, clock.now())).toBe(true)
    expect(await server.server.ctx.store.alertDeliveries.list()).toEqual([])
    expect(events.at(-1)).toEqual({ name: 'alert.delivered', payload: { alert_id: got[0]!.body.id, type: 'passkey.counter_regressed', webhook: receiver.url, attempts: 3, status: 200 } })
  })

  it('issue 14: a receiver that keeps failing is given up after alerts.max_attempts: alert.failed with the attempts and last status, never the body or the secret; redirects are not followed', async () => {
    receiver.answer('/down', 302, 500, 503)
    emit('client_assertion.replayed', { client_id: 'svc' })
    await deliver()
    for (let i = 0; i < 2; i++) {
      clock.advance(60)
      await deliver()
    }
    expect(receiver.at('/down')).toHaveLength(3)
    expect(await server.server.ctx.store.alertDeliveries.list()).toEqual([])
    const failed = events.filter((e) => e.name === 'alert.failed')
    expect(failed).toEqual([{ name: 'alert.failed', payload: { alert_id: receiver.at('/down')[0]!.body.id, type: 'client_assertion.replayed', webhook: receiver.url, attempts: 3, status: 503, reason: 'attempts_exhausted' } }])
    clock.advance(3600)
    await deliver()
    expect(receiver.at('/down')).toHaveLength(3)
  })
})

describe('thresholds and throttles', () => {
  it('issue 14: failed sign-ins of one account crossing alerts.thresholds fire exactly one threshold.crossed alert per window, not one per failure', async () => {
    const fail = (account_hash: string) => emit('login.failed', { reason: 'bad_credentials', ip: '2001:db8:1:2::7', account_hash })
    for (let i = 0; i < 10; i++) fail('acct-1')
    fail('acct-2')
    fail('acct-2')
    await deliver()
    const got = receiver.at('/threshold')
    expect(got).toHaveLength(1)
    expect(got[0]!.body).toMatchObject({ type: 'threshold.crossed', tenant: 'default', data: { threshold: 'failed_sign_ins_per_account', count: 3, window: 600, account_hash: 'acct-1' } })
    expect(verify(OTHER, got[0]!.headers['latch-signature'] as string, got[0]!.raw, clock.now())).toBe(true)
    // Past the window, still failing: one more alert for the next window.
    clock.advance(601)
    for (let i = 0; i < 5; i++) fail('acct-1')
    await deliver()
    expect(receiver.at('/threshold')).toHaveLength(2)
  })

  it('issue 14 + security review M3: a throttle engaged alerts once per key per alerts.repeat_window (login.throttled per network, any account; throttle.engaged per throttle and network)', async () => {
    for (let i = 0; i < 5; i++) emit('login.failed', { reason: 'throttled', ip: '2001:db8:9:9::1', account_hash: 'acct-9' })
    // Another /64 of the same /48, another account: the same key.
    emit('login.failed', { reason: 'throttled', ip: '2001:db8:9:a::2', account_hash: 'acct-10' })
    for (let i = 0; i < 3; i++) emit('throttle.engaged', { throttle: 'user_code', ip: '198.51.100.4' })
    emit('throttle.engaged', { throttle: 'user_code', ip: '198.51.100.5' })
    await deliver()
    const types = receiver.at('/throttle').map((r) => `${r.body.type} ${String(r.body.data.ip)}`).sort()
    expect(types).toEqual(['login.throttled 2001:db8:9:9::1', 'throttle.engaged 198.51.100.4', 'throttle.engaged 198.51.100.5'])
  })

  it('security review L4: the body\'s id, under the signature, is the alert id (Latch-Alert-Id only repeats it): receivers deduplicate on the body', async () => {
    emit('throttle.engaged', { throttle: 'mail', ip: '198.51.100.77' })
    await deliver()
    const got = receiver.at('/throttle').at(-1)!
    expect(verify(OTHER, got.headers['latch-signature'] as string, got.raw, clock.now())).toBe(true)
    expect(got.body.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(got.headers['latch-alert-id']).toBe(got.body.id)
  })

  it('security: the webhook secrets appear in no log line and no delivery event', () => {
    const all = logLines.join('\n') + JSON.stringify(events)
    expect(logLines.length).toBeGreaterThan(0)
    expect(all).not.toContain(SECRET)
    expect(all).not.toContain(OTHER)
  })
})

describe('security review M3: a flood of throttle alerts never crowds out theft', () => {
  let r: AlertReceiver
  let t: TestServer
  beforeAll(async () => {
    r = await startAlertReceiver()
    t = await startServer(
      {
        alerts: {
          webhooks: [
            { url: `${r.url}/theft`, secret: SECRET, events: ['theft'] },
            { url: `${r.url}/noise`, secret: OTHER, events: ['throttle', 'threshold'] },
          ],
          queue_limit: 40,
        },
        audit: { include_email: true },
      },
      { clock: new ManualClock() },
    )
  })
  afterAll(async () => {
    await t?.close()
    await r?.close()
  })

  it('security review M3: throttled sign-ins for random accounts from 400 networks fill only the throttle share (half of queue_limit); a theft alert raised then is queued and delivered', async () => {
    const bus = t.server.ctx.events
    for (let i = 0; i < 400; i++) bus.emit('login.failed', { reason: 'throttled', ip: `10.9.${i >> 8}.${i & 255}`, account_hash: `random-${i}`, email: `random-${i}@example.com` })
    bus.emit('authorization_code.reused', { client_id: 'web', grant_id: 'g-after-flood' })
    await t.server.deliverAlerts()
    await t.server.deliverAlerts()
    const theft = r.at('/theft')
    expect(theft.map((a) => a.body.data)).toEqual([{ client_id: 'web', grant_id: 'g-after-flood' }])
    expect(verify(SECRET, theft[0]!.headers['latch-signature'] as string, theft[0]!.raw, t.server.ctx.clock.now())).toBe(true)
    // Throttle alerts: at most the cap per repeat window (100), however many networks.
    expect(r.at('/noise').length).toBeGreaterThan(0)
    expect(r.at('/noise').length).toBeLessThanOrEqual(100)
    // security review M4: with audit.include_email, no email in any alert sent.
    for (const a of r.at('/noise')) expect(a.raw).not.toContain('@')
  })
})
