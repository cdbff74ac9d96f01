/**
 * Issue 13: passwordless sign-in by email, HTTP only (what is decided is in
 * `interaction/email-sign-in.ts`):
 * - `POST /interaction/:id/email` (CSRF; `method=magic_link|email_code`, `email`): "Check your
 *   email", the same page for every well-formed address, setting the `latch_email` binding cookie;
 * - `POST /interaction/:id/email/code` (CSRF; `attempt`, `code`): signs in, or the page again (401);
 * - `GET /email-link?token=…`: in the browser that asked, signs in (303 to the interaction page);
 *   elsewhere "Continue signing in on this device?"; a link that cannot be used gets a page (400);
 * - `POST /email-link` (CSRF; `token`): that page's button.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import {
  confirmEmailLink,
  EMAIL_LINK_PATH,
  normalEmail,
  openEmailLink,
  requestEmailSignIn,
  verifyEmailCode,
  type EmailLinkPage,
} from '../interaction/email-sign-in.js'
import type { LoadedInteraction } from '../interaction/pages.js'
import { checkEmailPage, emailLinkConfirmPage, emailLinkMessagePage } from '../interaction/views/email-sign-in.js'
import { messagesFor } from '../interaction/views/locales.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { applyCookies } from './_pipeline/session-cookie.js'
import { adoptInteraction, html, load, localeOf, renderLogin } from './interaction.js'

type InteractionRequest = FastifyRequest<{ Params: { id: string } }>

function renderCheckEmail(
  request: FastifyRequest,
  reply: FastifyReply,
  l: LoadedInteraction,
  v: { method: 'magic_link' | 'email_code'; email: string; attempt: string; status?: number; error?: string },
): FastifyReply {
  const ctx = request.latch
  return html(reply, l, v.status ?? 200, checkEmailPage({
    method: v.method,
    email: v.email,
    attempt: v.attempt,
    error: v.error,
    minutes: Math.ceil(ctx.config.passwordless.ttl / 60),
    codeAction: `${ctx.urls.interaction}/${l.interaction.id}/email/code`,
    csrf: csrfToken(ctx, request, reply),
    backHref: `${ctx.urls.interaction}/${l.interaction.id}`,
    resendAction: `${ctx.urls.interaction}/${l.interaction.id}/email`,
  }, localeOf(request, l), pageLook(request)))
}

async function requestEmail(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const locale = localeOf(request, l)
  const result = await requestEmailSignIn(ctx, l, { method: params.method, email: params.email, ip: request.ip, userAgent: request.headers['user-agent'], cookies: request.cookies, locale, look: pageLook(request) })
  const m = messagesFor(locale, pageLook(request))
  if (result.type === 'invalid_email') return renderLogin(request, reply, l, 400, m.homeRealm.invalidEmail, result.email)
  if (result.type === 'connection_required') return renderLogin(request, reply, l, 403, m.homeRealm.connectionRequired, result.email, result.connection)
  applyCookies(reply, result.cookies)
  return renderCheckEmail(request, reply, l, { method: result.method, email: result.email, attempt: result.attempt })
}

async function submitCode(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const result = await verifyEmailCode(ctx, l, { attempt: params.attempt, code: params.code, ip: request.ip, cookies: request.cookies })
  if (result.type === 'continue') return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
  const m = messagesFor(localeOf(request, l), pageLook(request)).passwordless
  return renderCheckEmail(request, reply, l, {
    method: 'email_code',
    email: normalEmail(params.email) ?? '',
    attempt: /^[0-9a-f-]{36}$/.test(params.attempt ?? '') ? params.attempt! : '',
    status: 401,
    error: m.wrongCode,
  })
}

/** What a link's GET or POST came to, as a response. */
async function answerLink(request: FastifyRequest, reply: FastifyReply, page: EmailLinkPage): Promise<FastifyReply> {
  const ctx = request.latch
  if (page.type === 'link_invalid') {
    return securityHeaders(reply, [], pageLook(request)).status(400).type('text/html; charset=utf-8').send(emailLinkMessagePage('invalid', pageLocale(request), pageLook(request)))
  }
  const l = await adoptInteraction(request, page.interaction)
  const locale = localeOf(request, l)
  if (page.type === 'other_browser_refused') return html(reply, l, 400, emailLinkMessagePage('other_browser', locale, pageLook(request)))
  if (page.type === 'confirm') {
    return html(reply, l, 200, emailLinkConfirmPage({
      action: `${ctx.urls.issuer}${EMAIL_LINK_PATH}`,
      csrf: csrfToken(ctx, request, reply),
      token: page.token,
      email: page.email,
      requestedAt: page.requestedAt,
      requestedWith: page.requestedWith,
      clientName: l.client.client_name,
    }, locale, pageLook(request)))
  }
  if (page.type === 'continue') return sendOutcome(applyCookies(reply, page.cookies), page.outcome)
  return html(reply, l, 400, emailLinkMessagePage('invalid', locale, pageLook(request)))
}

async function openLink(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const query = rejectDuplicateParams(request.query as RawParams)
  return answerLink(request, reply, await openEmailLink(request.latch, query.token, request.cookies, query.from))
}

async function confirmLink(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  return answerLink(request, reply, await confirmEmailLink(ctx, params.token, request.cookies))
}

export const emailSignInEndpoint: FastifyPluginAsync = async function emailSignInEndpoint(app) {
  const base = PATHS.interaction
  app.post<{ Params: { id: string } }>(`${base}/:id/email`, { config: { channel: 'html' }, preValidation: requireFormBody }, requestEmail)
  app.post<{ Params: { id: string } }>(`${base}/:id/email/code`, { config: { channel: 'html' }, preValidation: requireFormBody }, submitCode)
  app.get(EMAIL_LINK_PATH, { config: { channel: 'html' } }, openLink)
  app.post(EMAIL_LINK_PATH, { config: { channel: 'html' }, preValidation: requireFormBody }, confirmLink)
}
