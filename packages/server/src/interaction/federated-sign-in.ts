/**
 * Issue 12: signing in to an interaction through a connection (an upstream identity provider),
 * without HTTP: `endpoints/connections.ts` calls these, sets the cookies they return and sends the
 * outcome. The start records the upstream login and redirects to the upstream; the callback takes
 * it back (once, in the browser that started it), runs every check of the upstream's answer,
 * finds or creates the user, and then continues exactly as a password sign-in does
 * (`completeSignIn`): organization step, consent, code. An upstream that fails or refuses sends the
 * user back to the sign-in page with a notice; an unknown, replayed or foreign `state` is an error
 * page, with no session.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
import type { ResolvedConnection } from '../config/schema.js'
import { authorizationUrl, completeUpstream } from '../connections/upstream.js'
import { scrubUpstreamError, UpstreamError } from '../connections/upstream-error.js'
import type { LatchContext } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { resolveUpstreamUser } from '../federation/resolve-user.js'
import { joinThroughConnection, requiredConnectionRefusal } from '../federation/organization-rules.js'
import { callbackParamsOf, startUpstreamLogin, takeUpstreamLogin } from '../federation/upstream-login.js'
import { rememberUpstreamSession } from '../federation/upstream-logout.js'
import { finishAccountLink } from './account-link.js'
import { federatedAmr } from '../rules/amr.js'
import type { CookieChange, CookieJar } from '../sessions/idp-session.js'
import type { AuthorizationRequest } from './authorization-request.js'
import { seeOther, type Outcome } from './outcome.js'
import { canProveFreshness, requiredAuthAge } from './fresh-sign-in.js'
import { completeSignIn, loadInteraction, type LoadedInteraction } from './pages.js'
import { CONNECTION_ID } from '../rules/connection-presets.js'

/** The sign-in page's notices (interaction/views: `login.notices`); unknown values are ignored there. */
export type LoginNotice = 'connection_cancelled' | 'connection_failed' | 'connection_unavailable' | 'account_unusable' | 'connection_required'

const NOTICE_OF = { cancelled: 'connection_cancelled', invalid_response: 'connection_failed', unavailable: 'connection_unavailable' } as const

export interface FederatedStep {
  cookies: CookieChange[]
  outcome: Outcome
}

const UNKNOWN_STATE = 'This sign-in attempt has expired, was already used, or was started in another browser. Start again from the application.'

function backToSignIn(ctx: LatchContext, interactionId: string, connectionId: string, notice: LoginNotice): Outcome {
  return seeOther(`${ctx.urls.interaction}/${interactionId}?notice=${notice}&connection=${encodeURIComponent(connectionId)}`)
}

async function enabledConnection(ctx: LatchContext, id: string): Promise<ResolvedConnection> {
  const connection = CONNECTION_ID.test(id) ? await ctx.connections.resolve(id) : null
  if (connection === null) throw new InvalidRequestError('This way of signing in is not available.')
  return connection
}

function failed(ctx: LatchContext, connectionId: string, error: UpstreamError): void {
  ctx.log.warn({ connection: connectionId, err: scrubUpstreamError(error) }, 'upstream sign-in failed')
  ctx.events.emit('upstream_login.failed', { connection_id: connectionId, reason: error.reason })
}

/** `GET /connections/:id/start?interaction=…`: to the upstream, or back to the sign-in page when it cannot be reached. */
export async function startFederatedSignIn(
  ctx: LatchContext,
  connectionId: string,
  interactionId: string | undefined,
  cookies: CookieJar,
  /** Issue 12: the email home-realm discovery was given (else the application's `login_hint`). */
  loginHint?: string,
): Promise<FederatedStep> {
  const l = await loadInteraction(ctx, interactionId ?? '')
  const connection = await enabledConnection(ctx, connectionId)
  // Not offered on the page for such a request; a start URL made by hand gets the same answer.
  if (!canProveFreshness(connection.protocol, requiredAuthAge(l.interaction))) {
    failed(ctx, connection.id, new UpstreamError('invalid_response', 'the application asked for a recent sign-in, which this upstream cannot prove'))
    return { cookies: [], outcome: backToSignIn(ctx, l.interaction.id, connection.id, 'connection_failed') }
  }
  try {
    const as = await ctx.connections.metadata(connection)
    const started = await startUpstreamLogin(ctx, cookies, { connection_id: connection.id, purpose: 'sign_in', interaction_id: l.interaction.id, user_id: null, session_id: null })
    const request = l.interaction.kind === 'authorization' ? (l.interaction.params as unknown as Partial<AuthorizationRequest>) : {}
    const url = await authorizationUrl(connection, as, {
      ...started,
      loginHint: loginHint ?? request.login_hint,
      // The application asked for a fresh sign-in: the upstream must not answer from its own session.
      prompt: request.prompt?.includes('login') ? 'login' : undefined,
      maxAge: request.max_age,
      uiLocales: request.ui_locales?.join(' '),
    })
    return { cookies: [started.cookie], outcome: seeOther(url.href) }
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error
    failed(ctx, connection.id, error)
    return { cookies: [], outcome: backToSignIn(ctx, l.interaction.id, connection.id, 'connection_unavailable') }
  }
}

