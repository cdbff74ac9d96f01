/**
 * Bad input at every endpoint: missing, repeated, oversized and malformed parameters, wrong
 * content types, invalid JSON, garbage tokens, assertions and Basic credentials, and methods the
 * endpoint does not serve. Each gets the precise error of its channel (STYLE.md "Error model"):
 * - JSON endpoints (token, introspection, revocation, device authorization): RFC 6749 §5.2 body
 *   with `Cache-Control: no-store`;
 * - UserInfo: RFC 6750 §3 `WWW-Authenticate: Bearer` challenge;
 * - pages and the authorization endpoint before client_id and redirect_uri are verified: an HTML
 *   error page, never a redirect (RFC 6749 §4.1.2.1, RFC 9700 §4.11.2).
 * Nothing answers 500 or leaks a stack trace (`send` checks every response), and after all of it
 * the tokens issued at the start still work (the last describe).
 *
 * Requests go through `node:http` rather than fetch, so that a test can send any method, any
 * header bytes, no content type at all, or a chunked body; `agent: false` gives every request its
 * own connection, since some answers (431, 413) close it.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { Browser, formOf, isConsentPage, type Page } from '../browser.js'
import {
  ALICE,
  API,
  FORM,
  LOGGED_OUT,
  OTHER_SECRET,
  SERVICE_SECRET,
  WEB_REDIRECT,
  WEB_SECRET,
  baseTestConfig,
  basic,
  startServer,
  userToken,
  type TestServer,
  type Tokens,
} from '../helpers.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const CONSENT_SECRET = 'consent-secret-0123456789abcdef01234567'
const CONSENT_REDIRECT = 'https://consent-app.example/cb'
const EVIL = 'https://evil.example/steal'
/** A stack trace, a module path or an exception name in a body means an internal error leaked. */
const LEAK = /at .*\(|node_modules|Error:/
/** Unsecured JWT (`alg: none`) naming `web`: must never authenticate anyone or anything. */
const ALG_NONE_JWT = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: 'web', sub: 'web', aud: 'x', exp: 4102444800, jti: 'j' })}.`
const TWENTY_KB = 'A'.repeat(20 * 1024)

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

const config = {
  clients: [
    ...baseTestConfig.clients,
    { client_id: 'tv', client_name: 'Test TV', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT], scope: 'openid profile' },
    {
      client_id: 'consent-app',
      client_name: 'Consent App',
      client_secret: CONSENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      redirect_uris: [CONSENT_REDIRECT],
      scope: 'openid profile',
    },
  ],
}

interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  text: string
}

let s: TestServer
/** Issued before any bad input; the last describe checks they survived all of it. */
let issued: Required<Pick<Tokens, 'access_token' | 'refresh_token' | 'id_token'>> & Tokens

beforeAll(async () => {
  s = await startServer(config)
  const tokens = await userToken(s.url, { scope: 'openid profile email offline_access' })
  if (!tokens.refresh_token || !tokens.id_token) throw new Error('expected refresh and ID tokens from the password grant')
  issued = tokens as typeof issued
})

afterAll(async () => {
  await s?.close()
})

/**
 * One raw HTTP exchange. Every answer, whatever the test expects of it, must be below 500 and
 * must not leak internals.
 */
async function send(method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean } = {}): Promise<RawResponse> {
  const url = new URL(s.url)
  const headers: Record<string, string> = { ...options.headers }
  if (options.chunked) headers['transfer-encoding'] = 'chunked'
  // Node sends GET/DELETE/OPTIONS bodies without framing unless told the length.
  else if (options.body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(options.body))
  const res = await new Promise<RawResponse>((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (c: Buffer) => chunks.push(c))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }))
      response.on('error', reject)
    })
    req.on('error', reject)
    if (options.body === undefined) req.end()
    else if (options.chunked) {
      // Two chunks, so the body length is unknown up front (no content-length to check early).
      const body = Buffer.from(options.body)
      req.write(body.subarray(0, body.length >> 1))
      req.end(body.subarray(body.length >> 1))
    } else req.end(options.body)
  })
  const what = `${method} ${path.slice(0, 80)}`
  expect(res.status, `${what}: never a 5xx`).toBeLessThan(500)
  expect(res.text, `${what}: no stack trace or internals in the body`).not.toMatch(LEAK)
  return res
}

function post(path: string, body: string | Buffer, headers: Record<string, string> = {}, contentType: string | null = FORM): Promise<RawResponse> {
  return send('POST', path, { headers: { ...(contentType === null ? {} : { 'content-type': contentType }), ...headers }, body })
}

function form(params: Record<string, string> | [string, string][]): string {
  return new URLSearchParams(params).toString()
}

const webAuth = { authorization: basic('web', WEB_SECRET) }
const serviceAuth = { authorization: basic('service', SERVICE_SECRET) }

/** RFC 6749 §5.2: status, JSON body with `error`, `Cache-Control: no-store`. */
function expectJsonError(res: RawResponse, status: number, error: string): Record<string, unknown> {
  expect(res.status, res.text).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  const body = JSON.parse(res.text) as Record<string, unknown>
  expect(body.error, res.text).toBe(error)
  if (body.error_description !== undefined) expect(typeof body.error_description).toBe('string')
  expect(res.headers['cache-control']).toContain('no-store')
  return body
}

/** RFC 6750 §3: the JSON error plus a Bearer challenge naming it. */
function expectBearerError(res: RawResponse, status: number, error: string): void {
  expectJsonError(res, status, error)
  const challenge = String(res.headers['www-authenticate'] ?? '')
  expect(challenge).toMatch(/^Bearer /)
  expect(challenge).toContain(`error="${error}"`)
}

/** An HTML error page: the code is shown, nothing redirects, the page cannot be framed. */
function expectErrorPage(res: RawResponse, status: number, error = 'invalid_request'): void {
  expect(res.status, res.text.slice(0, 300)).toBe(status)
  expect(res.headers.location, 'an error before the redirect_uri is verified is never redirected').toBeUndefined()
  expect(res.headers['content-type']).toMatch(/^text\/html/)
  expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'")
  expect(res.text).toContain(error)
  expect(res.text).not.toContain(EVIL)
  expect(res.text).not.toContain('<script>alert')
}

/** A method an endpoint does not serve: 405 with Allow (RFC 9110 §15.5.6), no 5xx. */
async function expectMethodRefused(method: string, path: string): Promise<void> {
  const res = await send(method, path, method === 'HEAD' ? {} : { headers: { 'content-type': FORM }, body: 'a=b' })
  expect(res.status, `${method} ${path}`).toBe(405)
  expect(res.headers.allow).toBeTruthy()
  expect(res.headers.location).toBeUndefined()
}

const CONTENT_TYPES: { name: string; type: string | null; body: string }[] = [
  { name: 'JSON', type: 'application/json', body: '{"grant_type":"client_credentials","token":"x","client_id":"tv","user_code":"BCDF-GHJK"}' },
  { name: 'text/plain', type: 'text/plain', body: 'grant_type=client_credentials&token=x&client_id=tv' },
  { name: 'multipart', type: 'multipart/form-data; boundary=xyz', body: '--xyz\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--xyz--\r\n' },
  { name: 'no content type', type: null, body: 'grant_type=client_credentials&token=x&client_id=tv' },
  { name: 'XML', type: 'application/xml', body: '<grant_type>client_credentials</grant_type>' },
  { name: 'a look-alike media type', type: 'application/x-www-form-urlencoded-evil', body: 'grant_type=client_credentials&token=x' },
]

const INVALID_JSON = ['{bad', '', '[1,2', '{"grant_type":', '\u0000', '{"__proto__":{"x":1}}', `${'['.repeat(30_000)}${']'.repeat(30_000)}`]

describe('token endpoint', () => {
  it('RFC 6749 §5.2: a missing grant_type is invalid_request', async () => {
    expectJsonError(await post(PATHS.token, form({ scope: 'openid' }), webAuth), 400, 'invalid_request')
    expectJsonError(await post(PATHS.token, '', webAuth), 400, 'invalid_request')
    // RFC 6749 §3.1: a parameter without a value is treated as omitted.
    expectJsonError(await post(PATHS.token, 'grant_type=', webAuth), 400, 'invalid_request')
  })

  it('RFC 6749 §5.2: an unknown grant_type is unsupported_grant_type', async () => {
    for (const grantType of ['urn:example:unknown', 'implicit', 'token', 'CLIENT_CREDENTIALS', 'client_credentials ', '☃', '%ZZ']) {
      const res = await post(PATHS.token, form({ grant_type: grantType }), serviceAuth)
      expectJsonError(res, 400, 'unsupported_grant_type')
    }
  })

  it('RFC 6749 §5.2: a grant the client is not registered for is unauthorized_client', async () => {
    expectJsonError(await post(PATHS.token, form({ grant_type: 'password', username: ALICE.email, password: ALICE.password }), serviceAuth), 400, 'unauthorized_client')
    expectJsonError(await post(PATHS.token, form({ grant_type: 'client_credentials' }), webAuth), 400, 'unauthorized_client')
    expectJsonError(await post(PATHS.token, form({ grant_type: DEVICE_GRANT, device_code: 'x' }), webAuth), 400, 'unauthorized_client')
  })

  it('RFC 6749 §3.2: a repeated parameter at the token endpoint is invalid_request', async () => {
    const cases: [string, string][][] = [
      [['grant_type', 'client_credentials'], ['grant_type', 'client_credentials']],
      [['grant_type', 'client_credentials'], ['grant_type', 'password']],
      [['grant_type', 'client_credentials'], ['scope', 'read:data'], ['scope', 'write:data']],
      [['grant_type', 'client_credentials'], ['resource', API], ['resource', API]],
      // Unknown parameters may not repeat either: the rule is checked before anything is read.
      [['grant_type', 'client_credentials'], ['unknown', '1'], ['unknown', '2']],
    ]
    for (const params of cases) expectJsonError(await post(PATHS.token, form(params), serviceAuth), 400, 'invalid_request')
    // Repeated credentials in the body.
    const post2 = [['grant_type', 'client_credentials'], ['client_id', 'web2'], ['client_id', 'web2'], ['client_secret', OTHER_SECRET]] as [string, string][]
    expectJsonError(await post(PATHS.token, form(post2)), 400, 'invalid_request')
    const secret2 = [['grant_type', 'client_credentials'], ['client_id', 'web2'], ['client_secret', OTHER_SECRET], ['client_secret', OTHER_SECRET]] as [string, string][]
    expectJsonError(await post(PATHS.token, form(secret2)), 400, 'invalid_request')
    // The issued refresh token, twice: rejected before it is looked up (and so not rotated).
    const refresh = [['grant_type', 'refresh_token'], ['refresh_token', issued.refresh_token], ['refresh_token', issued.refresh_token]] as [string, string][]
    expectJsonError(await post(PATHS.token, form(refresh), webAuth), 400, 'invalid_request')
  })

  it('RFC 6749 §3.2: unrecognized parameters are ignored, whatever their names', async () => {
    const body = 'grant_type=client_credentials&__proto__=x&constructor=y&toString=z&hasOwnProperty=1&valueOf=2&foo%5Bbar%5D=1&%00=nul&%E2%98%83=snow'
    const res = await post(PATHS.token, body, serviceAuth)
    expect(res.status, res.text).toBe(200)
    expect(JSON.parse(res.text)).toMatchObject({ token_type: 'Bearer' })
  })

  it('RFC 6749 §3.2: a request body that is not application/x-www-form-urlencoded is invalid_request', async () => {
    for (const ct of CONTENT_TYPES) {
      const res = await post(PATHS.token, ct.body, serviceAuth, ct.type)
      expectJsonError(res, 400, 'invalid_request')
    }
    // No body at all.
    expectJsonError(await send('POST', PATHS.token, { headers: serviceAuth }), 400, 'invalid_request')
  })

  it('RFC 6749 §3.2: media type names are case-insensitive (RFC 9110 §8.3.1) and parameters are allowed', async () => {
    for (const type of ['application/x-www-form-urlencoded; charset=UTF-8', 'Application/X-WWW-Form-Urlencoded']) {
      const res = await post(PATHS.token, form({ grant_type: 'client_credentials' }), serviceAuth, type)
      expect(res.status, `${type}: ${res.text}`).toBe(200)
    }
  })

  it('RFC 8259: an invalid JSON body is invalid_request, never a 500', async () => {
    for (const body of INVALID_JSON) expectJsonError(await post(PATHS.token, body, serviceAuth, 'application/json'), 400, 'invalid_request')
  })

  it('STYLE Error model: a body over security.body_limit is invalid_request with 413', async () => {
    const limit = s.server.config.security.body_limit
    const body = `grant_type=client_credentials&padding=${'a'.repeat(limit + 10)}`
    expectJsonError(await post(PATHS.token, body, serviceAuth), 413, 'invalid_request')
    // Without a content-length the limit is enforced while reading.
    expectJsonError(await send('POST', PATHS.token, { headers: { 'content-type': FORM, ...serviceAuth }, body, chunked: true }), 413, 'invalid_request')
  })

  it('RFC 6749 §5.2: a 20 kB parameter is invalid_request', async () => {
    for (const params of <Record<string, string>[]>[
      { grant_type: 'refresh_token', refresh_token: TWENTY_KB },
      { grant_type: 'client_credentials', scope: TWENTY_KB },
      { grant_type: 'client_credentials', unknown: TWENTY_KB },
      { grant_type: TWENTY_KB },
    ]) {
      expectJsonError(await post(PATHS.token, form(params), serviceAuth), 400, 'invalid_request')
    }
    const assertion = { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: `${TWENTY_KB}.${TWENTY_KB}.x` }
    expectJsonError(await post(PATHS.token, form(assertion)), 400, 'invalid_request')
  })

  it('RFC 6749 §2.3.1, §5.2: garbage Basic credentials are invalid_client with WWW-Authenticate: Basic', async () => {
    const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64')
    const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1')
    const garbage = [
      'Basic !!!not-base64!!!',
      `Basic ${b64('no-colon-at-all')}`,
      `Basic ${b64('wéb:sëcret☃')}`,
      `Basic ${b64('web:%ZZ')}`,
      `Basic ${b64('%E0%A4%A:secret')}`,
      `Basic ${b64(':')}`,
      `Basic ${b64('web:')}`,
      `Basic ${b64(Buffer.from([0xff, 0xfe, 0x3a, 0xff, 0x00]))}`,
      `Basic ${latin1('wéb:sëcret☃')}`,
      `Basic ${'a'.repeat(8000)}`,
      `Basic ${b64('web:wrong-secret')}`,
      `bAsIc ${b64('web:wrong-secret')}`,
    ]
    for (const authorization of garbage) {
      const res = await post(PATHS.token, form({ grant_type: 'client_credentials' }), { authorization })
      expectJsonError(res, 401, 'invalid_client')
      expect(res.headers['www-authenticate'], authorization.slice(0, 40)).toMatch(/^Basic /)
    }
  })

  /** @see issue 8 */
  it('RFC 6749 §2.3: Basic credentials after a tab still count as a method: with client_secret in the body too it is invalid_request, never the body alone', async () => {
    const other = Buffer.from('service:not-the-secret').toString('base64')
    const res = await post(PATHS.token, form({ grant_type: 'client_credentials', client_id: 'web', client_secret: WEB_SECRET }), { authorization: `Basic\t${other}` })
    expectJsonError(res, 400, 'invalid_request')
  })

  it('RFC 6749 §5.2: the Basic scheme without credentials is invalid_client with WWW-Authenticate: Basic', async () => {
    // The client attempted to authenticate via the Authorization header, so the challenge is a MUST.
    const res = await post(PATHS.token, form({ grant_type: 'client_credentials' }), { authorization: 'Basic' })
    expectJsonError(res, 401, 'invalid_client')
    expect(res.headers['www-authenticate']).toMatch(/^Basic /)
  })

  it('RFC 7521 §4.2, RFC 7523 §3: a garbage client assertion is invalid_client', async () => {
    const garbage = [
      'not-a-jwt',
      'a.b.c',
      '..',
      'ñ.ñ.ñ',
      `${b64url(['array'])}.${b64url(['payload'])}.sig`,
      `${b64url({ alg: 'RS256' })}.${Buffer.from('not json').toString('base64url')}.sig`,
      `${b64url({ alg: 'RS256' })}.${b64url({ sub: 'ghost-client' })}.sig`,
      `${b64url({ alg: 'RS256' })}.${b64url({ sub: 42 })}.sig`,
      ALG_NONE_JWT,
    ]
    for (const assertion of garbage) {
      const res = await post(PATHS.token, form({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion }))
      expectJsonError(res, 401, 'invalid_client')
      expect(res.headers['www-authenticate'], 'no Basic challenge when the Authorization header was not used').toBeUndefined()
    }
  })

  it('RFC 6749 §5.2: garbage codes, refresh tokens and device codes are invalid_grant', async () => {
    for (const token of ['garbage', 'ñoño☃', 'a.b.c', '%00', ' ', issued.access_token, issued.id_token]) {
      expectJsonError(await post(PATHS.token, form({ grant_type: 'refresh_token', refresh_token: token }), webAuth), 400, 'invalid_grant')
      expectJsonError(
        await post(PATHS.token, form({ grant_type: 'authorization_code', code: token, redirect_uri: WEB_REDIRECT }), webAuth),
        400,
        'invalid_grant',
      )
      expectJsonError(await post(PATHS.token, form({ grant_type: DEVICE_GRANT, device_code: token, client_id: 'tv' })), 400, 'invalid_grant')
    }
    expectJsonError(await post(PATHS.token, form({ grant_type: 'password', username: '☃@☃', password: '\u0000', scope: 'openid' }), webAuth), 400, 'invalid_grant')
    expectJsonError(await post(PATHS.token, form({ grant_type: 'password', username: 'a\u0000@example.com', password: 'x', scope: 'openid' }), webAuth), 400, 'invalid_grant')
  })

  it('RFC 9110 §15.5.6: methods other than POST are refused', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'TRACE']) await expectMethodRefused(method, PATHS.token)
  })
})

describe('authorization endpoint', () => {
  const authorize = (params: Record<string, string> | [string, string][] | string) =>
    `${PATHS.authorization}?${typeof params === 'string' ? params : form(params)}`
  const good = { client_id: 'web', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid', state: 'st' }

  /** A redirected authorization error: to the registered URI only, with error, state and iss (RFC 9207). */
  function expectRedirectedError(res: RawResponse, error: string, redirectUri = WEB_REDIRECT): URL {
    expect(res.status, res.text.slice(0, 300)).toBe(303)
    const location = new URL(String(res.headers.location))
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri)
    expect(location.searchParams.get('error')).toBe(error)
    expect(location.searchParams.get('iss')).toBe(s.url)
    expect(location.searchParams.get('code')).toBeNull()
    return location
  }

  it('RFC 6749 §4.1.2.1: without a valid client_id the error is shown on a page, never redirected', async () => {
    const cases: (Record<string, string> | [string, string][] | string)[] = [
      {},
      { redirect_uri: EVIL, response_type: 'code', state: 'x' },
      { client_id: 'ghost', redirect_uri: EVIL, response_type: 'code', state: 'x' },
      { client_id: '<script>alert(1)</script>', redirect_uri: EVIL, response_type: 'code' },
      { client_id: '\u0000', redirect_uri: EVIL, response_type: 'code' },
      { client_id: 'wéb☃', redirect_uri: EVIL, response_type: 'code' },
      [['client_id', 'web'], ['client_id', 'ghost'], ['redirect_uri', EVIL], ['response_type', 'code']],
      [['client_id', 'web'], ['client_id', 'web'], ['redirect_uri', WEB_REDIRECT], ['response_type', 'code']],
      `client_id=%E0%A4%A&redirect_uri=${encodeURIComponent(EVIL)}&x=%ZZ`,
      `client_id[]=web&redirect_uri=${encodeURIComponent(EVIL)}`,
    ]
    for (const params of cases) {
      expectErrorPage(await send('GET', authorize(params)), 400)
      const body = typeof params === 'string' ? params : form(params)
      expectErrorPage(await post(PATHS.authorization, body), 400)
    }
  })

  it('RFC 6749 §4.1.2.1, RFC 9700 §4.1.3: a redirect_uri that does not exactly match is shown on a page, never redirected', async () => {
    const bad = [
      EVIL,
      `${WEB_REDIRECT}/evil`,
      `${WEB_REDIRECT}x`,
      `${WEB_REDIRECT}?next=${encodeURIComponent(EVIL)}`,
      `${WEB_REDIRECT}#fragment`,
      WEB_REDIRECT.replace('http://', 'http://user@'),
      WEB_REDIRECT.replace('http:', 'https:'),
      'javascript:alert(1)',
      `data:text/html,<script>alert(1)</script>`,
      '//evil.example/steal',
      'not a url',
    ]
    for (const redirectUri of bad) {
      expectErrorPage(await send('GET', authorize({ ...good, redirect_uri: redirectUri })), 400)
    }
    // Two redirect_uris, the registered one first: which one would a redirect use? Neither.
    expectErrorPage(await send('GET', authorize([['client_id', 'web'], ['redirect_uri', WEB_REDIRECT], ['redirect_uri', EVIL], ['response_type', 'code']])), 400)
    // OIDC Core §3.1.2.1: redirect_uri is required with openid, even with one registered URI.
    expectErrorPage(await send('GET', authorize({ client_id: 'web', response_type: 'code', scope: 'openid' })), 400)
  })

  it('RFC 6749 §4.1.2.1, RFC 9207: once client and redirect_uri are verified, errors go back to the client with state and iss', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ response_type: 'code id_token' }, 'unsupported_response_type'],
      [{ response_type: '☃' }, 'unsupported_response_type'],
      [{ scope: 'bogus' }, 'invalid_scope'],
      [{ scope: 'openid write:data' }, 'invalid_scope'],
      [{ scope: 'openid "quoted"' }, 'invalid_scope'],
      [{ prompt: 'bogus' }, 'invalid_request'],
      [{ prompt: 'none login' }, 'invalid_request'],
      [{ max_age: '-1' }, 'invalid_request'],
      [{ max_age: '1e3' }, 'invalid_request'],
      [{ nonce: 'n\u0000' }, 'invalid_request'],
      [{ code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
      [{ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge_method: 'S256' }, 'invalid_request'],
      [{ request: ALG_NONE_JWT }, 'request_not_supported'],
      [{ request_uri: 'https://evil.example/request.jwt' }, 'request_uri_not_supported'],
      [{ resource: 'not a uri' }, 'invalid_target'],
      [{ resource: 'https://unknown.example/api' }, 'invalid_target'],
      [{ prompt: 'none' }, 'login_required'],
    ]
    for (const [extra, error] of cases) {
      const location = expectRedirectedError(await send('GET', authorize({ ...good, ...extra })), error)
      expect(location.searchParams.get('state')).toBe('st')
    }
    const missing: Record<string, string> = { ...good }
    delete missing.response_type
    expectRedirectedError(await send('GET', authorize(missing)), 'invalid_request')
    // An unknown response_mode cannot be honoured, so the error uses the default (query).
    expectRedirectedError(await send('GET', authorize({ ...good, response_mode: 'fragment' })), 'invalid_request')
  })

  it('RFC 6749 §3.1: a repeated parameter at the authorization endpoint is invalid_request and never reaches an unverified URI', async () => {
    for (const name of ['state', 'scope', 'response_type', 'nonce', 'code_challenge']) {
      const params: [string, string][] = [...Object.entries(good), [name, 'one'], [name, 'two']]
      const res = await send('GET', authorize(params))
      if (res.headers.location === undefined) expectErrorPage(res, 400)
      else expectRedirectedError(res, 'invalid_request')
    }
  })

  it('RFC 6749 §3.1: a POST to the authorization endpoint takes only a form body', async () => {
    for (const ct of CONTENT_TYPES) {
      const body = ct.name === 'JSON' ? JSON.stringify(good) : ct.body
      expectErrorPage(await post(PATHS.authorization, body, {}, ct.type), 400)
    }
    for (const body of INVALID_JSON) expectErrorPage(await post(PATHS.authorization, body, {}, 'application/json'), 400)
  })

  it('STYLE Error model: an oversized body is 413 and a 20 kB client_id invalid_request, on a page', async () => {
    const limit = s.server.config.security.body_limit
    expectErrorPage(await post(PATHS.authorization, `${form(good)}&padding=${'a'.repeat(limit + 10)}`), 413)
    expectErrorPage(await post(PATHS.authorization, form({ ...good, client_id: TWENTY_KB })), 400)
    // In the URL, 20 kB exceed Node's 16 KiB header limit: 431 (RFC 6585 §5) before Latch sees it.
    const res = await send('GET', authorize({ ...good, client_id: TWENTY_KB }))
    if (res.status === 431) expect(res.headers.location).toBeUndefined()
    else expectErrorPage(res, 400)
  })

  it('RFC 6749 §4.1.2.1: an overlong state, once the client is verified, is invalid_request redirected without echoing it', async () => {
    const res = await post(PATHS.authorization, form({ ...good, state: TWENTY_KB }))
    expect(res.status).toBe(303)
    const location = new URL(String(res.headers.location))
    expect(location.origin + location.pathname).toBe(WEB_REDIRECT)
    expect(location.searchParams.get('error')).toBe('invalid_request')
    expect(location.searchParams.get('state')).toBeNull()
  })

  it('RFC 9110 §15.5.6: methods other than GET and POST are refused', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) await expectMethodRefused(method, authorize(good))
  })
})

