/**
 * Rotating refresh tokens with replay detection (RFC 9700 §4.14.2): rotation is a compare-and-swap
 * in one transaction, and a revoked grant is checked on every read as well as cascaded on write,
 * so a token inserted by a racing rotation is revoked too.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
import { COLUMNS, pick } from '../rows.js'
import type { RotateResult, Store } from '../store.js'
import { changed, type RepositoryContext } from './shared.js'

export function refreshTokenRepository({ db }: RepositoryContext): Store['refreshTokens'] {
  return {
    async insert(token) {
      await db.insertInto('refresh_tokens').values(pick(token, COLUMNS.refresh_tokens)).execute()
    },
    async get(tokenHash) {
      const row = await db
        .selectFrom('refresh_tokens as t')
        .leftJoin('grants as g', 'g.id', 't.grant_id')
        .selectAll('t')
        .select('g.revoked_at as grant_revoked_at')
        .where('t.token_hash', '=', tokenHash)
        .executeTakeFirst()
      if (!row) return null
      const { grant_revoked_at, ...token } = row
      // A revoked grant revokes its tokens even if a racing rotation inserted one afterwards.
      return { ...token, revoked_at: token.revoked_at ?? grant_revoked_at }
    },
    async rotate(oldHash, next, now): Promise<RotateResult> {
      return db.transaction().execute(async (trx) => {
        // Compare-and-swap (RFC 9700 §4.14.2): only one caller sees the row still unrotated.
        const previous = await trx
          .updateTable('refresh_tokens')
          .set({ rotated_at: now })
          .where('token_hash', '=', oldHash)
          .where('rotated_at', 'is', null)
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now)
          .where(({ not, exists, selectFrom }) =>
            not(exists(selectFrom('grants').select('grants.id').whereRef('grants.id', '=', 'refresh_tokens.grant_id').where('grants.revoked_at', 'is not', null))),
          )
          .returningAll()
          .executeTakeFirst()
        if (previous) {
          await trx.insertInto('refresh_tokens').values(pick(next, COLUMNS.refresh_tokens)).execute()
          return { outcome: 'rotated', previous }
        }
        const rotated = await trx
          .selectFrom('refresh_tokens')
          .selectAll()
          .where('token_hash', '=', oldHash)
          .where('rotated_at', 'is not', null)
          .executeTakeFirst()
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
