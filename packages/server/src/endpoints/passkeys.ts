/**
 * Issue 13: passkeys over HTTP only (the decisions are in interaction/passkeys.ts).
 *
 * Sign-in, on the interaction: `POST /interaction/:id/passkey/options` (form body with the CSRF
 * token; JSON answer: WebAuthn request options), then `POST /interaction/:id/passkey` (a form the
 * script posts: `csrf`, `response` = the credential JSON): signed in (303 on), or the sign-in page
 * again, 401, with one message whatever refused.
 *
 * Account: `GET /account/passkeys` (the list, or the confirmation page when the session is older than
 * `passkeys.reauthentication_max_age`), `POST /account/passkeys/confirm` (the password),
 * `POST /account/passkeys/options` (JSON), `POST /account/passkeys` (register),
 * `POST /account/passkeys/rename`, `POST /account/passkeys/delete`; every POST carries the CSRF token
 * and comes back with `?notice=` or `?alert=` (PRG). The CSRF cookie's value is also what binds a
 * ceremony's challenge to the browser (`browserHash`).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS, type LatchContext } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { seeOther } from '../interaction/outcome.js'
import {
  assertPasskeys,
  authenticationOptions,
  canConfirmWithPassword,
  confirmPassword,
  passkeySignIn,
  recentlyAuthenticated,
  registerPasskey,
  registrationOptions,
} from '../interaction/passkeys.js'
import { shownUser } from '../rules/placeholder-email.js'
import { passkeyName } from '../rules/webauthn.js'
import { productName } from '../interaction/views/branding.js'
import { messagesFor } from '../interaction/views/locales.js'
import {
  PASSKEYS_ALERTS,
  PASSKEYS_NOTICES,
  passkeysConfirmPage,
  passkeysOffPage,
  passkeysPage,
  type PasskeysAlert,
  type PasskeysNotice,
} from '../interaction/views/passkeys.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { applyCookies, sessionOf } from './_pipeline/session-cookie.js'
import { notSignedIn } from './account.js'
import { load, localeOf, renderLogin, type InteractionRequest } from './interaction.js'
import { PASSKEYS_SCRIPT_PATH, passkeysScriptUrl } from './passkey-assets.js'
import { mailboxProven, needsStrongSession, signedInStrongly } from '../interaction/account-strength.js'

const ACCOUNT_PASSKEYS = `${PATHS.account}/passkeys`

/** A JSON answer of a ceremony's options (never cached). */
export function json(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.status(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(body))
}

/** The form's parameters, with the CSRF token checked; its value (equal to the cookie's) binds the ceremony to this browser. */
export function checkedForm(request: FastifyRequest): { params: Readonly<Record<string, string>>; browser: string } {
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(request.latch, request, params)
  return { params, browser: params.csrf as string }
}

async function signInOptions(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  assertPasskeys(ctx)
  const l = await load(request)
  const { browser } = checkedForm(request)
  return json(reply, 200, await authenticationOptions(ctx, l, browser))
}

async function signInWithPasskey(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  assertPasskeys(ctx)
  const l = await load(request)
  const { params, browser } = checkedForm(request)
  const result = await passkeySignIn(ctx, l, { response: params.response, browser, ip: request.ip, cookies: request.cookies })
  if (result.type === 'signed_in') return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
  const m = messagesFor(localeOf(request, l), pageLook(request))
  if (result.type === 'connection_required') return renderLogin(request, reply, l, 403, m.homeRealm.connectionRequired, undefined, result.connection)
  return renderLogin(request, reply, l, 401, m.passkeys.signInFailed)
}

/** `scripts`: the page's one script and the one URL it fetches, each under the issuer (review L8: CSP names them exactly). */
function page(reply: FastifyReply, status: number, body: string, scripts?: { script: string; connect: string }): FastifyReply {
  const issuer = reply.request.latch.urls.issuer
  const options = scripts === undefined ? {} : { scripts: { script: `${issuer}${scripts.script}`, connect: `${issuer}${scripts.connect}` } }
  return securityHeaders(reply, [], pageLook(reply.request), options).status(status).type('text/html; charset=utf-8').send(body)
}

