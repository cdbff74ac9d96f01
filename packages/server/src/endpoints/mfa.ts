/**
 * Issue 13: two-step verification pages, HTTP only (decisions in `interaction/second-factor.ts`
 * and `interaction/account-mfa.ts`). Every POST carries the CSRF token.
 * - `POST /interaction/:id/mfa`: the second factor of a pending sign-in (`code`, or
 *   `recovery_code`; `remember=1` when offered); 401 with the form again for a wrong one, 429
 *   when the account's budget is spent, a 303 back to the interaction page when the challenge is
 *   gone (dropped after too many wrong codes, used already, or another browser's);
 * - `POST /interaction/:id/mfa/enrol`: the first code of a forced enrolment; the recovery codes
 *   page follows (its **Continue** goes back to the interaction);
 * - `GET /account/mfa` and `POST /account/mfa/{enrol,confirm,regenerate,disable}`: the account's page.
 * The interaction page (`GET /interaction/:id`) renders the step through `renderSecondFactor`.
 * @see https://www.rfc-editor.org/rfc/rfc6238
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS, type LatchContext } from '../context.js'
import {
  accountMfaStatus,
  confirmAccountEnrolment,
  enrolmentNeedsPassword,
  disableTotp,
  regenerateRecoveryCodes,
  startAccountEnrolment,
} from '../interaction/account-mfa.js'
import { seeOther } from '../interaction/outcome.js'
import { lookFor, requestedOrganization } from '../interaction/page-look.js'
import { loadInteraction, verifiedRedirectUri, type LoadedInteraction } from '../interaction/pages.js'
import { confirmEnrolment, passSecondFactor, secondFactorForm, type SecondFactorForm } from '../interaction/second-factor.js'
import { notSignedInPage } from '../interaction/views/account.js'
import { productName } from '../interaction/views/branding.js'
import { messagesFor, type Locale } from '../interaction/views/locales.js'
import { accountMfaPage, enrolmentPage, qrCodeSvg, recoveryCodesPage, secondFactorPage } from '../interaction/views/mfa.js'
import { shownUser } from '../rules/placeholder-email.js'
import { groupedSecret, totpUri } from '../users/totp.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { noteLook, pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { applyCookies, sessionOf } from './_pipeline/session-cookie.js'
import { noteWayBack } from './_pipeline/way-back.js'

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

function page(reply: FastifyReply, l: LoadedInteraction | null, status: number, body: string): FastifyReply {
  const uri = l === null ? undefined : verifiedRedirectUri(l.interaction)
  return securityHeaders(reply, uri === undefined ? [] : [uri], pageLook(reply.request)).status(status).type('text/html; charset=utf-8').send(body)
}

/** The enrolment's QR code: the `otpauth://` URI names the product (the branding's name) and the account. */
async function enrolmentQr(request: FastifyRequest, secret: string, email: string): Promise<string> {
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
  return page(reply, l, status, secondFactorPage({ action: base, csrf, error, rememberOffered: ctx.config.mfa.remember_device > 0 }, locale, look))
}

async function submitSecondFactor(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const answer = params.recovery_code !== undefined ? { recovery_code: params.recovery_code } : { code: params.code }
  const result = await passSecondFactor(ctx, l.interaction, request.cookies, answer, params.remember === '1')
  if (result.type === 'signed_in' || result.type === 'gone' || result.type === 'enrolled') return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
  return again(request, reply, l, result)
}

/** The form again after a wrong or throttled answer (or the interaction page, if the challenge went meanwhile). */
async function again(request: InteractionRequest, reply: FastifyReply, l: LoadedInteraction, result: { type: 'wrong'; method: 'totp' | 'recovery_code' } | { type: 'throttled' }): Promise<FastifyReply> {
  const ctx = request.latch
  const form = await secondFactorForm(ctx, l.interaction, request.cookies)
  if (form === null) return sendOutcome(reply, seeOther(`${ctx.urls.interaction}/${l.interaction.id}`))
  const m = messagesFor(localeOf(request, l), pageLook(request)).mfa
  if (result.type === 'throttled') return renderSecondFactor(request, reply, l, form, 429, { method: 'totp', text: m.throttled })
  return renderSecondFactor(request, reply, l, form, 401, { method: result.method, text: result.method === 'totp' ? m.wrongCode : m.wrongRecovery })
}

async function submitEnrolment(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const result = await confirmEnrolment(ctx, l.interaction, request.cookies, params.code)
  if (result.type === 'enrolled') {
    const continueHref = result.outcome.type === 'see_other' ? result.outcome.location : `${ctx.urls.interaction}/${l.interaction.id}`
    return page(applyCookies(reply, result.cookies), l, 200, recoveryCodesPage({ codes: result.recoveryCodes, continueHref }, localeOf(request, l), pageLook(request)))
  }
  if (result.type === 'signed_in' || result.type === 'gone') return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
  return again(request, reply, l, result)
}

// The account's page.

const ACCOUNT_NOTICES = ['enabled', 'disabled', 'regenerated', 'wrong', 'throttled', 'required'] as const
type AccountMfaNotice = (typeof ACCOUNT_NOTICES)[number]

function mfaUrl(ctx: LatchContext, notice?: AccountMfaNotice): string {
  return `${ctx.urls.issuer}${PATHS.account}/mfa${notice === undefined ? '' : `?notice=${notice}`}`
}

function notSignedIn(request: FastifyRequest, reply: FastifyReply, status: number): FastifyReply {
  return page(reply, null, status, notSignedInPage(pageLocale(request), pageLook(request)))
}

