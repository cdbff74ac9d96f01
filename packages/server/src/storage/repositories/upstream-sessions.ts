/**
 * Issue 12, federated logout: which connection a Latch session was signed in through, with the
 * upstream's ID token (encrypted by the caller). Keyed by the session's id: the foreign key
 * cascades, so the row goes whenever the session does (logout, password change, user deleted,
 * sweep); rows still past `expires_at` are swept.
 */
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import type { ForTenant, RepositoryContext } from './shared.js'

export function upstreamSessionRepository({ db, rows }: RepositoryContext): ForTenant<Store['upstreamSessions']> {
  return (tenant) => ({
    async put(session) {
      await db
        .insertInto('upstream_sessions')
        .values({ ...session, tenant_id: tenant })
        .onConflict((oc) =>
          oc
            .column('session_id')
            .doUpdateSet({ connection_id: session.connection_id, id_token_encrypted: session.id_token_encrypted, created_at: session.created_at, expires_at: session.expires_at })
            // Session ids are random: a row of another tenant is never this one's to replace.
            .where('upstream_sessions.tenant_id', '=', tenant),
        )
        .execute()
    },
    async get(sessionId, now) {
      const row = await db
        .selectFrom('upstream_sessions')
        .select(COLUMNS.upstream_sessions)
        .where('tenant_id', '=', tenant)
        .where('session_id', '=', sessionId)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return row ? rows.upstreamSession(row) : null
    },
  })
}
