/**
 * The account page, HTTP only (issue 12; in sections since issue 13). `GET /account` shows the
 * signed-in user's page, or, without a session, **Sign in**: `POST /account/sign-in` (CSRF) begins
 * an interaction of kind `account` (interaction/account-kind.ts) that runs Latch's own sign-in
 * pages and comes back here. Every form posts with the CSRF token and comes back with `?notice=`
 * (303), except a refused profile or password form, which is shown again with its alert (400, 401,
 * 409, 429 with Retry-After):
 * - `POST /account/profile` (name claims), `POST /account/password` (current, then new);
 * - `POST /account/sessions/end` (`session`: another of the user's sessions);
 * - `POST /account/apps/revoke` (`client_id`);
 * - `POST /account/unlink` (issue 12). Linking goes through `GET /connections/:id/start?purpose=link&csrf=…`
 *   (endpoints/connections.ts), a link rather than a form: the redirect to the upstream's origin is
 *   then no form submission, which CSP `form-action` would restrict.
 * **Sign out** posts (confirmed, CSRF) to the end-session endpoint, which also leads on to an
 * upstream's logout (issue 12): that endpoint is in this page's CSP `form-action`.
 */
import { mailAvailable } from '../mail/availability.js'
import { shownUser } from '../rules/placeholder-email.js'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { connectionSettingsOf } from '../connections/records.js'
import { unlinkIdentity } from '../federation/unlink.js'
import { upstreamLogoutEndpoint, upstreamSessionOf } from '../federation/upstream-logout.js'
import { beginAccountSignIn } from '../interaction/account-kind.js'
import { stepUpNeeded, stepUpReturn } from '../interaction/account-strength.js'
import { stepUpForm } from '../interaction/views/account-strength.js'
import { listApps, revokeApp } from '../interaction/account-apps.js'
import { changePassword, type PasswordAnswer } from '../interaction/account-password.js'
import { updateProfile, type ProfileField } from '../interaction/account-profile.js'
import { endOtherSession, listSessions } from '../interaction/account-sessions.js'
import { seeOther } from '../interaction/outcome.js'
import { accountPage, isAccountNotice, notSignedInPage } from '../interaction/views/account.js'
import { appsSection } from '../interaction/views/account-apps.js'
import { linkedSection } from '../interaction/views/account-linked.js'
import { passwordSection } from '../interaction/views/account-password.js'
import { profileSection } from '../interaction/views/account-profile.js'
import { section, type SectionAlert } from '../interaction/views/account-section.js'
import { html } from '../interaction/views/layout.js'
import { sessionsSection } from '../interaction/views/account-sessions.js'
import { describeResource, describeScopes } from '../interaction/views/consent.js'
import { messagesFor } from '../interaction/views/locales.js'
import type { Messages } from '../interaction/views/messages.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { applyCookies, sessionOf } from './_pipeline/session-cookie.js'
import { CONNECTION_ID } from '../rules/connection-presets.js'

function send(reply: FastifyReply, status: number, body: string, formTargets: readonly string[] = []): FastifyReply {
  return securityHeaders(reply, formTargets, pageLook(reply.request)).status(status).type('text/html; charset=utf-8').send(body)
}

/** The start of linking `connectionId` to the signed-in user (the CSRF token binds it to this browser's page). */
export function linkStartUrl(issuer: string, connectionId: string, csrf: string): string {
  return `${issuer}${PATHS.connections}/${encodeURIComponent(connectionId)}/start?${new URLSearchParams({ purpose: 'link', csrf }).toString()}`
}

function action(request: FastifyRequest, path: string): string {
  return `${request.latch.urls.issuer}${PATHS.account}${path}`
}

/** The not-signed-in page with its **Sign in** form (also the passkeys page's, issue 13). */
export function notSignedIn(request: FastifyRequest, reply: FastifyReply, status: number): FastifyReply {
  const ctx = request.latch
  return send(reply, status, notSignedInPage({ signInAction: action(request, '/sign-in'), csrf: csrfToken(ctx, request, reply) }, pageLocale(request), pageLook(request)))
}

/** What a refused form of this request shows again. */
interface Refusal {
  status: number
  profile?: { alert: SectionAlert; values: Record<ProfileField, string> }
  password?: SectionAlert
}

