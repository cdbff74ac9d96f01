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
import { ConsentRequiredError, InvalidRequestError, InvalidTargetError, LoginRequiredError, OAuthError } from '../errors.js'
import { verifyIdTokenHint } from '../tokens/id-token-hint.js'
import { beginInteraction } from '../interaction/begin.js'
import { issueAuthorizationCode } from '../interaction/authorization-kind.js'
import { needsConsent, needsLogin } from '../interaction/policy.js'
import { currentSession } from '../sessions/idp-session.js'
import { sendAuthorizationError } from './_pipeline/authorization-response.js'
import type { RawParams } from './_pipeline/form-body.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { noteWayBack } from './_pipeline/way-back.js'
import { MAX_STATE_LENGTH, checkRedirectUri, checkResponseMode, validateAuthorizationRequest } from './authorization-request.js'

function rawParams(request: FastifyRequest): RawParams {
  if (request.method === 'POST') {
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (type !== 'application/x-www-form-urlencoded') throw new InvalidRequestError('the request body must be application/x-www-form-urlencoded')
    return (request.body ?? {}) as RawParams
  }
  return (request.query ?? {}) as RawParams
}

function single(raw: RawParams, name: string): string | undefined {
  const value = raw[name]
  if (Array.isArray(value)) throw new InvalidRequestError(`The parameter ${name} was included more than once.`)
  return value === '' ? undefined : value
}

async function authorize(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.server.latch
  securityHeaders(reply)
  const raw = rawParams(request)
  // Until client_id and redirect_uri are trusted, every error is thrown and rendered as a page.
  const clientId = single(raw, 'client_id')
  if (!clientId || clientId.length > 255) throw new InvalidRequestError('The request has no valid client_id.')
  const client = await ctx.clients.get(clientId)
  if (!client) throw new InvalidRequestError('This application is not registered (unknown client_id).')
  const scopeParam = typeof raw.scope === 'string' ? raw.scope : undefined
  const redirect = checkRedirectUri(client, single(raw, 'redirect_uri'), (scopeParam ?? client.scope).split(' ').includes('openid'))
  // The error page's way back: the matched redirect URI's app, else the client's registered one.
  noteWayBack(request, client, 'error' in redirect ? undefined : redirect.uri)
  if ('error' in redirect) throw new InvalidRequestError(redirect.error)
  const responseMode = checkResponseMode(typeof raw.response_mode === 'string' ? raw.response_mode : undefined)
  // A state we will not accept is not echoed either (it could be a duplicate or a 16 kB blob).
  const state = typeof raw.state === 'string' && raw.state !== '' && raw.state.length <= MAX_STATE_LENGTH ? raw.state : undefined
  const target = { redirect_uri: redirect.uri, response_mode: responseMode ?? 'query', state, issuer: ctx.config.issuer }
  try {
    if (responseMode === null) throw new InvalidRequestError('response_mode must be query or form_post')
    // RFC 8707 §2 allows several resources; Latch issues a token for one audience.
    if (Array.isArray(raw.resource)) throw new InvalidTargetError('only one resource may be requested at a time')
    const params = rejectDuplicateParams(raw)
    const authz = validateAuthorizationRequest(params, client, redirect.uri, ctx.config)
    if (params.id_token_hint !== undefined) authz.id_token_hint_sub = (await verifyIdTokenHint(ctx, params.id_token_hint)).sub ?? ''
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
      ip: request.ip,
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