describe('UserInfo endpoint', () => {
  it('RFC 6750 §3.1: a request without a token gets a bare Bearer challenge', async () => {
    for (const headers of <Record<string, string>[]>[{}, { authorization: basic('web', WEB_SECRET) }, { authorization: 'Digest username="x"' }]) {
      const res = await send('GET', PATHS.userinfo, { headers })
      expect(res.status).toBe(401)
      const challenge = String(res.headers['www-authenticate'])
      expect(challenge).toMatch(/^Bearer /)
      expect(challenge).not.toContain('error=')
      expect(res.headers['cache-control']).toContain('no-store')
    }
  })

  it('RFC 6750 §3.1: a garbage or foreign token is invalid_token with 401', async () => {
    const latin1 = (v: string) => Buffer.from(v, 'utf8').toString('latin1')
    const tokens = [
      'garbage',
      'a.b.c',
      ALG_NONE_JWT,
      latin1('ñoño☃'),
      'abc def',
      'x'.repeat(8000),
      `${issued.access_token}x`,
      issued.access_token.split('.').slice(0, 2).join('.') + '.',
      // Not access tokens: an opaque refresh token and an ID token (RFC 9068 §4: typ must be at+jwt).
      issued.refresh_token,
      issued.id_token,
    ]
    for (const token of tokens) {
      for (const scheme of ['Bearer', 'bearer']) {
        const res = await send('GET', PATHS.userinfo, { headers: { authorization: `${scheme} ${token}` } })
        expectBearerError(res, 401, 'invalid_token')
      }
    }
  })

  it('RFC 6750 §3.1: the Bearer scheme without a token is invalid_request', async () => {
    expectBearerError(await send('GET', PATHS.userinfo, { headers: { authorization: 'Bearer' } }), 400, 'invalid_request')
  })

  it('RFC 6750 §2.3: an access token in the query string is invalid_request', async () => {
    const res = await send('GET', `${PATHS.userinfo}?access_token=${encodeURIComponent(issued.access_token)}`)
    expectBearerError(res, 400, 'invalid_request')
  })

  it('RFC 6750 §2, §3.1: a token sent by two methods, or a repeated access_token, is invalid_request', async () => {
    const twice = await post(PATHS.userinfo, form({ access_token: issued.access_token }), { authorization: `Bearer ${issued.access_token}` })
    expectBearerError(twice, 400, 'invalid_request')
    const repeated = await post(PATHS.userinfo, form([['access_token', issued.access_token], ['access_token', issued.access_token]]))
    expectBearerError(repeated, 400, 'invalid_request')
  })

  it('RFC 6750 §2.2: a token in a body that is not a form is no token at all', async () => {
    for (const ct of [{ type: 'application/json', body: JSON.stringify({ access_token: issued.access_token }) }, { type: 'text/plain', body: `access_token=${issued.access_token}` }]) {
      const res = await post(PATHS.userinfo, ct.body, {}, ct.type)
      expect(res.status).toBe(401)
      expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer /)
    }
    const bad = await post(PATHS.userinfo, '{bad', {}, 'application/json')
    expect(bad.status).toBeGreaterThanOrEqual(400)
    expect(String(bad.headers['www-authenticate'])).toMatch(/^Bearer /)
  })

  it('STYLE Error model: an oversized body at UserInfo is invalid_request with 413', async () => {
    const limit = s.server.config.security.body_limit
    expectBearerError(await post(PATHS.userinfo, `access_token=${'a'.repeat(limit + 10)}`), 413, 'invalid_request')
  })

  it('RFC 9110 §15.5.6: methods other than GET and POST are refused', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) await expectMethodRefused(method, PATHS.userinfo)
  })
})

