/**
 * Rotating refresh tokens with replay detection (RFC 9700 §4.14.2): rotation is a compare-and-swap
 * in one transaction, and a revoked grant is checked on every read as well as cascaded on write,
 * so a token inserted by a racing rotation is revoked too. A refresh reads the token, its grant,
 * its user and whether its session lives in one statement (`getForRefresh`); the hot statements
 * are compiled once (`compiled.ts`).
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
import { sql, type QueryCreator } from 'kysely'
import type { Database, GrantsTable, RefreshTokensTable, UsersTable } from '../database.js'
import { COLUMNS, pick } from '../rows.js'
import type { RotateResult, Store } from '../store.js'
import { statement } from './compiled.js'
import { grantOpening } from './grants.js'
import { changed, columnsAs, unprefix, type ForTenant, type RepositoryContext } from './shared.js'

/** The SQL type of each column, for values selected into an INSERT (PostgreSQL types a bare parameter in a SELECT list as text). */
const COLUMN_TYPES = {
  token_hash: 'text', grant_id: 'text', client_id: 'text', user_id: 'text', scope: 'text', resource: 'text', auth_time: 'bigint',
  session_id: 'text', created_at: 'bigint', expires_at: 'bigint', rotated_at: 'bigint', revoked_at: 'bigint', tenant_id: 'text',
} as const satisfies Record<keyof RefreshTokensTable | 'tenant_id', 'text' | 'bigint'>

/** What an insert writes: every column and the tenant. */
const INSERTED = [...COLUMNS.refresh_tokens, 'tenant_id'] as const

/** Compare-and-swap (RFC 9700 §4.14.2): only one caller sees the row still unrotated, and none once its grant is revoked. */
function markRotatedQuery(db: QueryCreator<Database>, tenant: string, tokenHash: string, now: number) {
  return db
    .updateTable('refresh_tokens')
    .set({ rotated_at: now })
    .where('token_hash', '=', tokenHash)
    .where('tenant_id', '=', tenant)
    .where('rotated_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('grants')
            .select('grants.id')
            .whereRef('grants.id', '=', 'refresh_tokens.grant_id')
            .whereRef('grants.tenant_id', '=', 'refresh_tokens.tenant_id')
            .where('grants.revoked_at', 'is not', null),
        ),
      ),
    )
    .returning(COLUMNS.refresh_tokens)
}

