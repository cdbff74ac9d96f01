/**
 * Issue 13: a forgotten password, HTTP only: `GET|POST /interaction/:id/forgot` (the email; the
 * same page after it whether or not the address has an account) and the mailed link,
 * `GET /reset-password?token=` (the new-password form) and `POST /reset-password`. What is decided
 * is in `interaction/password-reset.ts`; every form is CSRF-checked; a throttled request says when
 * to retry (Retry-After).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { assertPasswordSignIn, loadInteraction, type LoadedInteraction } from '../interaction/pages.js'
import { prefilledEmail } from '../interaction/home-realm.js'
import { seeOther } from '../interaction/outcome.js'
import { requestPasswordReset, resetPassword, resetTarget } from '../interaction/password-reset.js'
import { messagesFor } from '../interaction/views/locales.js'
import { forgotPasswordPage, newPasswordPage, resetResultPage, resetSentPage } from '../interaction/views/password-reset.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { html, load, localeOf, type InteractionRequest } from './interaction.js'
import { passwordProblemText } from './sign-up.js'

function renderForgot(request: FastifyRequest, reply: FastifyReply, l: LoadedInteraction, status: number, email?: string, error?: string): FastifyReply {
  const ctx = request.latch
  return html(reply, l, status, forgotPasswordPage({
    action: `${ctx.urls.interaction}/${l.interaction.id}/forgot`,
    csrf: csrfToken(ctx, request, reply),
    signInHref: `${ctx.urls.interaction}/${l.interaction.id}`,
    email,
    error,
  }, localeOf(request, l), pageLook(request)))
}

async function showForgot(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const l = await load(request)
  assertPasswordSignIn(request.latch)
  return renderForgot(request, reply, l, 200, prefilledEmail(l.interaction))
}

async function submitForgot(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  assertPasswordSignIn(ctx)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const locale = localeOf(request, l)
  const look = pageLook(request)
  const result = await requestPasswordReset(ctx, l, { email: params.email, ip: request.ip, locale, look })
  const all = messagesFor(locale, look)
  if (result.type === 'sent') {
    return html(reply, l, 200, resetSentPage({ email: result.email, minutes: Math.ceil(ctx.config.passwords.reset_ttl / 60), signInHref: `${ctx.urls.interaction}/${l.interaction.id}` }, locale, look))
  }
  if (result.status === 429) {
    reply.header('retry-after', String(result.retryAfter))
    return renderForgot(request, reply, l, 429, result.email, all.signUp.throttled(result.retryAfter))
  }
  return renderForgot(request, reply, l, 400, result.email, all.signUp.invalidEmail)
}

function send(reply: FastifyReply, status: number, body: string): FastifyReply {
  return securityHeaders(reply, [], pageLook(reply.request)).status(status).type('text/html; charset=utf-8').send(body)
}

type LinkRequest = FastifyRequest<{ Querystring: RawParams }>

function renderNewPassword(request: FastifyRequest, reply: FastifyReply, status: number, token: string, email: string, error?: string): FastifyReply {
  const ctx = request.latch
  const locale = pageLocale(request)
  return send(reply, status, newPasswordPage({
    action: `${ctx.urls.issuer}${PATHS.reset_password}?${new URLSearchParams({ ui_locales: locale }).toString()}`,
    csrf: csrfToken(ctx, request, reply),
    token,
    email,
    minLength: ctx.config.passwords.min_length,
    error,
  }, locale, pageLook(request)))
}

async function showReset(request: LinkRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  assertPasswordSignIn(ctx)
  const token = typeof request.query.token === 'string' ? request.query.token : ''
  const target = await resetTarget(ctx, token)
  if (target === null) return send(reply, 400, resetResultPage('expired', pageLocale(request), pageLook(request)))
  return renderNewPassword(request, reply, 200, token, target.email)
}

async function submitReset(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  assertPasswordSignIn(ctx)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const result = await resetPassword(ctx, { token: params.token, password: params.password })
  const locale = pageLocale(request)
  const look = pageLook(request)
  if (result.type === 'form') return renderNewPassword(request, reply, 400, params.token ?? '', result.email, passwordProblemText(result.problem, ctx, locale, look))
  if (result.type === 'expired') return send(reply, 400, resetResultPage('expired', locale, look))
  // Back to the sign-in it was asked from, when it is still pending.
  const pending = result.interactionId === null ? null : await loadInteraction(ctx, result.interactionId).catch(() => null)
  if (pending !== null) return sendOutcome(reply, seeOther(`${ctx.urls.interaction}/${pending.interaction.id}?notice=password_reset`))
  return send(reply, 200, resetResultPage('done', locale, look))
}

export const passwordResetPages: FastifyPluginAsync = async function passwordResetPages(app) {
  const base = PATHS.interaction
  app.get<{ Params: { id: string } }>(`${base}/:id/forgot`, { config: { channel: 'html' } }, showForgot)
  app.post<{ Params: { id: string } }>(`${base}/:id/forgot`, { config: { channel: 'html' }, preValidation: requireFormBody }, submitForgot)
  app.get<{ Querystring: RawParams }>(PATHS.reset_password, { config: { channel: 'html' } }, showReset)
  app.post(PATHS.reset_password, { config: { channel: 'html' }, preValidation: requireFormBody }, submitReset)
}
