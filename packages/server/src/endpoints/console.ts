/**
 * Issue 14: the admin console (`<issuer>/admin`, README "Admin console"), HTTP only: server-rendered
 * pages without JavaScript for a tenant's administrators, on the management services the CLI and
 * the admin API use (actor the signed-in user, via `console`, the request's address and
 * User-Agent). Everything under `/admin` but `/admin/api`, which is the admin API's.
 *
 * Sign-in is Latch's own, as for the account page: **Sign in** (`POST /admin/sign-in`, CSRF) begins
 * an interaction of kind `account` that comes back to `/admin` (interaction/account-kind.ts). Then
 * every request re-reads the user's roles (interaction/console-access.ts): no admin role is a 403
 * page; `latch:viewer` reads (no forms are shown, every POST is refused 403); `latch:admin` also
 * changes. With `admin.require_mfa`, a session of one factor is asked to sign in again with two.
 *
 * Pages and forms (each form carries the CSRF token, checked before anything else; a change that
 * cannot be undone asks again, the same form with `confirm=yes`):
 * - `GET /admin`: overview;
 * - `GET /admin/clients`, `POST /admin/clients` (create: the secret shown once on the answer),
 *   `POST /admin/clients/delete`;
 * - `GET /admin/users?email=`, `POST /admin/users`, `GET /admin/users/:id`,
 *   `POST /admin/users/:id/sessions/revoke`, `POST /admin/users/:id/reset-mfa`,
 *   `POST /admin/users/:id/roles`, `POST /admin/users/:id/delete`;
 * - `GET /admin/organizations`, `POST /admin/organizations`, `POST /admin/organizations/delete`;
 * - `GET /admin/connections`, `POST /admin/connections/delete`;
 * - `GET /admin/keys`, `POST /admin/keys/rotate`;
 * - `GET /admin/audit?type=&user=&outcome=&since=&cursor=`.
 * A refused change (the config file's rules, a taken id) is the page again with its alert (400, 404,
 * 409), the form's values kept; a success is a 303 to the page with `?notice=`.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { AUDIT_CURSOR, isAuditType } from '../audit/audit-query.js'
import { auditUserFilter } from '../audit/user-filter.js'
import { PATHS } from '../context.js'
import { upstreamLogoutEndpoint, upstreamSessionOf } from '../federation/upstream-logout.js'
import { beginAccountSignIn } from '../interaction/account-kind.js'
import { stepUpReturn } from '../interaction/account-strength.js'
import { consoleAccessOf } from '../interaction/console-access.js'
import { seeOther } from '../interaction/outcome.js'
import { auditContent, type AuditFilters } from '../interaction/views/console-audit.js'
import { clientsContent, EMPTY_CLIENT_FORM, grantsOfForm, type ClientForm } from '../interaction/views/console-clients.js'
import { keysContent } from '../interaction/views/console-keys.js'
import { connectionsContent, EMPTY_ORGANIZATION_FORM, organizationsContent, type OrganizationForm } from '../interaction/views/console-organizations.js'
import { confirmContent, consoleForbiddenPage, consolePage, consoleSignInPage, consoleStepUpPage, type ConsoleFrame, type ConsoleSection, type Notice } from '../interaction/views/console-layout.js'
import { CONSOLE_MESSAGES as m } from '../interaction/views/console-messages.js'
import { EMPTY_USER_FORM, userContent, usersContent, type UserForm } from '../interaction/views/console-users.js'
import { html, type SafeHtml } from '../interaction/views/layout.js'
import { signingRecord } from '../keys/signing-selection.js'
import { shownUser } from '../rules/placeholder-email.js'
import { currentRequest } from '../lib/request-context.js'
import { parseRelativeTime, RELATIVE_TIME_HINT } from '../lib/relative-time.js'
import { createClient, deleteClient, listClients } from '../management/clients.js'
import { rotateKeys } from '../management/keys.js'
import type { ManagementScope } from '../management/scope.js'
import { endUserSession, listUserSessions } from '../management/sessions.js'
import { deleteConnection, listConnections } from '../management/connections.js'
import { createOrganization, deleteOrganization, listOrganizations } from '../management/organizations.js'
import { createUser, deleteUser, listUsers, resetUserMfa, updateUser } from '../management/users.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import type { AuditFilter, UserRecord } from '../storage/store.js'
import { tenantKeySecret } from '../users/login-throttle.js'
import { adminApiErrorOf } from './admin-api/management.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { sessionOf } from './_pipeline/session-cookie.js'

/** Users listed at most on one page (the store lists them all: a search narrows them). */
const USERS_SHOWN = 100
const AUDIT_PAGE = 50
const MAX_AUDIT_TYPES = 50