async function renderAccount(request: FastifyRequest, reply: FastifyReply, active: ActiveSession, refusal?: Refusal): Promise<FastifyReply> {
  const ctx = request.latch
  const locale = pageLocale(request)
  const look = pageLook(request)
  const all = messagesFor(locale, look)
  const m = all.account
  const csrf = csrfToken(ctx, request, reply)
  const [identities, connections, sessions, apps, upstream, totp, stepUp] = await Promise.all([
    ctx.store.identities.listForUser(active.user.id),
    ctx.store.connections.list(),
    listSessions(ctx, active),
    listApps(ctx, active),
    upstreamSessionOf(ctx, active.session.id),
    ctx.store.mfa.totp(active.user.id),
    stepUpNeeded(ctx, active),
  ])
  const totpOn = totp !== null && totp.confirmed_at !== null
  const names = new Map(connections.map((c) => [c.id, c.display_name]))
  const linked = new Set(identities.map((i) => i.connection_id))
  const claims = active.user.claims
  const notice = refusal === undefined ? (request.query as RawParams).notice : undefined
  // The page's sections in order, one line each (issue 13: the second-factor and passkey sections go after the password's).
  const sections = [
    profileSection({
      email: shownUser(active.user),
      // Security review L5: only where mail can reach the new address.
      changeEmail: mailAvailable(ctx.config) ? { href: action(request, '/email'), label: all.passwordless.changeLink } : undefined,
      name: refusal?.profile?.values.name ?? claims.name ?? '',
      givenName: refusal?.profile?.values.given_name ?? claims.given_name ?? '',
      familyName: refusal?.profile?.values.family_name ?? claims.family_name ?? '',
      action: action(request, '/profile'),
      csrf,
      alert: refusal?.profile?.alert,
    }, m),
    // Review H1: the password changes only from a session of two factors, when the user has a second factor.
    stepUp && active.user.password_hash !== null
      ? section('password', m.passwordHeading, stepUpForm({ action: action(request, '/sign-in'), csrf, back: 'account' }, all.accountStrength), refusal?.password)
      : passwordSection({ hasPassword: active.user.password_hash !== null, minLength: ctx.config.passwords.min_length, email: active.user.email, action: action(request, '/password'), csrf, alert: refusal?.password }, m),
    // Issue 13 (lane B): two-step verification is managed on a page of its own.
    section('mfa', all.mfa.title, html`<p>${totpOn ? all.mfa.statusOn : all.mfa.statusOff}</p>
<p><a href="${action(request, '/mfa')}">${totpOn ? all.mfa.title : all.mfa.setUp}</a></p>`),
    // Issue 13 (lane C): the passkeys are managed on a page of their own.
    ...(ctx.config.passkeys.enabled ? [section('passkeys', all.passkeys.title, html`<p>${all.passkeys.intro}</p>
<p><a href="${action(request, '/passkeys')}">${all.passkeys.manage}</a></p>`)] : []),
    linkedSection({
      csrf,
      unlinkAction: action(request, '/unlink'),
      identities: identities.map((i) => ({ connectionId: i.connection_id, name: names.get(i.connection_id) ?? i.connection_id, email: i.email, linkedAt: i.created_at })),
      // An organization's connection is reached through home-realm discovery, not linked by hand.
      linkable: connections
        .filter((c) => c.organization_id === null && connectionSettingsOf(c).enabled === true && !linked.has(c.id))
        .map((c) => ({ name: c.display_name, type: c.type, href: linkStartUrl(ctx.urls.issuer, c.id, csrf) })),
    }, m),
    sessionsSection({
      sessions: sessions.map((s) => ({ id: s.id, createdAt: s.created_at, amr: s.amr, userAgent: s.user_agent, current: s.id === active.session.id })),
      action: action(request, '/sessions/end'),
      csrf,
    }, m),
    appsSection({
      apps: apps.map((a) => ({
        clientId: a.client.client_id,
        name: a.client.client_name,
        since: a.since,
        access: a.consents.map((c) => ({
          api: describeResource(c.resource, ctx.config)?.name ?? null,
          scopes: describeScopes(c.scopes, ctx.config.scopes, {}, locale, look).map((s) => s.description),
        })),
      })),
      action: action(request, '/apps/revoke'),
      csrf,
    }, m, all.consent.forApi),
  ]
  // Sign out may lead on to the upstream's logout (issue 12, federated logout): CSP form-action covers it.
  const upstreamTarget = upstream === null ? null : await upstreamLogoutEndpoint(ctx, upstream)
  return send(reply, refusal?.status ?? 200, accountPage({
    email: shownUser(active.user),
    csrf,
    signOutAction: ctx.urls.end_session,
    notice: isAccountNotice(notice) ? notice : undefined,
    sections,
  }, locale, look), upstreamTarget === null ? [] : [upstreamTarget])
}

async function showAccount(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const active = await sessionOf(request)
  if (active === null) return notSignedIn(request, reply, 200)
  return renderAccount(request, reply, active)
}

