/**
 * Seeded fuzzing over every endpoint: malformed methods and request targets, bad percent-encoding,
 * control characters and overlong values in every parameter, duplicate parameters, garbage
 * headers (Authorization, Cookie, Content-Type, Host), wrong content types and broken bodies.
 * Whatever arrives, the answer is a precise error of the endpoint's channel, never:
 * - a 5xx (RFC 6749 §5.2 / §4.1.2.1: bad input is `invalid_request`, not `server_error`);
 * - framework details (`FST_ERR_…`, `ERR_INVALID_CHAR`, Fastify's own `statusCode` JSON) or a
 *   stack trace in the body;
 * - a control character reflected into a response header (header injection, RFC 9110 §5.5);
 * and the server still serves a good request afterwards.
 *
 * Requests go over a raw TCP socket, so that nothing (fetch, node:http) normalises what is sent:
 * any method token, any bytes in the request target and headers. The generator is seeded
 * (mulberry32), so a failure names a case that reproduces: set LATCH_FUZZ_SEED to replay another
 * seed, LATCH_FUZZ_CASES for more cases.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.5
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { OPENID_CONFIGURATION_PATH, OAUTH_AUTHORIZATION_SERVER_PATH } from '../../src/endpoints/discovery.js'
import { SERVICE_SECRET, WEB_SECRET, baseTestConfig, basic, serviceToken, startServer, type TestServer } from '../helpers.js'

const SEED = Number(process.env.LATCH_FUZZ_SEED ?? 8)
const CASES = Number(process.env.LATCH_FUZZ_CASES ?? 700)
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const SPA_CB = 'http://127.0.0.1:5556/spa/cb'

let s: TestServer
let port: number
let interactionId = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
let accessToken = 'x'

beforeAll(async () => {
  s = await startServer({
    clients: [
      ...baseTestConfig.clients,
      { client_id: 'native', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [SPA_CB], scope: 'openid profile' },
      { client_id: 'tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT], scope: 'openid profile' },
    ],
    // Enough attempts that the fuzzed logins are answered as bad credentials, not only 429.
    security: { login_max_failures_per_ip: 10_000, login_max_failures_per_account: 10_000 },
  })
  port = Number(new URL(s.url).port)
  const authz = await raw(`GET ${PATHS.authorization}?client_id=web&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('http://127.0.0.1:5555/callback')}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256 HTTP/1.1\r\nHost: x\r\n\r\n`)
  const location = authz.headers.location ?? ''
  interactionId = location.split('/').pop() ?? interactionId
  accessToken = (await serviceToken(s.url)).access_token
})
afterAll(() => s?.close())

/** mulberry32: a tiny seeded PRNG, so every run sends the same cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface RawResponse {
  status: number
  head: string
  headers: Record<string, string>
  body: string
}

/** Sends `request` bytes as they are, reads until the server closes (or 3 s), parses the head. */
function raw(request: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    const timer = setTimeout(() => socket.destroy(), 3000)
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', () => {}) // a reset after the answer is fine: what was read is judged
    socket.on('close', () => {
      clearTimeout(timer)
      const text = Buffer.concat(chunks).toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      const head = end < 0 ? text : text.slice(0, end)
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      const status = Number(statusLine.split(' ')[1] ?? 0)
      if (!status && chunks.length > 0) return reject(new Error(`unparsable answer: ${JSON.stringify(text.slice(0, 200))}`))
      resolve({ status, head, headers, body: end < 0 ? '' : text.slice(end + 4) })
    })
    socket.write(request)
    // Connection: close on every request, so close on our side once written isn't needed.
  })
}

interface Endpoint {
  path: string
  methods: string[]
  params: string[]
}

