/**
 * Issue 14: what every page of the admin console shares (endpoints/console.ts): the gate of each
 * request (CSRF first for a form, then the session, the role, `admin.require_mfa` and, for a change,
 * `admin:write`), the management scope of the signed-in administrator (actor `{ type: 'user', id }`,
 * via `console`, the request's address and User-Agent), a management refusal as the page's alert,
 * the page shell and the 303 with a notice after a change.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { OAuthError } from '../../errors.js'
import { PATHS } from '../../context.js'
import { upstreamLogoutEndpoint, upstreamSessionOf } from '../../federation/upstream-logout.js'
import { consoleAccessOf } from '../../interaction/console-access.js'
import { seeOther } from '../../interaction/outcome.js'
import { consoleForbiddenPage, consolePage, consoleSignInPage, consoleStepUpPage, type ConsoleFrame, type ConsoleSection, type Notice } from '../../interaction/views/console-layout.js'
import { CONSOLE_MESSAGES as m } from '../../interaction/views/console-messages.js'
import { html, type SafeHtml } from '../../interaction/views/layout.js'
import { shownUser } from '../../rules/placeholder-email.js'
import { requestManagementScope } from '../_pipeline/management-scope.js'
import type { ManagementScope } from '../../management/scope.js'
import type { ActiveSession } from '../../sessions/idp-session.js'
import { adminApiErrorOf } from '../admin-api/management.js'
import { csrfToken, verifyCsrf } from '../_pipeline/csrf.js'
import type { RawParams } from '../_pipeline/form-body.js'
import { pageLook } from '../_pipeline/page-look.js'
import { rejectDuplicateParams } from '../_pipeline/reject-duplicate-params.js'
import { securityHeaders } from '../_pipeline/security-headers.js'
import { sendOutcome } from '../_pipeline/send-outcome.js'
import { sessionOf } from '../_pipeline/session-cookie.js'

/** The signed-in administrator of a request that passed the gate. */
export interface Admin {
  active: ActiveSession
  write: boolean
  csrf: string
  /** Where **Sign out** posts, and the upstream's logout it may lead on to (CSP form-action). */
  signOut: string
  formTargets: string[]
}

export const NOTICES = {
  client_deleted: m.clientDeleted,
  user_created: m.userCreated,
  session_revoked: m.sessionRevoked,
  session_not_found: m.sessionNotFound,
  sessions_ended: m.sessionsEnded,
  mfa_reset: m.mfaReset,
  keys_rotated: m.rotated,
  roles_saved: m.rolesSaved,
  user_deleted: m.userDeleted,
  user_disabled: m.userDisabled,
  user_enabled: m.userEnabled,
  organization_created: m.organizationCreated,
  organization_deleted: m.organizationDeleted,
  connection_deleted: m.connectionDeleted,
} as const

export function send(reply: FastifyReply, status: number, body: string, formTargets: readonly string[] = []): FastifyReply {
  return securityHeaders(reply, formTargets, pageLook(reply.request)).status(status).type('text/html; charset=utf-8').send(body)
}

export function href(request: FastifyRequest, path = ''): string {
  return `${request.latch.urls.issuer}${PATHS.console}${path}`
}

export function single(raw: unknown, name: string): string {
  const value = (raw as RawParams | undefined)?.[name]
  return typeof value === 'string' ? value : ''
}

/**
 * The administrator of this request, or null once the answer is sent: the sign-in page (200 for a
 * page, 401 for a form), the 403 page without an admin role, the step-up page (403) when
 * `admin.require_mfa` wants two factors, and for a change (`write`) by a viewer a 403.
 */
export async function gate(request: FastifyRequest, reply: FastifyReply, need: 'read' | 'write'): Promise<Admin | null> {
  const ctx = request.latch
  const csrf = csrfToken(ctx, request, reply)
  const look = pageLook(request)
  const active = await sessionOf(request)
  if (active === null) {
    send(reply, request.method === 'GET' ? 200 : 401, consoleSignInPage({ action: href(request, '/sign-in'), csrf }, look))
    return null
  }
  const upstream = await upstreamSessionOf(ctx, active.session.id)
  const upstreamTarget = upstream === null ? null : await upstreamLogoutEndpoint(ctx, upstream)
  const formTargets = upstreamTarget === null ? [] : [upstreamTarget]
  const access = consoleAccessOf(ctx.config, active)
  if (access.type === 'none') {
    send(reply, 403, consoleForbiddenPage({ email: shownUser(active.user), csrf, signOutAction: ctx.urls.end_session }, look), formTargets)
    return null
  }
  if (access.type === 'step_up') {
    send(reply, 403, consoleStepUpPage({ email: shownUser(active.user), action: href(request, '/sign-in'), csrf }, look), formTargets)
    return null
  }
  const admin = { active, write: access.write, csrf, signOut: ctx.urls.end_session, formTargets }
  if (need === 'write' && !access.write) {
    render(request, reply, admin, 'overview', m.readOnlyTitle, html`<p>${m.readOnlyText}</p>`, { text: m.readOnlyRefusal, alert: true }, 403)
    return null
  }
  return admin
}

/** A form's parameters once each, its CSRF token checked first (403 page when it does not match). */
export function formParams(request: FastifyRequest): Record<string, string> {
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(request.latch, request, params)
  return params
}

/** The scope of the management services for this administrator's request. */
export function scopeOf(request: FastifyRequest, admin: Admin): ManagementScope {
  return requestManagementScope(request, { actor: { type: 'user', id: admin.active.user.id }, via: 'console' })
}

/** A management refusal in the admin API's words and status (404, 409, 400); anything else is thrown on. */
export async function refusalOf<T>(call: () => Promise<T>): Promise<{ ok: T } | { refused: Notice & { status: number } }> {
  try {
    return { ok: await call() }
  } catch (err) {
    const mapped = adminApiErrorOf(err)
    if (mapped === err || !(mapped instanceof OAuthError)) throw err
    return { refused: { text: mapped.message, alert: true, status: mapped.status } }
  }
}

function frameOf(request: FastifyRequest, admin: Admin, section: ConsoleSection): ConsoleFrame {
  return { base: href(request), email: shownUser(admin.active.user), write: admin.write, csrf: admin.csrf, signOutAction: admin.signOut, section, look: pageLook(request) }
}

export function render(request: FastifyRequest, reply: FastifyReply, admin: Admin, section: ConsoleSection, title: string, content: SafeHtml, notice?: Notice, status = 200): FastifyReply {
  return send(reply, status, consolePage(frameOf(request, admin, section), title, content, notice ?? noticeOf(request)), admin.formTargets)
}

function noticeOf(request: FastifyRequest): Notice | undefined {
  if (request.method !== 'GET') return undefined
  const code = single(request.query, 'notice')
  return Object.hasOwn(NOTICES, code) ? { text: NOTICES[code as keyof typeof NOTICES], alert: code === 'session_not_found' } : undefined
}

export function back(request: FastifyRequest, reply: FastifyReply, path: string, notice: keyof typeof NOTICES): FastifyReply {
  return sendOutcome(reply, seeOther(`${href(request, path)}?notice=${notice}`))
}
