/**
 * Issue 12: sign-in through a connection, HTTP only (decisions in `interaction/federated-sign-in.ts`).
 * - `GET /connections/:id/start?interaction=<id>`: a link of the sign-in page (no form, so CSP
 *   `form-action` is not in the way of the cross-origin redirect) → 303 to the upstream, with the
 *   browser-binding cookie `latch_upstream`.
 * - `GET /connections/:id/callback`: the upstream's answer in the query. Whatever comes next (the client, another page of Latch's) is a 200 page that continues by meta
 *   refresh, not a 303: the callback ends the upstream's form submission, whose CSP `form-action`
 *   would block the next hop (`_pipeline/continuing-page.ts`).
 * - `POST /connections/:id/callback`: a `form_post` answer (OAuth 2.0 Form Post Response Mode). It
 *   arrives cross-site, so the SameSite=Lax cookie is not sent with it: the parameters are stashed
 *   under their state (once) and a 303 turns it into a top-level GET, which carries the cookie.
 *   Only for a connection in form_post mode, only a few parameters, bounded (`stashUpstreamResponse`).
 * Request lines never show the query (they hold `code` and `state`): the logger logs paths only.
 * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { MAX_STASH_BYTES, stashUpstreamResponse } from '../federation/upstream-login.js'
import { finishFederatedSignIn, startFederatedSignIn, type FederatedStep } from '../interaction/federated-sign-in.js'
import { startAccountLink } from '../interaction/account-link.js'
import { verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { sendOutcome, type OutcomeDelivery } from './_pipeline/send-outcome.js'
import { applyCookies } from './_pipeline/session-cookie.js'
import { CONNECTION_ID } from '../rules/connection-presets.js'

type ConnectionRequest = FastifyRequest<{ Params: { id: string } }>

function send(reply: FastifyReply, step: FederatedStep, delivery: OutcomeDelivery = {}): FastifyReply {
  // A redirect carrying state (or a session cookie) is never cached.
  return sendOutcome(applyCookies(reply.header('cache-control', 'no-store'), step.cookies), step.outcome, delivery)
}

async function start(request: ConnectionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const query = rejectDuplicateParams(request.query as RawParams)
  if (query.purpose === 'link') return startLink(request, reply, query)
  // Issue 12: home-realm discovery passes the email typed on the identify page as login_hint.
  const loginHint = query.login_hint !== undefined && query.login_hint.includes('@') ? query.login_hint.slice(0, 320) : undefined
  return send(reply, await startFederatedSignIn(request.latch, request.params.id, query.interaction, request.cookies, loginHint))
}

/**
 * Issue 12: `GET /connections/:id/start?purpose=link&csrf=…`, the account page's "Link <name>". A
 * link, not a form (the redirect to the upstream's origin is then no form submission, which CSP
 * `form-action` would restrict), so the CSRF token travels in the query: a cross-site page cannot
 * start a link to an account of its choosing in the user's session without it.
 */
async function startLink(request: ConnectionRequest, reply: FastifyReply, query: Record<string, string>): Promise<FastifyReply> {
  verifyCsrf(request.latch, request, query)
  return send(reply, await startAccountLink(request.latch, request.params.id, request.cookies))
}

async function callback(request: ConnectionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const query = rejectDuplicateParams(request.query as RawParams)
  // The callback ends the upstream's sign-in form submission: a continuing page, not a 303 (continuing-page.ts).
  return send(reply, await finishFederatedSignIn(request.latch, request.params.id, new URLSearchParams(query as Record<string, string>), request.cookies), { afterForeignForm: true })
}

const UNUSABLE_ANSWER = 'This sign-in answer cannot be used. Start again from the application.'

async function formPostCallback(request: ConnectionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = rejectDuplicateParams(request.body as RawParams) as Record<string, string>
  const state = params.state ?? ''
  const id = request.params.id
  const connection = CONNECTION_ID.test(id) ? await request.latch.connections.resolve(id) : null
  // Only a connection that asked for form_post is answered by a POST; any other POST stores nothing.
  if (connection === null || connection.response_mode !== 'form_post') throw new InvalidRequestError(UNUSABLE_ANSWER)
  const stashed = await stashUpstreamResponse(request.latch, connection.id, params)
  if (stashed === 'too_large') throw new InvalidRequestError('The sign-in answer is too large.', { status: 413 })
  // An unknown, expired or foreign state, or a second POST for it: nothing was stored.
  if (stashed === 'refused') throw new InvalidRequestError(UNUSABLE_ANSWER)
  const target = `${request.latch.urls.issuer}${PATHS.connections}/${encodeURIComponent(request.params.id)}/callback?state=${encodeURIComponent(state)}`
  return reply.header('cache-control', 'no-store').redirect(target, 303)
}

export const connectionEndpoints: FastifyPluginAsync = async function connectionEndpoints(app) {
  const base = `${PATHS.connections}/:id`
  app.get<{ Params: { id: string } }>(`${base}/start`, { config: { channel: 'html' } }, start)
  app.get<{ Params: { id: string } }>(`${base}/callback`, { config: { channel: 'html' }, logLevel: 'warn' }, callback)
  // The body limit of an anonymous POST: a few times the stash's bound (percent-encoding), far below the server's.
  app.post<{ Params: { id: string } }>(`${base}/callback`, { config: { channel: 'html' }, logLevel: 'warn', bodyLimit: 4 * MAX_STASH_BYTES, preValidation: requireFormBody }, formPostCallback)
}
