/**
 * The device verification page at `verification_uri` (RFC 8628 §3.3), HTTP only; the decisions
 * are in `interaction/device-verification.ts`, the form in `interaction/views/device-code.ts`.
 * - `GET /device` renders the form, prefilled from `?user_code=` (`verification_uri_complete`,
 *   §3.3.1) and then shown large with a request to check it against the device; never
 *   auto-submitted (§5.4).
 * - `POST /device` checks the CSRF token and submits the code: the form again with why (400, or
 *   429 with Retry-After when throttled), or a 303 to the interaction pages.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { submitUserCode } from '../interaction/device-verification.js'
import { deviceCodePage } from '../interaction/views/device-code.js'
import { messagesFor } from '../interaction/views/locales.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { pageLook } from './_pipeline/page-look.js'

function renderCodeForm(request: FastifyRequest, reply: FastifyReply, status: number, value: string, error?: string, confirm = false): FastifyReply {
  const ctx = request.latch
  const look = pageLook(request)
  const body = deviceCodePage(ctx.urls.device_verification, csrfToken(ctx, request, reply), value, error, confirm, pageLocale(request), look)
  return securityHeaders(reply, [], look).status(status).type('text/html; charset=utf-8').send(body)
}

async function showCodeForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const prefill = (request.query as Record<string, unknown> | undefined)?.user_code
  const value = typeof prefill === 'string' ? prefill : ''
  return renderCodeForm(request, reply, 200, value, undefined, value !== '')
}

async function submitCode(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const input = params.user_code ?? ''
  const locale = pageLocale(request)
  const answer = await submitUserCode(ctx, input, request.ip, locale, request.headers['user-agent'])
  if (answer.type === 'code_form') {
    const m = messagesFor(locale, pageLook(request)).device
    if (answer.reason === 'invalid_code') return renderCodeForm(request, reply, answer.status, input, m.invalidCode)
    reply.header('retry-after', String(answer.retryAfter))
    return renderCodeForm(request, reply, answer.status, input, m.tooManyAttempts(answer.retryAfter))
  }
  securityHeaders(reply, [], pageLook(request))
  return sendOutcome(reply, answer)
}

export const deviceVerificationPages: FastifyPluginAsync = async function deviceVerificationPages(app) {
  app.get(PATHS.device_verification, { config: { channel: 'html' } }, showCodeForm)
  app.post(PATHS.device_verification, { config: { channel: 'html' }, preValidation: requireFormBody }, submitCode)
}
