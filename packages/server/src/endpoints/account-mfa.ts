/**
 * Issue 13: the account's two-step verification page, HTTP only (decisions in
 * `interaction/account-mfa.ts`): `GET /account/mfa` (signed in, else the not-signed-in page) shows
 * the status, the recovery codes left, **Get new recovery codes** and **Turn off two-step
 * verification** (each with a TOTP or recovery code), or **Set up two-step verification**; a session
 * of one factor whose user has a second factor (or a policy) gets **Sign in again** instead (review H1);
 * `POST /account/mfa/enrol` shows the enrolment (the current password first when the session's
 * sign-in is older than 10 minutes), `/confirm` takes its first code and shows the recovery codes
 * once, `/regenerate` and `/disable` act and come back with `?notice=`. Every POST carries the CSRF token.
 */
import { notSignedIn } from './account.js'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS, type LatchContext } from '../context.js'
import {
  accountMfaStatus,
  confirmAccountEnrolment,
  disableTotp,
  enrolmentNeedsPassword,
  enrolmentNeedsStepUp,
  regenerateRecoveryCodes,
  startAccountEnrolment,
} from '../interaction/account-mfa.js'
import { mailboxProven, stepUpNeeded } from '../interaction/account-strength.js'
import { seeOther } from '../interaction/outcome.js'
import { messagesFor } from '../interaction/views/locales.js'
import { accountMfaPage, enrolmentPage, recoveryCodesPage } from '../interaction/views/mfa.js'
import { shownUser } from '../rules/placeholder-email.js'
import { groupedSecret } from '../users/totp.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { sessionOf } from './_pipeline/session-cookie.js'
import { enrolmentQr } from './mfa.js'

function send(reply: FastifyReply, status: number, body: string): FastifyReply {
  return securityHeaders(reply, [], pageLook(reply.request)).status(status).type('text/html; charset=utf-8').send(body)
}

const ACCOUNT_NOTICES = ['enabled', 'disabled', 'regenerated', 'wrong', 'wrong_password', 'throttled', 'required', 'unverified'] as const
type AccountMfaNotice = (typeof ACCOUNT_NOTICES)[number]

function mfaUrl(ctx: LatchContext, notice?: AccountMfaNotice): string {
  return `${ctx.urls.issuer}${PATHS.account}/mfa${notice === undefined ? '' : `?notice=${notice}`}`
}


async function showAccountMfa(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const active = await sessionOf(request)
  if (active === null) return notSignedIn(request, reply, 200)
  const locale = pageLocale(request)
  const look = pageLook(request)
  const all = messagesFor(locale, look)
  const m = all.mfa
  const status = await accountMfaStatus(ctx, active.user.id)
  const stepUp = status.enabled ? await stepUpNeeded(ctx, active) : await enrolmentNeedsStepUp(ctx, active)
  const raw = (request.query as RawParams).notice
  const notice = (ACCOUNT_NOTICES as readonly unknown[]).includes(raw) ? (raw as AccountMfaNotice) : undefined
  const texts: Record<AccountMfaNotice, { text: string; error: boolean }> = {
    enabled: { text: m.turnedOn, error: false },
    disabled: { text: m.turnedOff, error: false },
    regenerated: { text: m.codesLeft(status.codesLeft), error: false },
    wrong: { text: all.accountStrength.codeNotRight, error: true },
    wrong_password: { text: all.account.wrongPassword, error: true },
    throttled: { text: m.throttled, error: true },
    required: { text: m.requiredByPolicy, error: true },
    unverified: { text: all.accountStrength.verifyEmailFirst, error: true },
  }
  const base = `${ctx.urls.issuer}${PATHS.account}/mfa`
  return send(reply, 200, accountMfaPage({
    email: shownUser(active.user),
    csrf: csrfToken(ctx, request, reply),
    ...status,
    enrolNeedsPassword: enrolmentNeedsPassword(ctx, active.session.auth_time),
    enrolAction: `${base}/enrol`,
    regenerateAction: `${base}/regenerate`,
    disableAction: `${base}/disable`,
    accountHref: `${ctx.urls.issuer}${PATHS.account}`,
    notice: notice === undefined ? undefined : texts[notice],
    stepUp: stepUp ? { action: `${ctx.urls.issuer}${PATHS.account}/sign-in`, csrf: csrfToken(ctx, request, reply), back: 'mfa' } : undefined,
    unverified: !mailboxProven(active.user),
  }, locale, look))
}

