/**
 * A server-rendered web app that signs its users in with Latch. The `latchBff` plugin of
 * `@latch/client/bff` is its whole session layer: `/auth/login`, `/auth/callback`,
 * `/auth/refresh` and `/auth/logout` are the plugin's routes, and `request.latchSession` gives the
 * page the signed-in user and an API client that adds the access token (refreshing it as
 * needed). The browser holds only an HttpOnly session cookie; tokens stay on this server.
 *
 * Every page is plain HTML that works without JavaScript, escaped (html.ts), `no-store`, and
 * sent with a Content-Security-Policy that allows no script at all and form posts only to this
 * origin and to Latch (the sign-out form's 303 goes to Latch's end-session endpoint). Request logs
 * name the path only (log.ts): the callback's query carries the authorization code and state.
 * Unknown paths get a plain 404 page that neither echoes nor logs the URL.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @see https://www.w3.org/TR/CSP3/#directive-form-action
 */
import { BffSessionError, latchBff, type SessionStore } from '@latch/client/bff'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { safeLoggerOptions } from './log.js'
import { errorPage, homePage, notFoundPage, STYLESHEET, type ApiResult } from './page.js'

/** Options of `createWebServerApp`. */
export interface WebServerOptions {
  /** Latch's issuer, e.g. `http://localhost:9000`. */
  issuer: string
  clientId: string
  clientSecret: string
  /** Where this app is reached, e.g. `http://localhost:3000` (the redirect URI is `<baseUrl>/auth/callback`). */
  baseUrl: string
  /** The example API's origin, e.g. `http://localhost:4000` (`GET <apiUrl>/api/data` is called). */
  apiUrl: string
  /** RFC 8707 resource indicator of the API (Latch's `default_resource` applies when absent). */
  resource?: string
  scope?: string
  sessionStore?: SessionStore
  /** Seconds before expiry at which the access token is refreshed (default 30). */
  refreshSkew?: number
  logger?: FastifyServerOptions['logger']
}

/** Builds the app (not listening): the BFF plugin, the home page and its stylesheet. */
export async function createWebServerApp(options: WebServerOptions): Promise<FastifyInstance> {
  const baseUrl = new URL(options.baseUrl).origin
  const app = Fastify({ logger: safeLoggerOptions(options.logger) })
  await app.register(latchBff, {
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: `${baseUrl}/auth/callback`,
    postLogoutRedirectUri: `${baseUrl}/`,
    scope: options.scope ?? 'openid profile email offline_access read:data',
    ...(options.resource !== undefined && { resource: options.resource }),
    ...(options.sessionStore && { sessionStore: options.sessionStore }),
    ...(options.refreshSkew !== undefined && { refreshSkew: options.refreshSkew }),
  })

  const csp = [
    "default-src 'none'",
    "style-src 'self'",
    `form-action 'self' ${new URL(options.issuer).origin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ')
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', csp)
    reply.header('x-content-type-options', 'nosniff')
    // Not `no-referrer`: under it browsers send `Origin: null` on form posts, which the BFF's CSRF check refuses.
    reply.header('referrer-policy', 'same-origin')
    return payload
  })

  const dataUrl = new URL('/api/data', options.apiUrl)

  app.get('/', async (request, reply) => {
    const query = request.query as Record<string, unknown>
    const authError = typeof query.auth_error === 'string' ? query.auth_error : undefined
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store')
    const session = request.latchSession
    if (!session) return homePage({ user: null, ...(authError !== undefined && { authError }) })

    let api: ApiResult | undefined
    if (query.call === 'data') {
      try {
        const res = await session.fetch(dataUrl, { headers: { accept: 'application/json' } })
        const text = await res.text()
        let body = text
        try {
          body = JSON.stringify(JSON.parse(text), null, 2)
        } catch {
          // not JSON: shown as text (escaped)
        }
        api = { ok: true, status: res.status, body }
      } catch (err) {
        if (err instanceof BffSessionError && err.code === 'login_required') {
          return homePage({ user: null, authError: 'login_required' })
        }
        request.log.warn({ err: { name: (err as Error).name } }, 'the API call failed')
        api = { ok: false, message: err instanceof BffSessionError ? 'Latch could not be reached to refresh your session.' : 'The API could not be reached.' }
      }
    }
    return homePage({
      user: session.user,
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt,
      ...(api && { api }),
      ...(authError !== undefined && { authError }),
    })
  })

  app.get('/style.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(STYLESHEET))

  // Fastify's own 404 logs and echoes the URL with its query (a code sent to a wrong method or path).
  // A failure (the session store down, say) is logged with its cause and shown without it: the
  // default handler would send the error's message to the browser.
  app.setErrorHandler(async (error: { statusCode?: number }, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(errorPage())
  })
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(notFoundPage()))

  return app
}
