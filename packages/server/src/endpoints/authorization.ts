/**
 * The authorization endpoint (RFC 6749 §3.1, §4.1.1; OIDC Core §3.1.2), GET and POST.
 * Validates client_id and redirect_uri first (errors on an HTML page, never redirected), then the
 * rest of the request (errors redirected with state and iss), then decides: sign-in and consent
 * pages through an interaction, `login_required` / `consent_required` for `prompt=none`, or an
 * immediate code when the session and remembered consent suffice (single sign-on).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { ConsentRequiredError, InvalidRequestError, LoginRequiredError, OAuthError } from '../errors.js'
import { beginInteraction } from '../interaction/begin.js'
import { issueAuthorizationCode } from '../interaction/authorization-kind.js'
import { needsConsent, needsLogin } from '../interaction/policy.js'
import { currentSession } from '../sessions/idp-session.js'
import { sendAuthorizationError } from './_pipeline/authorization-response.js'
import type { RawParams } from './_pipeline/form-body.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { checkRedirectUri, checkResponseMode, validateAuthorizationRequest } from './authorization-request.js'

function rawParams(request: FastifyRequest): RawParams {
  if (request.method === 'POST') {
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (type !== 'application/x-www-form-urlencoded') throw new InvalidRequestError('the request body must be application/x-www-form-urlencoded')
    return (request.body ?? {}) as RawParams
  }
  return (request.query ?? {}) as RawParams
}

async function authorize(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.server.latch
  securityHeaders(reply)
  const raw = rawParams(request)
  // Until client_id and redirect_uri are trusted, every error is thrown and rendered as a page.
  const params = rejectDuplicateParams(raw)
  if (!params.client_id) throw new InvalidRequestError('The request has no client_id.')
  const client = await ctx.clients.get(params.client_id)
  if (!client) throw new InvalidRequestError('This application is not registered (unknown client_id).')
  const isOpenId = (params.scope ?? client.scope).split(' ').includes('openid')
  const redirect = checkRedirectUri(client, params.redirect_uri, isOpenId)
  if ('error' in redirect) throw new InvalidRequestError(redirect.error)
  const responseMode = checkResponseMode(params.response_mode)
  const target = { redirect_uri: redirect.uri, response_mode: responseMode ?? 'query', state: params.state, issuer: ctx.config.issuer }
  try {
    if (responseMode === null) throw new InvalidRequestError('response_mode must be query or form_post')
    const authz = validateAuthorizationRequest(params, client, redirect.uri, ctx.config)
    const session = await currentSession(ctx, request)
    const now = ctx.clock.now()
    const loginNeeded = needsLogin(authz, session, now)
    const consentNeeded = session !== null && !loginNeeded && (await needsConsent(ctx, authz, client, session.user.id))
    if (authz.prompt.includes('none')) {
      if (loginNeeded) throw new LoginRequiredError()
      if (consentNeeded) throw new ConsentRequiredError()
    }
    if (session && !loginNeeded && !consentNeeded) {
      return await issueAuthorizationCode(ctx, reply, authz, client, session, authz.scope.split(' ').filter(Boolean))
    }
    return await beginInteraction(ctx, reply, {
      kind: 'authorization',
      client_id: client.client_id,
      params: authz as unknown as Record<string, unknown>,
    })
  } catch (err) {
    if (!(err instanceof OAuthError) || !err.redirectable) throw err
    return sendAuthorizationError(reply, target, err)
  }
}

export const authorizationEndpoint: FastifyPluginAsync = async (app) => {
  app.get(PATHS.authorization, { config: { channel: 'html' } }, authorize)
  app.post(PATHS.authorization, { config: { channel: 'html' } }, authorize)
}
