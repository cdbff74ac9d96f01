/**
 * RP-Initiated Logout (OpenID Connect RP-Initiated Logout 1.0): GET or form POST to
 * `end_session_endpoint` with `id_token_hint`, `post_logout_redirect_uri`, `state`, `client_id`
 * (§2); `logout_hint` is accepted and ignored; `ui_locales` (in the query) picks the page language.
 *
 * Rules:
 * - `id_token_hint` must be an ID token this issuer signed (signature, `iss`, `typ: JWT`); an
 *   expired one is still a fine hint (§2: the OP need not reject it), so after jose reports only
 *   `exp` it is re-verified as of its own `iat`. A hint that fails is an error page;
 * - the client is the hint's `aud` or `client_id`; when both are sent they must agree;
 * - `post_logout_redirect_uri` must exactly match one of that client's registered URIs (§3);
 *   without an identifiable client it is an error page: Latch never redirects to an unverified URI;
 * - silent logout when the hint belongs to the current session: its `sub` is the signed-in user
 *   and its `sid` is this browser's session (§2: the OP "MUST ask the End-User" when the ID Token
 *   "does not belong to the current OP session with the RP and/or currently logged in End-User";
 *   a hint of an older session, or one without `sid`, does not show that), or on GET when nobody
 *   is signed in. Otherwise a confirmation page
 *   with a **Sign out** button, a same-site POST carrying a CSRF token. A cross-site POST never
 *   signs out silently: the SameSite=Lax session cookie is not sent on it, so "no session" there
 *   is unknowable and the confirmation page (whose POST does carry the cookie) is shown instead;
 * - signing out ends the session and revokes what was issued within it, except grants with
 *   `offline_access` (`store.sessions.end`, OIDC Core §11);
 * - after signing out: 303 to `post_logout_redirect_uri` with `state` appended, or a
 *   "You are signed out" page;
 * - issue 12, federated logout: a session signed in through a connection with `federated_logout`
 *   goes first to the upstream's `end_session_endpoint` (after Latch's session has ended), which
 *   sends the browser back to `/connections/<id>/logged-out` (endpoints/federated-logout.ts) and on
 *   to the same place (federation/upstream-logout.ts).
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#OPLogout
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
 */
