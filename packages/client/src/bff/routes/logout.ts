/**
 * `POST <prefix>/logout`: ends the session here and at the OP. The session is deleted from the
 * store (after a refresh of it in flight has landed, so it cannot come back with a new refresh
 * token) and its cookie cleared first; then its current refresh token is revoked (RFC 7009; at
 * Latch that revokes the whole grant, access tokens included), best effort: an unreachable OP must
 * not keep the user signed in here. The answer is the OP's end-session URL with `id_token_hint`, `client_id`
 * and `post_logout_redirect_uri` (OpenID Connect RP-Initiated Logout §2): 200 `{ "logoutUrl" }`
 * for `fetch`, or a 303 to it for a plain HTML form post (a `csrf` field instead of the header).
 * CSRF-checked when there is a session (a forged logout would sign the user out, a nuisance the
 * token check prevents); without one there is nothing to protect and the URL is still returned,
 * so an expired session can still end the OP's session.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
import type { FastifyPluginAsync } from 'fastify'
import { sessionOf, type BffRouteOptions } from '../context.js'
import { isFormPost, originAllowed, verifyCsrf } from '../csrf.js'
import { sendError } from '../http.js'

export const logoutRoute: FastifyPluginAsync<BffRouteOptions> = async (app, { ctx }) => {
  app.post('/logout', async (request, reply) => {
    const { appOrigin, postLogoutRedirectUri } = ctx.options
    if (!originAllowed(request, appOrigin)) return sendError(reply, 403, 'invalid_request', 'csrf check failed: the Origin header is not the app origin')
    const session = sessionOf(request)
    let form = isFormPost(request)
    let idTokenHint: string | undefined
    if (session) {
      const verdict = verifyCsrf(request, appOrigin, session.csrfToken, true)
      if (!verdict.ok) return sendError(reply, 403, 'invalid_request', verdict.description)
      form = verdict.channel === 'form'
      // What the session holds once a refresh in flight has landed: its refresh token is the live one.
      const record = (await ctx.sessions.destroy(session.id)) ?? session.record
      idTokenHint = record.idToken ?? undefined
      try {
        if (record.refreshToken !== null) await ctx.client.revoke(record.refreshToken, 'refresh_token')
        else await ctx.client.revoke(record.accessToken, 'access_token')
      } catch (err) {
        request.log.warn({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code } }, 'latch bff: token revocation failed at logout')
      }
    }
    reply.clearCookie(ctx.cookies.session, ctx.cookies.clear)
    let logoutUrl: string
    try {
      logoutUrl = (await ctx.client.logoutUrl({ ...(idTokenHint !== undefined && { idTokenHint }), postLogoutRedirectUri })).href
    } catch (err) {
      // The OP is unreachable: the local session is gone; send the user where logout ends anyway.
      request.log.warn({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code } }, 'latch bff: no end-session URL')
      logoutUrl = postLogoutRedirectUri
    }
    reply.header('cache-control', 'no-store')
    return form ? reply.redirect(logoutUrl, 303) : reply.send({ logoutUrl })
  })
}
