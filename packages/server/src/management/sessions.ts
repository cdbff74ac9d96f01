/**
 * Issue 14: a user's IdP sessions, as an administrator sees and ends them (the console's user page;
 * the admin API's `/users/{id}/sessions`). Ending one is what a logout does, in one transaction
 * (`store.sessions.endById`): what was issued within it is revoked (`offline_access` kept, OIDC
 * Core §11) and its clients' back-channel logout tokens are queued. Recorded as
 * `admin.session.revoked`, subject the session (`sid`), the user and sign-in facts before.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 */
import type { SessionRecord } from '../storage/store.js'
import { recordAdminChange } from './admin-change.js'
import { ManagementError, type ManagementScope } from './scope.js'

/** The most sessions listed for one user (a user has few; the account page shows as many). */
export const USER_SESSIONS_MAX = 200

/** A session id as `randomId` makes them (UUID); anything else names no session. */
const SESSION_ID = /^[0-9a-f-]{36}$/

/** What an administrator sees of a session: never its cookie hash. */
export type UserSession = Omit<SessionRecord, 'session_hash'>

function shown({ session_hash: _hash, ...session }: SessionRecord): UserSession {
  return session
}

async function userOf({ store }: ManagementScope, userId: string): Promise<void> {
  if ((await store.users.getById(userId)) === null) throw new ManagementError('not_found', 'user', `no user with id ${userId}`)
}

/** The user's live sessions, newest first, at most `USER_SESSIONS_MAX`. */
export async function listUserSessions(scope: ManagementScope, userId: string): Promise<UserSession[]> {
  await userOf(scope, userId)
  return (await scope.store.sessions.listForUser(userId, scope.clock.now(), USER_SESSIONS_MAX)).map(shown)
}

/** Ends one of the user's sessions; `not_found` when the user has no live session of that id (another user's names nothing). */
export async function endUserSession(scope: ManagementScope, userId: string, sessionId: string): Promise<UserSession> {
  await userOf(scope, userId)
  const ended = SESSION_ID.test(sessionId) ? await scope.store.sessions.endById(sessionId, userId, scope.clock.now()) : null
  if (ended === null) throw new ManagementError('not_found', 'session', `user ${userId} has no session ${sessionId}`)
  const before = shown(ended)
  await recordAdminChange(scope, { type: 'admin.session.revoked', subject: { type: 'session', id: ended.id }, before, after: null, data: { user_id: userId } })
  return before
}