/** The checked form and the signed-in user, or null (then the not-signed-in page, 401). */
async function accountPost(request: FastifyRequest) {
  const ctx = request.latch
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const active = await sessionOf(request)
  return active === null ? null : { params, active, user: active.user }
}

async function startEnrolment(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const posted = await accountPost(request)
  if (posted === null) return notSignedIn(request, reply, 401)
  const started = await startAccountEnrolment(ctx, posted.active, { password: posted.params.password, ip: request.ip, cookies: request.cookies })
  if (started.type === 'on' || started.type === 'step_up') return sendOutcome(reply, seeOther(mfaUrl(ctx)))
  if (started.type === 'throttled') reply.header('retry-after', String(started.retryAfter))
  if (started.type !== 'secret') return sendOutcome(reply, seeOther(mfaUrl(ctx, started.type === 'wrong' ? 'wrong_password' : started.type)))
  return enrolment(request, reply, posted.user.email, started.secret, 200)
}

async function enrolment(request: FastifyRequest, reply: FastifyReply, email: string, secret: string, status: number, error?: string): Promise<FastifyReply> {
  const ctx = request.latch
  const qrSvg = await enrolmentQr(request, secret, email)
  return send(reply, status, enrolmentPage({
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
  const result = await confirmAccountEnrolment(ctx, posted.user.id, posted.active.session.id, posted.params.code)
  const m = messagesFor(pageLocale(request), pageLook(request)).mfa
  if (result.type === 'enrolled') return send(reply, 200, recoveryCodesPage({ codes: result.recoveryCodes, continueHref: mfaUrl(ctx, 'enabled') }, pageLocale(request), pageLook(request)))
  if (result.type === 'gone') return sendOutcome(reply, seeOther(mfaUrl(ctx)))
  return enrolment(request, reply, posted.user.email, result.secret, result.type === 'wrong' ? 401 : 429, result.type === 'wrong' ? m.wrongCode : m.throttled)
}

async function regenerate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const posted = await accountPost(request)
  if (posted === null) return notSignedIn(request, reply, 401)
  const result = await regenerateRecoveryCodes(ctx, posted.active, { code: posted.params.code, recovery_code: posted.params.recovery_code })
  if (result.type === 'done' && result.recoveryCodes) {
    return send(reply, 200, recoveryCodesPage({ codes: result.recoveryCodes, continueHref: mfaUrl(ctx) }, pageLocale(request), pageLook(request)))
  }
  return sendOutcome(reply, seeOther(mfaUrl(ctx, noticeOf(result.type))))
}

async function disable(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const posted = await accountPost(request)
  if (posted === null) return notSignedIn(request, reply, 401)
  const result = await disableTotp(ctx, posted.active, { code: posted.params.code, recovery_code: posted.params.recovery_code })
  return sendOutcome(reply, seeOther(mfaUrl(ctx, result.type === 'done' ? 'disabled' : noticeOf(result.type))))
}

/** `step_up`: the page itself then shows the step-up form. */
function noticeOf(type: 'done' | 'wrong' | 'throttled' | 'required' | 'not_enabled' | 'step_up'): AccountMfaNotice | undefined {
  return type === 'wrong' || type === 'throttled' || type === 'required' ? type : undefined
}

export const accountMfaPages: FastifyPluginAsync = async function accountMfaPages(app) {
  const form = { config: { channel: 'html' as const }, preValidation: requireFormBody }
  app.get(`${PATHS.account}/mfa`, { config: { channel: 'html' } }, showAccountMfa)
  app.post(`${PATHS.account}/mfa/enrol`, form, startEnrolment)
  app.post(`${PATHS.account}/mfa/confirm`, form, confirmAccount)
  app.post(`${PATHS.account}/mfa/regenerate`, form, regenerate)
  app.post(`${PATHS.account}/mfa/disable`, form, disable)
}