async function showAccountMfa(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const active = await sessionOf(request)
  if (active === null) return notSignedIn(request, reply, 200)
  const locale = pageLocale(request)
  const look = pageLook(request)
  const m = messagesFor(locale, look).mfa
  const status = await accountMfaStatus(ctx, active.user.id)
  const raw = (request.query as RawParams).notice
  const notice = (ACCOUNT_NOTICES as readonly unknown[]).includes(raw) ? (raw as AccountMfaNotice) : undefined
  const texts: Record<AccountMfaNotice, { text: string; error: boolean }> = {
    enabled: { text: m.turnedOn, error: false },
    disabled: { text: m.turnedOff, error: false },
    regenerated: { text: m.codesLeft(status.codesLeft), error: false },
    wrong: { text: m.notConfirmed, error: true },
    throttled: { text: m.throttled, error: true },
    required: { text: m.requiredByPolicy, error: true },
  }
  const base = `${ctx.urls.issuer}${PATHS.account}/mfa`
  return page(reply, null, 200, accountMfaPage({
    email: shownUser(active.user),
    csrf: csrfToken(ctx, request, reply),
    ...status,
    enrolNeedsPassword: enrolmentNeedsPassword(ctx, active.session.auth_time),
    enrolAction: `${base}/enrol`,
    regenerateAction: `${base}/regenerate`,
    disableAction: `${base}/disable`,
    accountHref: `${ctx.urls.issuer}${PATHS.account}`,
    notice: notice === undefined ? undefined : texts[notice],
  }, locale, look))
}

/** The checked form and the signed-in user, or null (then the not-signed-in page, 401). */
async function accountPost(request: FastifyRequest) {
  const ctx = request.latch
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const active = await sessionOf(request)
  return active === null ? null : { params, user: active.user, authTime: active.session.auth_time }
}

async function startEnrolment(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const posted = await accountPost(request)
  if (posted === null) return notSignedIn(request, reply, 401)
  const started = await startAccountEnrolment(ctx, posted.user, posted.authTime, posted.params.password)
  if (started.type === 'on') return sendOutcome(reply, seeOther(mfaUrl(ctx)))
  if (started.type !== 'secret') return sendOutcome(reply, seeOther(mfaUrl(ctx, started.type)))
  return enrolment(request, reply, posted.user.email, started.secret, 200)
}

async function enrolment(request: FastifyRequest, reply: FastifyReply, email: string, secret: string, status: number, error?: string): Promise<FastifyReply> {
  const ctx = request.latch
  const qrSvg = await enrolmentQr(request, secret, email)
  return page(reply, null, status, enrolmentPage({
    action: `${ctx.urls.issuer}${PATHS.account}/mfa/confirm`,
    csrf: csrfToken(ctx, request, reply),
    qrSvg,
    secret: groupedSecret(secret),
    error,
    fromAccount: true,
  }, pageLocale(request), pageLook(request)))
}

async function confirmAccount(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const posted = await accountPost(request)
  if (posted === null) return notSignedIn(request, reply, 401)
  const result = await confirmAccountEnrolment(ctx, posted.user.id, posted.params.code)
  const m = messagesFor(pageLocale(request), pageLook(request)).mfa
  if (result.type === 'enrolled') return page(reply, null, 200, recoveryCodesPage({ codes: result.recoveryCodes, continueHref: mfaUrl(ctx, 'enabled') }, pageLocale(request), pageLook(request)))
  if (result.type === 'gone') return sendOutcome(reply, seeOther(mfaUrl(ctx)))
  return enrolment(request, reply, posted.user.email, result.secret, result.type === 'wrong' ? 401 : 429, result.type === 'wrong' ? m.wrongCode : m.throttled)
}

async function regenerate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const posted = await accountPost(request)
  if (posted === null) return notSignedIn(request, reply, 401)
  const result = await regenerateRecoveryCodes(ctx, posted.user, { password: posted.params.password, code: posted.params.code })
  if (result.type === 'done' && result.recoveryCodes) {
    return page(reply, null, 200, recoveryCodesPage({ codes: result.recoveryCodes, continueHref: mfaUrl(ctx) }, pageLocale(request), pageLook(request)))
  }
  return sendOutcome(reply, seeOther(mfaUrl(ctx, noticeOf(result.type))))
}

async function disable(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const posted = await accountPost(request)
  if (posted === null) return notSignedIn(request, reply, 401)
  const result = await disableTotp(ctx, posted.user, { password: posted.params.password, code: posted.params.code })
  return sendOutcome(reply, seeOther(mfaUrl(ctx, result.type === 'done' ? 'disabled' : noticeOf(result.type))))
}

function noticeOf(type: 'done' | 'wrong' | 'throttled' | 'required' | 'not_enabled'): AccountMfaNotice | undefined {
  return type === 'wrong' || type === 'throttled' || type === 'required' ? type : undefined
}

export const mfaPages: FastifyPluginAsync = async function mfaPages(app) {
  const form = { config: { channel: 'html' as const }, preValidation: requireFormBody }
  app.post<{ Params: { id: string } }>(`${PATHS.interaction}/:id/mfa`, form, submitSecondFactor)
  app.post<{ Params: { id: string } }>(`${PATHS.interaction}/:id/mfa/enrol`, form, submitEnrolment)
  app.get(`${PATHS.account}/mfa`, { config: { channel: 'html' } }, showAccountMfa)
  app.post(`${PATHS.account}/mfa/enrol`, form, startEnrolment)
  app.post(`${PATHS.account}/mfa/confirm`, form, confirmAccount)
  app.post(`${PATHS.account}/mfa/regenerate`, form, regenerate)
  app.post(`${PATHS.account}/mfa/disable`, form, disable)
}
