/**
 * Issue 13: sign-up, HTTP only: `GET|POST /interaction/:id/signup` (the form), `POST
 * /interaction/:id/signup/code` (the mailed code), `POST /interaction/:id/signup/resend`, and the
 * mailed link, `GET /verify-email?token=` (a button) and `POST /verify-email` (verifies). What is
 * decided is in `interaction/sign-up.ts`; every form is CSRF-checked.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS, type LatchContext } from '../context.js'
import { loadInteraction, verifiedRedirectUri } from '../interaction/pages.js'
import {
  assertSignUpAllowed,
  confirmEmailLink,
  confirmSignUpCode,
  emailLinkTarget,
  resendVerification,
  signUp,
  type SignUpResult,
} from '../interaction/sign-up.js'
import type { Look } from '../interaction/views/branding.js'
import type { Locale } from '../interaction/views/locales.js'
import { messagesFor } from '../interaction/views/locales.js'
import { checkEmailPage, confirmEmailPage, emailLinkResultPage, signUpPage } from '../interaction/views/sign-up.js'
import type { PasswordProblem } from '../users/password-policy.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { applyCookies } from './_pipeline/session-cookie.js'
import { html, load, localeOf, type InteractionRequest } from './interaction.js'
import type { LoadedInteraction } from '../interaction/pages.js'

/** The words for a refused password (also the reset page's). */
export function passwordProblemText(problem: PasswordProblem, ctx: LatchContext, locale: Locale, look: Look): string {
  const m = messagesFor(locale, look).signUp
  switch (problem) {
    case 'too_short':
      return m.tooShort(ctx.config.passwords.min_length)
    case 'too_long':
      return m.tooLong
    case 'breached':
      return m.breached
    case 'like_email':
      return m.likeEmail
  }
}

const paths = (ctx: LatchContext, l: LoadedInteraction) => {
  const base = `${ctx.urls.interaction}/${l.interaction.id}`
  return { form: `${base}/signup`, code: `${base}/signup/code`, resend: `${base}/signup/resend`, signIn: base }
}

function renderForm(request: FastifyRequest, reply: FastifyReply, l: LoadedInteraction, status: number, email?: string, error?: string, errorField?: 'email' | 'password'): FastifyReply {
  const ctx = request.latch
  return html(reply, l, status, signUpPage({
    action: paths(ctx, l).form,
    csrf: csrfToken(ctx, request, reply),
    clientName: l.client.client_name,
    signInHref: paths(ctx, l).signIn,
    email,
    minLength: ctx.config.passwords.min_length,
    error,
    errorField,
  }, localeOf(request, l), pageLook(request)))
}

function renderCheckEmail(request: FastifyRequest, reply: FastifyReply, l: LoadedInteraction, status: number, v: { email: string; tokenId?: string | undefined; error?: string; notice?: string }): FastifyReply {
  const ctx = request.latch
  const p = paths(ctx, l)
  return html(reply, l, status, checkEmailPage({
    email: v.email,
    mode: ctx.config.sign_up.verify_email === 'code' ? 'code' : 'link',
    csrf: csrfToken(ctx, request, reply),
    codeAction: p.code,
    ...(v.tokenId !== undefined && { tokenId: v.tokenId }),
    resendAction: p.resend,
    error: v.error,
    notice: v.notice,
  }, localeOf(request, l), pageLook(request)))
}

async function showForm(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const l = await load(request)
  assertSignUpAllowed(request.latch, l.client)
  return renderForm(request, reply, l, 200)
}

async function submitForm(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  assertSignUpAllowed(ctx, l.client)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const locale = localeOf(request, l)
  const look = pageLook(request)
  const result: SignUpResult = await signUp(ctx, l, { email: params.email, password: params.password, ip: request.ip, cookies: request.cookies, locale, look })
  const m = messagesFor(locale, look).signUp
  switch (result.type) {
    case 'signed_in':
      return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
    case 'check_email':
      return renderCheckEmail(request, applyCookies(reply, result.cookies), l, 200, { email: result.email, tokenId: result.tokenId })
    case 'form':
      if (result.problem === 'throttled') {
        reply.header('retry-after', String(result.retryAfter))
        return renderForm(request, reply, l, 429, result.email, m.throttled(result.retryAfter))
      }
      if (result.problem === 'busy') return renderForm(request, reply.header('retry-after', '3600'), l, 503, result.email, m.busy)
      if (result.problem === 'invalid_email') return renderForm(request, reply, l, 400, result.email, m.invalidEmail, 'email')
      return renderForm(request, reply, l, 400, result.email, passwordProblemText(result.problem, ctx, locale, look), 'password')
  }
}

