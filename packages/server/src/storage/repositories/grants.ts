/**
 * Grants, the root every token hangs from. A grant row is written when its code is redeemed
 * (`open`), not when the code is issued: the code carries the grant's id from the start, so
 * revoking that id before the grant exists writes a revoked tombstone in its place, and the primary
 * key decides a race between the two (`grant-revocation.ts`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import { COLUMNS, pick } from '../rows.js'
import type { Store } from '../store.js'
import { revokeGrantsWhere, revokeSessionGrants } from './grant-revocation.js'
import { valuesWhere, type Db, type RepositoryContext } from './shared.js'

export function grantRepository({ db, capabilities }: RepositoryContext): Store['grants'] {
  return {
    async open(grant, refreshToken, condition) {
      // With a condition, INSERT ... SELECT ... WHERE: the re-check costs no round trip of its own.
      const insertGrant = (trx: Db) =>
        (condition
          ? trx.insertInto('grants').columns(COLUMNS.grants).expression(valuesWhere(trx, capabilities, COLUMNS.grants, pick(grant, COLUMNS.grants), condition))
          : trx.insertInto('grants').values(pick(grant, COLUMNS.grants))
        )
          .onConflict((oc) => oc.column('id').doNothing())
          .returning('id')
          .executeTakeFirst()
      // One statement needs no transaction; with a refresh token both rows commit together.
      if (refreshToken === null) return (await insertGrant(db)) !== undefined
      return db.transaction().execute(async (trx) => {
        // The id taken means revoked first (a tombstone) or opened already: write nothing.
        if ((await insertGrant(trx)) === undefined) return false
        await trx.insertInto('refresh_tokens').values(pick(refreshToken, COLUMNS.refresh_tokens)).execute()
        return true
      })
    },
    async get(id) {
      return (await db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst()) ?? null
    },
    async revoke(id, now) {
      await db.transaction().execute((trx) => revokeGrantsWhere(trx, 'id', id, now))
    },
    async revokeBySession(sessionId, now, options) {
      await db.transaction().execute((trx) => revokeSessionGrants(trx, sessionId, now, options))
    },
  }
}
