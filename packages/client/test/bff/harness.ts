/**
 * The BFF tests' world, all real: a Latch server (`startServer` from the server's test helpers,
 * its own SQLite) with a confidential `bff` client registered for the BFF's ephemeral port; a
 * small upstream API on node:http that checks each bearer token by introspection at Latch
 * (RFC 7662, as the resource server `https://api.example.com`), so revocation is visible to it,
 * and records every request it receives; and the app: Fastify with `latchBff` on 127.0.0.1.
 * Two cookie jars (`Browser` from the server's tests) stand for one user agent: one for the app's
 * origin, one for Latch's, and `signIn` walks the real login page between them.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { Browser } from '../../../server/test/browser.js'
import { ALICE, API, API_SECRET, baseTestConfig, basic, freePort, postForm, startServer, type TestServer } from '../../../server/test/helpers.js'
import { latchBff, MemorySessionStore, type LatchBffOptions } from '../../src/bff/index.js'

export const BFF_SECRET = 'bff-secret-0123456789abcdef0123456789abcd'
export const HTTPS_ORIGIN = 'https://app.example.test'

/**
 * The `bff` client for an app on `port`, one on an https origin (TLS ends at a proxy in front),
 * and `bff-consent`, which asks for consent, for an app on `consentPort` (a test clicks Deny).
 */
export function bffClients(port: number | number[], consentPort = 0, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  const apps = (Array.isArray(port) ? port : [port]).map((p) => `http://127.0.0.1:${p}`)
  const consentApp = `http://127.0.0.1:${consentPort}`
  const common = {
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid profile email offline_access read:data',
    resources: [API],
    skip_consent: true,
  }
  return [
    ...baseTestConfig.clients,
    { client_id: 'bff', client_name: 'BFF Test App', client_secret: BFF_SECRET, redirect_uris: apps.map((a) => `${a}/auth/callback`), post_logout_redirect_uris: apps.map((a) => `${a}/`), ...common, ...extra },
    { client_id: 'bff-https', client_name: 'BFF Behind TLS', client_secret: BFF_SECRET, redirect_uris: [`${HTTPS_ORIGIN}/auth/callback`], post_logout_redirect_uris: [`${HTTPS_ORIGIN}/`], ...common },
    { client_id: 'bff-consent', client_name: 'BFF Consent', client_secret: BFF_SECRET, redirect_uris: [`${consentApp}/auth/callback`], ...common, skip_consent: false },
  ]
}

/** One request as the upstream API received it. */
export interface Received {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
  /** The body exactly as received. */
  bytes: Buffer
  /** The token's `sub` when introspection said active, else `null` (and the API answered 401). */
  sub: string | null
  token: string | null
}

export interface Upstream {
  /** Base URL the BFF proxies to, e.g. `http://127.0.0.1:1234/api`. */
  base: string
  received: Received[]
  close(): Promise<void>
}

/** Reads a request body. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * The API: every path under /api needs an active bearer token (introspection at Latch), except
 * that `/api/always-401` rejects every token and `/api/basic-401` asks for Basic credentials.
 * `/api/set-cookie` tries to set a cookie, `/api/redirect` redirects inside the API.
 */
