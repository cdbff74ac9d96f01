/**
 * Issue 14: a user's IdP sessions, as an administrator sees and ends them (admin API, console). Ending
 * one has the effects of a logout (`store.sessions.endById`): what was issued within it is revoked,
 * `offline_access` kept, back-channel logout queued for its clients.
 */
import type { SessionRecord } from '../storage/store.js'
import { recordAdminChange } from './admin-change.js'
import { ManagementError, type ManagementScope } from './scope.js'

/** The most sessions listed for one user (newest first); a user rarely has more live at once. */
export const USER_SESSIONS_MAX = 200

/** The user's live sessions, newest first, at most `USER_SESSIONS_MAX`; `not_found` for no such user. */
export async function listUserSessions(scope: ManagementScope, userId: string): Promise<SessionRecord[]> {
  const { store, clock } = scope
  if (!(await store.users.getById(userId))) throw new ManagementError('not_found', 'user', `no user with id ${userId}`)
  return store.sessions.listForUser(userId, clock.now(), USER_SESSIONS_MAX)
}

/** Ends the user's live session `sessionId`; `not_found` when the user has no such live session. */
export async function endUserSession(scope: ManagementScope, userId: string, sessionId: string): Promise<SessionRecord> {
  const ended = await scope.store.sessions.endById(sessionId, userId, scope.clock.now())
  if (!ended) throw new ManagementError('not_found', 'session', `user ${userId} has no live session ${sessionId}`)
  await recordAdminChange(scope, {
    type: 'admin.session.revoked', subject: { type: 'session', id: ended.id },
    before: { id: ended.id, user_id: ended.user_id, created_at: ended.created_at, expires_at: ended.expires_at }, after: null,
  })
  return ended
}
