/**
 * Grants and the tokens that hang from them: single-use authorization codes (RFC 6749 §4.1.2),
 * rotating refresh tokens with replay detection (RFC 9700 §4.14.2), access tokens revoked one by one
 * or with their grant, and revocation that reaches every one of them (RFC 7009 §2.1). A revoked
 * grant is checked on every read as well as cascaded on write, so a token inserted by a racing
 * rotation is revoked too.
 *
 * A grant row is written when its code is redeemed (`grants.open`), not when the code is issued:
 * each round trip then commits three times (code, consume, grant + refresh token) instead of five.
 * The code carries the grant's id from the start, so revoking that id before the grant exists
 * writes a revoked tombstone in its place, and the primary key decides a race between the two.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely'
import type { Database } from '../database.js'
import { COLUMNS, pick } from '../rows.js'
import type { RotateResult, Store } from '../store.js'
import { changed, valuesWhere, type Db, type RepositoryContext } from './shared.js'

/** The column of `authorization_codes` that matches a grant column: codes carry the grant's fields. */
const CODE_COLUMN = { id: 'grant_id', user_id: 'user_id', client_id: 'client_id' } as const

/**
 * Writes a revoked grant row (a tombstone, from the code's fields) for every code that `where`
 * matches, unless its grant exists already: the grant id that only a code names so far is taken,
 * so a redemption racing the revocation cannot `open` it (RFC 6749 §4.1.2).
 */
async function tombstoneCodeGrants(
  trx: Db,
  now: number,
  where: (eb: ExpressionBuilder<Database, 'authorization_codes'>) => Expression<SqlBool>,
): Promise<void> {
  const at = sql<number>`cast(${now} as bigint)`
  await trx
    .insertInto('grants')
    .columns(['id', 'client_id', 'user_id', 'scope', 'resource', 'auth_time', 'session_id', 'created_at', 'revoked_at'])
    .expression(
      trx
        .selectFrom('authorization_codes')
        .select(['grant_id', 'client_id', 'user_id', 'scope', 'resource', 'auth_time', 'session_id', at.as('created_at'), at.as('revoked_at')])
        // SQLite needs the WHERE to parse INSERT ... SELECT ... ON CONFLICT; every caller has one.
        .where(where),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()
}

/**
 * Revokes every grant where `column = value` and, in the same transaction, what hangs from them:
 * refresh tokens and unredeemed codes (a later redemption then reads as a replay). Access tokens
 * need no write: their `jti` names the grant (`accessTokens.isRevoked`).
 *
 * Grants that only a code names so far (issued, maybe redeemed, not yet opened) are first written
 * as revoked tombstones from the code's fields. Single decision across nodes: the grant's primary
 * key. If the redemption's `open` inserted first, the tombstone is skipped and the UPDATE below
 * revokes the opened grant (under READ COMMITTED it sees the row once the insert it waited on has
 * committed); if the tombstone is first, `open` finds the id taken and issues nothing.
 */
export async function revokeGrantsWhere(trx: Db, column: 'id' | 'user_id' | 'client_id', value: string, now: number): Promise<void> {
  const codeColumn = CODE_COLUMN[column]
  await tombstoneCodeGrants(trx, now, (eb) => eb(codeColumn, '=', value))
  await trx.updateTable('grants').set({ revoked_at: now }).where(column, '=', value).where('revoked_at', 'is', null).execute()
  const grantIds = trx.selectFrom('grants').select('id').where(column, '=', value)
  await trx.updateTable('refresh_tokens').set({ revoked_at: now }).where('grant_id', 'in', grantIds).where('revoked_at', 'is', null).execute()
  await trx.updateTable('authorization_codes').set({ consumed_at: now }).where(codeColumn, '=', value).where('consumed_at', 'is', null).execute()
}

/**
 * True when the space-separated scope in `column` holds `offline_access` (OIDC Core §11). Written
 * with `replace`, which is case-sensitive on SQLite and PostgreSQL alike (SQLite's LIKE is not), as
 * scope tokens are (RFC 6749 §3.3).
 */
function hasOfflineAccess(column: string | RawBuilder<string>): RawBuilder<SqlBool> {
  const padded = sql`(' ' || ${typeof column === 'string' ? sql.ref(column) : column} || ' ')`
  return sql<SqlBool>`replace(${padded}, ' offline_access ', '') <> ${padded}`
}

/**
 * Ends what was issued within the IdP session `sessionId` (the `sid`), in one transaction: its
 * grants are revoked, and with them their refresh tokens and access tokens (whose `jti` names the
 * grant); its unredeemed codes are consumed, and a code being redeemed right now cannot open its
 * grant (a revoked tombstone takes the id first, as in `revokeGrantsWhere`); its approved device
 * codes not yet picked up by the device are denied.
 *
 * With `keepOfflineAccess`, what carries `offline_access` survives (OIDC Core §11: access "even
 * when the End-User is not present (not logged in)"): those grants stay, and the unredeemed codes
 * and device approvals that would open such a grant are detached from the ended session
 * (`session_id` cleared), so the grant they open is not tied to a `sid` that no longer exists.
 */
export async function revokeSessionGrants(trx: Db, sessionId: string, now: number, options: { keepOfflineAccess: boolean }): Promise<void> {
  const ends = (column: string | RawBuilder<string>): Expression<SqlBool> => (options.keepOfflineAccess ? sql<SqlBool>`not ${hasOfflineAccess(column)}` : sql<SqlBool>`1 = 1`)
  await tombstoneCodeGrants(trx, now, (eb) => eb.and([eb('session_id', '=', sessionId), ends('scope')]))
  await trx.updateTable('grants').set({ revoked_at: now }).where('session_id', '=', sessionId).where('revoked_at', 'is', null).where(ends('scope')).execute()
  const grantIds = trx.selectFrom('grants').select('id').where('session_id', '=', sessionId).where(ends('scope'))
  await trx.updateTable('refresh_tokens').set({ revoked_at: now }).where('grant_id', 'in', grantIds).where('revoked_at', 'is', null).execute()
  await trx
    .updateTable('authorization_codes')
    .set({ consumed_at: now })
    .where('session_id', '=', sessionId)
    .where('consumed_at', 'is', null)
    .where(ends('scope'))
    .execute()
  const deviceScope = sql<string>`coalesce(${sql.ref('granted_scope')}, ${sql.ref('scope')})`
  await trx.updateTable('device_codes').set({ status: 'denied' }).where('session_id', '=', sessionId).where('status', '=', 'approved').where(ends(deviceScope)).execute()
  if (!options.keepOfflineAccess) return
  await trx.updateTable('authorization_codes').set({ session_id: null }).where('session_id', '=', sessionId).where('consumed_at', 'is', null).execute()
  await trx.updateTable('device_codes').set({ session_id: null }).where('session_id', '=', sessionId).where('status', '=', 'approved').execute()
}

export function grantRepositories({ db, rows, capabilities }: RepositoryContext): Pick<Store, 'grants' | 'authorizationCodes' | 'refreshTokens' | 'accessTokens'> {
  return {
    grants: {
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
    },

  }
}
