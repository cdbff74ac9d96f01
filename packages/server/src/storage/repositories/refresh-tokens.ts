/**
 * Rotating refresh tokens with replay detection (RFC 9700 §4.14.2): rotation is a compare-and-swap
 * in one transaction, and a revoked grant is checked on every read as well as cascaded on write,
 * so a token inserted by a racing rotation is revoked too. A refresh reads the token, its grant,
 * its user and whether its session lives in one statement (`getForRefresh`); the hot statements
 * are compiled once (`compiled.ts`).
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
import { sql } from 'kysely'
import type { GrantsTable, RefreshTokensTable, UsersTable } from '../database.js'
import { COLUMNS, pick } from '../rows.js'
import type { RotateResult, Store } from '../store.js'
import { statement } from './compiled.js'
import { grantOpening } from './grants.js'
import { changed, columnsAs, unprefix, type RepositoryContext } from './shared.js'

export function refreshTokenRepository({ db, rows, capabilities }: RepositoryContext): Store['refreshTokens'] {
  const { insertRefreshToken } = grantOpening(capabilities)
  const withGrantRevocation = statement((db, a: { token_hash: string }) =>
    db
      .selectFrom('refresh_tokens as t')
      .leftJoin('grants as g', 'g.id', 't.grant_id')
      .selectAll('t')
      .select('g.revoked_at as grant_revoked_at')
      .where('t.token_hash', '=', a.token_hash),
  )
  const forRefresh = statement((db, a: { token_hash: string; now: number }) =>
    db
      .selectFrom('refresh_tokens as t')
      .leftJoin('grants as g', 'g.id', 't.grant_id')
      .leftJoin('users as u', 'u.id', 't.user_id')
      .selectAll('t')
      .select(columnsAs<'grants'>('g', 'g_', COLUMNS.grants))
      .select(columnsAs<'users'>('u', 'u_', COLUMNS.users))
      .select((eb) =>
        eb.exists(eb.selectFrom('sessions as s').select(sql<number>`1`.as('one')).whereRef('s.id', '=', 't.session_id').where('s.expires_at', '>', a.now)).as('session_alive'),
      )
      .where('t.token_hash', '=', a.token_hash),
  )
  // Compare-and-swap (RFC 9700 §4.14.2): only one caller sees the row still unrotated.
  const markRotated = statement((db, a: { token_hash: string; now: number }) =>
    db
      .updateTable('refresh_tokens')
      .set({ rotated_at: a.now })
      .where('token_hash', '=', a.token_hash)
      .where('rotated_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', a.now)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('grants').select('grants.id').whereRef('grants.id', '=', 'refresh_tokens.grant_id').where('grants.revoked_at', 'is not', null))),
      )
      .returningAll(),
  )
  const rotatedBefore = statement((db, a: { token_hash: string }) =>
    db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', a.token_hash).where('rotated_at', 'is not', null),
  )

  return {
    async insert(token) {
      await insertRefreshToken.execute(db, pick(token, COLUMNS.refresh_tokens))
    },
    async get(tokenHash) {
      const row = await withGrantRevocation.first(db, { token_hash: tokenHash })
      if (!row) return null
      const { grant_revoked_at, ...token } = row
      // A revoked grant revokes its tokens even if a racing rotation inserted one afterwards.
      return { ...token, revoked_at: token.revoked_at ?? grant_revoked_at }
    },
    async getForRefresh(tokenHash, now) {
      const found = (await forRefresh.first(db, { token_hash: tokenHash, now })) as Record<string, unknown> | undefined
      if (!found) return null
      const token = pick(found as Partial<RefreshTokensTable>, COLUMNS.refresh_tokens) as RefreshTokensTable
      const grant = unprefix<GrantsTable>(found, 'g_', COLUMNS.grants)
      const user = unprefix<UsersTable>(found, 'u_', COLUMNS.users)
      return {
        // A revoked grant revokes its tokens even if a racing rotation inserted one afterwards.
        token: { ...token, revoked_at: token.revoked_at ?? grant?.revoked_at ?? null },
        grant,
        user: user && rows.user(user),
        sessionAlive: Number(found.session_alive) === 1,
      }
    },
    async rotate(oldHash, next, now): Promise<RotateResult> {
      return db.transaction().execute(async (trx) => {
        const previous = await markRotated.first(trx, { token_hash: oldHash, now })
        if (previous) {
          await insertRefreshToken.execute(trx, pick(next, COLUMNS.refresh_tokens))
          return { outcome: 'rotated', previous }
        }
        const rotated = await rotatedBefore.first(trx, { token_hash: oldHash })
        return rotated ? { outcome: 'reused', previous: rotated } : { outcome: 'invalid' }
      })
    },
    async revoke(tokenHash, now) {
      // True whenever the token is known; a second revocation keeps the first time.
      const result = await db
        .updateTable('refresh_tokens')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) }))
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      return changed(result)
    },
  }
}
