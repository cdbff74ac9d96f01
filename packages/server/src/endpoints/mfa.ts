/**
 * Issue 13: two-step verification pages, HTTP only (decisions in `interaction/second-factor.ts`
 * and `interaction/account-mfa.ts`). Every POST carries the CSRF token.
 * - `POST /interaction/:id/mfa`: the second factor of a pending sign-in (`code`, or
 *   `recovery_code`; `remember=1` when offered); 401 with the form again for a wrong one, 429
 *   when the account's or the source's budget is spent or the second factor is locked, a 303 back to the interaction page when the challenge is
 *   gone (dropped after too many wrong codes, used already, or another browser's);
 * - `POST /interaction/:id/mfa/enrol`: the first code of a forced enrolment; the recovery codes
 *   page follows (its **Continue** goes back to the interaction);
 * The account's page (`/account/mfa`) is `endpoints/account-mfa.ts`.
 * The interaction page (`GET /interaction/:id`) renders the step through `renderSecondFactor`.
 * @see https://www.rfc-editor.org/rfc/rfc6238
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { seeOther } from '../interaction/outcome.js'
import { lookFor, requestedOrganization } from '../interaction/page-look.js'
import { loadInteraction, verifiedRedirectUri, type LoadedInteraction } from '../interaction/pages.js'
import { confirmEnrolment, passSecondFactor, secondFactorForm, type SecondFactorForm } from '../interaction/second-factor.js'
import { productName } from '../interaction/views/branding.js'
import { messagesFor, type Locale } from '../interaction/views/locales.js'
import { enrolmentPage, qrCodeSvg, recoveryCodesPage, secondFactorPage } from '../interaction/views/mfa.js'
import { groupedSecret, totpUri } from '../users/totp.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { noteLook, pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { applyCookies } from './_pipeline/session-cookie.js'
import { noteWayBack } from './_pipeline/way-back.js'
import { passkeysScriptUrl } from './passkey-assets.js'

type InteractionRequest = FastifyRequest<{ Params: { id: string } }>

function localeOf(request: FastifyRequest, l: LoadedInteraction): Locale {
  return pageLocale(request, l.interaction.params.ui_locales ?? [])
}

async function load(request: InteractionRequest): Promise<LoadedInteraction> {
  const ctx = request.latch
  const l = await loadInteraction(ctx, request.params.id)
  noteWayBack(request, l.client, verifiedRedirectUri(l.interaction))
  localeOf(request, l)
  noteLook(request, await lookFor(ctx, requestedOrganization(l.interaction)))
  return l
}

/** `passkey`: the page runs the passkey script (issue 13, a passkey as the second factor; CSP names it and its one options URL, review L8). */
function page(reply: FastifyReply, l: LoadedInteraction, status: number, body: string, passkey = false): FastifyReply {
  const uri = verifiedRedirectUri(l.interaction)
  const ctx = reply.request.latch
  const scripts = passkey ? { script: `${ctx.urls.issuer}${PATHS.passkeys_script}`, connect: `${ctx.urls.interaction}/${l.interaction.id}/mfa/passkey/options` } : undefined
  return securityHeaders(reply, uri === undefined ? [] : [uri], pageLook(reply.request), { scripts }).status(status).type('text/html; charset=utf-8').send(body)
}

/** The enrolment's QR code: the `otpauth://` URI names the product (the branding's name) and the account. */
export async function enrolmentQr(request: FastifyRequest, secret: string, email: string): Promise<string> {
  return qrCodeSvg(totpUri(secret, productName(pageLook(request).branding), email))
}