const COMMON = ['client_id', 'client_secret', 'scope', 'state', 'resource']
function endpoints(): Endpoint[] {
  return [
    { path: PATHS.authorization, methods: ['GET', 'POST'], params: [...COMMON, 'redirect_uri', 'response_type', 'response_mode', 'nonce', 'prompt', 'max_age', 'code_challenge', 'code_challenge_method', 'login_hint', 'id_token_hint', 'request', 'request_uri'] },
    { path: PATHS.token, methods: ['POST'], params: [...COMMON, 'grant_type', 'code', 'code_verifier', 'redirect_uri', 'refresh_token', 'username', 'password', 'device_code', 'client_assertion', 'client_assertion_type'] },
    { path: PATHS.userinfo, methods: ['GET', 'POST'], params: ['access_token'] },
    { path: PATHS.introspection, methods: ['POST'], params: [...COMMON, 'token', 'token_type_hint', 'client_assertion', 'client_assertion_type'] },
    { path: PATHS.revocation, methods: ['POST'], params: [...COMMON, 'token', 'token_type_hint'] },
    { path: PATHS.device_authorization, methods: ['POST'], params: COMMON },
    { path: PATHS.device_verification, methods: ['GET', 'POST'], params: ['user_code', 'csrf', 'decision'] },
    { path: PATHS.end_session, methods: ['GET', 'POST'], params: ['id_token_hint', 'post_logout_redirect_uri', 'client_id', 'state', 'logout_hint', 'ui_locales', 'csrf'] },
    { path: `${PATHS.interaction}/${interactionId}`, methods: ['GET'], params: [] },
    { path: `${PATHS.interaction}/${interactionId}/login`, methods: ['POST'], params: ['email', 'password', 'csrf'] },
    { path: `${PATHS.interaction}/${interactionId}/consent`, methods: ['POST'], params: ['decision', 'csrf'] },
    { path: PATHS.jwks, methods: ['GET'], params: [] },
    { path: OPENID_CONFIGURATION_PATH, methods: ['GET'], params: [] },
    { path: OAUTH_AUTHORIZATION_SERVER_PATH, methods: ['GET'], params: [] },
    { path: PATHS.health, methods: ['GET'], params: [] },
  ]
}

/** Values that have broken servers: control characters, header injection, overlong, odd encodings. */
const NASTY = [
  '\r\nX-Injected: 1', '\n', '\r', '\u0000', '\u0007', '\u007f', '\u0085', '\u2028', '\ud800', '\uffff', '💥', 'é',
  '"', "'", '<script>', '\\', '%', '%zz', '%E0%A4%A', '%00', '%0d%0a', '../../etc/passwd', ' ', '\t', '{"a":1}', '[]',
  'javascript:alert(1)', 'https://evil.example/', `${SPA_CB}\r\nX-Injected: 1`, `${SPA_CB}%0d%0a`, `http://127.0.0.1:6001/spa/cb\r\n`,
  'A'.repeat(17_000), 'x'.repeat(300), '0', '-1', '99999999999999999999', 'openid openid', 'authorization_code', 'refresh_token',
  'client_credentials', DEVICE_GRANT, 'password', 'Basic', 'none', 'S256', 'plain', 'code', 'web', 'spa', 'native', 'tv',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ3ZWIifQ.', 'a.b.c', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
]
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'FOO', 'get', 'PROPFIND', 'CONNECT']
const CONTENT_TYPES = [
  'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'application/json', 'text/plain',
  'multipart/form-data; boundary=x', '', 'application/x-www-form-urlencoded; charset=utf-16', 'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/x-www-form-urlencoded\u0000', '*/*', 'application/x-www-form-urlencoded;;;', 'application/jwt',
]

