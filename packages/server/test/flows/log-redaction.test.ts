/**
 * Secrets never reach the log (STYLE.md error model: `detail` and `cause` go to pino, redacted;
 * events carry ids only). A server runs with the production logger (`createLogger`: the
 * `REDACT_PATHS` redaction and the path-only request serializer) at `trace`, writing to a stream
 * this file captures, and real flows run through it: sign-in with a password (and a wrong one),
 * the code exchange and a replayed code, refresh, client_secret_basic and client_secret_post
 * (and a wrong secret), private_key_jwt, the device flow, introspection, revocation, UserInfo,
 * and a signing key rotation seen at reload. Then no secret, password, code, token, cookie value,
 * assertion or key material may appear anywhere in the captured output, while the events it
 * should hold (token.issued, login.failed, key.rotated with kid and alg) are there.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.3
 * @see https://www.rfc-editor.org/rfc/rfc6819#section-5.1.4.1
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decryptPrivateJwk } from '../../src/keys/encryption-at-rest.js'
import { Keystore } from '../../src/keys/keystore.js'
import { ManualClock } from '../../src/lib/clock.js'
import { createLogger } from '../../src/server.js'
import { Browser, formOf, isLoginPage } from '../browser.js'
import { ALICE, API, API_SECRET, OTHER_SECRET, TEST_SECRET, WEB_REDIRECT, WEB_SECRET, baseTestConfig, basic, postForm, startServer, type TestServer } from '../helpers.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

const lines: string[] = []
const captured = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString('utf8'))
    done()
  },
})
/** Every value that must never be logged; filled as the flows produce them. */
const secrets = new Map<string, string>()
const keep = (what: string, value: string | undefined | null) => {
  if (value) secrets.set(value, what)
}

let s: TestServer
let jwtKey: CryptoKey
/** Moved past the device flow's polling interval instead of sleeping. */
const clock = new ManualClock()

beforeAll(async () => {
  const pair = await generateKeyPair('ES256')
  jwtKey = pair.privateKey
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  s = await startServer(
    {
      clients: [
        ...baseTestConfig.clients,
        { client_id: 'pkjwt', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] }, grant_types: ['client_credentials'], scope: 'read:data', resources: [API] },
        { client_id: 'tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT], scope: 'openid profile' },
      ],
    },
    { logger: createLogger('trace', captured), clock },
  )
  for (const [what, value] of Object.entries({ WEB_SECRET, OTHER_SECRET, API_SECRET, TEST_SECRET, password: ALICE.password })) keep(what, value)
})
afterAll(() => s?.close())

async function json(res: Response): Promise<Record<string, string>> {
  const body = (await res.json()) as Record<string, string>
  expect(res.status, JSON.stringify(body)).toBeLessThan(500)
  return body
}

function keepTokens(flow: string, body: Record<string, string>): void {
  for (const name of ['access_token', 'refresh_token', 'id_token', 'device_code', 'user_code']) {
    keep(`${flow} ${name}`, body[name])
    // A JWT's signature alone would be a leak too (the header and payload are not secret).
    if (body[name]?.split('.').length === 3) keep(`${flow} ${name} signature`, body[name]?.split('.')[2])
  }
}

