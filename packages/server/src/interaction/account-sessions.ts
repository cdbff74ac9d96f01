/**
 * Issue 13, the account page's "Active sessions": the user's live sessions (at most
 * `SESSIONS_SHOWN`, newest first), and **Sign out** of one of them by its id (`sid`), which ends it
 * as a logout does: what was issued within it is revoked (`offline_access` kept, OIDC Core §11) and
 * its clients get a back-channel logout token (`store.sessions.endById`, in one transaction; the
 * `session.ended` event wakes the delivery queue). Only the user's own sessions: another user's
 * id, or this browser's own session (its way out is **Sign out**), ends nothing.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 */
import type { LatchContext } from '../context.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import type { SessionRecord } from '../storage/store.js'

export const SESSIONS_SHOWN = 50

/** A session id as `randomId` makes them (UUID); anything else names no session. */
const SESSION_ID = /^[0-9a-f-]{36}$/

export function listSessions(ctx: LatchContext, active: ActiveSession): Promise<SessionRecord[]> {
  return ctx.store.sessions.listForUser(active.user.id, ctx.clock.now(), SESSIONS_SHOWN)
}

export async function endOtherSession(ctx: LatchContext, active: ActiveSession, id: string | undefined): Promise<'session_ended' | 'session_not_found'> {
  if (id === undefined || !SESSION_ID.test(id) || id === active.session.id) return 'session_not_found'
  const ended = await ctx.store.sessions.endById(id, active.user.id, ctx.clock.now())
  if (ended === null) return 'session_not_found'
  ctx.events.emit('session.ended', { session_id: ended.id, user_id: ended.user_id, reason: 'account_page' })
  return 'session_ended'
}