function toPasskeys(ctx: LatchContext, query: { notice?: PasskeysNotice; alert?: PasskeysAlert } = {}): ReturnType<typeof seeOther> {
  const search = new URLSearchParams(query as Record<string, string>).toString()
  return seeOther(`${ctx.urls.issuer}${ACCOUNT_PASSKEYS}${search ? `?${search}` : ''}`)
}

const pick = <T extends string>(value: unknown, allowed: readonly T[]): T | undefined =>
  typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : undefined

/**
 * Review H1: what a session needs before it manages passkeys. A user with a second factor (or a
 * policy) needs a session of two factors signed in within `passkeys.reauthentication_max_age`,
 * reached by signing in again (`step_up`); one without, a recent sign-in or the password (`confirm`).
 */
async function passkeysGate(ctx: LatchContext, active: ActiveSession): Promise<'ok' | 'step_up' | 'confirm'> {
  if (await needsStrongSession(ctx, active.user.id)) return signedInStrongly(active) && recentlyAuthenticated(ctx, active) ? 'ok' : 'step_up'
  return recentlyAuthenticated(ctx, active) ? 'ok' : 'confirm'
}

async function renderConfirm(request: FastifyRequest, reply: FastifyReply, active: ActiveSession, status = 200, error?: string): Promise<FastifyReply> {
  const ctx = request.latch
  return page(reply, status, passkeysConfirmPage({
    action: canConfirmWithPassword(ctx, active) ? `${ctx.urls.issuer}${ACCOUNT_PASSKEYS}/confirm` : null,
    csrf: csrfToken(ctx, request, reply),
    email: shownUser(active.user),
    error,
    account: `${ctx.urls.issuer}${PATHS.account}`,
  }, pageLocale(request), pageLook(request)))
}

async function showPasskeys(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const locale = pageLocale(request)
  const look = pageLook(request)
  if (!ctx.config.passkeys.enabled) return page(reply, 404, passkeysOffPage(locale, look))
  const active = await sessionOf(request)
  if (active === null) return notSignedIn(request, reply, 200)
  const gate = await passkeysGate(ctx, active)
  if (gate === 'confirm') return renderConfirm(request, reply, active)
  const query = request.query as RawParams
  const base = `${ctx.urls.issuer}${ACCOUNT_PASSKEYS}`
  const passkeys = await ctx.store.passkeys.listForUser(active.user.id)
  return page(reply, 200, passkeysPage({
    email: shownUser(active.user),
    csrf: csrfToken(ctx, request, reply),
    urls: { register: base, options: `${base}/options`, rename: `${base}/rename`, remove: `${base}/delete`, account: `${ctx.urls.issuer}${PATHS.account}`, script: passkeysScriptUrl(ctx) },
    passkeys: passkeys.map((p) => ({ credentialId: p.credential_id, name: p.name, createdAt: p.created_at, lastUsedAt: p.last_used_at })),
    notice: pick(query.notice, PASSKEYS_NOTICES),
    alert: pick(query.alert, PASSKEYS_ALERTS),
    unverified: !mailboxProven(active.user),
    // Review H1: the list stays visible; changing it needs Sign in again.
    stepUp: gate === 'step_up' ? { action: `${ctx.urls.issuer}${PATHS.account}/sign-in`, csrf: csrfToken(ctx, request, reply), back: 'passkeys' } : undefined,
  }, locale, look), { script: PASSKEYS_SCRIPT_PATH, connect: `${ACCOUNT_PASSKEYS}/options` })
}

/** The signed-in session of a POST on the account's passkeys, after the CSRF check; null: answered already. */
async function accountAction(request: FastifyRequest, reply: FastifyReply): Promise<{ active: ActiveSession; params: Readonly<Record<string, string>>; browser: string } | null> {
  const ctx = request.latch
  assertPasskeys(ctx)
  const { params, browser } = checkedForm(request)
  const active = await sessionOf(request)
  if (active === null) {
    notSignedIn(request, reply, 401)
    return null
  }
  if ((await passkeysGate(ctx, active)) !== 'ok') {
    sendOutcome(reply, toPasskeys(ctx))
    return null
  }
  return { active, params, browser }
}