describe('introspection endpoint', () => {
  it('RFC 7662 §2.1: introspection without client authentication, or by a public client, is invalid_client', async () => {
    expectJsonError(await post(PATHS.introspection, form({ token: issued.access_token })), 401, 'invalid_client')
    expectJsonError(await post(PATHS.introspection, form({ token: issued.access_token, client_id: 'spa' })), 401, 'invalid_client')
    const res = await post(PATHS.introspection, form({ token: issued.access_token }), { authorization: `Basic ${Buffer.from('☃', 'utf8').toString('latin1')}` })
    expectJsonError(res, 401, 'invalid_client')
    expect(res.headers['www-authenticate']).toMatch(/^Basic /)
  })

  it('RFC 7662 §2.1: a missing, repeated or 20 kB token is invalid_request', async () => {
    expectJsonError(await post(PATHS.introspection, '', webAuth), 400, 'invalid_request')
    expectJsonError(await post(PATHS.introspection, form({ token_type_hint: 'access_token' }), webAuth), 400, 'invalid_request')
    expectJsonError(await post(PATHS.introspection, form([['token', 'a'], ['token', 'b']]), webAuth), 400, 'invalid_request')
    expectJsonError(await post(PATHS.introspection, form({ token: TWENTY_KB }), webAuth), 400, 'invalid_request')
  })

  it('RFC 7662 §2.2: a garbage token is {"active": false}, not an error', async () => {
    for (const token of ['garbage', 'a.b.c', ALG_NONE_JWT, 'ñoño☃', 'x'.repeat(10_000), `${issued.access_token}x`, issued.id_token]) {
      for (const hint of [undefined, 'access_token', 'refresh_token', 'bogus']) {
        const res = await post(PATHS.introspection, form({ token, ...(hint && { token_type_hint: hint }) }), webAuth)
        expect(res.status, res.text).toBe(200)
        expect(JSON.parse(res.text)).toEqual({ active: false })
        expect(res.headers['cache-control']).toContain('no-store')
      }
    }
  })

  it('RFC 7662 §2.1: a request body that is not a form is invalid_request', async () => {
    for (const ct of CONTENT_TYPES) expectJsonError(await post(PATHS.introspection, ct.body, webAuth, ct.type), 400, 'invalid_request')
    for (const body of INVALID_JSON) expectJsonError(await post(PATHS.introspection, body, webAuth, 'application/json'), 400, 'invalid_request')
    const limit = s.server.config.security.body_limit
    expectJsonError(await post(PATHS.introspection, `token=${'a'.repeat(limit + 10)}`, webAuth), 413, 'invalid_request')
  })

  it('RFC 9110 §15.5.6: methods other than POST are refused', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) await expectMethodRefused(method, PATHS.introspection)
  })
})

