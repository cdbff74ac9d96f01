/**
 * Shared parts of the resource-server tests, all real: a Latch server issuing real tokens (from
 * the server's test helpers), a tiny JWKS server this test controls (it counts requests and can
 * publish or drop keys, for forged tokens, unknown `kid`s and rotation), token forging with jose,
 * and the three adapters (Express, Fastify, Hono) each serving the same routes on an ephemeral
 * port, so `adapters.case.test.ts` runs one contract over all of them. node:crypto only where jose
 * rightly refuses to help (signing with a 1024-bit RSA key, to test a JWKS that publishes one).
 */
import { generateKeyPairSync, sign as rsaSign } from 'node:crypto'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { expressAuth } from '../src/adapters/express.js'
import { fastifyAuth } from '../src/adapters/fastify.js'
import { honoAuth, type AuthEnv } from '../src/adapters/hono.js'
import type { RequireAuthOptions } from '../src/route-auth.js'
import type { Verifier } from '../src/verifier.js'
import type { AccessTokenClaims } from '../src/verify-access-token.js'
import { API, basic, postForm, SERVICE_SECRET, serviceToken, type Tokens } from '../../server/test/helpers.js'

export { API }
export const OTHER_API = 'https://other.example.com'

// ---------------------------------------------------------------------------------------------
// Latch
// ---------------------------------------------------------------------------------------------

/** A client_credentials token for `service`, for the API unless `resource` says otherwise. */
export async function latchToken(issuer: string, scope: string, resource = API): Promise<string> {
  const tokens: Tokens = await serviceToken(issuer, { scope, resource })
  return tokens.access_token
}

/** RFC 7009: `service` revokes its own access token at Latch. */
export async function revoke(issuer: string, token: string): Promise<void> {
  const res = await postForm(`${issuer}/revoke`, { token, token_type_hint: 'access_token' }, { authorization: basic('service', SERVICE_SECRET) })
  if (res.status !== 200) throw new Error(`revocation failed: ${res.status}`)
}

// ---------------------------------------------------------------------------------------------
// A JWKS server under the test's control
// ---------------------------------------------------------------------------------------------

export interface SigningKey {
  kid: string
  alg: string
  privateKey: CryptoKey
  publicJwk: JWK
}

export async function signingKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

export interface StubRequest {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  body: string
}
export interface StubAnswer {
  status: number
  body: unknown
  headers?: Record<string, string>
}

/**
 * An authorization server's endpoints under the test's control: `/jwks` answers `keys` with
 * `status`; any other path is answered by `routes[path]` (discovery documents, an introspection
 * endpoint), or 404. `hits` counts requests per path.
 */
export interface JwksServer {
  url: string
  /** `GET /jwks` answers these keys. */
  keys: JWK[]
  /** How many times `/jwks` was fetched. */
  requests: number
  /** Status `/jwks` answers (200 normally; tests set 500 to simulate an outage). */
  status: number
  /** Extra headers of `/jwks` answers (e.g. `cache-control`). */
  headers: Record<string, string>
  routes: Record<string, (req: StubRequest) => StubAnswer>
  hits: Record<string, number>
  /** The requests each path received, in order. */
  received: Record<string, StubRequest[]>
  close(): Promise<void>
}

export async function startJwksServer(keys: JWK[] = []): Promise<JwksServer> {
  const state: JwksServer = { url: '', keys, requests: 0, status: 200, headers: {}, routes: {}, hits: {}, received: {}, close: async () => {} }
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] as string
      state.hits[path] = (state.hits[path] ?? 0) + 1
      ;(state.received[path] ??= []).push({ method: req.method ?? 'GET', path, headers: req.headers, body })
      if (path === '/jwks') {
        state.requests++
        res.writeHead(state.status, { 'content-type': 'application/json', ...state.headers }).end(JSON.stringify({ keys: state.keys }))
        return
      }
      const route = state.routes[path]
      if (!route) return void res.writeHead(404).end()
      const answer = route({ method: req.method ?? 'GET', path, headers: req.headers, body })
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body))
    })
  })
  state.url = await listen(server)
  state.close = () => closeServer(server)
  return state
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

