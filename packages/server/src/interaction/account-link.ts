/**
 * Issue 12: linking an upstream account from the account page (`purpose=link`), kept apart from
 * signing in (interaction/federated-sign-in.ts, whose callback hands a `link` login over to
 * `finishAccountLink`). The start is a link of the account page carrying its CSRF token (checked by
 * the endpoint), needs the browser's current session signed in at most `LINK_MAX_AUTH_AGE` ago
 * (else the account page asks to sign in again), and records the upstream login with that
 * user and session; the callback must come back to the same browser (state and `latch_upstream`
 * cookie, as for sign-in) **and** the same session, then links the identity to that user
 * (`identities.link`: `taken` when it is another user's, and nothing changes). No email rule
 * applies: the signed-in user proves the upstream account is theirs by signing in to it. An
 * organization's connection is not linked by hand (home-realm discovery reaches it).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
import type { ResolvedConnection } from '../config/schema.js'
import { authorizationUrl, completeUpstream } from '../connections/upstream.js'
import { scrubUpstreamError, UpstreamError } from '../connections/upstream-error.js'
import { PATHS, type LatchContext } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { startUpstreamLogin } from '../federation/upstream-login.js'
import { currentSession, type CookieChange, type CookieJar } from '../sessions/idp-session.js'
import type { UpstreamLoginRecord } from '../storage/store.js'
import { seeOther, type Outcome } from './outcome.js'
import { CONNECTION_ID } from '../rules/connection-presets.js'

const UNKNOWN_LINK = 'This linking attempt has expired, was already used, or was started in another browser or session. Start again from your account page.'

/**
 * Review L1: starting a link needs a sign-in at most this many seconds old. A link is permanent
 * and signs in as the user from then on, so a few minutes at someone else's unlocked browser must
 * not be enough to add one's own upstream account; 10 minutes leaves time to sign in and click.
 */
export const LINK_MAX_AUTH_AGE = 600

function toAccount(ctx: LatchContext, notice: 'linked' | 'taken' | 'link_failed' | 'reauth_needed'): Outcome {
  return seeOther(`${ctx.urls.issuer}${PATHS.account}?notice=${notice}`)
}

/** An enabled connection that is not an organization's, with its secrets; else an error page. */
async function linkableConnection(ctx: LatchContext, id: string): Promise<ResolvedConnection> {
  const registered = CONNECTION_ID.test(id) ? (await ctx.connections.list()).find((c) => c.id === id) : undefined
  const connection = registered !== undefined && registered.organization_id === null ? await ctx.connections.resolve(id) : null
  if (connection === null) throw new InvalidRequestError('This account cannot be linked here.')
  return connection
}

/** `GET /connections/:id/start?purpose=link&csrf=…` (CSRF checked by the endpoint): to the upstream. */
export async function startAccountLink(ctx: LatchContext, connectionId: string, cookies: CookieJar): Promise<{ cookies: CookieChange[]; outcome: Outcome }> {
  const active = await currentSession(ctx, cookies)
  // The account page says "You are not signed in".
  if (active === null) return { cookies: [], outcome: seeOther(`${ctx.urls.issuer}${PATHS.account}`) }
  if (ctx.clock.now() - active.session.auth_time > LINK_MAX_AUTH_AGE) return { cookies: [], outcome: toAccount(ctx, 'reauth_needed') }
  const connection = await linkableConnection(ctx, connectionId)
  try {
    const as = await ctx.connections.metadata(connection)
    const started = await startUpstreamLogin(ctx, cookies, { connection_id: connection.id, purpose: 'link', interaction_id: null, user_id: active.user.id, session_id: active.session.id })
    return { cookies: [started.cookie], outcome: seeOther((await authorizationUrl(connection, as, started)).href) }
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error
    ctx.log.warn({ connection: connection.id, err: scrubUpstreamError(error) }, 'upstream link failed')
    ctx.events.emit('upstream_login.failed', { connection_id: connection.id, reason: error.reason })
    return { cookies: [], outcome: toAccount(ctx, 'link_failed') }
  }
}

/** The callback of a `link` login (already taken by state and browser): linked, taken, or failed, back on the account page. */
export async function finishAccountLink(
  ctx: LatchContext,
  taken: { login: UpstreamLoginRecord; codeVerifier: string; nonce: string; redirectUri: string },
  state: string,
  callback: URLSearchParams,
  cookies: CookieJar,
): Promise<{ cookies: CookieChange[]; outcome: Outcome }> {
  const active = await currentSession(ctx, cookies)
  if (active === null || active.session.id !== taken.login.session_id || active.user.id !== taken.login.user_id) {
    ctx.events.emit('upstream_login.failed', { connection_id: taken.login.connection_id, reason: 'unknown_state' })
    throw new InvalidRequestError(UNKNOWN_LINK)
  }
  const connection = await linkableConnection(ctx, taken.login.connection_id)
  let profile
  try {
    const as = await ctx.connections.metadata(connection)
    profile = await completeUpstream(ctx.connections, connection, as, callback, { state, codeVerifier: taken.codeVerifier, nonce: taken.nonce, redirectUri: taken.redirectUri })
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error
    ctx.log.warn({ connection: connection.id, err: scrubUpstreamError(error) }, 'upstream link failed')
    ctx.events.emit('upstream_login.failed', { connection_id: connection.id, reason: error.reason })
    return { cookies: [], outcome: toAccount(ctx, 'link_failed') }
  }
  const result = await ctx.store.identities.link(
    { connection_id: connection.id, subject: profile.subject, user_id: active.user.id, email: profile.email, email_verified: profile.email_verified },
    ctx.clock.now(),
  )
  if (result === 'linked') ctx.events.emit('identity.linked', { user_id: active.user.id, connection_id: connection.id, reason: 'account_page' })
  return { cookies: [], outcome: toAccount(ctx, result) }
}