describe('revocation endpoint', () => {
  it('RFC 7009 §2.1: revocation without client authentication is invalid_client', async () => {
    expectJsonError(await post(PATHS.revocation, form({ token: 'x' })), 401, 'invalid_client')
    const res = await post(PATHS.revocation, form({ token: 'x' }), { authorization: basic('web', 'wrong-secret') })
    expectJsonError(res, 401, 'invalid_client')
    expect(res.headers['www-authenticate']).toMatch(/^Basic /)
  })

  it('RFC 7009 §2.1: a missing, repeated or 20 kB token is invalid_request', async () => {
    expectJsonError(await post(PATHS.revocation, '', webAuth), 400, 'invalid_request')
    expectJsonError(await post(PATHS.revocation, form([['token', 'a'], ['token', 'b']]), webAuth), 400, 'invalid_request')
    expectJsonError(await post(PATHS.revocation, form({ token: TWENTY_KB }), webAuth), 400, 'invalid_request')
  })

  it('RFC 7009 §2.2: a garbage token, with any token_type_hint, is answered 200', async () => {
    for (const token of ['garbage', 'a.b.c', ALG_NONE_JWT, 'ñoño☃', `${issued.access_token}x`, issued.id_token]) {
      for (const hint of [undefined, 'access_token', 'refresh_token', 'bogus']) {
        const res = await post(PATHS.revocation, form({ token, ...(hint && { token_type_hint: hint }) }), webAuth)
        expect(res.status, res.text).toBe(200)
        expect(res.headers['cache-control']).toContain('no-store')
      }
    }
  })

  it('RFC 7009 §2.1: a request body that is not a form is invalid_request', async () => {
    for (const ct of CONTENT_TYPES) expectJsonError(await post(PATHS.revocation, ct.body, webAuth, ct.type), 400, 'invalid_request')
    for (const body of INVALID_JSON) expectJsonError(await post(PATHS.revocation, body, webAuth, 'application/json'), 400, 'invalid_request')
    const limit = s.server.config.security.body_limit
    expectJsonError(await post(PATHS.revocation, `token=${'a'.repeat(limit + 10)}`, webAuth), 413, 'invalid_request')
  })

  it('RFC 9110 §15.5.6: methods other than POST are refused', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) await expectMethodRefused(method, PATHS.revocation)
  })
})