/**
 * A clock for the verifier's `now` option: the real time plus an offset the test moves. Caches,
 * cooldowns and retry delays then end at once instead of after a sleep, while tokens forged or
 * issued on the real clock keep their meaning (an `iat` a few seconds past is still fine).
 */
export class SkewedClock {
  #offsetMs = 0
  readonly now = (): number => Date.now() + this.#offsetMs
  advance(seconds: number): void {
    this.#offsetMs += seconds * 1000
  }
}

// ---------------------------------------------------------------------------------------------
// Forging tokens
// ---------------------------------------------------------------------------------------------

export function accessClaims(issuer: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return { iss: issuer, sub: 'forged-user', aud: API, exp: now + 300, iat: now, jti: `j-${Math.random()}`, client_id: 'forger', scope: 'read:data', ...overrides }
}

/** A JWT signed with `key`; header `typ: at+jwt` unless overridden. */
export async function sign(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header }).sign(key.privateKey)
}

export const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * An RSA key of 1024 bits, which jose refuses (RFC 7518 §3.3 requires 2048): its public JWK as a
 * JWKS would publish it, and an RS256 token signed with it by node:crypto (jose will not sign
 * with it either).
 */
export function weakRsaKey(kid: string): { publicJwk: JWK; sign(claims: Record<string, unknown>): string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  return {
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' },
    sign(claims) {
      const input = `${b64json({ alg: 'RS256', kid, typ: 'at+jwt' })}.${b64json(claims)}`
      return `${input}.${rsaSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
    },
  }
}

// ---------------------------------------------------------------------------------------------
// The three adapters over the same routes
// ---------------------------------------------------------------------------------------------

/** One group of routes under `prefix`, guarded by `verifier`. */
export interface Mount {
  prefix: string
  verifier: Verifier
}

/** The routes every adapter serves under each mount, with their requireAuth options. */
export const ROUTES: ReadonlyArray<{ path: string; options: RequireAuthOptions; introspect?: true }> = [
  { path: '/me', options: {} },
  { path: '/data', options: { scopes: ['read:data'] } },
  { path: '/write', options: { scopes: ['write:data'] } },
  { path: '/both', options: { scopes: ['read:data', 'write:data'] } },
  { path: '/orgs/:orgId/data', options: { scopes: ['read:organization:{orgId}'] } },
  { path: '/orgs/:orgId/records', options: { scopes: ['read:organization:{orgId}'], organization: 'orgId' } },
  { path: '/orgs/:orgId/settings', options: { organization: 'orgId', orgRoles: ['admin', 'owner'] } },
  { path: '/revocable', options: { scopes: ['read:data'], introspect: true }, introspect: true },
  // RFC 9470: step-up. Two factors (a stronger Latch value satisfies it), and a recent sign-in.
  { path: '/mfa', options: { acr: 'urn:latch:acr:mfa' } },
  { path: '/recent', options: { maxAge: 300 } },
]

const answer = (route: string, auth: AccessTokenClaims | null | undefined) => ({ route, sub: auth?.sub, client_id: auth?.client_id, scope: auth?.scope, org_id: auth?.org_id, org_roles: auth?.org_roles })

/**
 * `POST /form` (any valid token) on every mount: the app parses `application/x-www-form-urlencoded`
 * bodies (Express's urlencoded parser, a Fastify content-type parser, Hono's lazy `parseBody`) and
 * the handler echoes the body, so a test sees both the refusal of a token in the body (RFC 6750
 * §2.2) and that the handler can still read the body after `requireAuth`.
 */
export const FORM_ROUTE = '/form'
const formAnswer = (auth: AccessTokenClaims | null | undefined, body: unknown) => ({ route: FORM_ROUTE, sub: auth?.sub, body })

export interface RunningApp {
  url: string
  close(): Promise<void>
}

export interface Adapter {
  name: 'express' | 'fastify' | 'hono'
  start(mounts: Mount[]): Promise<RunningApp>
}

export const ADAPTERS: Adapter[] = [
  {
    name: 'express',
    async start(mounts) {
      const app = express()
      for (const { prefix, verifier } of mounts) {
        const { requireAuth } = expressAuth(verifier)
        const router = express.Router()
        for (const r of ROUTES) {
          if (r.introspect && !verifier.canIntrospect) continue
          router.get(r.path, requireAuth(r.options), (req, res) => {
            res.json(answer(r.path, req.auth))
          })
        }
        router.post(FORM_ROUTE, express.urlencoded({ extended: false }), requireAuth(), (req, res) => {
          res.json(formAnswer(req.auth, req.body))
        })
        app.use(prefix, router)
      }
      const server = createServer(app)
      return { url: await listen(server), close: () => closeServer(server) }
    },
  },
  {
    name: 'fastify',
    async start(mounts) {
      const app = Fastify()
      for (const { prefix, verifier } of mounts) {
        await app.register(
          async (scope) => {
            await scope.register(fastifyAuth, { verifier })
            for (const r of ROUTES) {
              if (r.introspect && !verifier.canIntrospect) continue
              scope.get(r.path, { preHandler: scope.requireAuth(r.options) }, async (request) => answer(r.path, request.auth))
            }
            scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
              done(null, Object.fromEntries(new URLSearchParams(body as string)))
            })
            scope.post(FORM_ROUTE, { preHandler: scope.requireAuth() }, async (request) => formAnswer(request.auth, request.body))
          },
          { prefix },
        )
      }
      await app.listen({ port: 0, host: '127.0.0.1' })
      const { port } = app.server.address() as AddressInfo
      return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
    },
  },
  {
    name: 'hono',
    async start(mounts) {
      const app = new Hono<AuthEnv>()
      for (const { prefix, verifier } of mounts) {
        const { requireAuth } = honoAuth(verifier)
        for (const r of ROUTES) {
          if (r.introspect && !verifier.canIntrospect) continue
          app.get(`${prefix}${r.path}`, requireAuth(r.options), (c) => c.json(answer(r.path, c.get('auth'))))
        }
        app.post(`${prefix}${FORM_ROUTE}`, requireAuth(), async (c) => c.json(formAnswer(c.get('auth'), await c.req.parseBody())))
      }
      const server = await new Promise<Server>((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server))
      })
      const { port } = server.address() as AddressInfo
      return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) }
    },
  },
]

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

export interface Answer {
  status: number
  www: string | null
  body: string
  json: () => Record<string, unknown>
  headers: Headers
}

/** A GET with `authorization` (a Bearer token when it has no scheme yet). */
export async function get(url: string, authorization?: string): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (authorization !== undefined) headers.authorization = authorization
  const res = await fetch(url, { headers })
  const body = await res.text()
  return { status: res.status, www: res.headers.get('www-authenticate'), body, json: () => JSON.parse(body) as Record<string, unknown>, headers: res.headers }
}

export const bearer = (token: string) => `Bearer ${token}`

/** A POST of a form-urlencoded `body`, with `authorization` when given. */
export async function formPost(url: string, body: string, authorization?: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (authorization !== undefined) headers.authorization = authorization
  const res = await fetch(url, { method: 'POST', headers, body })
  const text = await res.text()
  return { status: res.status, www: res.headers.get('www-authenticate'), body: text, json: () => JSON.parse(text) as Record<string, unknown>, headers: res.headers }
}

/** A GET over node:http with header values given as arrays (fetch would join repeated headers). */
export async function rawGet(url: string, headers: Record<string, string | string[]>): Promise<{ status: number; www: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, www: res.headers['www-authenticate'], body }))
    })
    req.on('error', reject)
    req.end()
  })
}
