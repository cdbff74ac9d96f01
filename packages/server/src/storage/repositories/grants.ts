/**
 * Grants, the root every token hangs from. A grant row is written when its code is redeemed
 * (`authorizationCodes.redeem`), not when the code is issued: the code carries the grant's id from
 * the start, so revoking that id before the grant exists writes a revoked tombstone in its place,
 * and the primary key decides a race between the two (`grant-revocation.ts`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import type { GrantsTable, RefreshTokensTable } from '../database.js'
import type { DialectCapabilities } from '../dialects/dialect.js'
import { COLUMNS, pick } from '../rows.js'
import type { RefreshTokenRecord, Store, WriteCondition } from '../store.js'
import { shapes, statement } from './compiled.js'
import { revokeGrantsWhere, revokeSessionGrants } from './grant-revocation.js'
import { valuesWhere, type Db, type ForTenant, type RepositoryContext } from './shared.js'

/** Which of `WriteCondition`'s checks the statement makes: `p` password hash, `s` session, `e` enabled user (`-` none). */
type ConditionShape = string
type GrantInsertArgs = GrantsTable & {
  tenant_id: string
  condition_user_id: string | null
  condition_hash: string | null
  condition_session_id: string | null
  condition_enabled_user: string | null
}

function shapeOf(condition: WriteCondition): ConditionShape {
  return `${condition.passwordHash ? 'p' : ''}${condition.sessionId ? 's' : ''}${condition.enabledUser ? 'e' : ''}` || '-'
}

/**
 * Opening a grant with its first refresh token, compiled once per store: the grant's INSERT (with a
 * condition, `INSERT ... SELECT ... WHERE`, so the re-check costs no round trip of its own; one
 * statement per combination of conditions) and the refresh token's. Used by `grants.open` and by
 * the code redemption (`authorization-codes.ts`), inside the caller's transaction; the tenant is an
 * argument of each call, so all tenants share these statements.
 */
export function grantOpening(capabilities: DialectCapabilities) {
  const insertGrant = shapes((shape: ConditionShape) => (db, a: GrantInsertArgs) => {
    const row = pick(a, COLUMNS.grants)
    const condition: WriteCondition = {}
    if (shape.includes('p')) condition.passwordHash = { userId: a.condition_user_id as string, hash: a.condition_hash as string }
    if (shape.includes('s')) condition.sessionId = a.condition_session_id as string
    if (shape.includes('e')) condition.enabledUser = a.condition_enabled_user as string
    const insert =
      shape === '-'
        ? db.insertInto('grants').values({ ...row, tenant_id: a.tenant_id })
        : db.insertInto('grants').columns([...COLUMNS.grants, 'tenant_id']).expression(valuesWhere(db, capabilities, a.tenant_id, COLUMNS.grants, row, condition))
    return insert.onConflict((oc) => oc.column('id').doNothing()).returning('id')
  })
  const insertRefreshToken = statement((db, a: RefreshTokensTable & { tenant_id: string }) =>
    db.insertInto('refresh_tokens').values({ ...pick(a, COLUMNS.refresh_tokens), tenant_id: a.tenant_id }),
  )

  return {
    insertRefreshToken,
    /** False, and nothing written, when the grant id is taken or `condition` no longer holds. */
    async open(trx: Db, tenant: string, grant: GrantsTable, refreshToken: RefreshTokenRecord | null, condition: WriteCondition = {}): Promise<boolean> {
      const shape = shapeOf(condition)
      const args: GrantInsertArgs = {
        ...pick(grant, COLUMNS.grants),
        tenant_id: tenant,
        condition_user_id: condition.passwordHash?.userId ?? null,
        condition_hash: condition.passwordHash?.hash ?? null,
        condition_session_id: condition.sessionId ?? null,
        condition_enabled_user: condition.enabledUser ?? null,
      }
      // The id taken means revoked first (a tombstone) or opened already: write nothing.
      if ((await insertGrant(shape).execute(trx, args)).rows.length === 0) return false
      if (refreshToken) await insertRefreshToken.execute(trx, { ...pick(refreshToken, COLUMNS.refresh_tokens), tenant_id: tenant })
      return true
    },
  }
}

export function grantRepository({ db, rows, capabilities }: RepositoryContext): ForTenant<Store['grants']> {
  const opening = grantOpening(capabilities)
  const byId = statement((db, a: { tenant_id: string; id: string }) => db.selectFrom('grants').select(COLUMNS.grants).where('id', '=', a.id).where('tenant_id', '=', a.tenant_id))
  return (tenant) => ({
    async open(grant, refreshToken, condition) {
      // One statement needs no transaction; with a refresh token both rows commit together.
      const row = rows.grantToRow(grant)
      if (refreshToken === null) return opening.open(db, tenant, row, null, condition)
      return db.transaction().execute((trx) => opening.open(trx, tenant, row, refreshToken, condition))
    },
    async get(id) {
      const row = await byId.first(db, { tenant_id: tenant, id })
      return row ? rows.grant(row) : null
    },
    async revoke(id, now) {
      await db.transaction().execute((trx) => revokeGrantsWhere(trx, tenant, 'id', id, now))
    },
    async revokeBySession(sessionId, now, options) {
      await db.transaction().execute((trx) => revokeSessionGrants(trx, tenant, sessionId, now, options))
    },
  })
}
