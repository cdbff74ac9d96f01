/**
 * What every repository shares: the connection type (a Kysely instance or a transaction on it)
 * and the reading of "did this statement change a row".
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../database.js'
import type { RowCodec } from '../rows.js'

export type Db = Kysely<Database> | Transaction<Database>

/** The repositories' constructor arguments. */
export interface RepositoryContext {
  db: Kysely<Database>
  rows: RowCodec
}

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
