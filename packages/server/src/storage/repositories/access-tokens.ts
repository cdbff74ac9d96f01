/**
 * Access tokens are stateless JWTs: a row exists only for one revoked on its own (RFC 7009), and
 * a token of a revoked grant reads as revoked through its `jti`, which names the grant.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import { sql } from 'kysely'
import { COLUMNS, pick } from '../rows.js'
import type { Store } from '../store.js'
import type { RepositoryContext } from './shared.js'

export function accessTokenRepository({ db }: RepositoryContext): Store['accessTokens'] {
  return {
    async revoke(token, now) {
      await db
        .insertInto('access_tokens')
        .values({ ...pick(token, COLUMNS.access_tokens), revoked_at: now })
        .onConflict((oc) =>
          oc.column('jti').doUpdateSet((eb) => ({ revoked_at: eb.fn.coalesce('access_tokens.revoked_at', 'excluded.revoked_at') })),
        )
        .execute()
    },
    async isRevoked(jti) {
      const revokedToken = db.selectFrom('access_tokens').select(sql<number>`1`.as('hit')).where('jti', '=', jti).where('revoked_at', 'is not', null)
      // `<grant_id>.<random>` (tokens/access-token.ts): the grant's revocation reaches the token.
      const dot = jti.indexOf('.')
      const query =
        dot > 0
          ? revokedToken.unionAll(db.selectFrom('grants').select(sql<number>`1`.as('hit')).where('id', '=', jti.slice(0, dot)).where('revoked_at', 'is not', null))
          : revokedToken
      return (await query.executeTakeFirst()) !== undefined
    },
  }
}