/** The signed-in administrator of a request that passed the gate. */
interface Admin {
  active: ActiveSession
  write: boolean
  csrf: string
  /** Where **Sign out** posts, and the upstream's logout it may lead on to (CSP form-action). */
  signOut: string
  formTargets: string[]
}

const NOTICES = {
  client_deleted: m.clientDeleted,
  user_created: m.userCreated,
  session_revoked: m.sessionRevoked,
  session_not_found: m.sessionNotFound,
  mfa_reset: m.mfaReset,
  keys_rotated: m.rotated,
  roles_saved: m.rolesSaved,
  user_deleted: m.userDeleted,
  organization_created: m.organizationCreated,
  organization_deleted: m.organizationDeleted,
  connection_deleted: m.connectionDeleted,
} as const

function send(reply: FastifyReply, status: number, body: string, formTargets: readonly string[] = []): FastifyReply {
  return securityHeaders(reply, formTargets, pageLook(reply.request)).status(status).type('text/html; charset=utf-8').send(body)
}

function href(request: FastifyRequest, path = ''): string {
  return `${request.latch.urls.issuer}${PATHS.console}${path}`
}

function single(raw: unknown, name: string): string {
  const value = (raw as RawParams | undefined)?.[name]
  return typeof value === 'string' ? value : ''
}

/**
 * The administrator of this request, or null once the answer is sent: the sign-in page (200 for a
 * page, 401 for a form), the 403 page without an admin role, the step-up page (403) when
 * `admin.require_mfa` wants two factors, and for a change (`write`) by a viewer a 403.
 */