/** The callback (query, or a form_post stashed and taken back by the browser's GET): the user signed in, or back with a notice. */
export async function finishFederatedSignIn(ctx: LatchContext, connectionId: string, params: URLSearchParams, cookies: CookieJar): Promise<FederatedStep> {
  const taken = await takeUpstreamLogin(ctx, params.get('state') ?? undefined, cookies)
  const callback = taken === null ? null : callbackParamsOf(taken.login, params)
  // Issue 12: a link started on the account page (interaction/account-link.ts).
  if (taken !== null && callback !== null && taken.login.purpose === 'link' && taken.login.connection_id === connectionId) {
    return finishAccountLink(ctx, taken, params.get('state')!, callback, cookies)
  }
  if (taken === null || callback === null || taken.login.connection_id !== connectionId || taken.login.purpose !== 'sign_in' || taken.login.interaction_id === null) {
    ctx.events.emit('upstream_login.failed', { connection_id: connectionId.slice(0, 64), reason: 'unknown_state' })
    throw new InvalidRequestError(UNKNOWN_STATE)
  }
  const l: LoadedInteraction = await loadInteraction(ctx, taken.login.interaction_id)
  const connection = await enabledConnection(ctx, connectionId)
  const interactionId = l.interaction.id
  let profile
  try {
    const as = await ctx.connections.metadata(connection)
    profile = await completeUpstream(ctx.connections, connection, as, callback, {
      state: params.get('state')!,
      codeVerifier: taken.codeVerifier,
      nonce: taken.nonce,
      redirectUri: taken.redirectUri,
      maxAge: requiredAuthAge(l.interaction),
    })
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error
    failed(ctx, connection.id, error)
    return { cookies: [], outcome: backToSignIn(ctx, interactionId, connection.id, NOTICE_OF[error.reason]) }
  }
  // Issue 12: an email of a domain whose organization requires its own connection is refused before any user is linked or created.
  const byDomain = await requiredConnectionRefusal(ctx, connection.id, { email: profile.email })
  if (byDomain !== null) {
    ctx.events.emit('upstream_login.failed', { connection_id: connection.id, reason: 'refused' })
    return { cookies: [], outcome: backToSignIn(ctx, interactionId, byDomain.connection.id, byDomain.notice) }
  }
  const resolved = await resolveUpstreamUser(ctx, connection, profile)
  if (resolved.type === 'refused') {
    ctx.events.emit('upstream_login.failed', { connection_id: connection.id, reason: 'refused' })
    return { cookies: [], outcome: backToSignIn(ctx, interactionId, connection.id, resolved.notice) }
  }
  // Issue 12: a user whose organization requires its own connection may not sign in through another (the notice names the required one).
  const refusal = await requiredConnectionRefusal(ctx, connection.id, { email: resolved.user.email, userId: resolved.user.id })
  if (refusal !== null) {
    ctx.events.emit('upstream_login.failed', { connection_id: connection.id, reason: 'refused' })
    return { cookies: [], outcome: backToSignIn(ctx, interactionId, refusal.connection.id, refusal.notice) }
  }
  // Issue 12: signing in through an organization's connection makes the user its member (before
  // completeSignIn, whose email-domain join would otherwise record the other reason).
  const organization_id = (await ctx.connections.list()).find((c) => c.id === connection.id)?.organization_id ?? null
  await joinThroughConnection(ctx, { organization_id }, resolved.user)
  const done = await completeSignIn(ctx, l, resolved.user, federatedAmr(profile.amr), cookies, profile.auth_time)
  if (done === null) return { cookies: [], outcome: backToSignIn(ctx, interactionId, connection.id, 'connection_failed') }
  // Issue 12, federated logout: Latch's logout of this session will end the upstream's too.
  // Issue 13: with a second factor due there is no session yet (`session: null`), so nothing to log out of upstream from.
  if (profile.id_token !== undefined && done.session !== null) await rememberUpstreamSession(ctx, connection, done.session, profile.id_token)
  return { cookies: done.cookies, outcome: done.outcome }
}
