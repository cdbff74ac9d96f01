/**
 * The interaction pages: sign-in and consent, the same for every kind of interaction
 * (authorization request, device verification). GET shows whatever step is next; the forms POST
 * back with a CSRF token. Sign-in failures say the same thing whether or not the email exists
 * and take the same time (argon2 runs against a dummy hash); repeated failures are throttled per
 * account and source, per source, and slowed per account (across nodes when Redis is configured;
 * users/login-throttle.ts), the page says when to retry, and a success leaves a device cookie.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Authenticates
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.16
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS, type LatchContext } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { csrfToken, verifyCsrf } from '../endpoints/_pipeline/csrf.js'
import type { RawParams } from '../endpoints/_pipeline/form-body.js'
import { requireFormBody } from '../endpoints/_pipeline/form-body.js'
import { rejectDuplicateParams } from '../endpoints/_pipeline/reject-duplicate-params.js'
import { securityHeaders } from '../endpoints/_pipeline/security-headers.js'
import { noteWayBack } from '../endpoints/_pipeline/way-back.js'
import { rememberDevice, trustedDevice } from '../sessions/device-cookie.js'
import { currentSession, startSession, type ActiveSession } from '../sessions/idp-session.js'
import type { ClientRecord, InteractionRecord } from '../storage/store.js'
import { notChecked } from '../users/login-throttle.js'
import { verifyPassword } from '../users/password-hash.js'
import { authorizationKind } from './authorization-kind.js'
import { signedIn } from './begin.js'
import { deviceKind } from './device-verification.js'
import { interactionResource, interactionScope, type InteractionKind } from './kinds.js'
import { consentPage, describeResource, describeScopes } from './views/consent.js'
import { loginPage } from './views/login.js'
import { MESSAGES } from './views/messages.js'

const KINDS: Record<InteractionRecord['kind'], InteractionKind> = {
  authorization: authorizationKind,
  device: deviceKind,
}

const ID_PATTERN = /^[0-9a-f-]{36}$/

interface Loaded {
  ctx: LatchContext
  interaction: InteractionRecord
  client: ClientRecord
  kind: InteractionKind
}

async function load(request: FastifyRequest<{ Params: { id: string } }>): Promise<Loaded> {
  const ctx = request.server.latch
  const id = request.params.id
  const interaction = ID_PATTERN.test(id) ? await ctx.store.interactions.get(id, ctx.clock.now()) : null
  if (!interaction) throw new InvalidRequestError('This sign-in request has expired or was already completed. Return to the application and start again.')
  const client = await ctx.clients.get(interaction.client_id)
  if (!client) throw new InvalidRequestError('This application is no longer registered.')
  // The stored redirect_uri was verified against the registration when the interaction began.
  const uri = interaction.params.redirect_uri
  noteWayBack(request, client, typeof uri === 'string' ? uri : undefined)
  return { ctx, interaction, client, kind: KINDS[interaction.kind] }
}

/** The client redirect the page's form may end in (CSP form-action covers the redirect chain). */
function formTargets(interaction: InteractionRecord): string[] {
  const uri = interaction.params.redirect_uri
  return typeof uri === 'string' ? [uri] : []
}

function html(reply: FastifyReply, interaction: InteractionRecord, status: number, body: string): FastifyReply {
  return securityHeaders(reply, formTargets(interaction)).status(status).type('text/html; charset=utf-8').send(body)
}

function renderLogin(request: FastifyRequest, reply: FastifyReply, l: Loaded, status = 200, error?: string, email?: string): FastifyReply {
  const hint = typeof l.interaction.params.login_hint === 'string' ? l.interaction.params.login_hint : undefined
  return html(reply, l.interaction, status, loginPage({
    action: `${l.ctx.urls.interaction}/${l.interaction.id}/login`,
    csrf: csrfToken(l.ctx, request, reply),
    clientName: l.client.client_name,
    email: email ?? hint,
    error,
  }))
}

/** The session this interaction was signed in with, if the browser still holds it. */
async function interactionSession(request: FastifyRequest, l: Loaded): Promise<ActiveSession | null> {
  if (!l.interaction.user_id) return null
  const session = await currentSession(l.ctx, request)
  return session && session.session.id === l.interaction.session_id ? session : null
}