async function gate(request: FastifyRequest, reply: FastifyReply, need: 'read' | 'write'): Promise<Admin | null> {
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
function formParams(request: FastifyRequest): Record<string, string> {
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(request.latch, request, params)
  return params
}

/** The scope of the management services for this administrator's request. */
function scopeOf(request: FastifyRequest, admin: Admin): ManagementScope {
  const ctx = request.latch
  const context = currentRequest()
  return {
    store: ctx.store,
    clock: ctx.clock,
    config: ctx.config,
    tenant: ctx.tenant,
    actor: { type: 'user', id: admin.active.user.id },
    via: 'console',
    ip: context?.ip ?? request.ip,
    userAgent: context?.user_agent ?? null,
  }
}

/** A management refusal in the admin API's words and status (404, 409, 400); anything else is thrown on. */
async function refusalOf<T>(call: () => Promise<T>): Promise<{ ok: T } | { refused: Notice & { status: number } }> {
  try {
    return { ok: await call() }
  } catch (err) {
    const mapped = adminApiErrorOf(err)
    if (mapped === err || !(mapped instanceof Error) || !('status' in mapped)) throw err
    return { refused: { text: mapped.message, alert: true, status: mapped.status as number } }
  }
}

function frameOf(request: FastifyRequest, admin: Admin, section: ConsoleSection): ConsoleFrame {
  return { base: href(request), email: shownUser(admin.active.user), write: admin.write, csrf: admin.csrf, signOutAction: admin.signOut, section, look: pageLook(request) }
}

function render(request: FastifyRequest, reply: FastifyReply, admin: Admin, section: ConsoleSection, title: string, content: SafeHtml, notice?: Notice, status = 200): FastifyReply {
  return send(reply, status, consolePage(frameOf(request, admin, section), title, content, notice ?? noticeOf(request)), admin.formTargets)
}

function noticeOf(request: FastifyRequest): Notice | undefined {
  if (request.method !== 'GET') return undefined
  const code = single(request.query, 'notice')
  return Object.hasOwn(NOTICES, code) ? { text: NOTICES[code as keyof typeof NOTICES], alert: code === 'session_not_found' } : undefined
}

function back(request: FastifyRequest, reply: FastifyReply, path: string, notice: keyof typeof NOTICES): FastifyReply {
  return sendOutcome(reply, seeOther(`${href(request, path)}?notice=${notice}`))
}

// --- Sign-in and overview ---------------------------------------------------------------------

async function signIn(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const active = await sessionOf(request)
  const stepUp = params.step_up !== undefined && active !== null ? stepUpReturn(params.step_up) : undefined
  // Signed in meanwhile (another tab): nothing to begin.
  if (active !== null && stepUp === undefined) return sendOutcome(reply, seeOther(href(request)))
  const input = { ip: request.ip, userAgent: request.headers['user-agent'], locale: pageLocale(request) }
  return sendOutcome(reply, await beginAccountSignIn(request.latch, stepUp === undefined ? { ...input, returnTo: 'admin' } : { ...input, stepUp: 'admin' }))
}

async function overview(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  if (admin === null) return reply
  const links = (['clients', 'users', 'organizations', 'connections', 'keys', 'audit'] as const).map((id) => html`<li><a href="${href(request, `/${id}`)}">${m[id]}</a>: ${m.overviewLinks[id]}</li>`)
  return render(request, reply, admin, 'overview', m.title, html`<p>${m.intro}</p><ul class="rows">${links}</ul>`)
}

// --- Clients ---------------------------------------------------------------------------------

async function clientsPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, extra: { form?: ClientForm; secret?: { clientId: string; value: string }; notice?: Notice; status?: number } = {}): Promise<FastifyReply> {
  const clients = await listClients(scopeOf(request, admin))
  const content = clientsContent({
    clients, write: admin.write, csrf: admin.csrf, createAction: href(request, '/clients'), deleteAction: href(request, '/clients/delete'),
    form: extra.form ?? EMPTY_CLIENT_FORM, secret: extra.secret,
  })
  return render(request, reply, admin, 'clients', m.clients, content, extra.notice, extra.status)
}

async function showClients(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  return admin === null ? reply : clientsPage(request, reply, admin)
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')
}

async function createClientForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const form: ClientForm = {
    client_id: (params.client_id ?? '').trim(),
    client_name: (params.client_name ?? '').trim(),
    type: params.type === 'public' ? 'public' : 'confidential',
    redirect_uris: params.redirect_uris ?? '',
    grants: grantsOfForm(params),
    scope: (params.scope ?? '').trim(),
  }
  const entry: Record<string, unknown> = {
    client_id: form.client_id,
    ...(form.client_name !== '' && { client_name: form.client_name }),
    ...(form.type === 'public' && { token_endpoint_auth_method: 'none' }),
    redirect_uris: lines(form.redirect_uris),
    grant_types: form.grants,
    ...(form.scope !== '' && { scope: form.scope }),
  }
  const answer = await refusalOf(() => createClient(scopeOf(request, admin), entry))
  if ('refused' in answer) return clientsPage(request, reply, admin, { form, notice: answer.refused, status: answer.refused.status })
  const { client, secret } = answer.ok
  // The secret is on this answer only (no-store): a redirect would have to carry it in a URL.
  return clientsPage(request, reply, admin, { secret: secret === undefined ? undefined : { clientId: client.client_id, value: secret }, notice: { text: m.clientCreated(client.client_id) } })
}

