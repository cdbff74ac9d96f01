/**
 * The device authorization grant end to end (RFC 8628): openid-client starts it and polls, the
 * user types the code at the verification page, signs in and decides on the consent page. Polling
 * answers (`authorization_pending`, `slow_down`, `access_denied`, `expired_token`) are checked with
 * raw requests so that status and headers are visible; time is a frozen clock the tests move.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 */
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { EXPIRED_DEVICE_CODE_RETENTION, sweepPolicy } from '../../src/storage/repositories/sweep.js'
import { alertText, Browser, formOf, isConsentPage, isLoginPage, type Page } from '../browser.js'
import { ALICE, API, BOB, baseTestConfig, startServer, type TestServer } from '../helpers.js'
import { client, discover, expectNoStore, expectResponseError, postForm, verifyJwt } from './relying-party.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/
const DEVICE_CODE_TTL = 600
const INTERVAL = 1

const clock = new ManualClock()
let server: TestServer
let tv: client.Configuration
let tokenEndpoint: string

beforeAll(async () => {
  server = await startServer(
    {
      default_resource: API,
      tokens: { device_code_ttl: DEVICE_CODE_TTL, device_poll_interval: INTERVAL },
      clients: [
        ...baseTestConfig.clients,
        {
          client_id: 'tv',
          client_name: 'Living Room TV',
          token_endpoint_auth_method: 'none',
          grant_types: [DEVICE_GRANT, 'refresh_token'],
          scope: 'openid profile offline_access read:data',
        },
      ],
    },
    { clock },
  )
  tv = await discover(server.url, 'tv', client.None())
  tokenEndpoint = tv.serverMetadata().token_endpoint as string
})

afterAll(async () => {
  await server?.close()
})

/** One poll of the token endpoint, as the device would send it. */
function poll(deviceCode: string) {
  return postForm(tokenEndpoint, { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'tv' })
}

/** The user at the verification page: enters `typed`, signs in if asked, and lands on consent. */
async function enterCode(browser: Browser, verificationUri: string, typed: string, user = ALICE): Promise<Page> {
  const form = await browser.open(verificationUri)
  let page = await browser.submit(formOf(form), { user_code: typed })
  if (isLoginPage(page)) page = await browser.signIn(page, user.email, user.password)
  return page
}

describe('device authorization request', () => {
  it('RFC 8628 §3.2 + §6.1: the user code is XXXX-XXXX from the 20-letter alphabet; the URIs are built from the issuer', async () => {
    const metadata = tv.serverMetadata()
    expect(metadata.device_authorization_endpoint).toBe(`${server.url}/device/authorize`)
    expect(metadata.grant_types_supported).toContain(DEVICE_GRANT)

    const response = await client.initiateDeviceAuthorization(tv, { scope: 'openid profile' })
    expect(response.user_code).toMatch(USER_CODE)
    expect(response.device_code).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(response.verification_uri).toBe(`${server.url}/device`)
    expect(response.verification_uri_complete).toBe(`${server.url}/device?user_code=${encodeURIComponent(response.user_code)}`)
    expect(response.expires_in).toBe(DEVICE_CODE_TTL)
    expect(response.interval).toBe(INTERVAL)
  })

  it('RFC 8628 §3.2 + RFC 6749 §5.1: the response is not cacheable, and its URIs ignore a forged Host header', async () => {
    const res = await postForm(tv.serverMetadata().device_authorization_endpoint as string, { client_id: 'tv', scope: 'openid' })
    expect(res.status).toBe(200)
    expectNoStore(res.headers)

    const endpoint = new URL(tv.serverMetadata().device_authorization_endpoint as string)
    const forged = await new Promise<{ status: number; body: Record<string, string> }>((resolve, reject) => {
      const req = httpRequest(
        { host: endpoint.hostname, port: endpoint.port, path: endpoint.pathname, method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/x-www-form-urlencoded' } },
        (response) => {
          let text = ''
          response.setEncoding('utf8')
          response.on('data', (chunk: string) => (text += chunk))
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, string> }))
        },
      )
      req.on('error', reject)
      req.end('client_id=tv&scope=openid')
    })
    expect(forged.status).toBe(200)
    expect(forged.body.verification_uri).toBe(`${server.url}/device`)
    expect(forged.body.verification_uri_complete?.startsWith(`${server.url}/device?user_code=`)).toBe(true)
  })

  it('RFC 8628 §3.1 + RFC 6749 §5.2: a client without the device grant is unauthorized_client; a scope outside the registration invalid_scope', async () => {
    const unauthorized = await postForm(tv.serverMetadata().device_authorization_endpoint as string, { client_id: 'spa', scope: 'openid' })
    expect(unauthorized.status).toBe(400)
    expect(unauthorized.body.error).toBe('unauthorized_client')
    expectNoStore(unauthorized.headers)
    const err = await expectResponseError(client.initiateDeviceAuthorization(tv, { scope: 'openid email' }))
    expect(err.error).toBe('invalid_scope')
    expect(err.status).toBe(400)
  })
})