import { shownUser } from '../rules/placeholder-email.js'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { JWTPayload } from 'jose'
import { verifyIdTokenHint } from '../tokens/id-token-hint.js'
import { upstreamLogoutEndpoint, upstreamLogoutUrl, upstreamSessionOf } from '../federation/upstream-logout.js'
import { PATHS, type LatchContext } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { html, page } from '../interaction/views/layout.js'
import { messagesFor } from '../interaction/views/locales.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { endSession, sessionCookieCleared, type ActiveSession } from '../sessions/idp-session.js'
import type { ClientRecord } from '../storage/store.js'
import { isRegisteredPostLogoutRedirectUri } from '../rules/redirect-uri.js'
import { CSRF_FIELD, csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { applyCookies, sessionOf } from './_pipeline/session-cookie.js'
import { noteWayBack } from './_pipeline/way-back.js'
import { pageLook } from './_pipeline/page-look.js'

interface LogoutRequest {
  client: ClientRecord | null
  hint: JWTPayload | null
  redirectUri: string | null
  state: string | undefined
}

/** Marks the POST of the confirmation form (as opposed to an RP's form-serialized request). */
const CONFIRM_FIELD = 'confirm'
async function parseLogoutRequest(ctx: LatchContext, request: FastifyRequest, params: Record<string, string>): Promise<LogoutRequest> {
  const hint = params.id_token_hint === undefined ? null : await verifyIdTokenHint(ctx, params.id_token_hint)
  let clientId = params.client_id
  if (hint) {
    const aud = Array.isArray(hint.aud) ? hint.aud : hint.aud === undefined ? [] : [hint.aud]
    if (clientId !== undefined && !aud.includes(clientId)) throw new InvalidRequestError('client_id does not match the audience of id_token_hint')
    if (clientId === undefined && aud.length === 1) clientId = aud[0]
  }
  const client = clientId === undefined ? null : await ctx.clients.get(clientId)
  if (params.client_id !== undefined && !client) throw new InvalidRequestError('client_id names no known client')
  if (client) noteWayBack(request, client)
  const uri = params.post_logout_redirect_uri
  if (uri !== undefined) {
    if (!client) throw new InvalidRequestError('post_logout_redirect_uri needs an id_token_hint or client_id that identifies the client')
    if (!isRegisteredPostLogoutRedirectUri(client, uri)) {
      throw new InvalidRequestError('post_logout_redirect_uri is not registered for this client')
    }
  }
  return { client, hint, redirectUri: uri ?? null, state: params.state }
}

/** Where Latch's logout ends: 303 to the verified `post_logout_redirect_uri` with `state`, or the signed-out page. */
export function signedOut(reply: FastifyReply, logout: Pick<LogoutRequest, 'redirectUri' | 'state'>): FastifyReply {
  if (logout.redirectUri !== null) {
    // Append by hand: re-serializing through URLSearchParams would alter the registered query.
    const url = new URL(logout.redirectUri)
    if (logout.state !== undefined) url.search = `${url.search || '?'}${url.search ? '&' : ''}state=${encodeURIComponent(logout.state)}`
    return reply.redirect(url.href, 303)
  }
  const locale = pageLocale(reply.request)
  const look = pageLook(reply.request)
  const m = messagesFor(locale, look).signOut
  return reply
    .type('text/html; charset=utf-8')
    .send(page(m.doneTitle, html`<h1>${m.doneHeading}</h1>\n<p>${m.doneText}</p>`, locale, look))
}

function confirmationPage(ctx: LatchContext, request: FastifyRequest, reply: FastifyReply, logout: LogoutRequest, active: ActiveSession | null): FastifyReply {
  const fields: [string, string | undefined][] = [
    [CSRF_FIELD, csrfToken(ctx, request, reply)],
    [CONFIRM_FIELD, 'yes'],
    ['client_id', logout.client?.client_id],
    ['post_logout_redirect_uri', logout.redirectUri ?? undefined],
    ['state', logout.state],
  ]
  const hidden = fields.filter(([, v]) => v !== undefined).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">\n`)
  const locale = pageLocale(request)
  const look = pageLook(request)
  const m = messagesFor(locale, look).signOut
  const body = html`<h1>${m.title}</h1>
<p>${active ? html`${m.questionAs[0]}<strong>${shownUser(active.user)}</strong>${m.questionAs[1]}` : m.question}</p>
${logout.client ? html`<p class="muted">${m.requestedBy(logout.client.client_name)}</p>` : ''}
<form method="post" action="${ctx.urls.end_session}">
${hidden}<button type="submit">${m.submit}</button>
</form>`
  return reply.type('text/html; charset=utf-8').send(page(m.title, body, locale, look))
}

export const endSessionEndpoint: FastifyPluginAsync = async (app) => {
  async function endSessionRequest(request: FastifyRequest, reply: FastifyReply, raw: RawParams) {
    const ctx = request.latch
    const params = rejectDuplicateParams(raw)
    const confirmed = request.method === 'POST' && params[CONFIRM_FIELD] !== undefined
    if (confirmed) verifyCsrf(ctx, request, params)
    const logout = await parseLogoutRequest(ctx, request, params)
    const active = await sessionOf(request)
    // Issue 12, federated logout: read before the session ends (the row goes with it).
    const upstream = active === null ? null : await upstreamSessionOf(ctx, active.session.id)
    const silent =
      confirmed ||
      (active === null && request.method === 'GET') ||
      (active !== null && logout.hint !== null && logout.hint.sub === active.user.id && logout.hint.sid === active.session.id)
    if (!silent) {
      // The confirmation's submission may be redirected on to the upstream's logout: CSP form-action covers the whole chain.
      const upstreamTarget = upstream === null ? null : await upstreamLogoutEndpoint(ctx, upstream)
      securityHeaders(reply, [logout.redirectUri, upstreamTarget].filter((t): t is string => t !== null), pageLook(request))
      return confirmationPage(ctx, request, reply, logout, active)
    }
    securityHeaders(reply, logout.redirectUri ? [logout.redirectUri] : [], pageLook(request))
    applyCookies(reply, [sessionCookieCleared(ctx)])
    await endSession(ctx, request.cookies)
    if (upstream !== null) {
      const destination = { client_id: logout.client?.client_id ?? null, redirect_uri: logout.redirectUri, state: logout.state ?? null }
      const url = await upstreamLogoutUrl(ctx, upstream, destination)
      if (url !== null) return reply.redirect(url.href, 303)
    }
    return signedOut(reply, logout)
  }
  function endSessionByQuery(request: FastifyRequest, reply: FastifyReply) {
    return endSessionRequest(request, reply, request.query as RawParams)
  }
  function endSessionByForm(request: FastifyRequest, reply: FastifyReply) {
    return endSessionRequest(request, reply, request.body as RawParams)
  }
  app.get(PATHS.end_session, { config: { channel: 'html' } }, endSessionByQuery)
  app.post(PATHS.end_session, { config: { channel: 'html' }, preValidation: requireFormBody }, endSessionByForm)
}