async function next(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const l = await load(request)
  const { ctx, interaction, client, kind } = l
  let session = await interactionSession(request, l)
  if (!session) {
    const existing = await currentSession(ctx, request)
    if (!existing || interaction.user_id || kind.requiresFreshLogin(interaction, existing, ctx.clock.now())) {
      return renderLogin(request, reply, l)
    }
    // Single sign-on: adopt the browser's session for this interaction.
    await ctx.store.interactions.update(interaction.id, signedIn(ctx, interaction, { user_id: existing.user.id, auth_time: existing.session.auth_time, session_id: existing.session.id }))
    session = existing
  }
  const scope = interactionScope(interaction)
  if (await kind.needsConsent(ctx, interaction, client, session.user.id)) {
    return html(reply, interaction, 200, consentPage({
      action: `${ctx.urls.interaction}/${interaction.id}/consent`,
      csrf: csrfToken(ctx, request, reply),
      clientName: client.client_name,
      userEmail: session.user.email,
      scopes: describeScopes(scope, ctx.config.scopes),
      resource: describeResource(interactionResource(interaction), ctx.config),
      deviceNotice: interaction.kind === 'device',
      userCode: typeof interaction.params.user_code === 'string' ? interaction.params.user_code : undefined,
    }))
  }
  const taken = await ctx.store.interactions.take(interaction.id, ctx.clock.now())
  if (!taken) throw new InvalidRequestError('This sign-in request was already completed.')
  return kind.approve({ ctx, request, reply, interaction: taken, client, session, scope })
}

/** "12 seconds", "1 minute", "15 minutes". */
async function login(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const l = await load(request)
  const { ctx, interaction } = l
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const email = (params.email ?? '').trim().toLowerCase().slice(0, 320)
  const password = params.password ?? ''
  // An email with U+0000 names nobody; PostgreSQL would reject it as a parameter (a 500, not a miss).
  const user = email && !email.includes('\u0000') ? await ctx.store.users.getByEmail(email) : null
  // Reserved before the (slow) check, so parallel guesses cannot slip past the limit; a browser
  // with this account's device cookie, signed over its current password hash, is throttled on its
  // own record (users/login-throttle.ts).
  const device = trustedDevice(ctx, request, email, user?.password_hash ?? null)
  const attempt = await ctx.throttle.signIn({ account: email, ip: request.ip, device })
  if (!attempt.allowed) {
    ctx.events.emit('login.failed', { reason: 'throttled', ip: request.ip, account_hash: ctx.throttle.accountTag(email) })
    reply.header('retry-after', String(attempt.retryAfter))
    return renderLogin(request, reply, l, 429, MESSAGES.login.throttled(attempt.retryAfter), email)
  }
  // verifyPassword runs argon2 against a dummy hash for unknown users: same answer, same time.
  const ok = await verifyPassword(user?.password_hash ?? null, password).catch(notChecked(attempt))
  if (!user || !ok) {
    await attempt.failed()
    ctx.events.emit('login.failed', { reason: 'bad_credentials', ip: request.ip, account_hash: ctx.throttle.accountTag(email) })
    return renderLogin(request, reply, l, 401, MESSAGES.login.badCredentials, email)
  }
  await attempt.succeeded()
  const session = await startSession(ctx, request, reply, user, ['pwd'])
  if (!session) {
    // The password changed while it was being checked: it is no longer the right one.
    ctx.events.emit('login.failed', { reason: 'bad_credentials', ip: request.ip, account_hash: ctx.throttle.accountTag(email) })
    return renderLogin(request, reply, l, 401, MESSAGES.login.badCredentials, email)
  }
  rememberDevice(ctx, reply, email, device, user.password_hash)
  await ctx.store.interactions.update(interaction.id, signedIn(ctx, interaction, { user_id: user.id, auth_time: session.auth_time, session_id: session.id }))
  return reply.redirect(`${ctx.urls.interaction}/${interaction.id}`, 303)
}

async function consent(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const l = await load(request)
  const { ctx, interaction, client, kind } = l
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const session = await interactionSession(request, l)
  if (!session) return reply.redirect(`${ctx.urls.interaction}/${interaction.id}`, 303)
  const decision = params.decision
  if (decision !== 'allow' && decision !== 'deny') throw new InvalidRequestError('Choose Allow or Deny.')
  const taken = await ctx.store.interactions.take(interaction.id, ctx.clock.now())
  if (!taken) throw new InvalidRequestError('This sign-in request was already completed.')
  const scope = interactionScope(taken)
  if (decision === 'deny') {
    ctx.events.emit('consent.denied', { user_id: session.user.id, client_id: client.client_id })
    return kind.deny({ ctx, request, reply, interaction: taken, client, session })
  }
  await ctx.store.consents.grant(session.user.id, client.client_id, interactionResource(taken), scope, ctx.clock.now())
  ctx.events.emit('consent.granted', { user_id: session.user.id, client_id: client.client_id, scope: scope.join(' ') })
  return kind.approve({ ctx, request, reply, interaction: taken, client, session, scope })
}

export const interactionPages: FastifyPluginAsync = async (app) => {
  const base = PATHS.interaction
  app.get<{ Params: { id: string } }>(`${base}/:id`, { config: { channel: 'html' } }, next)
  app.post<{ Params: { id: string } }>(`${base}/:id/login`, { config: { channel: 'html' }, preValidation: requireFormBody }, login)
  app.post<{ Params: { id: string } }>(`${base}/:id/consent`, { config: { channel: 'html' }, preValidation: requireFormBody }, consent)
}
