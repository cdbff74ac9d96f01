/**
 * `GET <prefix>/me`: what the page may know about the session: whether someone is signed in, the
 * user's claims, when the access token expires, and the session's CSRF token for the page's
 * state-changing requests. Never a token. `Cache-Control: no-store`: the answer is per user and
 * must not be kept by a shared cache or the browser's back-forward cache (RFC 9111 §5.2.2.5).
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.5
 */
import type { FastifyPluginAsync } from 'fastify'
import { sessionOf, type BffRouteOptions } from '../context.js'

export const meRoute: FastifyPluginAsync<BffRouteOptions> = async (app) => {
  app.get('/me', async (request, reply) => {
    reply.header('cache-control', 'no-store')
    const session = sessionOf(request)
    if (!session) return { authenticated: false }
    return { authenticated: true, user: session.user, expiresAt: session.expiresAt, csrfToken: session.csrfToken }
  })
}