/** A form of the page: its parameters once, the CSRF token checked, and the session it acts for (or the not-signed-in page, 401). */
async function formOf(request: FastifyRequest): Promise<{ params: Record<string, string>; active: ActiveSession | null }> {
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(request.latch, request, params)
  return { params, active: await sessionOf(request) }
}

function backTo(request: FastifyRequest, reply: FastifyReply, notice: string): FastifyReply {
  return sendOutcome(reply, seeOther(`${request.latch.urls.issuer}${PATHS.account}?notice=${notice}`))
}

async function signIn(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { params, active } = await formOf(request)
  // Review H1: a session's step-up signs in again (two factors) and comes back to the page it names;
  // without a session (a stale tab) it is a plain sign-in, which asks no factor a user does not have.
  const stepUp = params.step_up === undefined || active === null ? undefined : stepUpReturn(params.step_up)
  // Signed in meanwhile (another tab): nothing to begin.
  if (active !== null && stepUp === undefined) return sendOutcome(reply, seeOther(`${request.latch.urls.issuer}${PATHS.account}`))
  return sendOutcome(reply, await beginAccountSignIn(request.latch, { ip: request.ip, userAgent: request.headers['user-agent'], locale: pageLocale(request), stepUp }))
}

async function profile(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { params, active } = await formOf(request)
  if (active === null) return notSignedIn(request, reply, 401)
  const answer = await updateProfile(request.latch, active.user, { name: params.name, given_name: params.given_name, family_name: params.family_name })
  if (answer.type === 'saved') return backTo(request, reply, 'profile_saved')
  const m = messagesFor(pageLocale(request), pageLook(request)).account
  return renderAccount(request, reply, active, { status: 400, profile: { alert: { text: m.nameInvalid }, values: answer.values } })
}

function passwordAlert(m: Messages, answer: Extract<PasswordAnswer, { type: 'refused' }>, minLength: number): string {
  switch (answer.reason) {
    case 'throttled':
      return m.login.throttled(answer.retryAfter ?? 1)
    case 'wrong_password':
      return m.account.wrongPassword
    case 'no_password':
      return m.account.noPassword
    case 'race':
      return m.account.passwordRace
    case 'too_short':
      return m.account.newPasswordTooShort(minLength)
    case 'too_long':
      return m.account.newPasswordTooLong
    case 'breached':
      return m.account.newPasswordRefused
    case 'like_email':
      return m.account.newPasswordLikeEmail
  }
}

async function password(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { params, active } = await formOf(request)
  if (active === null) return notSignedIn(request, reply, 401)
  // Review H1: a one-factor session of a user with a second factor changes no password (the page shows Sign in again).
  if (await stepUpNeeded(request.latch, active)) {
    return renderAccount(request, reply, active, { status: 403, password: { text: messagesFor(pageLocale(request), pageLook(request)).accountStrength.stepUpText } })
  }
  const answer = await changePassword(request.latch, active, { current: params.current_password, next: params.new_password, ip: request.ip, cookies: request.cookies })
  if (answer.type === 'changed') return backTo(request, applyCookies(reply, answer.cookies), 'password_changed')
  if (answer.retryAfter !== undefined) reply.header('retry-after', String(answer.retryAfter))
  const m = messagesFor(pageLocale(request), pageLook(request))
  return renderAccount(request, reply, active, { status: answer.status, password: { text: passwordAlert(m, answer, request.latch.config.passwords.min_length) } })
}

async function endSessionById(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { params, active } = await formOf(request)
  if (active === null) return notSignedIn(request, reply, 401)
  return backTo(request, reply, await endOtherSession(request.latch, active, params.session))
}

async function revoke(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { params, active } = await formOf(request)
  if (active === null) return notSignedIn(request, reply, 401)
  return backTo(request, reply, await revokeApp(request.latch, active, params.client_id))
}

async function unlink(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { params, active } = await formOf(request)
  if (active === null) return notSignedIn(request, reply, 401)
  const connection = params.connection ?? ''
  const result = CONNECTION_ID.test(connection) ? await unlinkIdentity(request.latch, active.user.id, connection) : 'not_linked'
  return backTo(request, reply, result)
}

export const accountEndpoint: FastifyPluginAsync = async function accountEndpoint(app) {
  const form = { config: { channel: 'html' }, preValidation: requireFormBody } as const
  app.get(PATHS.account, { config: { channel: 'html' } }, showAccount)
  app.post(`${PATHS.account}/sign-in`, form, signIn)
  app.post(`${PATHS.account}/profile`, form, profile)
  app.post(`${PATHS.account}/password`, form, password)
  app.post(`${PATHS.account}/sessions/end`, form, endSessionById)
  app.post(`${PATHS.account}/apps/revoke`, form, revoke)
  app.post(`${PATHS.account}/unlink`, form, unlink)
}