describe('device authorization endpoint', () => {
  it('RFC 8628 §3.1: an unauthenticated or unknown client is invalid_client', async () => {
    expectJsonError(await post(PATHS.device_authorization, form({ scope: 'openid' })), 401, 'invalid_client')
    expectJsonError(await post(PATHS.device_authorization, form({ client_id: 'ghost' })), 401, 'invalid_client')
    expectJsonError(await post(PATHS.device_authorization, form({ client_id: '☃\u0000' })), 401, 'invalid_client')
  })

  it('RFC 8628 §3.1, RFC 6749 §5.2: a client not registered for the device grant is unauthorized_client', async () => {
    expectJsonError(await post(PATHS.device_authorization, form({ scope: 'openid' }), webAuth), 400, 'unauthorized_client')
  })

  it('RFC 8628 §3.1, RFC 6749 §3.3: a scope the client may not have is invalid_scope', async () => {
    expectJsonError(await post(PATHS.device_authorization, form({ client_id: 'tv', scope: 'openid write:data' })), 400, 'invalid_scope')
    expectJsonError(await post(PATHS.device_authorization, form({ client_id: 'tv', scope: 'openid "x"' })), 400, 'invalid_scope')
  })

  it('RFC 6749 §3.2: repeated, 20 kB or non-form parameters are invalid_request', async () => {
    expectJsonError(await post(PATHS.device_authorization, form([['client_id', 'tv'], ['client_id', 'tv']])), 400, 'invalid_request')
    expectJsonError(await post(PATHS.device_authorization, form([['client_id', 'tv'], ['scope', 'openid'], ['scope', 'openid']])), 400, 'invalid_request')
    expectJsonError(await post(PATHS.device_authorization, form({ client_id: 'tv', scope: TWENTY_KB })), 400, 'invalid_request')
    for (const ct of CONTENT_TYPES) expectJsonError(await post(PATHS.device_authorization, ct.body, {}, ct.type), 400, 'invalid_request')
    for (const body of INVALID_JSON) expectJsonError(await post(PATHS.device_authorization, body, {}, 'application/json'), 400, 'invalid_request')
    const limit = s.server.config.security.body_limit
    expectJsonError(await post(PATHS.device_authorization, `client_id=tv&x=${'a'.repeat(limit + 10)}`), 413, 'invalid_request')
  })

  it('RFC 9110 §15.5.6: methods other than POST are refused', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) await expectMethodRefused(method, PATHS.device_authorization)
  })
})

