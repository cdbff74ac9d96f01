/**
 * What every repository shares: the connection type (a Kysely instance or a transaction on it)
 * and the reading of "did this statement change a row".
 */
import type { Kysely, Transaction } from 'kysely'
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
