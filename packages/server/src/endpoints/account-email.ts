/**
 * Issue 13: changing the account's email address, HTTP only (what is decided is in
 * `interaction/email-change.ts`):
 * - `GET /account/email`: the form (signed in; else "You are not signed in");
 * - `POST /account/email` (CSRF; `email`, `password`): "A confirmation link is on its way", the
 *   same whether or not the address has an account; a wrong password 401, throttled 429;
 * - `GET /account/email/verify?token=…`: "Confirm your new email address" (changes nothing);
 * - `POST /account/email/verify` (CSRF; `token`): the change, and its result page.
 */
import { InvalidRequestError } from '../errors.js'
import { mailAvailable } from '../mail/availability.js'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { changeFormNeeds, confirmEmailChange, EMAIL_CHANGE_VERIFY_PATH, pendingEmailChange, requestEmailChange, type EmailChangeRequest } from '../interaction/email-change.js'
import { notSignedIn } from './account.js'
import { emailChangeConfirmPage, emailChangePage, emailChangeResultPage } from '../interaction/views/email-change.js'
import { messagesFor } from '../interaction/views/locales.js'
import { shownUser } from '../rules/placeholder-email.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sessionOf } from './_pipeline/session-cookie.js'

export const ACCOUNT_EMAIL_PATH = `${PATHS.account}/email`

function send(reply: FastifyReply, status: number, body: string): FastifyReply {
  return securityHeaders(reply, [], pageLook(reply.request)).status(status).type('text/html; charset=utf-8').send(body)
}

function renderForm(request: FastifyRequest, reply: FastifyReply, active: ActiveSession, status = 200, extra: { email?: string; error?: string; sent?: string } = {}): FastifyReply {
  const ctx = request.latch
  const needs = changeFormNeeds(ctx, active)
  return send(reply, status, emailChangePage({
    action: `${ctx.urls.issuer}${ACCOUNT_EMAIL_PATH}`,
    csrf: csrfToken(ctx, request, reply),
    current: shownUser(active.user),
    accountHref: `${ctx.urls.issuer}${PATHS.account}`,
    password: needs.password,
    reauth: needs.reauth,
    ...extra,
  }, pageLocale(request), pageLook(request)))
}

async function showForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const active = await sessionOf(request)
  if (active === null) return notSignedIn(request, reply, 200)
  return renderForm(request, reply, active)
}

function refusalText(request: FastifyRequest, result: Extract<EmailChangeRequest, { type: 'refused' }>): string {
  const all = messagesFor(pageLocale(request), pageLook(request))
  const m = all.passwordless
  switch (result.reason) {
    case 'invalid_email':
      return all.homeRealm.invalidEmail
    case 'same':
      return m.changeSame
    case 'bad_password':
      return m.changeBadPassword
    case 'throttled':
      return m.changeThrottled
    case 'reauth':
      return m.changeReauth
  }
}

async function submitForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const active = await sessionOf(request)
  if (active === null) return notSignedIn(request, reply, 401)
  const result = await requestEmailChange(ctx, active, { email: params.email, password: params.password, ip: request.ip, locale: pageLocale(request), look: pageLook(request) })
  if (result.type === 'sent') return renderForm(request, reply, active, 200, { sent: result.email })
  if (result.retryAfter !== undefined) reply.header('retry-after', String(result.retryAfter))
  // The reauth page says it once (its alert), not twice.
  return renderForm(request, reply, active, result.status, { email: result.email, ...(result.reason !== 'reauth' && { error: refusalText(request, result) }) })
}

async function showVerify(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const query = rejectDuplicateParams(request.query as RawParams)
  const pending = await pendingEmailChange(ctx, query.token)
  const accountHref = `${ctx.urls.issuer}${PATHS.account}`
  if (pending === null) return send(reply, 400, emailChangeResultPage({ result: 'invalid', accountHref }, pageLocale(request), pageLook(request)))
  return send(reply, 200, emailChangeConfirmPage({
    action: `${ctx.urls.issuer}${EMAIL_CHANGE_VERIFY_PATH}`,
    csrf: csrfToken(ctx, request, reply),
    token: query.token!,
    email: pending.email,
  }, pageLocale(request), pageLook(request)))
}

async function submitVerify(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const result = await confirmEmailChange(ctx, params.token, { locale: pageLocale(request), look: pageLook(request) })
  const status = result.type === 'changed' ? 200 : result.type === 'taken' ? 409 : 400
  return send(reply, status, emailChangeResultPage({
    result: result.type,
    ...(result.type === 'changed' && { email: result.email }),
    accountHref: `${ctx.urls.issuer}${PATHS.account}`,
  }, pageLocale(request), pageLook(request)))
}

/** Security review L5: no change of address where mail cannot reach the new one (`mail/availability.ts`). */
async function mailOffered(request: FastifyRequest): Promise<void> {
  if (!mailAvailable(request.latch.config)) throw new InvalidRequestError('Changing the email address is not offered here.', { status: 404 })
}

export const accountEmailEndpoint: FastifyPluginAsync = async function accountEmailEndpoint(app) {
  app.get(ACCOUNT_EMAIL_PATH, { config: { channel: 'html' }, preHandler: mailOffered }, showForm)
  app.post(ACCOUNT_EMAIL_PATH, { config: { channel: 'html' }, preValidation: requireFormBody, preHandler: mailOffered }, submitForm)
  app.get(EMAIL_CHANGE_VERIFY_PATH, { config: { channel: 'html' } }, showVerify)
  app.post(EMAIL_CHANGE_VERIFY_PATH, { config: { channel: 'html' }, preValidation: requireFormBody }, submitVerify)
}
