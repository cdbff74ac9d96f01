/**
 * The device authorization grant against a real Latch, the user approving (or denying) at
 * Latch's real /device page with the server tests' Browser. Latch runs on a ManualClock and the
 * client's `wait` hook advances it instead of sleeping, so the test can see every interval the
 * client honours (RFC 8628 §3.5: `interval`, +5 s per `slow_down`) without waiting for them; one
 * test keeps the default real timer.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../server/src/lib/clock.js'
import { deviceAuthorization, type DeviceUserCode } from '../src/index.js'
import { ALICE, API, Browser, baseTestConfig, expectOAuthError, formOf, isLoginPage, jwtPayload, startServer, type TestServer } from './support.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const INTERVAL = 1
const DEVICE_CODE_TTL = 600
const clock = new ManualClock()
let server: TestServer

const tvClient = {
  client_id: 'tv',
  client_name: 'Living Room TV',
  token_endpoint_auth_method: 'none',
  grant_types: [DEVICE_GRANT, 'refresh_token'],
  scope: 'openid profile offline_access read:data',
}

beforeAll(async () => {
  server = await startServer(
    { default_resource: API, tokens: { device_code_ttl: DEVICE_CODE_TTL, device_poll_interval: INTERVAL }, clients: [...baseTestConfig.clients, tvClient] },
    { clock },
  )
})

afterAll(async () => {
  await server?.close()
})

/** The user at the verification page: types the code, signs in, and allows or denies. */
async function decide(info: DeviceUserCode, decision: 'allow' | 'deny'): Promise<string> {
  const browser = new Browser(server.url)
  const form = await browser.open(info.verificationUri)
  let page = await browser.submit(formOf(form), { user_code: info.userCode })
  if (isLoginPage(page)) page = await browser.signIn(page, ALICE.email, ALICE.password)
  return (await browser.decide(page, decision)).html
}

/** A `wait` that moves Latch's clock instead of sleeping, and records each interval. */
function movingClock(onWait?: (seconds: number, index: number) => Promise<void>) {
  const waits: number[] = []
  return {
    waits,
    wait: async (seconds: number) => {
      waits.push(seconds)
      await onWait?.(seconds, waits.length - 1)
      clock.advance(seconds)
    },
  }
}

describe('device authorization', () => {
  it('RFC 8628 §3.2-§3.5: the user approves at /device and the device gets tokens with a validated ID token (real timer)', async () => {
    let shown: DeviceUserCode | undefined
    const tokens = await deviceAuthorization({
      issuer: server.url,
      clientId: 'tv',
      scope: 'openid profile offline_access read:data',
      onUserCode: async (info) => {
        shown = info
        expect(await decide(info, 'allow')).toContain('Device connected')
      },
    })
    expect(shown).toMatchObject({ verificationUri: `${server.url}/device`, expiresIn: DEVICE_CODE_TTL, userCode: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/) })
    expect(shown?.verificationUriComplete).toBe(`${server.url}/device?user_code=${encodeURIComponent(shown?.userCode as string)}`)
    expect(tokens.claims).toMatchObject({ iss: server.url, aud: 'tv', name: 'Alice Example' })
    expect(tokens.refreshToken).toEqual(expect.any(String))
    expect(jwtPayload(tokens.accessToken)).toMatchObject({ client_id: 'tv', aud: API, sub: tokens.claims?.sub })
  })

  it('RFC 8628 §3.5: authorization_pending keeps polling at the same interval until the user approves', async () => {
    let info: DeviceUserCode | undefined
    const time = movingClock(async (_s, index) => {
      if (index === 2) await decide(info as DeviceUserCode, 'allow')
    })
    const tokens = await deviceAuthorization({ issuer: server.url, clientId: 'tv', scope: 'openid', onUserCode: (i) => void (info = i), wait: time.wait })
    expect(time.waits).toEqual([INTERVAL, INTERVAL, INTERVAL])
    expect(tokens.claims?.aud).toBe('tv')
  })

  it('RFC 8628 §3.5: slow_down adds 5 seconds to the interval for this and every later poll', async () => {
    let info: DeviceUserCode | undefined
    let doubled = false
    // Another poller of the same device code (a second copy of the app, say): its poll comes
    // first, so Latch answers our client's poll with slow_down. A pass-through, not a mock.
    const racing: typeof fetch = async (input, init) => {
      const body = init?.body instanceof URLSearchParams ? init.body : undefined
      if (!doubled && body?.get('grant_type') === DEVICE_GRANT) {
        doubled = true
        await fetch(input, { ...init, body: new URLSearchParams(body) })
      }
      return fetch(input, init)
    }
    const time = movingClock(async (_s, index) => {
      if (index === 2) await decide(info as DeviceUserCode, 'allow')
    })
    const tokens = await deviceAuthorization({ issuer: server.url, clientId: 'tv', scope: 'openid', fetch: racing, onUserCode: (i) => void (info = i), wait: time.wait })
    expect(doubled).toBe(true)
    expect(time.waits).toEqual([INTERVAL, INTERVAL + 5, INTERVAL + 5])
    expect(tokens.accessToken).toEqual(expect.any(String))
  })

  it('RFC 8628 §3.5: the user clicking Deny ends polling with OAuthResponseError access_denied', async () => {
    const time = movingClock()
    const denied = deviceAuthorization({
      issuer: server.url,
      clientId: 'tv',
      scope: 'openid',
      wait: time.wait,
      onUserCode: async (info) => {
        expect(await decide(info, 'deny')).toContain('Access denied')
      },
    })
    await expectOAuthError(denied, 'access_denied', 400)
    expect(time.waits).toEqual([INTERVAL])
  })

  it('RFC 8628 §3.5: a poll after expires_in ends with OAuthResponseError expired_token', async () => {
    const time = movingClock(async () => clock.advance(DEVICE_CODE_TTL))
    await expectOAuthError(deviceAuthorization({ issuer: server.url, clientId: 'tv', scope: 'openid', wait: time.wait, onUserCode: () => {} }), 'expired_token', 400)
  })

  it('RFC 8628 §3.1 + RFC 6749 §5.2: a scope outside the registration fails the device authorization request with invalid_scope', async () => {
    let called = false
    await expectOAuthError(deviceAuthorization({ issuer: server.url, clientId: 'tv', scope: 'openid email', onUserCode: () => void (called = true) }), 'invalid_scope', 400)
    expect(called).toBe(false)
  })

  it('an abort (Ctrl-C) stops polling at once with the signal\'s reason', async () => {
    const controller = new AbortController()
    const started = deviceAuthorization({ issuer: server.url, clientId: 'tv', scope: 'openid', signal: controller.signal, onUserCode: () => controller.abort() })
    await expect(started).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('device code lifetime (real clock)', () => {
  let short: TestServer
  beforeAll(async () => {
    short = await startServer({ tokens: { device_code_ttl: 1, device_poll_interval: 1 }, clients: [...baseTestConfig.clients, tvClient] })
  })
  afterAll(async () => {
    await short?.close()
  })

  it('RFC 8628 §3.2 expires_in: nobody approves within expires_in, so polling ends with expired_token', async () => {
    await expectOAuthError(deviceAuthorization({ issuer: short.url, clientId: 'tv', scope: 'openid', onUserCode: () => {} }), 'expired_token')
  })
})
