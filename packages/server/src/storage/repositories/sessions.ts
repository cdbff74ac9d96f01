/**
 * IdP sessions: created under a write condition (the checked password hash), renewed in place
 * (the `sid` stays), ended with what was issued within them (OIDC Core §11 keeps `offline_access`)
 * and, in the same transaction, a back-channel logout token queued for each client that took part
 * (issue 12, repositories/logout-deliveries.ts).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#OfflineAccess
 */
import type { SessionsTable, UsersTable } from '../database.js'
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { statement } from './compiled.js'
import { revokeSessionGrants } from './grant-revocation.js'
import { enqueueLogoutDeliveries } from './logout-deliveries.js'
import { columnsAs, unprefix, valuesWhere, type ForTenant, type RepositoryContext } from './shared.js'

export function sessionRepository({ db, rows, capabilities }: RepositoryContext): ForTenant<Store['sessions']> {
  // Every /authorize with a session cookie: the session and its user in one compiled statement.
  const withUser = statement((db, a: { tenant_id: string; session_hash: string; now: number }) =>
    db
      .selectFrom('sessions as s')
      .innerJoin('users as u', (join) => join.onRef('u.id', '=', 's.user_id').onRef('u.tenant_id', '=', 's.tenant_id'))
      .select(columnsAs<'sessions'>('s', 's_', COLUMNS.sessions))
      .select(columnsAs<'users'>('u', 'u_', COLUMNS.users))
      .where('s.session_hash', '=', a.session_hash)
      .where('s.tenant_id', '=', a.tenant_id)
      .where('s.expires_at', '>', a.now),
  )
  return (tenant) => ({
    async insert(session, condition) {
      const row = rows.sessionToRow(session)
      if (!condition) return (await db.insertInto('sessions').values({ ...row, tenant_id: tenant }).execute(), true)
      const inserted = await db
        .insertInto('sessions')
        .columns([...COLUMNS.sessions, 'tenant_id'])
        .expression(valuesWhere(db, capabilities, tenant, COLUMNS.sessions, row, condition))
        .returning('id')
        .executeTakeFirst()
      return inserted !== undefined
    },
    async get(sessionHash, now) {
      const row = await db.selectFrom('sessions').select(COLUMNS.sessions).where('session_hash', '=', sessionHash).where('tenant_id', '=', tenant).where('expires_at', '>', now).executeTakeFirst()
      return row ? rows.session(row) : null
    },
    async getWithUser(sessionHash, now) {
      const row = (await withUser.first(db, { tenant_id: tenant, session_hash: sessionHash, now })) as Record<string, unknown> | undefined
      const session = row && unprefix<SessionsTable>(row, 's_', COLUMNS.sessions)
      const user = row && unprefix<UsersTable>(row, 'u_', COLUMNS.users)
      return session && user ? { session: rows.session(session), user: rows.user(user) } : null
    },
    async getById(id, now) {
      const row = await db.selectFrom('sessions').select(COLUMNS.sessions).where('id', '=', id).where('tenant_id', '=', tenant).where('expires_at', '>', now).executeTakeFirst()
      return row ? rows.session(row) : null
    },
    async end(sessionHash, now) {
      return db.transaction().execute(async (trx) => {
        const ended = await trx.deleteFrom('sessions').where('session_hash', '=', sessionHash).where('tenant_id', '=', tenant).returning(COLUMNS.sessions).executeTakeFirst()
        // An expired session ended by itself, which revokes nothing (only its row is left).
        if (!ended || ended.expires_at <= now) return null
        // Issue 12: before the revocation detaches the session's offline_access codes from it.
        await enqueueLogoutDeliveries(trx, tenant, { sessionId: ended.id, sub: ended.user_id }, now)
        await revokeSessionGrants(trx, tenant, ended.id, now, { keepOfflineAccess: true })
        return rows.session(ended)
      })
    },
    async renew(sessionHash, next, now) {
      // One conditional UPDATE: the cookie hash (the primary key) changes, the sid stays.
      const row = await db
        .updateTable('sessions')
        .set({ session_hash: next.session_hash, auth_time: next.auth_time, amr: rows.json(next.amr), expires_at: next.expires_at })
        .where('session_hash', '=', sessionHash)
        .where('tenant_id', '=', tenant)
        .where('user_id', '=', next.user_id)
        .where('expires_at', '>', now)
        .returning(COLUMNS.sessions)
        .executeTakeFirst()
      return row ? rows.session(row) : null
    },
    async listForUser(userId, now, limit) {
      const found = await db
        .selectFrom('sessions')
        .select(COLUMNS.sessions)
        .where('tenant_id', '=', tenant)
        .where('user_id', '=', userId)
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute()
      return found.map(rows.session)
    },
    async endById(id, userId, now) {
      return db.transaction().execute(async (trx) => {
        // The user's own and live only: an id of another user's session, or an expired one, ends nothing.
        const ended = await trx
          .deleteFrom('sessions')
          .where('id', '=', id)
          .where('user_id', '=', userId)
          .where('tenant_id', '=', tenant)
          .where('expires_at', '>', now)
          .returning(COLUMNS.sessions)
          .executeTakeFirst()
        if (!ended) return null
        await enqueueLogoutDeliveries(trx, tenant, { sessionId: ended.id, sub: ended.user_id }, now)
        await revokeSessionGrants(trx, tenant, ended.id, now, { keepOfflineAccess: true })
        return rows.session(ended)
      })
    },
  })
}
