/**
 * Grants and the tokens that hang from them: single-use authorization codes (RFC 6749 §4.1.2),
 * rotating refresh tokens with replay detection (RFC 9700 §4.14.2), recorded access tokens, and
 * revocation that reaches every one of them (RFC 7009 §2.1). A revoked grant is checked on every
 * read as well as cascaded on write, so a token inserted by a racing rotation is revoked too.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import { COLUMNS, pick } from '../rows.js'
import type { RotateResult, Store } from '../store.js'
import { changed, type Db, type RepositoryContext } from './shared.js'

/**
 * Revokes every grant where `column = value` and, in the same transaction, what hangs from them:
 * refresh tokens, unredeemed codes (a later redemption then reads as a replay) and recorded access
 * tokens. Tokens inserted by a racing rotation are caught anyway: reads check the grant too.
 */
export async function revokeGrantsWhere(trx: Db, column: 'id' | 'user_id' | 'client_id', value: string, now: number): Promise<void> {
  await trx.updateTable('grants').set({ revoked_at: now }).where(column, '=', value).where('revoked_at', 'is', null).execute()
  const grantIds = trx.selectFrom('grants').select('id').where(column, '=', value)
  await trx.updateTable('refresh_tokens').set({ revoked_at: now }).where('grant_id', 'in', grantIds).where('revoked_at', 'is', null).execute()
  await trx.updateTable('authorization_codes').set({ consumed_at: now }).where('grant_id', 'in', grantIds).where('consumed_at', 'is', null).execute()
  await trx.updateTable('access_tokens').set({ revoked_at: now }).where('grant_id', 'in', grantIds).where('revoked_at', 'is', null).execute()
}

export function grantRepositories({ db, rows }: RepositoryContext): Pick<Store, 'grants' | 'authorizationCodes' | 'refreshTokens' | 'accessTokens'> {
  return {
    grants: {
      async insert(grant) {
        await db.insertInto('grants').values(pick(grant, COLUMNS.grants)).execute()
      },
      async get(id) {
        return (await db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst()) ?? null
      },
      async revoke(id, now) {
        await db.transaction().execute((trx) => revokeGrantsWhere(trx, 'id', id, now))
      },
    },

    authorizationCodes: {
      async insert(code) {
        await db.insertInto('authorization_codes').values(rows.codeToRow(code)).execute()
      },
      async consume(codeHash, now) {
        // Single use across nodes: the conditional UPDATE is the lock (RFC 6749 §4.1.2).
        const won = await db
          .updateTable('authorization_codes')
          .set({ consumed_at: now })
          .where('code_hash', '=', codeHash)
          .where('consumed_at', 'is', null)
          .where('expires_at', '>', now)
          .returningAll()
          .executeTakeFirst()
        if (won) return { record: rows.code(won), replayed: null }
        const seen = await db
          .selectFrom('authorization_codes')
          .selectAll()
          .where('code_hash', '=', codeHash)
          .where('consumed_at', 'is not', null)
          .executeTakeFirst()
        return { record: null, replayed: seen ? rows.code(seen) : null }
      },
    },

    refreshTokens: {
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
    },

    accessTokens: {
      async insert(token) {
        await db.insertInto('access_tokens').values(pick(token, COLUMNS.access_tokens)).execute()
      },
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
        const row = await db
          .selectFrom('access_tokens as a')
          .leftJoin('grants as g', 'g.id', 'a.grant_id')
          .select(['a.revoked_at', 'g.revoked_at as grant_revoked_at'])
          .where('a.jti', '=', jti)
          .executeTakeFirst()
        return row !== undefined && (row.revoked_at !== null || row.grant_revoked_at !== null)
      },
    },

  }
}