async function deleteClientForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const clientId = params.client_id ?? ''
  if (params.confirm !== 'yes') {
    return render(request, reply, admin, 'clients', m.deleteClient(clientId), confirmContent({ question: m.confirmDeleteClient(clientId), action: href(request, '/clients/delete'), csrf: admin.csrf, fields: { client_id: clientId }, back: href(request, '/clients') }))
  }
  const answer = await refusalOf(() => deleteClient(scopeOf(request, admin), clientId))
  if ('refused' in answer) return clientsPage(request, reply, admin, { notice: answer.refused, status: answer.refused.status })
  return back(request, reply, '/clients', 'client_deleted')
}

// --- Users -----------------------------------------------------------------------------------

async function usersPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, search: string, extra: { form?: UserForm; notice?: Notice; status?: number } = {}): Promise<FastifyReply> {
  const all = await listUsers(scopeOf(request, admin))
  const needle = search.trim().toLowerCase()
  const matching = (needle === '' ? all : all.filter((u) => u.email.includes(needle))).sort((a, b) => a.email.localeCompare(b.email))
  const content = usersContent({
    users: matching.slice(0, USERS_SHOWN), total: all.length, search, searchAction: href(request, '/users'), userHref: (id) => href(request, `/users/${encodeURIComponent(id)}`),
    write: admin.write, csrf: admin.csrf, createAction: href(request, '/users'), form: extra.form ?? EMPTY_USER_FORM,
  })
  return render(request, reply, admin, 'users', m.users, content, extra.notice, extra.status)
}

async function showUsers(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  return admin === null ? reply : usersPage(request, reply, admin, single(request.query, 'email').slice(0, 254))
}

async function createUserForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const form: UserForm = { email: (params.email ?? '').trim(), name: (params.name ?? '').trim(), roles: (params.roles ?? '').trim(), email_verified: params.email_verified === 'yes' }
  const roles = form.roles.split(/[\s,]+/).filter((r) => r !== '')
  const password = params.password ?? ''
  const answer = await refusalOf(() => createUser(scopeOf(request, admin), {
    email: form.email,
    ...(form.name !== '' && { name: form.name }),
    ...(password !== '' && { password }),
    ...(roles.length > 0 && { roles }),
    email_verified: form.email_verified,
  }))
  if ('refused' in answer) return usersPage(request, reply, admin, '', { form, notice: answer.refused, status: answer.refused.status })
  return back(request, reply, `/users/${encodeURIComponent(answer.ok.id)}`, 'user_created')
}

/** The user a path names, or null (a 404 page sent). */
async function pathUser(request: FastifyRequest, reply: FastifyReply, admin: Admin) {
  const id = (request.params as { id: string }).id
  const user = id.length <= 64 ? await request.latch.store.users.getById(id) : null
  if (user === null) render(request, reply, admin, 'users', m.users, html`<p><a href="${href(request, '/users')}">${m.users}</a></p>`, { text: m.userNotFound, alert: true }, 404)
  return user
}

async function showUser(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  if (admin === null) return reply
  const user = await pathUser(request, reply, admin)
  return user === null ? reply : userPage(request, reply, admin, user)
}

async function userPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, user: UserRecord, refused?: { notice: Notice & { status: number }; roles: string }): Promise<FastifyReply> {
  const ctx = request.latch
  const [sessions, totp, passkeys] = await Promise.all([listUserSessions(scopeOf(request, admin), user.id), ctx.store.mfa.totp(user.id), ctx.store.passkeys.listForUser(user.id)])
  const base = `/users/${encodeURIComponent(user.id)}`
  return render(request, reply, admin, 'users', user.email, userContent({
    user, totp: totp !== null && totp.confirmed_at !== null, passkeys: passkeys.length, sessions, write: admin.write, csrf: admin.csrf,
    revokeAction: href(request, `${base}/sessions/revoke`), resetMfaAction: href(request, `${base}/reset-mfa`),
    rolesAction: href(request, `${base}/roles`), deleteAction: href(request, `${base}/delete`), roles: refused?.roles,
  }), refused?.notice, refused?.notice.status)
}