describe('polling', () => {
  it('RFC 8628 §3.5: before approval the answer is authorization_pending; polling within the interval is slow_down and adds 5 seconds', async () => {
    const { device_code } = await client.initiateDeviceAuthorization(tv, { scope: 'openid' })
    const pending = await poll(device_code)
    expect(pending.status).toBe(400)
    expect(pending.body.error).toBe('authorization_pending')
    expectNoStore(pending.headers)
    expect(pending.headers.get('content-type')).toMatch(/^application\/json/)

    const fast = await poll(device_code)
    expect(fast.status).toBe(400)
    expect(fast.body.error).toBe('slow_down')
    expectNoStore(fast.headers)

    // "for this and all subsequent requests": a device that keeps the old interval is slowed again
    // (INTERVAL + 10 now); one that waits the increased interval is answered normally.
    clock.advance(INTERVAL)
    expect((await poll(device_code)).body.error).toBe('slow_down')
    clock.advance(INTERVAL + 10)
    expect((await poll(device_code)).body.error).toBe('authorization_pending')
  })
})

describe('verification and decision', () => {
  it('RFC 8628 §3.3 + §3.4: the user enters the code at /device, signs in, allows, and the device gets tokens with an ID token', async () => {
    const response = await client.initiateDeviceAuthorization(tv, { scope: 'openid profile offline_access read:data' })
    expect((await poll(response.device_code)).body.error).toBe('authorization_pending')

    const browser = new Browser(server.url)
    const form = await browser.open(response.verification_uri)
    expect(form.status).toBe(200)
    expect(form.html).toMatch(/<label for=user_code>Code<\/label>/)
    expect(form.html).toMatch(/<button type="submit">Continue<\/button>/)
    expect(form.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(formOf(form).fields.csrf).toMatch(/\S/)

    // §6.1: case and separators do not matter when typing.
    const typed = response.user_code.toLowerCase().replace('-', ' ')
    const login = await browser.submit(formOf(form), { user_code: typed })
    expect(isLoginPage(login)).toBe(true)
    const consent = await browser.signIn(login, ALICE.email, ALICE.password)
    expect(isConsentPage(consent)).toBe(true)
    expect(consent.html).toContain('Living Room TV')
    expect(consent.html).toContain('Read your data')
    expect(consent.html).toMatch(/<button[^>]*>Allow<\/button>/)
    expect(consent.html).toMatch(/<button[^>]*>Deny<\/button>/)
    const done = await browser.decide(consent, 'allow')
    expect(done.status).toBe(200)
    expect(done.html).toContain('Device connected')
    expect(done.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")

    // The earlier poll set last_polled_at: the device waits its interval, as openid-client does.
    clock.advance(INTERVAL)
    const tokens = await client.pollDeviceAuthorizationGrant(tv, response)
    expect(tokens.scope).toBe('openid profile offline_access read:data')
    expect(tokens.refresh_token).toBeTypeOf('string')
    const { payload: id } = await verifyJwt(tv, tokens.id_token as string, { audience: 'tv' })
    expect(id).toMatchObject({ iss: server.url, aud: 'tv', name: 'Alice Example' })
    expect(id.auth_time).toBe(clock.now() - INTERVAL)
    expect(id.nonce).toBeUndefined()
    const { payload: at } = await verifyJwt(tv, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(at).toMatchObject({ sub: id.sub, client_id: 'tv', scope: 'openid profile offline_access read:data' })
    const userinfo = await client.fetchUserInfo(tv, tokens.access_token, id.sub as string)
    expect(userinfo.name).toBe('Alice Example')

    // RFC 8628 §3.5 / RFC 6749 §5.2: the device code is single use.
    clock.advance(INTERVAL)
    const second = await poll(response.device_code)
    expect(second.status).toBe(400)
    expect(second.body.error).toBe('invalid_grant')
    expectNoStore(second.headers)
  })

  it('RFC 8628 §3.3.1 + §5.4: verification_uri_complete prefills the code but still asks to confirm; consent is shown every time', async () => {
    const browser = new Browser(server.url)
    // A first device connected by Bob: Bob has a session and a remembered consent afterwards.
    const first = await client.initiateDeviceAuthorization(tv, { scope: 'openid' })
    const consentFirst = await enterCode(browser, first.verification_uri, first.user_code, BOB)
    expect((await browser.decide(consentFirst, 'allow')).html).toContain('Device connected')

    const second = await client.initiateDeviceAuthorization(tv, { scope: 'openid' })
    const prefilled = await browser.open(second.verification_uri_complete as string)
    expect(prefilled.status).toBe(200)
    expect(formOf(prefilled).fields.user_code).toBe(second.user_code)
    const again = await browser.submit(formOf(prefilled))
    expect(isLoginPage(again)).toBe(false)
    expect(isConsentPage(again)).toBe(true)
    // The code again, large, beside Allow, with the client's name: the user compares before deciding.
    expect(again.html).toContain(`<p class="user-code">${second.user_code}</p>`)
    expect(again.html).toContain('Living Room TV wants access')
    expect(again.html).toMatch(/Only allow this if your device shows this code/)
  })

  it('RFC 8628 §3.5: Deny makes the device\'s poll fail with access_denied', async () => {
    const response = await client.initiateDeviceAuthorization(tv, { scope: 'openid' })
    const browser = new Browser(server.url)
    const consent = await enterCode(browser, response.verification_uri, response.user_code)
    const denied = await browser.decide(consent, 'deny')
    expect(denied.status).toBe(200)
    expect(denied.html).toContain('Access denied')

    const err = await expectResponseError(client.pollDeviceAuthorizationGrant(tv, response))
    expect(err.error).toBe('access_denied')
    expect(err.status).toBe(400)
    expectNoStore(err.headers)
  })

  it('RFC 8628 §3.5: past expires_in the poll is expired_token and the verification page refuses the code', async () => {
    const response = await client.initiateDeviceAuthorization(tv, { scope: 'openid' })
    const issuedAt = clock.now()
    clock.advance(DEVICE_CODE_TTL)
    try {
      const expired = await poll(response.device_code)
      expect(expired.status).toBe(400)
      expect(expired.body.error).toBe('expired_token')
      expectNoStore(expired.headers)

      const browser = new Browser(server.url)
      const form = await browser.open(response.verification_uri)
      const refused = await browser.submit(formOf(form), { user_code: response.user_code })
      expect(refused.status).toBe(400)
      expect(alertText(refused.html)).toMatch(/not valid or has expired/)
      expect(isLoginPage(refused)).toBe(false)
    } finally {
      clock.set(issuedAt)
    }
  })

  /** @see issue 8 */
  it('RFC 8628 §5.4: following verification_uri_complete and signing in approves nothing; only the Allow POST with the CSRF token does', async () => {
    const response = await client.initiateDeviceAuthorization(tv, { scope: 'openid' })
    const browser = new Browser(server.url)
    // The link only shows the code, prefilled, for the user to compare and confirm.
    const confirm = await browser.open(response.verification_uri_complete as string)
    expect(confirm.status).toBe(200)
    expect(confirm.html).toContain('Check that this code is the one your device shows')
    expect(formOf(confirm).fields.user_code).toBe(response.user_code)
    // Continue without the CSRF token starts nothing.
    const forged = await browser.postForm(formOf(confirm).action, { user_code: response.user_code })
    expect(forged.status).toBe(403)
    clock.advance(INTERVAL)
    expect((await poll(response.device_code)).body.error).toBe('authorization_pending')

    const login = await browser.submit(formOf(confirm))
    const consent = await browser.signIn(login, ALICE.email, ALICE.password)
    expect(isConsentPage(consent)).toBe(true)
    clock.advance(INTERVAL)
    expect((await poll(response.device_code)).body.error).toBe('authorization_pending')
    // Reloading the consent page, or posting Allow without (or with a wrong) CSRF token, decides nothing.
    expect(isConsentPage(await browser.open(consent.url))).toBe(true)
    const action = formOf(consent).action
    expect((await browser.postForm(action, { decision: 'allow' })).status).toBe(403)
    expect((await browser.postForm(action, { decision: 'allow', csrf: 'x'.repeat(43) })).status).toBe(403)
    clock.advance(INTERVAL)
    expect((await poll(response.device_code)).body.error).toBe('authorization_pending')

    const done = await browser.decide(await browser.open(consent.url), 'allow')
    expect(done.html).toContain('Device connected')
    clock.advance(INTERVAL)
    const tokens = await poll(response.device_code)
    expect(tokens.status).toBe(200)
  })

  it('RFC 8628 §3.4: an unknown device_code is invalid_grant', async () => {
    const res = await poll('A'.repeat(43))
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_grant')
    expectNoStore(res.headers)
  })
})

describe('expiry after sweeps', () => {
  /** @see issue 8 */
  it('RFC 8628 §3.5: a code polled long after its lifetime, with the expired rows swept meanwhile, still answers expired_token', async () => {
    const response = await client.initiateDeviceAuthorization(tv, { scope: 'openid' })
    const issuedAt = clock.now()
    try {
      const store = server.server.ctx.store
      const policy = sweepPolicy(server.server.config)
      // Ten minutes plus two sweeps (one a minute), then 59 minutes later: still expired_token.
      for (const later of [DEVICE_CODE_TTL + 60, DEVICE_CODE_TTL + 120, DEVICE_CODE_TTL + 59 * 60]) {
        clock.set(issuedAt + later)
        await store.sweep(clock.now(), policy)
        const expired = await poll(response.device_code)
        expect(expired.status).toBe(400)
        expect(expired.body.error, `${later} s after issue`).toBe('expired_token')
        expectNoStore(expired.headers)
      }
      // After the retention the row is gone and the code is as unknown as any other.
      clock.set(issuedAt + DEVICE_CODE_TTL + EXPIRED_DEVICE_CODE_RETENTION)
      await store.sweep(clock.now(), policy)
      expect((await poll(response.device_code)).body.error).toBe('invalid_grant')
    } finally {
      clock.set(issuedAt)
    }
  })
})
