/**
 * Access tokens are stateless JWTs: a row exists only for one revoked on its own (RFC 7009), and
 * a token of a revoked grant reads as revoked through its `jti`, which names the grant. Both reads
 * are of the token's tenant only, and a revocation never touches another tenant's row.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { COLUMNS, pick } from '../rows.js'
import type { Store } from '../store.js'
import { statement } from './compiled.js'
import type { ForTenant, RepositoryContext } from './shared.js'

export function accessTokenRepository({ db }: RepositoryContext): ForTenant<Store['accessTokens']> {
  // Every introspection and userinfo call: compiled once, in the two shapes a jti can have.
  const revokedToken = (db: Kysely<Database>, tenant: string, jti: string) =>
    db.selectFrom('access_tokens').select(sql<number>`1`.as('hit')).where('jti', '=', jti).where('tenant_id', '=', tenant).where('revoked_at', 'is not', null)
  const tokenOnly = statement((db, a: { tenant_id: string; jti: string }) => revokedToken(db, a.tenant_id, a.jti))
  const tokenOrGrant = statement((db, a: { tenant_id: string; jti: string; grant_id: string }) =>
    revokedToken(db, a.tenant_id, a.jti).unionAll(
      db.selectFrom('grants').select(sql<number>`1`.as('hit')).where('id', '=', a.grant_id).where('tenant_id', '=', a.tenant_id).where('revoked_at', 'is not', null),
    ),
  )
  return (tenant) => ({
    async revoke(token, now) {
      await db
        .insertInto('access_tokens')
        .values({ ...pick(token, COLUMNS.access_tokens), revoked_at: now, tenant_id: tenant })
        .onConflict((oc) =>
          oc
            .column('jti')
            .doUpdateSet((eb) => ({ revoked_at: eb.fn.coalesce('access_tokens.revoked_at', 'excluded.revoked_at') }))
            .where('access_tokens.tenant_id', '=', tenant),
        )
        .execute()
    },
    async isRevoked(jti) {
      // `<grant_id>.<random>` (tokens/access-token.ts): the grant's revocation reaches the token.
      const dot = jti.indexOf('.')
      const found = dot > 0 ? await tokenOrGrant.first(db, { tenant_id: tenant, jti, grant_id: jti.slice(0, dot) }) : await tokenOnly.first(db, { tenant_id: tenant, jti })
      return found !== undefined
    },
  })
}