describe('device verification page', () => {
  it('architecture.md §2 Pages: a hostile or repeated user_code in the URL is escaped, never executed', async () => {
    const res = await send('GET', `${PATHS.device_verification}?user_code=${encodeURIComponent('"><script>alert(1)</script>')}`)
    expect(res.status).toBe(200)
    expect(res.text).not.toContain('<script>alert')
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    const repeated = await send('GET', `${PATHS.device_verification}?user_code=AAAA&user_code=BBBB&user_code[x]=1`)
    expect(repeated.status).toBe(200)
    const bad = await send('GET', `${PATHS.device_verification}?user_code=%E0%A4%A`)
    expect(bad.status).toBeLessThan(500)
  })

  it('architecture.md §2 Pages: a code form without its CSRF token, or not a form, is refused on a page', async () => {
    expectErrorPage(await post(PATHS.device_verification, form({ user_code: 'BCDF-GHJK' })), 403)
    expectErrorPage(await post(PATHS.device_verification, form({ user_code: 'BCDF-GHJK', csrf: 'forged' }), { cookie: 'latch_csrf=other' }), 403)
    for (const ct of CONTENT_TYPES) expectErrorPage(await post(PATHS.device_verification, ct.body, {}, ct.type), 400)
    for (const body of INVALID_JSON) expectErrorPage(await post(PATHS.device_verification, body, {}, 'application/json'), 400)
    const limit = s.server.config.security.body_limit
    expectErrorPage(await post(PATHS.device_verification, `user_code=${'a'.repeat(limit + 10)}`), 413)
  })

  it('RFC 8628 §3.3: a garbage user code re-renders the form with a message', async () => {
    const browser = new Browser(s.url)
    const page = await browser.open(`${s.url}${PATHS.device_verification}`)
    const { csrf } = formOf(page).fields
    for (const code of ['☃☃☃', '"><script>alert(1)</script>', '', 'BCDF-GHJK-LMNP-QRST', '\u0000']) {
      const res = await browser.fetch(`${s.url}${PATHS.device_verification}`, { method: 'POST', headers: { 'content-type': FORM }, body: form({ csrf: csrf ?? '', user_code: code }) })
      const html = await res.text()
      expect(res.status, html.slice(0, 200)).toBe(400)
      expect(html).toContain('role="alert"')
      expect(html).not.toContain('<script>alert')
      expect(html).not.toMatch(LEAK)
    }
    const repeated = await browser.fetch(`${s.url}${PATHS.device_verification}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: form([['csrf', csrf ?? ''], ['user_code', 'BCDF-GHJK'], ['user_code', 'BCDF-GHJK']]),
    })
    expect(repeated.status).toBe(400)
    expect(await repeated.text()).toContain('invalid_request')
  })
})

describe('interaction pages', () => {
  it('architecture.md §2 Pages: an unknown or malformed interaction id is an error page', async () => {
    for (const id of ['not-a-uuid', crypto.randomUUID(), '00000000-0000-0000-0000-000000000000', '..%2F..%2Fetc%2Fpasswd', '%00', '☃']) {
      const path = `${PATHS.interaction}/${id.includes('%') ? id : encodeURIComponent(id)}`
      expectErrorPage(await send('GET', path), 400)
      expectErrorPage(await post(`${path}/login`, form({ email: ALICE.email, password: ALICE.password, csrf: 'x' })), 400)
      expectErrorPage(await post(`${path}/consent`, form({ decision: 'allow', csrf: 'x' })), 400)
    }
  })

  it('architecture.md §2 Pages: an interaction id that is not valid percent-encoding is an error page', async () => {
    expectErrorPage(await send('GET', `${PATHS.interaction}/%E0%A4%A`), 400)
  })

  it('architecture.md §2 Pages: an overlong interaction id is an error page', async () => {
    const res = await send('GET', `${PATHS.interaction}/${'a'.repeat(300)}`)
    expect([400, 414]).toContain(res.status)
    expectErrorPage(res, res.status)
  })

  it('architecture.md §2 Pages: the sign-in form refuses missing CSRF, repeated, oversized and non-form input', async () => {
    const browser = new Browser(s.url)
    const start = await browser.open(`${s.url}${PATHS.authorization}?${form({ client_id: 'consent-app', redirect_uri: CONSENT_REDIRECT, response_type: 'code', scope: 'openid', state: 's1' })}`)
    const login = formOf(start)
    const csrf = login.fields.csrf ?? ''
    const postLogin = (body: string, contentType: string | null = FORM) =>
      browser.fetch(login.action, { method: 'POST', headers: contentType === null ? {} : { 'content-type': contentType }, body })
    const check = async (res: Response, status: number) => {
      const text = await res.text()
      expect(res.status, text.slice(0, 200)).toBe(status)
      expect(res.headers.get('location')).toBeNull()
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(text).not.toMatch(LEAK)
      return text
    }
    await check(await postLogin(form({ email: ALICE.email, password: ALICE.password })), 403)
    await check(await postLogin(form({ email: ALICE.email, password: ALICE.password, csrf: 'forged' })), 403)
    await check(await postLogin(form([['csrf', csrf], ['email', ALICE.email], ['email', 'bob@example.com'], ['password', ALICE.password]])), 400)
    await check(await postLogin(form({ csrf, email: ALICE.email, password: TWENTY_KB })), 400)
    await check(await postLogin(`csrf=${csrf}&password=${'a'.repeat(s.server.config.security.body_limit + 10)}`), 413)
    for (const ct of CONTENT_TYPES) await check(await postLogin(ct.body, ct.type), 400)
    await check(await postLogin(JSON.stringify({ csrf, email: ALICE.email, password: ALICE.password }), 'application/json'), 400)
    // Wrong credentials in odd shapes: the form again with a message, and the same message for all.
    for (const [email, password] of [['☃@☃', '\u0000'], ['a\u0000@example.com', 'x'], ['"><script>alert(1)</script>', 'x'], ['', '']]) {
      const text = await check(await postLogin(form({ csrf, email: email ?? '', password: password ?? '' })), 401)
      expect(text).toContain('Incorrect email or password.')
      expect(text).not.toContain('<script>alert')
    }
    // After all that, the interaction is intact: the right credentials lead to the consent page.
    const page: Page = await browser.signIn(start, ALICE.email, ALICE.password)
    expect(isConsentPage(page)).toBe(true)
  })

  it('architecture.md §2 Pages: the consent form refuses a decision other than Allow or Deny, and keeps the request', async () => {
    const browser = new Browser(s.url)
    const start = await browser.open(`${s.url}${PATHS.authorization}?${form({ client_id: 'consent-app', redirect_uri: CONSENT_REDIRECT, response_type: 'code', scope: 'openid profile', state: 's2' })}`)
    const consentPage = await browser.signIn(start, ALICE.email, ALICE.password)
    expect(isConsentPage(consentPage)).toBe(true)
    const consent = formOf(consentPage)
    const csrf = consent.fields.csrf ?? ''
    const postConsent = (body: string, contentType = FORM) => browser.fetch(consent.action, { method: 'POST', headers: { 'content-type': contentType }, body })
    for (const [body, status] of [
      [form({ csrf, decision: 'maybe' }), 400],
      [form({ csrf }), 400],
      [form({ csrf, decision: 'ALLOW' }), 400],
      [form([['csrf', csrf], ['decision', 'allow'], ['decision', 'deny']]), 400],
      [form({ decision: 'allow' }), 403],
      [form({ csrf: 'forged', decision: 'allow' }), 403],
    ] as const) {
      const res = await postConsent(body)
      const text = await res.text()
      expect(res.status, `${body}: ${text.slice(0, 200)}`).toBe(status)
      expect(res.headers.get('location')).toBeNull()
      expect(text).not.toMatch(LEAK)
    }
    expect((await postConsent(JSON.stringify({ csrf, decision: 'allow' }), 'application/json')).status).toBe(400)
    // None of it consumed the interaction: Allow still answers the client with a code.
    const done = await browser.decide(consentPage, 'allow')
    expect(done.redirect?.searchParams.get('code')).toBeTruthy()
    expect(done.redirect?.searchParams.get('state')).toBe('s2')
  })

  it('RFC 9110 §15.5.6: methods the interaction pages do not serve are refused', async () => {
    const id = crypto.randomUUID()
    await expectMethodRefused('PUT', `${PATHS.interaction}/${id}`)
    await expectMethodRefused('DELETE', `${PATHS.interaction}/${id}`)
    await expectMethodRefused('GET', `${PATHS.interaction}/${id}/login`)
    await expectMethodRefused('GET', `${PATHS.interaction}/${id}/consent`)
  })
})

describe('end-session endpoint (logout)', () => {
  const logout = (params: Record<string, string> | [string, string][]) => `${PATHS.end_session}?${form(params)}`

  it('OIDC RP-Initiated Logout §2: an id_token_hint that is not our ID token is an error page', async () => {
    for (const hint of ['garbage', 'a.b.c', ALG_NONE_JWT, 'ñoño☃', issued.access_token, `${issued.id_token}x`]) {
      expectErrorPage(await send('GET', logout({ id_token_hint: hint, post_logout_redirect_uri: LOGGED_OUT })), 400)
    }
  })

  it('OIDC RP-Initiated Logout §3: an unregistered post_logout_redirect_uri is an error page, never a redirect', async () => {
    const cases: (Record<string, string> | [string, string][])[] = [
      { post_logout_redirect_uri: EVIL },
      { post_logout_redirect_uri: LOGGED_OUT },
      { client_id: 'web', post_logout_redirect_uri: EVIL },
      { client_id: 'web', post_logout_redirect_uri: `${LOGGED_OUT}/../evil` },
      { client_id: 'web', post_logout_redirect_uri: `${LOGGED_OUT}?next=${EVIL}` },
      { client_id: 'ghost', post_logout_redirect_uri: LOGGED_OUT },
      { client_id: 'web2', id_token_hint: issued.id_token, post_logout_redirect_uri: LOGGED_OUT },
      { id_token_hint: issued.id_token, post_logout_redirect_uri: EVIL },
      [['client_id', 'web'], ['post_logout_redirect_uri', LOGGED_OUT], ['post_logout_redirect_uri', EVIL]],
      [['client_id', 'web'], ['client_id', 'ghost'], ['post_logout_redirect_uri', LOGGED_OUT]],
    ]
    for (const params of cases) {
      expectErrorPage(await send('GET', logout(params)), 400)
      expectErrorPage(await post(PATHS.end_session, form(params)), 400)
    }
  })

  it('OIDC RP-Initiated Logout §2: a logout POST that is not a form, or confirms without CSRF, is refused', async () => {
    for (const ct of CONTENT_TYPES) expectErrorPage(await post(PATHS.end_session, ct.body, {}, ct.type), 400)
    expectErrorPage(await post(PATHS.end_session, form({ confirm: 'yes' })), 403)
    expectErrorPage(await post(PATHS.end_session, form({ confirm: 'yes', csrf: 'forged' }), { cookie: 'latch_csrf=other' }), 403)
    const limit = s.server.config.security.body_limit
    expectErrorPage(await post(PATHS.end_session, `state=${'a'.repeat(limit + 10)}`), 413)
    expectErrorPage(await post(PATHS.end_session, form({ state: TWENTY_KB })), 400)
  })

  it('RFC 9110 §15.5.6: methods other than GET and POST are refused', async () => {
    for (const method of ['PUT', 'DELETE']) await expectMethodRefused(method, PATHS.end_session)
  })
})

describe('discovery and JWKS', () => {
  const DISCOVERY = '/.well-known/openid-configuration'

  it('OIDC Discovery §4, architecture.md §2: junk in the query or a forged Host header changes nothing', async () => {
    const plain = JSON.parse((await send('GET', DISCOVERY)).text) as Record<string, unknown>
    for (const headers of <Record<string, string>[]>[{ host: 'evil.example' }, { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }, {}]) {
      const res = await send('GET', `${DISCOVERY}?issuer=${encodeURIComponent(EVIL)}&x=%ZZ&y[]=1&<script>=1`, { headers })
      expect(res.status).toBe(200)
      const doc = JSON.parse(res.text) as Record<string, unknown>
      expect(doc).toEqual(plain)
      expect(doc.issuer).toBe(s.url)
      for (const [key, value] of Object.entries(doc)) {
        if (key.endsWith('_endpoint') || key === 'jwks_uri') expect(String(value).startsWith(`${s.url}/`), `${key}: ${String(value)}`).toBe(true)
      }
    }
  })

  it('RFC 7517 §5: JWKS answers junk with the public keys only', async () => {
    const res = await send('GET', `${PATHS.jwks}?kid=%ZZ&x[]=1`)
    expect(res.status).toBe(200)
    const jwks = JSON.parse(res.text) as { keys: Record<string, unknown>[] }
    expect(jwks.keys.length).toBeGreaterThan(0)
    for (const key of jwks.keys) for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']) expect(key).not.toHaveProperty(secret)
  })

  it('RFC 9110 §15.5.6: methods other than GET and HEAD are refused', async () => {
    for (const path of [DISCOVERY, '/.well-known/oauth-authorization-server', PATHS.jwks]) {
      for (const method of ['POST', 'PUT', 'DELETE']) await expectMethodRefused(method, path)
      const head = await send('HEAD', path)
      expect(head.status).toBe(200)
      expect(head.text).toBe('')
    }
  })

  it('RFC 9112 §6.3: a request with a malformed Content-Length is refused without a 500', async () => {
    const res = await send('POST', PATHS.token, { headers: { 'content-type': FORM, 'content-length': 'abc' }, body: 'grant_type=x' })
    expect(res.status).toBe(400)
  })
})

describe('nothing already issued is lost or altered', () => {
  it('RFC 6749 §6, RFC 9700 §4.14.2: rejected refresh requests neither rotate nor revoke the refresh token', async () => {
    const refresh = { grant_type: 'refresh_token', refresh_token: issued.refresh_token }
    // Another client presenting it (RFC 6749 §6: bound to the client it was issued to).
    expectJsonError(await post(PATHS.token, form({ ...refresh, client_id: 'web2', client_secret: OTHER_SECRET })), 400, 'invalid_grant')
    // The right client with the wrong secret, or two authentication methods.
    expectJsonError(await post(PATHS.token, form(refresh), { authorization: basic('web', 'wrong-secret') }), 401, 'invalid_client')
    expectJsonError(await post(PATHS.token, form({ ...refresh, client_id: 'web', client_secret: WEB_SECRET }), webAuth), 400, 'invalid_request')
    // A wider scope, another resource, a JSON body.
    expectJsonError(await post(PATHS.token, form({ ...refresh, scope: 'openid read:data' }), webAuth), 400, 'invalid_scope')
    expectJsonError(await post(PATHS.token, form({ ...refresh, resource: API }), webAuth), 400, 'invalid_target')
    expectJsonError(await post(PATHS.token, JSON.stringify(refresh), webAuth, 'application/json'), 400, 'invalid_request')
  })

  it('RFC 7009 §2.1, RFC 7662 §2.1: another client can neither revoke nor inspect the tokens', async () => {
    const web2 = (token: string) => form({ token, client_id: 'web2', client_secret: OTHER_SECRET })
    for (const token of [issued.access_token, issued.refresh_token]) {
      expect((await post(PATHS.revocation, web2(token))).status).toBe(200)
      const res = await post(PATHS.introspection, web2(token))
      expect(JSON.parse(res.text)).toEqual({ active: false })
    }
  })

  it('RFC 6749 §5.2: after all the bad input, the issued access token is still active and the refresh token still works', async () => {
    const introspection = await post(PATHS.introspection, form({ token: issued.access_token }), webAuth)
    expect(introspection.status).toBe(200)
    const claims = JSON.parse(introspection.text) as Record<string, unknown>
    expect(claims).toMatchObject({ active: true, client_id: 'web', scope: issued.scope })
    const userinfo = await send('GET', PATHS.userinfo, { headers: { authorization: `Bearer ${issued.access_token}` } })
    expect(userinfo.status, userinfo.text).toBe(200)
    expect(JSON.parse(userinfo.text)).toMatchObject({ sub: claims.sub, email: ALICE.email })
    const refreshed = await post(PATHS.token, form({ grant_type: 'refresh_token', refresh_token: issued.refresh_token }), webAuth)
    expect(refreshed.status, refreshed.text).toBe(200)
    const tokens = JSON.parse(refreshed.text) as Tokens
    expect(tokens.refresh_token).toBeTruthy()
    expect(tokens.refresh_token).not.toBe(issued.refresh_token)
    expect(tokens.scope).toBe(issued.scope)
  })
})
