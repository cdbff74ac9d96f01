/**
 * Single-use authorization codes (RFC 6749 §4.1.2). The redemption reads the code and its user in
 * one statement that decides nothing, and then, after the caller's checks, consumes the code and
 * opens its grant in one transaction (one commit): the conditional UPDATE that consumes the code is
 * the lock across nodes, and a code found consumed is reported as a replay so the caller can revoke
 * its grant. `consume` alone burns a code whose redemption failed a check.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
import { sql } from 'kysely'
import type { AuthorizationCodesTable, UsersTable } from '../database.js'
import type { DialectCapabilities } from '../dialects/dialect.js'
import { COLUMNS, pick } from '../rows.js'
import type { Store } from '../store.js'
import { statement } from './compiled.js'
import { grantOpening } from './grants.js'
import { columnsAs, unprefix, type ForTenant, type RepositoryContext } from './shared.js'

/** Thrown inside the redemption's transaction to roll it back: the code was no longer redeemable. */
const LOST = new Error('authorization code no longer redeemable')

/**
 * The grant of an unconsumed, unexpired code, written from the code's own row (`INSERT ... SELECT`),
 * and only while the code's IdP session, if it names one, exists (read `FOR SHARE` on PostgreSQL,
 * as `valuesWhere`). Nothing when the grant id is taken (a revocation's tombstone).
 */
function openFromCode(capabilities: DialectCapabilities) {
  return statement((db, a: { tenant_id: string; code_hash: string; now: number }) => {
    const at = sql<number>`cast(${a.now} as bigint)`
    return db
      .insertInto('grants')
      .columns([...COLUMNS.grants, 'tenant_id'])
      .expression(
        db
          .selectFrom('authorization_codes as c')
          .select([
            'c.grant_id', 'c.client_id', 'c.user_id', 'c.scope', 'c.resource', 'c.auth_time', 'c.session_id', 'c.organization_id', sql<null>`null`.as('family_id'),
            // Issue 13: the grant keeps the code's amr (the session's at /authorize), for every token it issues.
            'c.amr',
            at.as('created_at'), sql<null>`null`.as('revoked_at'), 'c.tenant_id',
          ])
          .where('c.code_hash', '=', a.code_hash)
          .where('c.tenant_id', '=', a.tenant_id)
          .where('c.consumed_at', 'is', null)
          .where('c.expires_at', '>', a.now)
          .where((eb) => {
            const session = eb.selectFrom('sessions as s').select(sql<number>`1`.as('one')).whereRef('s.id', '=', 'c.session_id').whereRef('s.tenant_id', '=', 'c.tenant_id')
            return eb.or([eb('c.session_id', 'is', null), eb.exists(capabilities.lockingReads ? session.forShare() : session)])
          }),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .returning(['id', 'session_id'])
  })
}

export function authorizationCodeRepository({ db, rows, capabilities }: RepositoryContext): ForTenant<Store['authorizationCodes']> {
  const { insertRefreshToken } = grantOpening(capabilities)
  const openGrant = openFromCode(capabilities)
  const insert = statement((db, a: AuthorizationCodesTable & { tenant_id: string }) =>
    db.insertInto('authorization_codes').values({ ...pick(a, COLUMNS.authorization_codes), tenant_id: a.tenant_id }),
  )
  const withUser = statement((db, a: { tenant_id: string; code_hash: string }) =>
    db
      .selectFrom('authorization_codes as c')
      .leftJoin('users as u', (join) => join.onRef('u.id', '=', 'c.user_id').onRef('u.tenant_id', '=', 'c.tenant_id'))
      .select(columnsAs<'authorization_codes'>('c', '', COLUMNS.authorization_codes))
      .select(columnsAs<'users'>('u', 'u_', COLUMNS.users))
      .where('c.code_hash', '=', a.code_hash)
      .where('c.tenant_id', '=', a.tenant_id),
  )
  // Single use across nodes: the conditional UPDATE is the lock (RFC 6749 §4.1.2).
  const consume = statement((db, a: { tenant_id: string; code_hash: string; now: number }) =>
    db
      .updateTable('authorization_codes')
      .set({ consumed_at: a.now })
      .where('code_hash', '=', a.code_hash)
      .where('tenant_id', '=', a.tenant_id)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', a.now)
      .returning(COLUMNS.authorization_codes),
  )
  const consumed = statement((db, a: { tenant_id: string; code_hash: string }) =>
    db
      .selectFrom('authorization_codes')
      .select(COLUMNS.authorization_codes)
      .where('code_hash', '=', a.code_hash)
      .where('tenant_id', '=', a.tenant_id)
      .where('consumed_at', 'is not', null),
  )

  return (tenant) => ({
    async insert(code) {
      await insert.execute(db, { ...rows.codeToRow(code), tenant_id: tenant })
    },
    async find(codeHash) {
      const row = await withUser.first(db, { tenant_id: tenant, code_hash: codeHash })
      if (!row) return null
      const user = unprefix<UsersTable>(row as Record<string, unknown>, 'u_', COLUMNS.users)
      const code = Object.fromEntries(COLUMNS.authorization_codes.map((c) => [c, (row as Record<string, unknown>)[c]])) as unknown as AuthorizationCodesTable
      return { code: rows.code(code), user: user && rows.user(user) }
    },
    async consume(codeHash, now) {
      const won = await consume.first(db, { tenant_id: tenant, code_hash: codeHash, now })
      if (won) return { record: rows.code(won), replayed: null }
      const seen = await consumed.first(db, { tenant_id: tenant, code_hash: codeHash })
      return { record: null, replayed: seen ? rows.code(seen) : null }
    },
    async redeem(codeHash, now, refreshToken) {
      try {
        return await db.transaction().execute(async (trx) => {
          // The grant first, then the code: the order revocations take them in (a tombstone, then
          // the codes; grant-revocation.ts), so that on PostgreSQL neither waits on the other in a cycle.
          const opened = await openGrant.first(trx, { tenant_id: tenant, code_hash: codeHash, now })
          const won = await consume.first(trx, { tenant_id: tenant, code_hash: codeHash, now })
          // Consumed (or expired) meanwhile: undo the grant, if this inserted one, and say why.
          if (!won) throw LOST
          if (opened && refreshToken) await insertRefreshToken.execute(trx, { ...pick({ ...refreshToken, session_id: opened.session_id }, COLUMNS.refresh_tokens), tenant_id: tenant })
          return { outcome: opened ? ('opened' as const) : ('refused' as const), code: rows.code(won) }
        })
      } catch (error) {
        if (error !== LOST) throw error
        const seen = await consumed.first(db, { tenant_id: tenant, code_hash: codeHash })
        return seen ? { outcome: 'replayed' as const, code: rows.code(seen) } : { outcome: 'invalid' as const }
      }
    },
  })
}