async function registrationOptionsJson(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  assertPasskeys(ctx)
  const { browser } = checkedForm(request)
  const active = await sessionOf(request)
  if (active === null) throw new InvalidRequestError('You are not signed in.', { status: 401 })
  // The script follows `location`: the page then asks for the password, or says why.
  if ((await passkeysGate(ctx, active)) !== 'ok') return json(reply, 403, { location: `${ctx.urls.issuer}${ACCOUNT_PASSKEYS}` })
  // Review M3: no passkey on an account whose email was never verified.
  if (!mailboxProven(active.user)) return json(reply, 403, { location: `${ctx.urls.issuer}${ACCOUNT_PASSKEYS}` })
  const options = await registrationOptions(ctx, active, browser, productName(pageLook(request).branding))
  if (options === 'too_many') return json(reply, 409, { location: `${ctx.urls.issuer}${ACCOUNT_PASSKEYS}?alert=tooMany` })
  return json(reply, 200, options)
}

async function register(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const action = await accountAction(request, reply)
  if (action === null) return reply
  const { active, params, browser } = action
  if (!mailboxProven(active.user)) return sendOutcome(reply, toPasskeys(ctx, { alert: 'registerFailed' }))
  const name = passkeyName(params.name) ?? messagesFor(pageLocale(request), pageLook(request)).passkeys.defaultName
  const result = await registerPasskey(ctx, active, { response: params.response, name, browser, ip: request.ip })
  return sendOutcome(reply, toPasskeys(ctx, result.type === 'registered' ? { notice: 'registered' } : { alert: 'registerFailed' }))
}

async function rename(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const action = await accountAction(request, reply)
  if (action === null) return reply
  const { active, params } = action
  const name = passkeyName(params.name)
  if (name === null) return sendOutcome(reply, toPasskeys(ctx, { alert: 'invalidName' }))
  const credential = params.credential ?? ''
  const done = credential.length <= 1364 && (await ctx.store.passkeys.rename(active.user.id, credential, name))
  if (done) ctx.events.emit('passkey.renamed', { user_id: active.user.id, credential_id: credential })
  return sendOutcome(reply, toPasskeys(ctx, done ? { notice: 'renamed' } : { alert: 'notFound' }))
}

async function remove(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const action = await accountAction(request, reply)
  if (action === null) return reply
  const { active, params } = action
  const credential = params.credential ?? ''
  const done = credential.length <= 1364 && (await ctx.store.passkeys.remove(active.user.id, credential))
  if (done) ctx.events.emit('passkey.removed', { user_id: active.user.id, credential_id: credential })
  return sendOutcome(reply, toPasskeys(ctx, done ? { notice: 'removed' } : { alert: 'notFound' }))
}

async function confirm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  assertPasskeys(ctx)
  const { params } = checkedForm(request)
  const active = await sessionOf(request)
  if (active === null) return notSignedIn(request, reply, 401)
  const result = await confirmPassword(ctx, active, { password: params.password, ip: request.ip, cookies: request.cookies })
  if (result.type === 'confirmed') return sendOutcome(applyCookies(reply, result.cookies), toPasskeys(ctx))
  if (result.type === 'step_up') return sendOutcome(reply, toPasskeys(ctx))
  const m = messagesFor(pageLocale(request), pageLook(request))
  if (result.type === 'throttled') {
    reply.header('retry-after', String(result.retryAfter))
    return renderConfirm(request, reply, active, 429, m.login.throttled(result.retryAfter))
  }
  return renderConfirm(request, reply, active, 401, m.passkeys.wrongPassword)
}

export const passkeyEndpoints: FastifyPluginAsync = async function passkeyEndpoints(app) {
  const html = { config: { channel: 'html' as const }, preValidation: requireFormBody }
  const jsonForm = { config: { channel: 'json' as const }, preValidation: requireFormBody }
  app.post<{ Params: { id: string } }>(`${PATHS.interaction}/:id/passkey/options`, jsonForm, signInOptions)
  app.post<{ Params: { id: string } }>(`${PATHS.interaction}/:id/passkey`, html, signInWithPasskey)
  app.get(ACCOUNT_PASSKEYS, { config: { channel: 'html' } }, showPasskeys)
  app.post(`${ACCOUNT_PASSKEYS}/options`, jsonForm, registrationOptionsJson)
  app.post(ACCOUNT_PASSKEYS, html, register)
  app.post(`${ACCOUNT_PASSKEYS}/rename`, html, rename)
  app.post(`${ACCOUNT_PASSKEYS}/delete`, html, remove)
  app.post(`${ACCOUNT_PASSKEYS}/confirm`, html, confirm)
}
