/**
 * Issue 14: the admin console (`<issuer>/admin`, README "Admin console"), HTTP only (its pages in
 * endpoints/console/, what they share in console/page.ts): server-rendered
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
 *   `POST /admin/users/:id/sessions/revoke`, `POST /admin/users/:id/sessions/end-all`, `POST /admin/users/:id/reset-mfa`,
 *   `POST /admin/users/:id/roles`, `POST /admin/users/:id/delete`, `POST /admin/users/:id/disable|enable`;
 * - `GET /admin/organizations`, `POST /admin/organizations`, `POST /admin/organizations/delete`;
 * - `GET /admin/connections`, `POST /admin/connections/delete`;
 * - `GET /admin/keys`, `POST /admin/keys/rotate`;
 * - `GET /admin/audit?type=&user=&outcome=&since=&cursor=`.
 * A refused change (the config file's rules, a taken id) is the page again with its alert (400, 404,
 * 409), the form's values kept; a success is a 303 to the page with `?notice=`.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { beginAccountSignIn } from '../interaction/account-kind.js'
import { stepUpReturn } from '../interaction/account-strength.js'
import { seeOther } from '../interaction/outcome.js'
import { CONSOLE_MESSAGES as m } from '../interaction/views/console-messages.js'
import { html } from '../interaction/views/layout.js'
import { requireFormBody } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { sessionOf } from './_pipeline/session-cookie.js'
import { href, gate, formParams, render } from './console/page.js'
import { showClients, createClientForm, deleteClientForm } from './console/clients.js'
import { showUsers, createUserForm, showUser, rolesForm, deleteUserForm, disableUserForm, enableUserForm, revokeSessionForm, endSessionsForm, resetMfaForm } from './console/users.js'
import { showOrganizations, createOrganizationForm, deleteOrganizationForm, showConnections, deleteConnectionForm } from './console/organizations.js'
import { showKeys, rotateKeysForm } from './console/keys.js'
import { showAudit } from './console/audit.js'

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
  app.post(at('/users/:id/sessions/end-all'), form, endSessionsForm)
  app.post(at('/users/:id/reset-mfa'), form, resetMfaForm)
  app.post(at('/users/:id/roles'), form, rolesForm)
  app.post(at('/users/:id/delete'), form, deleteUserForm)
  app.post(at('/users/:id/disable'), form, disableUserForm)
  app.post(at('/users/:id/enable'), form, enableUserForm)
  app.get(at('/organizations'), page, showOrganizations)
  app.post(at('/organizations'), form, createOrganizationForm)
  app.post(at('/organizations/delete'), form, deleteOrganizationForm)
  app.get(at('/connections'), page, showConnections)
  app.post(at('/connections/delete'), form, deleteConnectionForm)
  app.get(at('/keys'), page, showKeys)
  app.post(at('/keys/rotate'), form, rotateKeysForm)
  app.get(at('/audit'), page, showAudit)
}