async function rolesForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const user = await pathUser(request, reply, admin)
  if (user === null) return reply
  const text = (params.roles ?? '').trim()
  const answer = await refusalOf(() => updateUser(scopeOf(request, admin), user.email, { roles: text.split(/[\s,]+/).filter((r) => r !== '') }))
  if ('refused' in answer) return userPage(request, reply, admin, user, { notice: answer.refused, roles: text })
  return back(request, reply, `/users/${encodeURIComponent(user.id)}`, 'roles_saved')
}

async function deleteUserForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const user = await pathUser(request, reply, admin)
  if (user === null) return reply
  const base = `/users/${encodeURIComponent(user.id)}`
  if (params.confirm !== 'yes') {
    return render(request, reply, admin, 'users', m.deleteUser, confirmContent({ question: m.confirmDeleteUser(user.email), action: href(request, `${base}/delete`), csrf: admin.csrf, fields: {}, back: href(request, base) }))
  }
  const answer = await refusalOf(() => deleteUser(scopeOf(request, admin), user.email))
  if ('refused' in answer) return userPage(request, reply, admin, user, { notice: answer.refused, roles: user.roles.join(' ') })
  return back(request, reply, '/users', 'user_deleted')
}

async function revokeSessionForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const user = await pathUser(request, reply, admin)
  if (user === null) return reply
  const answer = await refusalOf(() => endUserSession(scopeOf(request, admin), user.id, params.session ?? ''))
  return back(request, reply, `/users/${encodeURIComponent(user.id)}`, 'refused' in answer ? 'session_not_found' : 'session_revoked')
}

async function resetMfaForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const user = await pathUser(request, reply, admin)
  if (user === null) return reply
  const base = `/users/${encodeURIComponent(user.id)}`
  const passkeys = params.passkeys === 'yes'
  if (params.confirm !== 'yes') {
    return render(request, reply, admin, 'users', m.resetMfa, confirmContent({
      question: m.confirmResetMfa(user.email), action: href(request, `${base}/reset-mfa`), csrf: admin.csrf, fields: passkeys ? { passkeys: 'yes' } : {}, back: href(request, base),
    }))
  }
  const answer = await refusalOf(() => resetUserMfa(scopeOf(request, admin), user.email, { passkeys }))
  if ('refused' in answer) return render(request, reply, admin, 'users', user.email, html`<p><a href="${href(request, base)}">${user.email}</a></p>`, answer.refused, answer.refused.status)
  return back(request, reply, base, 'mfa_reset')
}

// --- Organizations and connections ----------------------------------------------------------

async function organizationsPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, extra: { form?: OrganizationForm; notice?: Notice; status?: number } = {}): Promise<FastifyReply> {
  const organizations = (await listOrganizations(scopeOf(request, admin))).sort((a, b) => a.id.localeCompare(b.id))
  return render(request, reply, admin, 'organizations', m.organizations, organizationsContent({
    organizations, write: admin.write, csrf: admin.csrf, createAction: href(request, '/organizations'), deleteAction: href(request, '/organizations/delete'), form: extra.form ?? EMPTY_ORGANIZATION_FORM,
  }), extra.notice, extra.status)
}

async function showOrganizations(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  return admin === null ? reply : organizationsPage(request, reply, admin)
}

async function createOrganizationForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const form: OrganizationForm = { id: (params.id ?? '').trim(), name: (params.name ?? '').trim(), domains: (params.domains ?? '').trim() }
  const domains = form.domains.split(/[\s,]+/).filter((d) => d !== '')
  const answer = await refusalOf(() => createOrganization(scopeOf(request, admin), { id: form.id, name: form.name, ...(domains.length > 0 && { domains }) }))
  if ('refused' in answer) return organizationsPage(request, reply, admin, { form, notice: answer.refused, status: answer.refused.status })
  return back(request, reply, '/organizations', 'organization_created')
}