/** The second-factor form, or the enrolment, of a pending sign-in (also from `GET /interaction/:id`). */
export async function renderSecondFactor(
  request: FastifyRequest,
  reply: FastifyReply,
  l: LoadedInteraction,
  form: SecondFactorForm,
  status = 200,
  error?: { method: 'totp' | 'recovery_code'; text: string },
  /** Issue 13: a passkey that could not be used as the second factor. */
  passkeyError?: string,
): Promise<FastifyReply> {
  const ctx = request.latch
  const locale = localeOf(request, l)
  const look = pageLook(request)
  const csrf = csrfToken(ctx, request, reply)
  const base = `${ctx.urls.interaction}/${l.interaction.id}/mfa`
  if (form.enrol !== null) {
    const qrSvg = await enrolmentQr(request, form.enrol.secret, form.user.email)
    return page(reply, l, status, enrolmentPage({ action: `${base}/enrol`, csrf, qrSvg, secret: groupedSecret(form.enrol.secret), error: error?.text }, locale, look))
  }
  // Issue 13: **Use a passkey** for a user who has one (interaction/passkey-factor.ts); its script needs the CSP's script-src.
  const passkey = form.passkey ? { optionsUrl: `${base}/passkey/options`, action: `${base}/passkey`, csrf, script: passkeysScriptUrl(ctx) } : undefined
  return page(reply, l, status, secondFactorPage({ action: base, csrf, error, rememberOffered: ctx.config.mfa.remember_device > 0 && form.totp, totp: form.totp, passkey, passkeyError }, locale, look), passkey !== undefined)
}

async function submitSecondFactor(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const from = { source: request.ip, speaking: { locale: localeOf(request, l), look: pageLook(request) } }
  const answer = params.recovery_code !== undefined ? { recovery_code: params.recovery_code, ...from } : { code: params.code, ...from }
  const result = await passSecondFactor(ctx, l.interaction, request.cookies, answer, params.remember === '1')
  if (result.type === 'signed_in' || result.type === 'gone' || result.type === 'enrolled') return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
  return again(request, reply, l, result)
}

/** The form again after a wrong or throttled answer (or the interaction page, if the challenge went meanwhile). */
async function again(request: InteractionRequest, reply: FastifyReply, l: LoadedInteraction, result: { type: 'wrong'; method: 'totp' | 'recovery_code' } | { type: 'throttled' } | { type: 'locked' }): Promise<FastifyReply> {
  const ctx = request.latch
  const form = await secondFactorForm(ctx, l.interaction, request.cookies)
  if (form === null) return sendOutcome(reply, seeOther(`${ctx.urls.interaction}/${l.interaction.id}`))
  const m = messagesFor(localeOf(request, l), pageLook(request)).mfa
  if (result.type === 'throttled') return renderSecondFactor(request, reply, l, form, 429, { method: 'totp', text: m.throttled })
  if (result.type === 'locked') return renderSecondFactor(request, reply, l, form, 429, { method: 'totp', text: m.locked })
  return renderSecondFactor(request, reply, l, form, 401, { method: result.method, text: result.method === 'totp' ? m.wrongCode : m.wrongRecovery })
}

async function submitEnrolment(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const result = await confirmEnrolment(ctx, l.interaction, request.cookies, params.code, { source: request.ip, speaking: { locale: localeOf(request, l), look: pageLook(request) } })
  if (result.type === 'enrolled') {
    const continueHref = result.outcome.type === 'see_other' ? result.outcome.location : `${ctx.urls.interaction}/${l.interaction.id}`
    return page(applyCookies(reply, result.cookies), l, 200, recoveryCodesPage({ codes: result.recoveryCodes, continueHref }, localeOf(request, l), pageLook(request)))
  }
  if (result.type === 'signed_in' || result.type === 'gone') return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
  return again(request, reply, l, result)
}

export const mfaPages: FastifyPluginAsync = async function mfaPages(app) {
  const form = { config: { channel: 'html' as const }, preValidation: requireFormBody }
  app.post<{ Params: { id: string } }>(`${PATHS.interaction}/:id/mfa`, form, submitSecondFactor)
  app.post<{ Params: { id: string } }>(`${PATHS.interaction}/:id/mfa/enrol`, form, submitEnrolment)
}