export function refreshTokenRepository({ db, rows, capabilities }: RepositoryContext): ForTenant<Store['refreshTokens']> {
  const { insertRefreshToken } = grantOpening(capabilities)
  const withGrantRevocation = statement((db, a: { tenant_id: string; token_hash: string }) =>
    db
      .selectFrom('refresh_tokens as t')
      .leftJoin('grants as g', (join) => join.onRef('g.id', '=', 't.grant_id').onRef('g.tenant_id', '=', 't.tenant_id'))
      .select(COLUMNS.refresh_tokens.map((c) => `t.${c}` as const))
      .select('g.revoked_at as grant_revoked_at')
      .where('t.token_hash', '=', a.token_hash)
      .where('t.tenant_id', '=', a.tenant_id),
  )
  const forRefresh = statement((db, a: { tenant_id: string; token_hash: string; now: number }) =>
    db
      .selectFrom('refresh_tokens as t')
      .leftJoin('grants as g', (join) => join.onRef('g.id', '=', 't.grant_id').onRef('g.tenant_id', '=', 't.tenant_id'))
      .leftJoin('users as u', (join) => join.onRef('u.id', '=', 't.user_id').onRef('u.tenant_id', '=', 't.tenant_id'))
      .select(columnsAs<'refresh_tokens'>('t', '', COLUMNS.refresh_tokens))
      .select(columnsAs<'grants'>('g', 'g_', COLUMNS.grants))
      .select(columnsAs<'users'>('u', 'u_', COLUMNS.users))
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('sessions as s')
              .select(sql<number>`1`.as('one'))
              .whereRef('s.id', '=', 't.session_id')
              .whereRef('s.tenant_id', '=', 't.tenant_id')
              .where('s.expires_at', '>', a.now),
          )
          .as('session_alive'),
      )
      .where('t.token_hash', '=', a.token_hash)
      .where('t.tenant_id', '=', a.tenant_id),
  )
  const markRotated = statement((db, a: { tenant_id: string; token_hash: string; now: number }) => markRotatedQuery(db, a.tenant_id, a.token_hash, a.now))
  // PostgreSQL: the compare-and-swap and the successor's INSERT as one statement (the INSERT reads
  // the UPDATE's RETURNING, so it happens only when the swap did), atomic as the transaction was.
  const rotateInOne = statement((db, a: RefreshTokensTable & { tenant_id: string; old_hash: string; now: number }) =>
    db
      .with('previous', (qb) => markRotatedQuery(qb, a.tenant_id, a.old_hash, a.now))
      .with('successor', (qb) =>
        qb
          .insertInto('refresh_tokens')
          .columns(INSERTED)
          .expression(qb.selectFrom('previous').select(INSERTED.map((c) => sql`cast(${a[c]} as ${sql.raw(COLUMN_TYPES[c])})`.as(c))))
          .returning('token_hash'),
      )
      .selectFrom('previous')
      .selectAll(),
  )
  const rotatedBefore = statement((db, a: { tenant_id: string; token_hash: string }) =>
    db.selectFrom('refresh_tokens').select(COLUMNS.refresh_tokens).where('token_hash', '=', a.token_hash).where('tenant_id', '=', a.tenant_id).where('rotated_at', 'is not', null),
  )

  return (tenant) => ({
    async insert(token) {
      await insertRefreshToken.execute(db, { ...pick(token, COLUMNS.refresh_tokens), tenant_id: tenant })
    },
    async get(tokenHash) {
      const row = await withGrantRevocation.first(db, { tenant_id: tenant, token_hash: tokenHash })
      if (!row) return null
      const { grant_revoked_at, ...token } = row
      // A revoked grant revokes its tokens even if a racing rotation inserted one afterwards.
      return { ...token, revoked_at: token.revoked_at ?? grant_revoked_at }
    },
    async getForRefresh(tokenHash, now) {
      const found = (await forRefresh.first(db, { tenant_id: tenant, token_hash: tokenHash, now })) as Record<string, unknown> | undefined
      if (!found) return null
      const token = pick(found as Partial<RefreshTokensTable>, COLUMNS.refresh_tokens) as RefreshTokensTable
      const grantRow = unprefix<GrantsTable>(found, 'g_', COLUMNS.grants)
      const grant = grantRow && rows.grant(grantRow)
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
      if (capabilities.writableCtes) {
        const previous = (await rotateInOne.first(db, { ...pick(next, COLUMNS.refresh_tokens), tenant_id: tenant, old_hash: oldHash, now })) as RefreshTokensTable | undefined
        if (previous) return { outcome: 'rotated', previous }
        const rotated = await rotatedBefore.first(db, { tenant_id: tenant, token_hash: oldHash })
        return rotated ? { outcome: 'reused', previous: rotated } : { outcome: 'invalid' }
      }
      return db.transaction().execute(async (trx) => {
        const previous = await markRotated.first(trx, { tenant_id: tenant, token_hash: oldHash, now })
        if (previous) {
          await insertRefreshToken.execute(trx, { ...pick(next, COLUMNS.refresh_tokens), tenant_id: tenant })
          return { outcome: 'rotated', previous }
        }
        const rotated = await rotatedBefore.first(trx, { tenant_id: tenant, token_hash: oldHash })
        return rotated ? { outcome: 'reused', previous: rotated } : { outcome: 'invalid' }
      })
    },
    async revoke(tokenHash, now) {
      // True whenever the token is known; a second revocation keeps the first time.
      const result = await db
        .updateTable('refresh_tokens')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) }))
        .where('token_hash', '=', tokenHash)
        .where('tenant_id', '=', tenant)
        .executeTakeFirst()
      return changed(result)
    },
  })
}