async function deleteOrganizationForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const id = params.id ?? ''
  if (params.confirm !== 'yes') {
    return render(request, reply, admin, 'organizations', m.deleteOrganization(id), confirmContent({ question: m.confirmDeleteOrganization(id), action: href(request, '/organizations/delete'), csrf: admin.csrf, fields: { id }, back: href(request, '/organizations') }))
  }
  const answer = await refusalOf(() => deleteOrganization(scopeOf(request, admin), id))
  if ('refused' in answer) return organizationsPage(request, reply, admin, { notice: answer.refused, status: answer.refused.status })
  return back(request, reply, '/organizations', 'organization_deleted')
}

async function connectionsPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, notice?: Notice & { status: number }): Promise<FastifyReply> {
  const connections = (await listConnections(scopeOf(request, admin))).sort((a, b) => a.id.localeCompare(b.id))
  return render(request, reply, admin, 'connections', m.connections, connectionsContent({ connections, write: admin.write, csrf: admin.csrf, deleteAction: href(request, '/connections/delete') }), notice, notice?.status)
}

async function showConnections(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  return admin === null ? reply : connectionsPage(request, reply, admin)
}

async function deleteConnectionForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const id = params.id ?? ''
  if (params.confirm !== 'yes') {
    return render(request, reply, admin, 'connections', m.deleteConnection(id), confirmContent({ question: m.confirmDeleteConnection(id), action: href(request, '/connections/delete'), csrf: admin.csrf, fields: { id }, back: href(request, '/connections') }))
  }
  const answer = await refusalOf(() => deleteConnection(scopeOf(request, admin), id))
  if ('refused' in answer) return connectionsPage(request, reply, admin, answer.refused)
  return back(request, reply, '/connections', 'connection_deleted')
}

// --- Keys ------------------------------------------------------------------------------------

async function keysPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, notice?: Notice & { status: number }): Promise<FastifyReply> {
  const ctx = request.latch
  const now = ctx.clock.now()
  const keys = await ctx.store.keys.list(now)
  const signing = signingRecord(keys.filter((k) => k.companion_of === null), now)
  return render(request, reply, admin, 'keys', m.keys, keysContent({ keys, signing: signing?.kid ?? null, now, write: admin.write, csrf: admin.csrf, rotateAction: href(request, '/keys/rotate') }), notice, notice?.status)
}

async function showKeys(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  return admin === null ? reply : keysPage(request, reply, admin)
}

async function rotateKeysForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const immediately = params.immediately === 'yes'
  if (params.confirm !== 'yes') {
    return render(request, reply, admin, 'keys', m.rotate, confirmContent({
      question: immediately ? m.confirmRotateNow : m.confirmRotate, action: href(request, '/keys/rotate'), csrf: admin.csrf, fields: immediately ? { immediately: 'yes' } : {}, back: href(request, '/keys'),
    }))
  }
  const answer = await refusalOf(() => rotateKeys(scopeOf(request, admin), { immediately }))
  if ('refused' in answer) return keysPage(request, reply, admin, answer.refused)
  return back(request, reply, '/keys', 'keys_rotated')
}

// --- Audit log -------------------------------------------------------------------------------