export async function startUpstream(latch: TestServer): Promise<Upstream> {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    void (async () => {
      const bytes = await readBody(req)
      const body = bytes.toString('utf8')
      const auth = req.headers.authorization
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : null
      let sub: string | null = null
      if (token !== null) {
        const r = await postForm(`${latch.url}/introspect`, { token }, { authorization: basic(API, API_SECRET) })
        const info = (await r.json()) as { active: boolean; sub?: string }
        if (info.active) sub = info.sub ?? null
      }
      const path = (req.url ?? '/').split('?')[0] as string
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, bytes, sub, token })
      if (path === '/api/basic-401') return void res.writeHead(401, { 'www-authenticate': 'Basic realm="api"', 'content-type': 'application/json' }).end('{"error":"unauthorized"}')
      if (sub === null || path === '/api/always-401') {
        return void res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' }).end('{"error":"invalid_token"}')
      }
      if (path === '/api/redirect') return void res.writeHead(302, { location: `http://${req.headers.host}/api/elsewhere?x=1` }).end()
      const headers: Record<string, string | string[]> = { 'content-type': 'application/json', 'x-upstream': 'yes', connection: 'close, x-hop', 'x-hop': 'secret' }
      if (path === '/api/set-cookie') {
        headers['set-cookie'] = ['planted=1; Path=/', 'other=2']
        headers['access-control-allow-origin'] = 'https://evil.example'
        headers['access-control-allow-credentials'] = 'true'
      }
      res.writeHead(req.method === 'POST' ? 201 : 200, headers).end(JSON.stringify({ method: req.method, url: req.url, body, sub }))
    })().catch((err: unknown) => {
      res.writeHead(500).end(String(err))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    base: `http://127.0.0.1:${port}/api`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export interface BffApp {
  url: string
  app: FastifyInstance
  store: MemorySessionStore
  close(): Promise<void>
}

/**
 * The app with `latchBff` on 127.0.0.1:`port`; a `/whoami` route shows `request.latchSession`, and
 * `/session-fetch?url=` calls a URL with `request.latchSession.fetch()` and says what happened.
 */
export async function startBff(
  port: number,
  latch: TestServer,
  upstream: Upstream | null,
  overrides: Partial<LatchBffOptions> = {},
  logger: FastifyServerOptions['logger'] = false,
): Promise<BffApp> {
  const url = `http://127.0.0.1:${port}`
  const store = new MemorySessionStore()
  const app = Fastify({ logger })
  await app.register(latchBff, {
    issuer: latch.url,
    clientId: 'bff',
    clientSecret: BFF_SECRET,
    redirectUri: `${url}/auth/callback`,
    resource: API,
    sessionStore: store,
    ...(upstream && { api: { upstream: upstream.base } }),
    ...overrides,
  })
  app.get('/whoami', async (request) => {
    const session = request.latchSession
    if (!session) return { signedIn: false }
    const res = await session.fetch(`${upstream?.base ?? ''}/data`)
    return { signedIn: true, sub: session.user.sub, api: res.status }
  })
  app.get('/session-fetch', async (request) => {
    const session = request.latchSession
    if (!session) return { signedIn: false }
    try {
      const res = await session.fetch((request.query as { url: string }).url)
      await res.body?.cancel()
      return { status: res.status }
    } catch (err) {
      return { error: (err as Error).name, code: (err as { code?: unknown }).code ?? null }
    }
  })
  await app.listen({ port, host: '127.0.0.1' })
  return { url, app, store, close: () => app.close() }
}

/** One user agent: a cookie jar for the app and one for Latch. */
/** Latch, a real upstream API and a BFF in front of both, wired as most BFF tests need them. */
export interface BffStack {
  latch: TestServer
  upstream: Upstream
  bff: BffApp
  close(): Promise<void>
}

export async function startBffStack(logger: FastifyServerOptions['logger'] = false): Promise<BffStack> {
  const port = await freePort()
  const latch = await startServer({ clients: bffClients(port) })
  const upstream = await startUpstream(latch)
  const bff = await startBff(port, latch, upstream, {}, logger)
  return {
    latch,
    upstream,
    bff,
    async close() {
      await bff.close()
      await upstream.close()
      await latch.close()
    },
  }
}

export interface Agent {
  app: Browser
  op: Browser
}

export function newAgent(appUrl: string, latch: TestServer): Agent {
  return { app: new Browser(appUrl), op: new Browser(latch.url) }
}

/**
 * Signs in through the BFF: GET /auth/login, Latch's login page (and consent if asked), back to
 * the callback. Returns the callback's answer (a 302 to returnTo, or to the error path).
 */
export async function signIn(agent: Agent, appUrl: string, query = '', decision: 'allow' | 'deny' = 'allow'): Promise<Response> {
  const login = await agent.app.fetch(`${appUrl}/auth/login${query}`)
  if (login.status !== 302) throw new Error(`/auth/login answered ${login.status}`)
  const page = await agent.op.authorize(login.headers.get('location') as string, ALICE, decision)
  if (!page.redirect) throw new Error(`Latch did not redirect back: ${page.status} at ${page.url}`)
  return agent.app.fetch(page.redirect)
}

/** The cookie values an answer sets, by name, with their attribute strings. */
export function setCookies(res: Response): Map<string, { value: string; attributes: string[] }> {
  const out = new Map<string, { value: string; attributes: string[] }>()
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(';').map((s) => s.trim())
    const eq = (pair ?? '').indexOf('=')
    out.set((pair as string).slice(0, eq), { value: (pair as string).slice(eq + 1), attributes })
  }
  return out
}

/** `/auth/me` for the agent. */
export async function me(agent: Agent, appUrl: string): Promise<Record<string, unknown>> {
  return (await (await agent.app.fetch(`${appUrl}/auth/me`)).json()) as Record<string, unknown>
}

export { freePort, startServer, type TestServer }

/** One HTTP request exactly as written (node:http, no URL normalisation), e.g. with `..` in the path. */
export async function rawRequest(
  appUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  const { request } = await import('node:http')
  const { hostname, port } = new URL(appUrl)
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** The session record the agent's cookie names, read from the BFF's store (tokens included: test only). */
export async function storedSession(bff: BffApp, agent: Agent): Promise<{ accessToken: string; refreshToken: string | null; idToken: string | null; expiresAt: number | null }> {
  const id = agent.app.cookies.get('latch_bff')
  const record = id === undefined ? undefined : await bff.store.get(`session:${id}`)
  if (!record) throw new Error('no stored session for this agent')
  return record as { accessToken: string; refreshToken: string | null; idToken: string | null; expiresAt: number | null }
}

/** `Cookie` header value of the agent's app jar. */
export function cookieHeader(agent: Agent): string {
  return [...agent.app.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
}

/** What the gateway answers instead of forwarding a token request. */
export interface GatewayFailure {
  status: number
  contentType: string
  body: string
}

/** A reverse proxy in front of Latch, as in production; it can be told to fail token requests. */
export interface Gateway {
  /** The gateway's origin: Latch's issuer, so every OP request of the BFF and the agent goes through it. */
  url: string
  /** Where requests are forwarded (Latch's own address); set once Latch runs. */
  target: string
  /** When set, `POST /token` is answered with this and never reaches Latch. */
  tokenFailure: GatewayFailure | null
  close(): Promise<void>
}

/** Starts the gateway on an ephemeral port (set `target` before sending it traffic). */
export async function startGateway(): Promise<Gateway> {
  const gateway: Gateway = { url: '', target: '', tokenFailure: null, close: async () => {} }
  const server = createServer((req, res) => {
    const failure = gateway.tokenFailure
    if (failure !== null && req.method === 'POST' && (req.url ?? '').split('?')[0] === '/token') {
      req.resume()
      res.writeHead(failure.status, { 'content-type': failure.contentType }).end(failure.body)
      return
    }
    const forward = httpRequest(new URL(req.url ?? '/', gateway.target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    forward.on('error', () => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>'))
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  gateway.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  gateway.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return gateway
}
