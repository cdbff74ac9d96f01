/**
 * Issue 12: sign-ins under way at upstream identity providers. Anonymous requests create them
 * (a click on a connection's button), so they are bounded twice: at most `cap` per interaction (or
 * per user, for linking) — the oldest goes when another is added, and interactions are capped
 * themselves — and each expires (`sessions.upstream_login_ttl`), then is swept. `take` is the single
 * use: one conditional DELETE that needs the row's state hash and its browser's hash, so a replayed
 * callback, a stolen `state` used from another browser, or a second node racing the first, all find nothing.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12 (CSRF: state bound to the user agent)
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.7.1
 */
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { changed, type ForTenant, type RepositoryContext } from './shared.js'

export function upstreamLoginRepository({ db, rows }: RepositoryContext): ForTenant<Store['upstreamLogins']> {
  return (tenant) => ({
    async insert(login, cap) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('upstream_logins').values({ ...rows.upstreamLoginToRow(login), tenant_id: tenant }).execute()
        const owner = login.purpose === 'link' ? (['user_id', login.user_id] as const) : (['interaction_id', login.interaction_id] as const)
        if (owner[1] === null) return
        // The new row plus the newest `cap - 1` others stay.
        const older = trx
          .selectFrom('upstream_logins')
          .select('state_hash')
          .where('tenant_id', '=', tenant)
          .where(owner[0], '=', owner[1])
          .where('state_hash', '!=', login.state_hash)
          .orderBy('created_at', 'desc')
          .orderBy('state_hash')
          .limit(1000)
          .offset(Math.max(0, cap - 1))
        await trx.deleteFrom('upstream_logins').where('state_hash', 'in', older).execute()
      })
    },
    async stash(stateHash, connectionId, params, now) {
      return changed(
        await db
          .updateTable('upstream_logins')
          .set({ response_params: rows.json(params) })
          .where('tenant_id', '=', tenant)
          .where('state_hash', '=', stateHash)
          .where('connection_id', '=', connectionId)
          .where('expires_at', '>', now)
          .where('response_params', 'is', null)
          .executeTakeFirst(),
      )
    },
    async take(stateHash, browserHash, now) {
      const row = await db
        .deleteFrom('upstream_logins')
        .where('tenant_id', '=', tenant)
        .where('state_hash', '=', stateHash)
        .where('browser_hash', '=', browserHash)
        .where('expires_at', '>', now)
        .returning(COLUMNS.upstream_logins)
        .executeTakeFirst()
      return row ? rows.upstreamLogin(row) : null
    },
  })
}
