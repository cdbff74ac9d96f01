/**
 * Issue 12: the account page, HTTP only. `GET /account` shows the signed-in user's linked upstream
 * accounts (or a "You are not signed in" page: the account page has no sign-in of its own, the
 * session comes from signing in to any application); `POST /account/unlink` (CSRF) unlinks one
 * and comes back with `?notice=`. Linking goes through `GET /connections/:id/start?purpose=link&csrf=…`
 * (endpoints/connections.ts), a link rather than a form: the redirect to the upstream's origin is
 * then no form submission, which CSP `form-action` would restrict.
 */
import { shownUser } from '../rules/placeholder-email.js'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { connectionSettingsOf } from '../connections/records.js'
import { unlinkIdentity } from '../federation/unlink.js'
import { seeOther } from '../interaction/outcome.js'
import { accountPage, isAccountNotice, notSignedInPage } from '../interaction/views/account.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { pageLook } from './_pipeline/page-look.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { sessionOf } from './_pipeline/session-cookie.js'
import { CONNECTION_ID } from '../rules/connection-presets.js'

function send(reply: FastifyReply, status: number, body: string): FastifyReply {
  return securityHeaders(reply, [], pageLook(reply.request)).status(status).type('text/html; charset=utf-8').send(body)
}

/** The start of linking `connectionId` to the signed-in user (the CSRF token binds it to this browser's page). */
export function linkStartUrl(issuer: string, connectionId: string, csrf: string): string {
  return `${issuer}${PATHS.connections}/${encodeURIComponent(connectionId)}/start?${new URLSearchParams({ purpose: 'link', csrf }).toString()}`
}

async function showAccount(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const locale = pageLocale(request)
  const look = pageLook(request)
  const active = await sessionOf(request)
  if (active === null) return send(reply, 200, notSignedInPage(locale, look))
  const [identities, connections] = await Promise.all([ctx.store.identities.listForUser(active.user.id), ctx.store.connections.list()])
  const names = new Map(connections.map((c) => [c.id, c.display_name]))
  const linked = new Set(identities.map((i) => i.connection_id))
  const csrf = csrfToken(ctx, request, reply)
  const notice = (request.query as RawParams).notice
  return send(reply, 200, accountPage({
    email: shownUser(active.user),
    csrf,
    unlinkAction: `${ctx.urls.issuer}${PATHS.account}/unlink`,
    identities: identities.map((i) => ({ connectionId: i.connection_id, name: names.get(i.connection_id) ?? i.connection_id, email: i.email, linkedAt: i.created_at })),
    // An organization's connection is reached through home-realm discovery, not linked by hand.
    linkable: connections
      .filter((c) => c.organization_id === null && connectionSettingsOf(c).enabled === true && !linked.has(c.id))
      .map((c) => ({ name: c.display_name, type: c.type, href: linkStartUrl(ctx.urls.issuer, c.id, csrf) })),
    notice: isAccountNotice(notice) ? notice : undefined,
    changeEmailHref: `${ctx.urls.issuer}${PATHS.account}/email`,
  }, locale, look))
}

async function unlink(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const active = await sessionOf(request)
  if (active === null) return send(reply, 401, notSignedInPage(pageLocale(request), pageLook(request)))
  const connection = params.connection ?? ''
  const result = CONNECTION_ID.test(connection) ? await unlinkIdentity(ctx, active.user.id, connection) : 'not_linked'
  return sendOutcome(reply, seeOther(`${ctx.urls.issuer}${PATHS.account}?notice=${result}`))
}

export const accountEndpoint: FastifyPluginAsync = async function accountEndpoint(app) {
  app.get(PATHS.account, { config: { channel: 'html' } }, showAccount)
  app.post(`${PATHS.account}/unlink`, { config: { channel: 'html' }, preValidation: requireFormBody }, unlink)
}