/** The filter of the page's query, or the words of what is wrong with it. */
async function auditFilterOf(request: FastifyRequest, f: AuditFilters, cursor: string): Promise<AuditFilter | string> {
  const ctx = request.latch
  const filter: AuditFilter = { limit: AUDIT_PAGE }
  if (f.since !== '') {
    const ms = parseRelativeTime(f.since, Date.now())
    if (ms === null) return `${m.since}: must be ${RELATIVE_TIME_HINT}`
    filter.since = ms
  }
  if (f.type !== '') {
    const types = f.type.split(',').map((t) => t.trim()).filter((t) => t !== '')
    if (types.length > MAX_AUDIT_TYPES) return `${m.type}: at most ${MAX_AUDIT_TYPES}`
    const unknown = types.find((t) => !isAuditType(t))
    if (unknown !== undefined) return `${m.type}: no such event ${JSON.stringify(unknown.slice(0, 64))}`
    if (types.length > 0) filter.types = types
  }
  if (f.user !== '') Object.assign(filter, await auditUserFilter(ctx.store.users, tenantKeySecret(ctx.config.secret, ctx.tenant), f.user))
  if (f.outcome !== '') {
    if (f.outcome !== 'success' && f.outcome !== 'failure') return `${m.outcome}: must be success or failure`
    filter.outcome = f.outcome
  }
  if (cursor !== '') {
    if (!AUDIT_CURSOR.test(cursor)) return 'cursor: must be the one of the Older records link'
    filter.cursor = cursor
  }
  return filter
}

async function showAudit(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  if (admin === null) return reply
  const q = request.query
  const filters: AuditFilters = { type: single(q, 'type').slice(0, 2000), user: single(q, 'user').slice(0, 254), outcome: single(q, 'outcome').slice(0, 16), since: single(q, 'since').slice(0, 64) }
  const filter = await auditFilterOf(request, filters, single(q, 'cursor').slice(0, 64))
  const view = { action: href(request, '/audit'), filters, enabled: request.latch.config.audit.enabled }
  if (typeof filter === 'string') return render(request, reply, admin, 'audit', m.audit, auditContent({ ...view, records: [], older: null, emails: new Map() }), { text: filter, alert: true }, 400)
  const page = await request.latch.store.audit.list(filter)
  let older: string | null = null
  if (page.next !== null) {
    const next = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''))
    // A relative `since` made absolute, so that the pages of one walk agree.
    if (filter.since !== undefined) next.set('since', new Date(filter.since).toISOString())
    next.set('cursor', page.next)
    older = `${href(request, '/audit')}?${next.toString()}`
  }
  // At most two users a record, fifty records a page: a bounded number of lookups.
  const ids = new Set(page.records.flatMap((r) => [r.actor, r.subject].filter((p) => p?.type === 'user' && p.id !== null).map((p) => p!.id as string)))
  const users = await Promise.all([...ids].map((id) => request.latch.store.users.getById(id)))
  const emails = new Map(users.filter((u) => u !== null).map((u) => [u.id, u.email]))
  return render(request, reply, admin, 'audit', m.audit, auditContent({ ...view, records: page.records, older, emails }))
}

export const consoleEndpoint: FastifyPluginAsync = async function consoleEndpoint(app) {
  const page = { config: { channel: 'html' } } as const
  const form = { config: { channel: 'html' }, preValidation: requireFormBody } as const
  const at = (path = '') => `${PATHS.console}${path}`
  app.get(at(), page, overview)
  app.post(at('/sign-in'), form, signIn)
  app.get(at('/clients'), page, showClients)
  app.post(at('/clients'), form, createClientForm)
  app.post(at('/clients/delete'), form, deleteClientForm)
  app.get(at('/users'), page, showUsers)
  app.post(at('/users'), form, createUserForm)
  app.get(at('/users/:id'), page, showUser)
  app.post(at('/users/:id/sessions/revoke'), form, revokeSessionForm)
  app.post(at('/users/:id/reset-mfa'), form, resetMfaForm)
  app.post(at('/users/:id/roles'), form, rolesForm)
  app.post(at('/users/:id/delete'), form, deleteUserForm)
  app.get(at('/organizations'), page, showOrganizations)
  app.post(at('/organizations'), form, createOrganizationForm)
  app.post(at('/organizations/delete'), form, deleteOrganizationForm)
  app.get(at('/connections'), page, showConnections)
  app.post(at('/connections/delete'), form, deleteConnectionForm)
  app.get(at('/keys'), page, showKeys)
  app.post(at('/keys/rotate'), form, rotateKeysForm)
  app.get(at('/audit'), page, showAudit)
}
