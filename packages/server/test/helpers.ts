/**
 * Shared helpers of the flow tests: a real Latch server on an ephemeral port with its own fresh
 * database (`startServer`: a SQLite file, or a PostgreSQL schema under LATCH_TEST_DIALECT=postgres,
 * see test/support/database.ts), a base config with the clients and users the flows need, and small
 * HTTP helpers (Basic credentials, form posts, a raw GET). Browser-driven flows use `browser.ts`.
 * Each test file passes its own config overrides, oidc-provider's
 * `<feature>.config.js` idea in code.
 */
import type { AuditStream } from '../src/audit/audit-writer.js'
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, request as httpRequest } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import pino, { type Logger } from 'pino'
import type { Clock } from '../src/lib/clock.js'
import type { Store } from '../src/storage/store.js'
import { createServer, type LatchServer } from '../src/server.js'
import { hashPassword } from '../src/users/password-hash.js'
import { createTestDatabase } from './support/database.js'

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789'
export const WEB_SECRET = 'web-secret-0123456789abcdef0123456789'
export const SERVICE_SECRET = 'service-secret-0123456789abcdef012345'
export const OTHER_SECRET = 'other-secret-0123456789abcdef0123456789'
export const API_SECRET = 'api-secret-0123456789abcdef0123456789ab'
export const API = 'https://api.example.com'
export const ALICE = { email: 'alice@example.com', password: 'correct-horse-battery' }
export const BOB = { email: 'bob@example.com', password: 'battery-staple-horse' }
export const WEB_REDIRECT = 'http://127.0.0.1:5555/callback'
export const LOGGED_OUT = 'https://rp.example.com/logged-out'

/**
 * ALICE's and BOB's argon2id hashes, with the production parameters (users/password-hash.ts), made
 * once per test worker: the base config seeds them as `password_hash`, so that the few hundred
 * servers of a run do not each hash the same two passwords again at start. Sign-ins still verify
 * against them; the seed's `password` path is taken by every test whose users carry a password.
 */
const [ALICE_HASH, BOB_HASH] = await Promise.all([hashPassword(ALICE.password), hashPassword(BOB.password)])

export const baseTestConfig = {
  resources: [{ identifier: API, scopes: ['read:data', 'write:data'] }],
  scopes: [
    { name: 'read:data', description: 'Read your data' },
    { name: 'write:data', description: 'Change your data' },
  ],
  clients: [
    {
      client_id: 'web',
      client_name: 'Test Web App',
      client_secret: WEB_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token', 'password'],
      redirect_uris: [WEB_REDIRECT],
      post_logout_redirect_uris: [LOGGED_OUT, 'https://rp.example.com/bye?from=latch'],
      scope: 'openid profile email offline_access read:data',
      resources: [API],
      skip_consent: true,
    },
    {
      client_id: 'web2',
      client_secret: OTHER_SECRET,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['password', 'refresh_token', 'client_credentials'],
      post_logout_redirect_uris: ['https://rp2.example.com/'],
      scope: 'openid profile read:data',
      resources: [API],
    },
    {
      client_id: 'service',
      client_secret: SERVICE_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      scope: 'read:data write:data',
      resources: [API],
    },
    // A resource server registered as a client: may introspect tokens whose aud names it.
    { client_id: API, client_secret: API_SECRET, grant_types: ['client_credentials'], scope: 'read:data' },
    { client_id: 'spa', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: ['http://127.0.0.1:5556/cb'], scope: 'openid' },
  ],
  users: [
    { email: ALICE.email, password_hash: ALICE_HASH, name: 'Alice Example', given_name: 'Alice', family_name: 'Example', email_verified: true },
    { email: BOB.email, password_hash: BOB_HASH, name: 'Bob Example' },
  ],
}

export interface TestServer {
  url: string
  server: LatchServer
  close(): Promise<void>
}

/** A port that was free a moment ago on 127.0.0.1, outside the range the kernel hands out for listen(0) and outgoing connections. */
export async function freePort(): Promise<number> {
  // Below the kernel's ephemeral range: a port taken there by listen(0) could be handed, between
  // this probe and the caller's listen, to any outgoing connection (PostgreSQL, Redis, HTTP) as its
  // local port, and the listen then fails with EADDRINUSE. Random in [LOW, ephemeral start), probed.
  // Never the same port twice in one process: a worker runs many files in turn (`isolate: false`,
  // vitest.config.ts), and caches keyed by URL (discovery, JWK Sets) must not mistake a new
  // server for an earlier one that had its address.
  const start = ephemeralStart()
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOW_PORT + Math.floor(Math.random() * (start - LOW_PORT))
    if (handedOut.has(port)) continue
    if (await canListen(port)) {
      handedOut.add(port)
      return port
    }
  }
  throw new Error(`no free port found below ${start}`)
}

const LOW_PORT = 20_000
const handedOut = new Set<number>()

function ephemeralStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > LOW_PORT + 1000 ? low : 32_768
  } catch {
    return 32_768
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

/**
 * A Latch server on 127.0.0.1:<free port>, issuer = that URL, on a database of its own (a SQLite
 * file in a fresh temp dir, or a fresh PostgreSQL schema, by LATCH_TEST_DIALECT) that `close()`
 * removes. A `database` in `config` replaces it. `port` (from `freePort`) fixes the port in advance. `logger` replaces the silent one (tests that read
 * the log lines pass a pino on a stream of their own).
 */
export async function startServer(config: Record<string, unknown> = {}, options: { clock?: Clock; logger?: Logger; port?: number; auditStream?: AuditStream } = {}): Promise<TestServer> {
  const db = await createTestDatabase()
  let server: LatchServer | undefined
  try {
    // Issue 12: a port chosen before, so that an upstream can be configured with this server's callback URL first.
    const port = options.port ?? (await freePort())
    const issuer = `http://127.0.0.1:${port}`
    server = await createServer({
      config: { ...baseTestConfig, database: db.url, port, host: '127.0.0.1', issuer, ...config },
      env: { LATCH_SECRET: TEST_SECRET },
      logger: options.logger ?? pino({ level: 'silent' }),
      cwd: db.dir,
      ...(options.clock && { clock: options.clock }),
      ...(options.auditStream && { auditStream: options.auditStream }),
    })
    await server.listen(port, '127.0.0.1')
    const started = server
    return {
      url: issuer,
      server: started,
      async close() {
        try {
          await started.close()
        } finally {
          await db.dispose()
        }
      },
    }
  } catch (err) {
    await server?.close().catch(() => {})
    await db.dispose().catch(() => {})
    throw err
  }
}

/** RFC 6749 §2.3.1: client_id and secret are form-urlencoded before base64. */
export function basic(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`
}

export const FORM = 'application/x-www-form-urlencoded'

export async function postForm(url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body: new URLSearchParams(params) })
}

export interface Tokens {
  access_token: string
  refresh_token?: string
  id_token?: string
  scope: string
}

async function tokenOk(res: Response): Promise<Tokens> {
  const body = (await res.json()) as Tokens & { error?: string; error_description?: string }
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`)
  return body
}

/** Client credentials for `service` (or another confidential client). */
export async function serviceToken(url: string, params: Record<string, string> = {}, clientId = 'service', secret = SERVICE_SECRET): Promise<Tokens> {
  return tokenOk(await postForm(`${url}/token`, { grant_type: 'client_credentials', ...params }, { authorization: basic(clientId, secret) }))
}

/** Password grant for a user of the `web` client (Basic) or `web2` (client_secret_post). */
export async function userToken(
  url: string,
  options: { scope?: string; user?: { email: string; password: string }; client?: 'web' | 'web2' } = {},
): Promise<Tokens> {
  const user = options.user ?? ALICE
  const params: Record<string, string> = { grant_type: 'password', username: user.email, password: user.password, scope: options.scope ?? 'openid profile email offline_access' }
  if (options.client === 'web2') return tokenOk(await postForm(`${url}/token`, { ...params, client_id: 'web2', client_secret: OTHER_SECRET }))
  return tokenOk(await postForm(`${url}/token`, params, { authorization: basic('web', WEB_SECRET) }))
}

/** A GET over node:http, which (unlike fetch) lets a test send a forged `Host` header. */
export async function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * A deterministic interleaving: the next call of `store[area][method]` first awaits `before` (say,
 * another request's password change or logout committing) and then runs as usual; later calls are
 * untouched. Resolves with what that one call returned, so a test can see it wrote nothing.
 */
export function interposeOnce<A extends keyof Store, M extends keyof Store[A]>(store: Store, area: A, method: M, before: () => Promise<unknown>): Promise<unknown> {
  const target = store[area] as Record<M, (...args: unknown[]) => Promise<unknown>>
  const original = target[method]
  return new Promise((resolve, reject) => {
    target[method] = async (...args: unknown[]) => {
      target[method] = original
      try {
        await before()
        const result = await original.apply(target, args)
        resolve(result)
        return result
      } catch (err) {
        reject(err)
        throw err
      }
    }
  })
}

/** A client's redirect_uri that answers a small page and records every query string it received. */
export interface CallbackServer {
  /** `http://127.0.0.1:<port>/callback`. */
  url: string
  /** Every query string the redirect_uri received, in order. */
  callbacks: URLSearchParams[]
  close(): Promise<void>
}

export async function startCallbackServer(): Promise<CallbackServer> {
  const callbacks: URLSearchParams[] = []
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://callback.invalid')
    // Only the redirect_uri counts (browsers also ask this origin for /favicon.ico).
    if (url.pathname === '/callback') callbacks.push(url.searchParams)
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Callback</title><h1>Callback received</h1>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/callback`,
    callbacks,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
