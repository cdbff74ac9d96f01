/**
 * What every repository shares: the connection type (a Kysely instance or a transaction on it),
 * the binding to a tenant and the reading of "did this statement change a row".
 */
import { sql, type Expression, type Kysely, type SqlBool, type Transaction } from 'kysely'
import type { Database } from '../database.js'
import type { DialectCapabilities } from '../dialects/dialect.js'
import type { RowCodec } from '../rows.js'
import type { WriteCondition } from '../store.js'

export type Db = Kysely<Database> | Transaction<Database>

/** The repositories' constructor arguments. */
export interface RepositoryContext {
  db: Kysely<Database>
  rows: RowCodec
  capabilities: DialectCapabilities
}

/**
 * A repository as `kysely-store.ts` builds it: its statements once per store, then bound to a
 * tenant (issue 11) by a call that only makes the small object of methods. Every read filters by
 * `tenant` and every write stamps it; the tenant id reaches SQL as a bound parameter, so the
 * statements of all tenants are the same texts (one compiled statement, one SQLite prepared statement).
 */
export type ForTenant<R> = (tenant: string) => R

/** True when an UPDATE or DELETE touched a row. */
export const changed = (result: { numUpdatedRows?: bigint; numDeletedRows?: bigint }): boolean =>
  (result.numUpdatedRows ?? result.numDeletedRows ?? 0n) > 0n

/**
 * Rows of `table` unexpired at `now`, counted up to `limit`: the inner `LIMIT` stops the scan of
 * the `expires_at` index there, so a cap check costs at most `limit` index entries however many
 * rows there are.
 */
export async function countUpTo(db: Kysely<Database>, table: 'interactions' | 'device_codes', now: number, limit: number): Promise<number> {
  const live = db.selectFrom(table).select(sql<number>`1`.as('one')).where('expires_at', '>', now).limit(limit)
  const row = await db.selectFrom(live.as('live')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Epoch-second columns: a value selected into them is cast, since PostgreSQL types a bare parameter in a SELECT list as text. */
const EPOCH_COLUMNS = new Set(['auth_time', 'created_at', 'expires_at', 'revoked_at'])

/**
 * `row`'s `columns`, in that order, then `tenant_id` = `tenant`, as a one-row SELECT that yields
 * nothing unless `condition` still holds (in that tenant), for an `INSERT ... SELECT`: the write and its re-check are one statement, so one round trip. On
 * PostgreSQL the re-checked rows are read `FOR SHARE`, which, under READ COMMITTED, waits for a
 * transaction that has changed them but not committed yet and then reads what it committed (a
 * password change that updated the user, a logout that deleted the session), and holds back such
 * a change until this write has committed, so that the change's own statements see and end what
 * was written. `FOR KEY SHARE` would not do: an UPDATE of a non-key column does not wait for it.
 */
export function valuesWhere<C extends string>(trx: Db, capabilities: DialectCapabilities, tenant: string, columns: readonly C[], row: { [K in C]: unknown }, condition: WriteCondition) {
  const lock = <T extends { forShare(): T }>(q: T): T => (capabilities.lockingReads ? q.forShare() : q)
  return trx
    .selectNoFrom([
      ...columns.map((column) => sql`cast(${row[column] ?? null} as ${sql.raw(EPOCH_COLUMNS.has(column) ? 'bigint' : 'text')})`.as(column)),
      sql<string>`cast(${tenant} as text)`.as('tenant_id'),
    ])
    .where((eb) => {
      const checks: Expression<SqlBool>[] = [sql<SqlBool>`1 = 1`]
      if (condition.passwordHash) {
        const { userId, hash } = condition.passwordHash
        checks.push(eb.exists(lock(eb.selectFrom('users').select(sql<number>`1`.as('one')).where('tenant_id', '=', tenant).where('id', '=', userId).where('password_hash', '=', hash))))
      }
      if (condition.enabledUser) {
        checks.push(eb.exists(lock(eb.selectFrom('users').select(sql<number>`1`.as('one')).where('tenant_id', '=', tenant).where('id', '=', condition.enabledUser).where('disabled_at', 'is', null))))
      }
      if (condition.sessionId) {
        checks.push(eb.exists(lock(eb.selectFrom('sessions').select(sql<number>`1`.as('one')).where('tenant_id', '=', tenant).where('id', '=', condition.sessionId))))
      }
      return eb.and(checks)
    })
}

/** `alias.column AS prefix_column` for every column of a table, to read two tables' rows from one joined row. */
export function columnsAs<T extends keyof Database>(alias: string, prefix: string, columns: readonly (keyof Database[T] & string)[]) {
  return columns.map((column) => sql<unknown>`${sql.ref(`${alias}.${column}`)}`.as(`${prefix}${column}`))
}

/** The row of one table out of a joined row read with `columnsAs`; null when the join found none (its first column is NULL). */
export function unprefix<R>(row: Record<string, unknown>, prefix: string, columns: readonly string[]): R | null {
  if (row[`${prefix}${columns[0]}`] === null || row[`${prefix}${columns[0]}`] === undefined) return null
  const out: Record<string, unknown> = {}
  for (const column of columns) out[column] = row[`${prefix}${column}`]
  return out as R
}

/**
 * A delivery queue's claim (issue 12's `logout_deliveries`, issue 14's `alert_deliveries`): up to
 * `limit` rows due at `now` (`next_attempt_at <= now`) whose lease is free, oldest first, each
 * leased until `now + leaseSeconds` in the same statement, so two nodes never claim one row:
 * `FOR UPDATE SKIP LOCKED` where the dialect has it, and the due and free conditions checked again
 * on the row as updated (a claim that committed meanwhile has taken it). Deployment-wide: every
 * tenant's rows. Returns the rows as updated, in `returning`'s columns.
 */
export async function claimLeased(
  { db, capabilities }: Pick<RepositoryContext, 'db' | 'capabilities'>,
  table: 'logout_deliveries' | 'alert_deliveries',
  key: readonly string[],
  returning: readonly string[],
  now: number,
  limit: number,
  leaseSeconds: number,
): Promise<Record<string, unknown>[]> {
  // The two tables share these columns; Kysely cannot type a query over a union of tables.
  const q = db as unknown as Kysely<any>
  const free = (eb: any) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<=', now)])
  let due = q.selectFrom(table).select(key as string[]).where('next_attempt_at', '<=', now).where(free).orderBy('next_attempt_at').limit(limit)
  if (capabilities.skipLocked) due = due.forUpdate().skipLocked()
  return q
    .updateTable(table)
    .set({ leased_until: now + leaseSeconds })
    .where((eb) => eb(eb.refTuple(...(key as [string, string])), 'in', due as any))
    .where('next_attempt_at', '<=', now)
    .where(free)
    .returning(returning as string[])
    .execute()
}