describe('log redaction (REDACT_PATHS) against real log output', () => {
  /** @see issue 8 */
  it('RFC 6819 §5.1.4.1: driving every flow logs no secret, password, code, token, cookie value, assertion or key material', async () => {
    const token = `${s.url}/token`

    // Sign-in with a wrong password, then the right one; authorization code with PKCE.
    const browser = new Browser(s.url)
    const verifier = randomBytes(32).toString('base64url')
    keep('code_verifier', verifier)
    const challenge = createHash('sha256').update(verifier).digest('base64url')
    const authorize = `${s.url}/authorize?${new URLSearchParams({ client_id: 'web', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid profile offline_access', state: 'st', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' })}`
    const login = await browser.open(authorize)
    expect(isLoginPage(login)).toBe(true)
    const wrongPassword = `wrong-${randomUUID()}`
    keep('wrong password', wrongPassword)
    const refused = await browser.signIn(login, ALICE.email, wrongPassword)
    expect(refused.status).toBe(401)
    const page = await browser.signIn(refused, ALICE.email, ALICE.password)
    const code = page.redirect?.searchParams.get('code')
    expect(code).toBeTruthy()
    keep('code', code)
    for (const value of browser.cookies.values()) keep('cookie', value)

    // Code exchange (client_secret_basic), a replay of the code, refresh.
    const exchanged = await json(await postForm(token, { grant_type: 'authorization_code', code: code as string, redirect_uri: WEB_REDIRECT, code_verifier: verifier }, { authorization: basic('web', WEB_SECRET) }))
    keepTokens('code', exchanged)
    expect(exchanged.id_token).toBeTruthy()
    const replay = await json(await postForm(token, { grant_type: 'authorization_code', code: code as string, redirect_uri: WEB_REDIRECT, code_verifier: verifier }, { authorization: basic('web', WEB_SECRET) }))
    expect(replay.error).toBe('invalid_grant')
    const refreshed = await json(await postForm(token, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid offline_access' }, { authorization: basic('web', WEB_SECRET) }))
    keepTokens('password grant', refreshed)
    const rotated = await json(await postForm(token, { grant_type: 'refresh_token', refresh_token: refreshed.refresh_token as string }, { authorization: basic('web', WEB_SECRET) }))
    keepTokens('refresh', rotated)

    // client_secret_post, and a wrong secret.
    const posted = await json(await postForm(token, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid', client_id: 'web2', client_secret: OTHER_SECRET }))
    keepTokens('client_secret_post', posted)
    const wrongSecret = `wrong-secret-${randomUUID()}`
    keep('wrong client secret', wrongSecret)
    expect((await json(await postForm(token, { grant_type: 'client_credentials', client_id: 'web2', client_secret: wrongSecret }))).error).toBe('invalid_client')
    expect((await json(await postForm(token, { grant_type: 'client_credentials' }, { authorization: basic('service', wrongSecret) }))).error).toBe('invalid_client')

    // private_key_jwt.
    const assertion = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('pkjwt').setSubject('pkjwt').setAudience(token).setJti(randomUUID()).setIssuedAt().setExpirationTime('2m').sign(jwtKey)
    keep('client_assertion', assertion)
    keep('client_assertion signature', assertion.split('.')[2])
    const viaJwt = await json(await postForm(token, { grant_type: 'client_credentials', scope: 'read:data', resource: API, client_assertion_type: JWT_BEARER, client_assertion: assertion }))
    expect(viaJwt.access_token, JSON.stringify(viaJwt)).toBeTruthy()
    keepTokens('private_key_jwt', viaJwt)

    // Device flow: authorization request, a pending poll, the user's approval, the tokens.
    const device = await json(await postForm(`${s.url}/device/authorize`, { client_id: 'tv', scope: 'openid profile' }))
    keepTokens('device', device)
    expect((await json(await postForm(token, { grant_type: DEVICE_GRANT, device_code: device.device_code as string, client_id: 'tv' }))).error).toBe('authorization_pending')
    const tvBrowser = new Browser(s.url)
    let verification = await tvBrowser.submit(formOf(await tvBrowser.open(device.verification_uri as string)), { user_code: device.user_code as string })
    if (isLoginPage(verification)) verification = await tvBrowser.signIn(verification, ALICE.email, ALICE.password)
    await tvBrowser.decide(verification, 'allow')
    for (const value of tvBrowser.cookies.values()) keep('cookie', value)
    clock.advance(10)
    const deviceTokens = await json(await postForm(token, { grant_type: DEVICE_GRANT, device_code: device.device_code as string, client_id: 'tv' }))
    expect(deviceTokens.access_token, JSON.stringify(deviceTokens)).toBeTruthy()
    keepTokens('device tokens', deviceTokens)

    // Introspection, UserInfo, revocation, and an end-session request with an id_token_hint.
    await json(await postForm(`${s.url}/introspect`, { token: exchanged.access_token as string }, { authorization: basic(API, API_SECRET) }))
    expect((await fetch(`${s.url}/userinfo`, { headers: { authorization: `Bearer ${posted.access_token}` } })).status).toBe(200)
    expect((await fetch(`${s.url}/userinfo`, { headers: { authorization: `Bearer ${exchanged.access_token}x` } })).status).toBe(401)
    expect((await postForm(`${s.url}/revoke`, { token: rotated.refresh_token as string }, { authorization: basic('web', WEB_SECRET) })).status).toBe(200)
    await browser.open(`${s.url}/logout?${new URLSearchParams({ id_token_hint: exchanged.id_token as string })}`)

    // A rotation by another process (`latch keys rotate`), seen by the server at its reload.
    const other = await Keystore.open({ keys: s.server.ctx.store.keys, secret: TEST_SECRET, alg: s.server.config.tokens.signing_alg, clock: s.server.ctx.clock, retiredKeyGrace: 3600 })
    const fresh = await other.rotate()
    await s.server.ctx.keystore.reload()
    for (const row of await s.server.ctx.store.keys.list(s.server.ctx.clock.now())) {
      keep('encrypted private key', row.private_jwk_encrypted)
      const jwk = await decryptPrivateJwk(row.private_jwk_encrypted, TEST_SECRET)
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) keep(`private key member ${member}`, jwk[member] as string | undefined)
    }

    const log = lines.join('')
    expect(secrets.size).toBeGreaterThan(30)
    for (const [value, what] of secrets) {
      expect(log.includes(value), `${what} appears in the log`).toBe(false)
      // Nor percent-encoded (a logged URL or form body).
      expect(log.includes(encodeURIComponent(value)), `${what} appears percent-encoded in the log`).toBe(false)
    }
    // The log is not empty for want of logging: the events and request lines are there.
    const entries = log.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    const events = entries.map((e) => e.event).filter(Boolean)
    expect(events).toEqual(expect.arrayContaining(['login.failed', 'login.succeeded', 'token.issued', 'authorization_code.reused', 'refresh_token.rotated', 'token.revoked', 'key.rotated']))
    expect(entries.find((e) => e.event === 'key.rotated')).toMatchObject({ kid: fresh.kid, alg: fresh.alg })
    expect(entries.some((e) => (e.req as { path?: string } | undefined)?.path === '/token')).toBe(true)
  })
})
