/**
 * `POST <prefix>/refresh`: refreshes the session's access token now (RFC 6749 §6) and answers
 * `{ "expiresAt" }`. CSRF-checked (csrf.ts). Without a session, or when the OP refuses the
 * refresh (the session is then dropped), 401 `login_required`; when the OP cannot be reached, 503
 * `temporarily_unavailable` and the session is kept. A plain HTML form (a `csrf` field instead of
 * the header) gets a 303 to its same-origin `returnTo` field (default `/`), or to the error path
 * with `auth_error=<code>` on failure, so a server-rendered page works without JavaScript.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
import type { FastifyPluginAsync } from 'fastify'
import { errorLocation, sessionOf, type BffRouteOptions } from '../context.js'
import { isFormPost, originAllowed, verifyCsrf } from '../csrf.js'
import { sendError, sendLoginRequired, type FormFields } from '../http.js'
import { safeReturnTo } from '../return-to.js'
import { BffSessionError } from '../sessions.js'

export const refreshRoute: FastifyPluginAsync<BffRouteOptions> = async (app, { ctx }) => {
  app.post('/refresh', async (request, reply) => {
    const { appOrigin } = ctx.options
    if (!originAllowed(request, appOrigin)) return sendError(reply, 403, 'invalid_request', 'csrf check failed: the Origin header is not the app origin')
    const session = sessionOf(request)
    let form = isFormPost(request)
    const failed = (code: 'login_required' | 'temporarily_unavailable') => {
      if (code === 'login_required') reply.clearCookie(ctx.cookies.session, ctx.cookies.clear)
      if (form) return reply.header('cache-control', 'no-store').redirect(errorLocation(ctx, code), 303)
      return code === 'login_required' ? sendLoginRequired(reply) : sendError(reply, 503, 'temporarily_unavailable', 'the authorization server could not be reached')
    }
    if (!session) return failed('login_required')
    const verdict = verifyCsrf(request, appOrigin, session.csrfToken, true)
    if (!verdict.ok) return sendError(reply, 403, 'invalid_request', verdict.description)
    form = verdict.channel === 'form'
    try {
      await session.refresh()
    } catch (err) {
      if (err instanceof BffSessionError) return failed(err.code)
      throw err
    }
    if (form) return reply.header('cache-control', 'no-store').redirect(safeReturnTo((request.body as FormFields).returnTo, appOrigin), 303)
    return reply.header('cache-control', 'no-store').send({ expiresAt: session.expiresAt })
  })
}
