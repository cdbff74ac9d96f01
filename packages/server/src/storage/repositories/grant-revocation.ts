/**
 * Revocation that reaches everything under a grant (RFC 7009 §2.1), by grant, user, client,
 * organization or IdP session, inside the caller's transaction and within one tenant: a client or
 * organization id chosen in tenant A names nothing of tenant B's. A grant row is written when its code is redeemed, so
 * a grant that only a code names so far is written as a revoked tombstone first: the primary key
 * then decides a race with the redemption (RFC 6749 §4.1.2).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#OfflineAccess
 */
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely'
import type { Database } from '../database.js'
import type { Db } from './shared.js'

/** The column of `authorization_codes` that matches a grant column: codes carry the grant's fields. */
const CODE_COLUMN = { id: 'grant_id', user_id: 'user_id', client_id: 'client_id', organization_id: 'organization_id' } as const

/**
 * Writes a revoked grant row (a tombstone, from the code's fields) for every code that `where`
 * matches, unless its grant exists already: the grant id that only a code names so far is taken,
 * so a redemption racing the revocation cannot `open` it (RFC 6749 §4.1.2).
 */
async function tombstoneCodeGrants(
  trx: Db,
  tenant: string,
  now: number,
  where: (eb: ExpressionBuilder<Database, 'authorization_codes'>) => Expression<SqlBool>,
): Promise<void> {
  const at = sql<number>`cast(${now} as bigint)`
  await trx
    .insertInto('grants')
    .columns(['id', 'client_id', 'user_id', 'scope', 'resource', 'auth_time', 'session_id', 'organization_id', 'amr', 'created_at', 'revoked_at', 'tenant_id'])
    .expression(
      trx
        .selectFrom('authorization_codes')
        .select(['grant_id', 'client_id', 'user_id', 'scope', 'resource', 'auth_time', 'session_id', 'organization_id', 'amr', at.as('created_at'), at.as('revoked_at'), 'tenant_id'])
        // SQLite needs the WHERE to parse INSERT ... SELECT ... ON CONFLICT; every caller has one.
        .where('tenant_id', '=', tenant)
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
export async function revokeGrantsWhere(trx: Db, tenant: string, column: 'id' | 'user_id' | 'client_id' | 'organization_id', value: string, now: number): Promise<void> {
  const codeColumn = CODE_COLUMN[column]
  await tombstoneCodeGrants(trx, tenant, now, (eb) => eb(codeColumn, '=', value))
  // By id, a grant's whole token-exchange family goes (0008 `family_id`): its first grant and
  // every grant exchanged from it, so no fork outlives the revocation of the one it came from.
  const root =
    column === 'id' ? ((await trx.selectFrom('grants').select('family_id').where('id', '=', value).where('tenant_id', '=', tenant).executeTakeFirst())?.family_id ?? value) : value
  const selected = (eb: ExpressionBuilder<Database, 'grants'>) =>
    eb.and([eb('tenant_id', '=', tenant), column === 'id' ? eb.or([eb('id', '=', root), eb('family_id', '=', root)]) : eb(column, '=', value)])
  await trx.updateTable('grants').set({ revoked_at: now }).where(selected).where('revoked_at', 'is', null).execute()
  const grantIds = trx.selectFrom('grants').select('id').where(selected)
  await trx.updateTable('refresh_tokens').set({ revoked_at: now }).where('tenant_id', '=', tenant).where('grant_id', 'in', grantIds).where('revoked_at', 'is', null).execute()
  await trx.updateTable('authorization_codes').set({ consumed_at: now }).where('tenant_id', '=', tenant).where(codeColumn, '=', value).where('consumed_at', 'is', null).execute()
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
export async function revokeSessionGrants(trx: Db, tenant: string, sessionId: string, now: number, options: { keepOfflineAccess: boolean }): Promise<void> {
  const ends = (column: string | RawBuilder<string>): Expression<SqlBool> => (options.keepOfflineAccess ? sql<SqlBool>`not ${hasOfflineAccess(column)}` : sql<SqlBool>`1 = 1`)
  await tombstoneCodeGrants(trx, tenant, now, (eb) => eb.and([eb('session_id', '=', sessionId), ends('scope')]))
  await trx.updateTable('grants').set({ revoked_at: now }).where('tenant_id', '=', tenant).where('session_id', '=', sessionId).where('revoked_at', 'is', null).where(ends('scope')).execute()
  const grantIds = trx.selectFrom('grants').select('id').where('tenant_id', '=', tenant).where('session_id', '=', sessionId).where(ends('scope'))
  await trx.updateTable('refresh_tokens').set({ revoked_at: now }).where('tenant_id', '=', tenant).where('grant_id', 'in', grantIds).where('revoked_at', 'is', null).execute()
  await trx
    .updateTable('authorization_codes')
    .set({ consumed_at: now })
    .where('tenant_id', '=', tenant)
    .where('session_id', '=', sessionId)
    .where('consumed_at', 'is', null)
    .where(ends('scope'))
    .execute()
  const deviceScope = sql<string>`coalesce(${sql.ref('granted_scope')}, ${sql.ref('scope')})`
  await trx.updateTable('device_codes').set({ status: 'denied' }).where('tenant_id', '=', tenant).where('session_id', '=', sessionId).where('status', '=', 'approved').where(ends(deviceScope)).execute()
  if (!options.keepOfflineAccess) return
  await trx.updateTable('authorization_codes').set({ session_id: null }).where('tenant_id', '=', tenant).where('session_id', '=', sessionId).where('consumed_at', 'is', null).execute()
  await trx.updateTable('device_codes').set({ session_id: null }).where('tenant_id', '=', tenant).where('session_id', '=', sessionId).where('status', '=', 'approved').execute()
}


/**
 * Issue 13: revokes every grant of `userId` for `clientId` (the account page's **Revoke**), within
 * the caller's transaction, as `revokeGrantsWhere` does for one column: tombstones for grants only
 * a code names, the grants and their token-exchange forks, their refresh tokens (access tokens read
 * the grant), the unredeemed codes, and approved device codes not yet picked up. True when a grant,
 * code or device approval was live.
 */
export async function revokeUserClientGrants(trx: Db, tenant: string, userId: string, clientId: string, now: number): Promise<boolean> {
  await tombstoneCodeGrants(trx, tenant, now, (eb) => eb.and([eb('user_id', '=', userId), eb('client_id', '=', clientId)]))
  const own = trx.selectFrom('grants').select('id').where('tenant_id', '=', tenant).where('user_id', '=', userId).where('client_id', '=', clientId)
  const selected = (eb: ExpressionBuilder<Database, 'grants'>) =>
    eb.and([eb('tenant_id', '=', tenant), eb.or([eb.and([eb('user_id', '=', userId), eb('client_id', '=', clientId)]), eb('family_id', 'in', own)])])
  const grants = await trx.updateTable('grants').set({ revoked_at: now }).where(selected).where('revoked_at', 'is', null).executeTakeFirst()
  const grantIds = trx.selectFrom('grants').select('id').where(selected)
  await trx.updateTable('refresh_tokens').set({ revoked_at: now }).where('tenant_id', '=', tenant).where('grant_id', 'in', grantIds).where('revoked_at', 'is', null).execute()
  await trx.updateTable('authorization_codes').set({ consumed_at: now }).where('tenant_id', '=', tenant).where('user_id', '=', userId).where('client_id', '=', clientId).where('consumed_at', 'is', null).execute()
  const devices = await trx
    .updateTable('device_codes')
    .set({ status: 'denied' })
    .where('tenant_id', '=', tenant)
    .where('user_id', '=', userId)
    .where('client_id', '=', clientId)
    .where('status', '=', 'approved')
    .executeTakeFirst()
  return (grants.numUpdatedRows ?? 0n) > 0n || (devices.numUpdatedRows ?? 0n) > 0n
}