async function submitCode(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const result = await confirmSignUpCode(ctx, l, { tokenId: params.token_id, code: params.code, cookies: request.cookies })
  if (result.type === 'signed_in') return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
  if (result.type === 'done') return html(reply, l, 200, emailLinkResultPage('done', localeOf(request, l), pageLook(request)))
  const m = messagesFor(localeOf(request, l), pageLook(request)).verifyEmail
  return renderCheckEmail(request, reply, l, 400, { email: (params.email ?? '').slice(0, 320), tokenId: params.token_id?.slice(0, 36), error: m.wrongCode })
}

async function submitResend(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const locale = localeOf(request, l)
  const look = pageLook(request)
  const result = await resendVerification(ctx, l, { email: params.email, ip: request.ip, cookies: request.cookies, locale, look })
  if (result.type === 'throttled') {
    reply.header('retry-after', String(result.retryAfter))
    return renderCheckEmail(request, reply, l, 429, { email: result.email, tokenId: params.token_id?.slice(0, 36), error: messagesFor(locale, look).signUp.throttled(result.retryAfter) })
  }
  return renderCheckEmail(request, applyCookies(reply, result.cookies), l, 200, { email: result.email, tokenId: result.tokenId, notice: messagesFor(locale, look).verifyEmail.resent })
}

/** A page of `/verify-email`; `formTargets`: where its form may end up (the interaction's redirect URI). */
function send(reply: FastifyReply, status: number, body: string, formTargets: string[] = []): FastifyReply {
  return securityHeaders(reply, formTargets, pageLook(reply.request)).status(status).type('text/html; charset=utf-8').send(body)
}

type LinkRequest = FastifyRequest<{ Querystring: RawParams }>

async function showEmailLink(request: LinkRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const locale = pageLocale(request)
  const look = pageLook(request)
  const token = typeof request.query.token === 'string' ? request.query.token : ''
  const target = await emailLinkTarget(ctx, token)
  if (target === null) return send(reply, 400, emailLinkResultPage('expired', locale, look))
  // Confirming may continue the sign-in it came from, through to the client's redirect URI.
  const pending = target.interactionId === null ? null : await loadInteraction(ctx, target.interactionId).catch(() => null)
  const redirectUri = pending === null ? undefined : verifiedRedirectUri(pending.interaction)
  return send(reply, 200, confirmEmailPage({
    email: target.email,
    action: `${ctx.urls.issuer}${PATHS.verify_email}?${new URLSearchParams({ ui_locales: locale }).toString()}`,
    csrf: csrfToken(ctx, request, reply),
    token,
  }, locale, look), redirectUri === undefined ? [] : [redirectUri])
}

async function submitEmailLink(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const result = await confirmEmailLink(ctx, params.token ?? '', request.cookies)
  if (result.type === 'signed_in') return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
  return send(reply, result.type === 'done' ? 200 : 400, emailLinkResultPage(result.type, pageLocale(request), pageLook(request)))
}

export const signUpPages: FastifyPluginAsync = async function signUpPages(app) {
  const base = PATHS.interaction
  app.get<{ Params: { id: string } }>(`${base}/:id/signup`, { config: { channel: 'html' } }, showForm)
  app.post<{ Params: { id: string } }>(`${base}/:id/signup`, { config: { channel: 'html' }, preValidation: requireFormBody }, submitForm)
  app.post<{ Params: { id: string } }>(`${base}/:id/signup/code`, { config: { channel: 'html' }, preValidation: requireFormBody }, submitCode)
  app.post<{ Params: { id: string } }>(`${base}/:id/signup/resend`, { config: { channel: 'html' }, preValidation: requireFormBody }, submitResend)
  app.get<{ Querystring: RawParams }>(PATHS.verify_email, { config: { channel: 'html' } }, showEmailLink)
  app.post(PATHS.verify_email, { config: { channel: 'html' }, preValidation: requireFormBody }, submitEmailLink)
}
