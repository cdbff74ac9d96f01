/**
 * Issue 12, federated logout: `GET /connections/:id/logged-out?state=…`, where an upstream's
 * RP-initiated logout sends the browser back (its `post_logout_redirect_uri`). Latch's session has
 * already ended; this finishes exactly as Latch's own logout would have: 303 to the client's
 * `post_logout_redirect_uri` with its `state` (still registered for that client), or the signed-out
 * page. The destination comes only from the sealed `state` (federation/upstream-logout.ts): a
 * missing, altered, foreign or expired one is an error page, never a redirect.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { openLogoutState } from '../federation/upstream-logout.js'
import { isRegisteredPostLogoutRedirectUri } from '../rules/redirect-uri.js'
import { signedOut } from './end-session.js'
import type { RawParams } from './_pipeline/form-body.js'
import { pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'

const UNUSABLE = 'You are signed out here, but this sign-out link has expired or was altered, so it cannot take you back to the application. Go back to the application and continue there.'

async function loggedOut(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const query = rejectDuplicateParams(request.query as RawParams)
  const destination = openLogoutState(ctx, request.params.id, query.state)
  if (destination === null) throw new InvalidRequestError(UNUSABLE)
  if (destination.redirect_uri !== null) {
    // Verified when the logout began; checked again, as the client may have changed since.
    const client = destination.client_id === null ? null : await ctx.clients.get(destination.client_id)
    if (client === null || !isRegisteredPostLogoutRedirectUri(client, destination.redirect_uri)) throw new InvalidRequestError(UNUSABLE)
  }
  securityHeaders(reply, [], pageLook(request))
  return signedOut(reply, { redirectUri: destination.redirect_uri, state: destination.state ?? undefined })
}

export const federatedLogoutEndpoint: FastifyPluginAsync = async function federatedLogoutEndpoint(app) {
  app.get<{ Params: { id: string } }>(`${PATHS.connections}/:id/logged-out`, { config: { channel: 'html' } }, loggedOut)
}
