/**
 * The authorization endpoint (RFC 6749 §3.1, §4.1.1; OIDC Core §3.1.2), GET and POST: parse the
 * parameters, run the named steps below in order, send the outcome. The steps are the rules of
 * `interaction/authorization-request.ts` and the decision of `interaction/authorization-decision.ts`;
 * only parsing, the way back of error pages and serializing are HTTP and live here.
 * Until client_id and redirect_uri are verified every error is an HTML page, never a redirect;
 * from `checkResponseMode` on, redirectable errors go to the client with state and iss
 * (RFC 6749 §4.1.2.1, RFC 9207). Then: sign-in, organization and consent pages through an
 * interaction, `login_required` / `access_denied` / `interaction_required` / `consent_required`
 * for `prompt=none`, or an immediate code when the session, the organization and remembered
 * consent suffice (single sign-on).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { InvalidRequestError, OAuthError } from '../errors.js'
import {
  checkConsent,
  checkLogin,
  checkPromptNone,
  checkSecondFactor,
  issueCodeOrInteract,
  resolveGrantedScope,
  resolveOrganization,
  resolveSession,
} from '../interaction/authorization-decision.js'
import {
  buildRequest,
  checkClient,
  checkIdTokenHint,
  checkMaxAge,
  checkNonce,
  checkOrganization,
  checkPkce,
  checkPrompt,
  checkRedirectUri,
  checkResource,
  checkResponseMode,
  checkResponseType,
  checkScope,
  checkState,
  rejectMultipleResources,
  rejectRequestObjects,
  type AuthorizationState,
  type AuthorizationStep,
} from '../interaction/authorization-request.js'
import { sendAuthorizationError } from './_pipeline/authorization-response.js'
import type { RawParams } from './_pipeline/form-body.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { noteWayBack } from './_pipeline/way-back.js'

/** RFC 6749 §3.1: no parameter twice (after the client and redirect URI, so the error is redirected). */
function rejectDuplicates(s: AuthorizationState): void {
  s.params = rejectDuplicateParams(s.raw as RawParams)
}

/** The rules in order (oidc-provider's `use(() => checkClient)` … table). The order is the contract: see the header. */
export const AUTHORIZATION_STEPS: readonly AuthorizationStep[] = [
  // Until both are verified, errors are pages (RFC 6749 §4.1.2.1).
  checkClient,
  checkRedirectUri,
  // Sets the redirect target: from here on, redirectable errors go to the client.
  checkResponseMode,
  rejectMultipleResources,
  rejectDuplicates,
  rejectRequestObjects,
  checkResponseType,
  checkResource,
  checkScope,
  // Issue 10: the organization selector (scope organization:<id> or parameter organization).
  checkOrganization,
  checkPrompt,
  checkMaxAge,
  checkPkce,
  checkState,
  checkNonce,
  buildRequest,
  checkIdTokenHint,
  // The decision (OIDC Core §3.1.2.3 to §3.1.2.6); with a session that will do, the organization
  // and the concrete scope (issue 10) come before consent, which is decided on that scope.
  resolveSession,
  checkLogin,
  resolveOrganization,
  resolveGrantedScope,
  // Issue 13: the organization is known: MFA policy and acr_values (step-up).
  checkSecondFactor,
  checkConsent,
  checkPromptNone,
  issueCodeOrInteract,
]

/** RFC 6749 §3.1: GET carries the query; POST a form (RFC 6749 §4.1.1 allows both). */
function rawParams(request: FastifyRequest): RawParams {
  if (request.method === 'POST') {
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (type !== 'application/x-www-form-urlencoded') throw new InvalidRequestError('the request body must be application/x-www-form-urlencoded')
    return (request.body ?? {}) as RawParams
  }
  return (request.query ?? {}) as RawParams
}

async function authorize(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  securityHeaders(reply)
  const s: AuthorizationState = { ctx: request.latch, raw: rawParams(request), ip: request.ip, cookies: request.cookies, userAgent: request.headers['user-agent'] }
  let step: AuthorizationStep | undefined
  try {
    for (step of AUTHORIZATION_STEPS) {
      const pending = step(s)
      if (pending) await pending
      if (s.outcome) return sendOutcome(reply, s.outcome)
    }
  } catch (err) {
    // The log names the rule that rejected the request (the error handler logs the error itself).
    request.log.debug({ step: step?.name }, 'authorization request stopped')
    // An error page's way back: the verified redirect URI's app, else the client's registered one.
    if (s.client) noteWayBack(request, s.client, s.redirectUri)
    if (s.target === undefined || !(err instanceof OAuthError) || !err.redirectable) throw err
    return sendAuthorizationError(reply, s.target, err)
  }
  throw new Error('the authorization steps ended without an outcome')
}

export const authorizationEndpoint: FastifyPluginAsync = async function authorizationEndpoint(app) {
  app.get(PATHS.authorization, { config: { channel: 'html' } }, authorize)
  app.post(PATHS.authorization, { config: { channel: 'html' } }, authorize)
}
