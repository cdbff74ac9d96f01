/**
 * The SPA's own server: one origin for the React build and its BFF (token handler), so the
 * browser talks only to its own origin and holds nothing but an HttpOnly session cookie
 * (OAuth 2.0 for Browser-Based Applications §6.1). It registers `@latch/client/bff` (sign-in,
 * session, refresh, logout, and the `/api` proxy that adds the access token) and serves the Vite
 * build with an index.html fallback for client-side routes.
 *
 * Hardening of the pages: a CSP without inline script or style (the build emits none), framing
 * refused (`frame-ancestors 'none'`), and `Referrer-Policy: no-referrer` so a page loaded with an
 * authorization response in its URL cannot leak the code in a Referer (RFC 9700 §4.2.4). Request
 * logs name the path only: the callback's query carries the authorization code.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6.1
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4
 * @see https://www.w3.org/TR/CSP3/
 */
import cookie from '@fastify/cookie'
import fastifyStatic from '@fastify/static'
import { latchBff, type LatchBffOptions } from '@latch/client/bff'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { existsSync } from 'node:fs'
import { extname, join } from 'node:path'

/** Options of `createSpaServer`. */
export interface SpaServerOptions {
  /** The Latch issuer, e.g. `http://localhost:9000`. */
  issuer: string
  /** This app's origin as the browser sees it, e.g. `http://localhost:5173`. */
  appOrigin: string
  /** The BFF's confidential client (default `demo-bff`). */
  clientId?: string
  clientSecret: string
  /**
   * Default `openid profile email offline_access read:data write:data read:organization:{org_id}`
   * (`{org_id}` is filled in by a sign-in for an organization, left out otherwise).
   */
  scope?: string
  /** Where `/api/*` is proxied to (default `http://localhost:4000/api`). */
  apiUpstream?: string
  /** The Vite build output (index.html, pkce.html, assets/). */
  staticDir: string
  /**
   * The public client of the optional PKCE mode (`/pkce`, redirect URI `<appOrigin>/callback`);
   * default `demo-spa`, `null` turns the mode off.
   */
  pkceClientId?: string | null
  /** Default `openid profile email read:data`. */
  pkceScope?: string
  /**
   * The organizations the switcher offers, by id and name (default: `acme` and `globex` of the
   * demo config). A token names only its own organization, so the names come from here.
   */
  organizations?: { id: string; name: string }[]
  /** More `latchBff` options (a shared `sessionStore`, `refreshSkew`, …). */
  bff?: Partial<LatchBffOptions>
  /** `false` (default) or pino options, e.g. `{ level: 'info' }` or `{ level: 'info', stream }`. */
  logger?: false | { level?: string; stream?: { write(line: string): void } }
}

/** The organizations of latch.config.yaml, for the switcher. */
export const DEMO_ORGANIZATIONS = [
  { id: 'acme', name: 'Acme Corp' },
  { id: 'globex', name: 'Globex Corporation' },
]

/** The Content-Security-Policy of every response; `issuer` is reachable for PKCE mode and the logout form. */
function contentSecurityPolicy(issuerOrigin: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${issuerOrigin}`,
    `form-action 'self' ${issuerOrigin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ')
}

/** Whether a request that matched no route is a browser navigation to a client-side route. */
function isPageRequest(request: FastifyRequest, reserved: string[]): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  const path = request.url.split('?')[0] ?? '/'
  if (reserved.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return false
  if (extname(path) !== '') return false
  return (request.headers.accept ?? '').includes('text/html')
}

/**
 * A Fastify app (not yet listening) serving the SPA and its BFF.
 *
 * @example
 * ```ts
 * const app = await createSpaServer({
 *   issuer: 'http://localhost:9000',
 *   appOrigin: 'http://localhost:5173',
 *   clientSecret: process.env.DEMO_BFF_SECRET!,
 *   staticDir: new URL('../dist', import.meta.url).pathname,
 * })
 * await app.listen({ port: 5173, host: 'localhost' })
 * ```
 */
export async function createSpaServer(options: SpaServerOptions): Promise<FastifyInstance> {
  const appOrigin = new URL(options.appOrigin).origin
  const issuerOrigin = new URL(options.issuer).origin
  if (!existsSync(join(options.staticDir, 'index.html'))) throw new Error(`createSpaServer: no index.html in ${options.staticDir}: run \`vite build\` first`)

  const logger = options.logger
    ? {
        level: options.logger.level ?? 'info',
        ...(options.logger.stream && { stream: options.logger.stream }),
        // The path only: a query string can carry an authorization code or a hint.
        serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }) },
        redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-latch-csrf"]', 'res.headers["set-cookie"]'],
      }
    : false
  const app = Fastify({ logger })

  const csp = contentSecurityPolicy(issuerOrigin)
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', csp)
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('x-frame-options', 'DENY')
  })

  await app.register(cookie)
  await app.register(latchBff, {
    issuer: options.issuer,
    clientId: options.clientId ?? 'demo-bff',
    clientSecret: options.clientSecret,
    redirectUri: `${appOrigin}/auth/callback`,
    postLogoutRedirectUri: `${appOrigin}/`,
    appOrigin,
    scope: options.scope ?? 'openid profile email offline_access read:data write:data read:organization:{org_id}',
    api: { prefix: '/api', upstream: options.apiUpstream ?? 'http://localhost:4000/api' },
    ...options.bff,
  })

  // The PKCE mode's configuration, read by pkce.html at start: public values only (no secret).
  const pkceClientId = options.pkceClientId === undefined ? 'demo-spa' : options.pkceClientId
  const pkce =
    pkceClientId === null
      ? null
      : { issuer: options.issuer, clientId: pkceClientId, redirectUri: `${appOrigin}/callback`, postLogoutRedirectUri: `${appOrigin}/`, scope: options.pkceScope ?? 'openid profile email read:data' }
  const organizations = options.organizations ?? DEMO_ORGANIZATIONS
  app.get('/app-config.json', async (_request, reply) => reply.header('cache-control', 'no-cache').send({ pkce, organizations }))

  await app.register(fastifyStatic, {
    root: options.staticDir,
    // Hashed assets never change; the HTML must be revalidated to pick up a new build.
    cacheControl: false,
    setHeaders(reply, path) {
      reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache')
    },
  })

  const reserved = ['/auth', '/api']
  app.setNotFoundHandler(async (request, reply) => {
    if (!isPageRequest(request, reserved)) return reply.status(404).send({ error: 'not_found' })
    const path = request.url.split('?')[0] ?? '/'
    const page = pkce !== null && (path === '/callback' || path === '/pkce' || path.startsWith('/pkce/')) ? 'pkce.html' : 'index.html'
    return reply.header('cache-control', 'no-cache').sendFile(page)
  })

  return app
}
