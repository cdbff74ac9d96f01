/**
 * `POST <prefix>/backchannel-logout`: the app's `backchannel_logout_uri` (OpenID Connect
 * Back-Channel Logout 1.0). The OP POSTs `logout_token=<JWT>` (form-encoded, server to server: no
 * cookie, no Origin, so no CSRF check applies) when the user's session at the OP ended. The token
 * is validated (`validateLogoutToken`: signature from the OP's JWKS, iss, aud, iat/exp, typ,
 * events, sid or sub, no nonce), its `jti` is refused the second time (§2.6 step 10; kept as
 * `logout:jti:<jti>` in the session store until the token expires), then every session of this app
 * in that OP session (`sid`; every session of `sub` when the token names only the user) ends.
 *
 * §2.8: 200 with `Cache-Control: no-store` when the logout succeeded (also when no session here
 * matched: the user had none); 400 `{"error":"invalid_request"}` for a token that fails validation
 * or is replayed, and for a request without one. The OP being unreachable (its keys cannot be
 * read) is a 503: the OP retries. The token is never logged.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCResponse
 */
import type { FastifyPluginAsync } from 'fastify'
import { ClientValidationError } from '../../errors.js'
import { validateLogoutToken } from '../../logout-token.js'
import type { BffRouteOptions } from '../context.js'
import { sendError, type FormFields } from '../http.js'

export const backchannelLogoutRoute: FastifyPluginAsync<BffRouteOptions> = async (app, { ctx }) => {
  const { options, sessions } = ctx
  // The body carries the logout token: keep the route out of the app's info-level request log.
  app.post('/backchannel-logout', { logLevel: 'warn' }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    const token = (request.body as FormFields | undefined)?.logout_token
    if (typeof token !== 'string' || token === '') return sendError(reply, 400, 'invalid_request', 'logout_token is required')
    let claims
    try {
      claims = await validateLogoutToken(token, { issuer: options.issuer, clientId: options.clientId, fetch: options.fetch })
    } catch (err) {
      const code = err instanceof ClientValidationError ? err.code : (err as Error).name
      request.log.warn({ err: { name: (err as Error).name, code } }, 'latch bff: logout token refused')
      if (err instanceof ClientValidationError && err.code === 'invalid_logout_token') return sendError(reply, 400, 'invalid_request', 'the logout token is not valid')
      return sendError(reply, 503, 'temporarily_unavailable', 'the authorization server could not be reached to validate the logout token')
    }
    const replayKey = `logout:jti:${claims.jti}`
    if ((await options.sessionStore.get(replayKey)) !== undefined) return sendError(reply, 400, 'invalid_request', 'the logout token was used before')
    await options.sessionStore.set(replayKey, 1, Math.max(60, claims.exp - Math.floor(Date.now() / 1000) + 60))
    const ended = await sessions.endByLogout(claims)
    request.log.info({ ended }, 'latch bff: back-channel logout')
    return reply.code(200).send()
  })
}
