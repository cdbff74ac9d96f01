/**
 * `latchBff`: the backend-for-frontend (token handler) as one Fastify plugin. It makes the app a
 * confidential OAuth client whose tokens stay on the server: the browser holds only an HttpOnly
 * session cookie, `/auth/*` runs the sign-in, session and logout routes, and `/api/*` forwards
 * calls to the API with the session's access token (OAuth 2.0 for Browser-Based Apps §6.1).
 *
 * Wiring: the plugin is wrapped with fastify-plugin so its `request.latchSession` decorator and the
 * hook that loads it apply to the whole app (a server-rendered page can use the session); the
 * routes live in encapsulated child contexts, so their body parsers and error handlers do not
 * leak into the app. `@fastify/cookie` is registered unless the app already did.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#name-backend-for-frontend-bff
 * @see https://fastify.dev/docs/latest/Reference/Encapsulation/
 */
import fastifyCookie from '@fastify/cookie'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { createAuthorizationCodeClient } from '../authorization-code.js'
import { bffCookies } from './cookies.js'
import type { BffContext } from './context.js'
import { authBodyParsers, jsonErrors } from './http.js'
import { RequestSession, sessionTransport } from './latch-session.js'
import { resolveBffOptions, type LatchBffOptions } from './options.js'
import { apiProxy } from './proxy.js'
import { backchannelLogoutRoute } from './routes/backchannel-logout.js'
import { callbackRoute } from './routes/callback.js'
import { loginRoute } from './routes/login.js'
import { logoutRoute } from './routes/logout.js'
import { meRoute } from './routes/me.js'
import { refreshRoute } from './routes/refresh.js'
import { BffSessions } from './sessions.js'
import { isLoopbackHost } from '../transport.js'

/** `fetch` that gives up after `timeout` ms unless the caller passed its own signal. */
function withTimeout(fetchImpl: typeof fetch, timeout: number): typeof fetch {
  return (input, init) => fetchImpl(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeout) })
}

const plugin: FastifyPluginAsync<LatchBffOptions> = async (app: FastifyInstance, raw) => {
  const options = resolveBffOptions(raw)
  const origin = new URL(options.appOrigin)
  if (origin.protocol === 'http:' && !isLoopbackHost(origin.hostname)) {
    app.log.warn(`latch bff: the app origin ${options.appOrigin} is plain http off localhost: cookies cannot be Secure; use https`)
  }
  if (options.api && options.api.upstream.protocol === 'http:' && !isLoopbackHost(options.api.upstream.hostname)) {
    app.log.warn(`latch bff: the API upstream ${options.api.upstream.origin} is plain http: access tokens cross the network in clear text (RFC 6750 §5.3)`)
  }
  if (!app.hasRequestDecorator('cookies')) await app.register(fastifyCookie)

  const client = createAuthorizationCodeClient({
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: options.redirectUri,
    scope: options.scope,
    ...(options.resource !== undefined && { resource: options.resource }),
    fetch: withTimeout(options.fetch, options.timeout),
  })
  const sessions = new BffSessions({
    store: options.sessionStore,
    client,
    refreshSkew: options.refreshSkew,
    onRefreshError: (code, err) => app.log.warn({ code, err: { name: (err as Error).name, code: (err as { code?: unknown }).code } }, 'latch bff: refresh failed'),
  })
  const ctx: BffContext = { options, client, sessions, cookies: bffCookies(options.appOrigin, options.cookieName) }
  const send = sessionTransport(options.fetch, options.apiTimeout, options.api?.upstream ?? null)

  app.decorateRequest('latchSession', null)
  app.addHook('onRequest', async (request) => {
    const id = request.cookies[ctx.cookies.session]
    if (id === undefined) return
    const record = await sessions.load(id)
    if (record) request.latchSession = new RequestSession(id, record, sessions, send)
  })

  await app.register(
    async (auth) => {
      authBodyParsers(auth)
      jsonErrors(auth)
      await auth.register(loginRoute, { ctx })
      await auth.register(callbackRoute, { ctx })
      await auth.register(meRoute, { ctx })
      await auth.register(refreshRoute, { ctx })
      await auth.register(logoutRoute, { ctx })
      await auth.register(backchannelLogoutRoute, { ctx })
    },
    { prefix: options.prefix },
  )
  if (options.api) await app.register(apiProxy, { ctx, prefix: options.api.prefix })
}

/**
 * The BFF (token handler) Fastify plugin: sign-in with the authorization code flow and PKCE,
 * server-side sessions behind an HttpOnly cookie, CSRF-checked refresh and logout, and an API
 * proxy that adds the access token. Routes (default prefixes): `GET /auth/login?returnTo=`,
 * `GET /auth/callback`, `GET /auth/me`, `POST /auth/refresh`, `POST /auth/logout`,
 * `POST /auth/backchannel-logout` (register it as the client's `backchannel_logout_uri`), `ANY /api/*`.
 * Register it at the app's root.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { latchBff } from '@latch/client/bff'
 *
 * const app = Fastify({ logger: true })
 * await app.register(latchBff, {
 *   issuer: 'http://localhost:9000',
 *   clientId: 'demo-bff',
 *   clientSecret: process.env.CLIENT_SECRET!,
 *   redirectUri: 'http://localhost:5173/auth/callback',
 *   api: { upstream: 'http://localhost:4000/api' },
 * })
 * app.get('/hello', async (request) => ({ hello: request.latchSession?.user.name ?? 'stranger' }))
 * await app.listen({ port: 5173 })
 * ```
 */
export const latchBff = fp(plugin, { fastify: '5.x', name: '@latch/client/bff' })