/** Percent-encodes like a form, or leaves the value raw (so the request carries malformed escapes). */
function enc(value: string, pick: () => number): string {
  const r = pick()
  if (r < 0.6) return [...Buffer.from(value, 'utf8')].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('')
  if (r < 0.8) return value.replace(/[\r\n ]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`) // raw bytes except what breaks the request line
  return Buffer.from(value, 'utf8').toString('latin1').replace(/[\r\n ]/g, '+')
}

function oneOf<T>(list: readonly T[], pick: () => number): T {
  return list[Math.floor(pick() * list.length)] as T
}

interface Case {
  label: string
  bytes: Buffer
  /** CONNECT: Node closes the connection unanswered (no 'connect' listener), which leaks nothing. */
  mayCloseUnanswered: boolean
}

function makeCase(i: number, pick: () => number): Case {
  const endpoint = oneOf(endpoints(), pick)
  const method = pick() < 0.8 ? oneOf(endpoint.methods, pick) : oneOf(METHODS, pick)
  const pairs: [string, string][] = []
  const count = Math.floor(pick() * 6)
  for (let n = 0; n < count; n++) {
    const name = pick() < 0.9 && endpoint.params.length > 0 ? oneOf(endpoint.params, pick) : oneOf(NASTY, pick)
    pairs.push([name, oneOf(NASTY, pick)])
    if (pick() < 0.1) pairs.push([name, oneOf(NASTY, pick)]) // duplicate parameter
  }
  // Mostly a valid client_id, so that the checks after the client lookup are reached too.
  if (pick() < 0.5) pairs.unshift(['client_id', oneOf(['web', 'spa', 'native', 'tv', 'web2', 'service'], pick)])
  if (endpoint.path === PATHS.authorization && pick() < 0.6) pairs.push(['redirect_uri', oneOf([SPA_CB, `${SPA_CB}\r\n`, `http://127.0.0.1:7001/spa/cb\u0000`, `http://127.0.0.1:7001/spa/cb\t`, 'http://127.0.0.1:7001/spa/c\u00e9', `http://[::1]:7001/spa/cb`, 'http://127.0.0.1:5555/callback\r\nX-Injected: 1'], pick)])
  const encoded = pairs.map(([k, v]) => `${enc(k, pick)}=${enc(v, pick)}`).join('&')
  const inBody = method !== 'GET' && method !== 'HEAD' && pick() < 0.7
  let target = endpoint.path
  if (!inBody && encoded) target += `?${encoded}`
  if (pick() < 0.05) target = oneOf([`${endpoint.path}%`, `${endpoint.path}/%zz`, `${endpoint.path}?%`, `/${'a'.repeat(9000)}`, '*', 'http://evil.example/token', `${endpoint.path}#frag`, `${endpoint.path}/..%2f..%2f`], pick)
  const headers: string[] = ['Host: 127.0.0.1', 'Connection: close']
  if (pick() < 0.3) headers.push(`Authorization: ${oneOf([basic('web', WEB_SECRET), basic('service', SERVICE_SECRET), basic('web', 'wrong'), 'Basic', 'Basic %%%', `Basic ${Buffer.from('web').toString('base64')}`, `Basic ${Buffer.from('\u0000:\u0000').toString('base64')}`, 'Bearer', `Bearer ${accessToken}`, 'Bearer a b', 'Bearer \u0001', `Basic ${'A'.repeat(9000)}`, 'DPoP x', `Bearer ${accessToken}\u0085`], pick)}`)
  if (pick() < 0.2) headers.push(`Cookie: ${oneOf(['latch_session=%zz', 'latch_session=', 'a=b; latch_session=AAAA', `latch_session=${'A'.repeat(5000)}`, 'latch_csrf=\u00ff', '=;;=', 'latch_session="x'], pick)}`)
  if (pick() < 0.05) headers.push(`X-Forwarded-For: ${oneOf(['1.1.1.1, 2.2.2.2', 'garbage', '::1', ''], pick)}`)
  let body = Buffer.alloc(0)
  if (inBody) {
    body = Buffer.from(pick() < 0.1 ? oneOf(['{"grant_type":"client_credentials"}', '\u0000\u0001\u0002', '%%%', 'a=%E0%A4%A', '&&&==', ''], pick) : encoded, pick() < 0.9 ? 'utf8' : 'latin1')
    if (pick() < 0.9) headers.push(`Content-Type: ${oneOf(CONTENT_TYPES, pick)}`)
    if (pick() < 0.05) headers.push('Content-Encoding: gzip')
    headers.push(`Content-Length: ${body.length}`)
  }
  const head = `${method} ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`
  return { label: `#${i} ${JSON.stringify(head.slice(0, 400))} body=${JSON.stringify(body.toString('latin1').slice(0, 200))}`, bytes: Buffer.concat([Buffer.from(head, 'latin1'), body]), mayCloseUnanswered: method === 'CONNECT' }
}

/** What a leak of internals looks like: Fastify's/Node's error codes, its error JSON, a stack frame. */
const FRAMEWORK_DETAILS = /FST_ERR|ERR_[A-Z_]{4,}|"statusCode"\s*:|Invalid character in header|\bat [\w.<>]+ \(|node_modules|\.ts:\d+|\.js:\d+/

function judge(c: Case, res: RawResponse): void {
  if (res.status === 0 && res.head === '' && c.mayCloseUnanswered) return
  expect(res.status, c.label).toBeGreaterThanOrEqual(200)
  expect(res.status, `${c.label}\n${res.head}\n${res.body.slice(0, 300)}`).toBeLessThan(500)
  expect(res.body, c.label).not.toMatch(FRAMEWORK_DETAILS)
  expect(res.headers['x-injected'], c.label).toBeUndefined()
  for (const line of res.head.split('\r\n').slice(1)) {
    // Header values on the wire: visible ASCII, space and tab only (RFC 9110 §5.5).
    expect(/^[\x20-\x7e\t]*$/.test(line), `${c.label}: header ${JSON.stringify(line)}`).toBe(true)
  }
  if (res.headers.location !== undefined) expect(res.headers.location, c.label).toMatch(/^[\x21-\x7e]+$/)
}

describe('fuzzing every endpoint', () => {
  /** @see issue 8 */
  it(`RFC 6749 §5.2, RFC 9110 §5.5: ${CASES} seeded malformed requests (seed ${SEED}) never answer 5xx, framework details, a stack trace or an injected header`, async () => {
    const pick = rng(SEED)
    for (let i = 0; i < CASES; i++) {
      const c = makeCase(i, pick)
      judge(c, await raw(c.bytes))
    }
    // And the server still serves good requests.
    const discovery = await fetch(`${s.url}${OPENID_CONFIGURATION_PATH}`)
    expect(discovery.status).toBe(200)
    expect((await serviceToken(s.url)).access_token).toBeTruthy()
  }, 60_000)

  /** @see issue 8 */
  it('RFC 6749 §3.1, §5.2: every parameter of every endpoint, with a control character, an overlong value, bad percent-encoding or a duplicate, is answered without 5xx or leak', async () => {
    const values: [string, (name: string) => string][] = [
      ['CR LF injection', (n) => `${n}=${encodeURIComponent('x\r\nX-Injected: 1')}`],
      ['NUL', (n) => `${n}=a%00b`],
      ['DEL and C1', (n) => `${n}=%7f%c2%85`],
      ['overlong', (n) => `${n}=${'A'.repeat(17_000)}`],
      ['bad percent-encoding', (n) => `${n}=%E0%A4%A%zz`],
      ['duplicate', (n) => `${n}=a&${n}=b`],
      ['lone surrogate bytes', (n) => `${n}=%ed%a0%80`],
    ]
    for (const endpoint of endpoints()) {
      for (const name of endpoint.params) {
        for (const method of endpoint.methods) {
          for (const [what, value] of values) {
            // Enough of a valid request around the parameter that the checks after the client lookup run too.
            const base = endpoint.path === PATHS.authorization ? `client_id=native&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(SPA_CB)}&` : name === 'client_id' ? '' : 'client_id=web&'
            const query = `${base}${value(name)}`
            const bytes = method === 'GET'
              ? `GET ${endpoint.path}?${query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`
              : `POST ${endpoint.path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(query)}\r\n\r\n${query}`
            const c: Case = { label: `${method} ${endpoint.path} ${name}: ${what}`, bytes: Buffer.from(bytes, 'latin1'), mayCloseUnanswered: false }
            judge(c, await raw(c.bytes))
          }
        }
      }
    }
    expect((await serviceToken(s.url)).access_token).toBeTruthy()
  }, 60_000)

  /** @see issue 8 */
  it('RFC 8252 §7.3: a loopback redirect_uri with a CR LF after it is refused on the HTML error page, not a framework 500', async () => {
    const bad = encodeURIComponent(`http://127.0.0.1:6001/spa/cb\r\n`)
    const res = await raw(`GET ${PATHS.authorization}?client_id=native&response_type=code&scope=openid&redirect_uri=${bad} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.headers.location).toBeUndefined()
    expect(res.body).not.toMatch(FRAMEWORK_DETAILS)
  })

  /** @see issue 8 */
  it('RFC 8252 §7.3: a loopback redirect_uri matched on another port is redirected to in its normalised form', async () => {
    // `\t` inside a URL is dropped by the URL parser: the match is on the parsed URL, and so is the redirect.
    const requested = 'http://127.0.0.1:6002/spa/cb'
    const res = await raw(`GET ${PATHS.authorization}?client_id=native&response_type=code&scope=openid&state=s&redirect_uri=${encodeURIComponent(requested.replace('/spa', '/sp\ta'))} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    // A tab is a control character: refused like CR LF, never redirected to.
    expect(res.status).toBe(400)
    expect(res.headers.location).toBeUndefined()
    const ok = await raw(`GET ${PATHS.authorization}?client_id=native&response_type=code&scope=openid&state=s&redirect_uri=${encodeURIComponent('HTTP://127.0.0.1:6002/spa/x/../cb')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    // No PKCE: an error, redirected (the redirect_uri is trusted) to the normalised URI.
    expect(ok.status).toBe(303)
    expect(ok.headers.location?.startsWith(`${requested}?error=invalid_request`)).toBe(true)
  })
})
