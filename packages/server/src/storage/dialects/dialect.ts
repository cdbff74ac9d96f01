/**
 * What differs between the databases Latch runs on, in one small object per dialect, after
 * Kysely's `DialectAdapter` (capability flags, not `if (dialect === ...)` branches): how values
 * that have no common SQL type are encoded, how the connection is made, and which driver errors
 * mean "the database is unreachable" (answered as 503 `temporarily_unavailable`, RFC 6749
 * §4.1.2.1) rather than a bug.
 *
 * @see https://kysely-org.github.io/kysely-apidoc/interfaces/DialectAdapter.html
 */
import type { Dialect, RawBuilder } from 'kysely'

/** A value's stored form and back. */
export interface Codec<T, Stored> {
  encode(value: T): Stored
  decode(stored: Stored): T
}

export interface Codecs {
  /** Booleans as 0/1 integers: SQLite has no boolean type. */
  readonly boolean: Codec<boolean, number>
  /** Arrays and objects as JSON text: one column type on both dialects. */
  readonly json: Codec<unknown, string>
}

export interface DialectCapabilities {
  readonly name: 'sqlite' | 'postgres'
  /** DDL rolls back with its transaction, so a failed migration leaves no half-made schema. */
  readonly supportsTransactionalDdl: boolean
  /** Several connections at once (a pool); false means queries queue on one connection. */
  readonly concurrentConnections: boolean
  /**
   * `SELECT ... FOR UPDATE SKIP LOCKED`: concurrent sweeps on several nodes each take rows no
   * other one holds, so they neither wait on nor deadlock with each other. SQLite has no row locks
   * (one writer at a time), so it needs none.
   */
  readonly skipLocked: boolean
  /**
   * `SELECT ... FOR SHARE`: a read that waits for a concurrent uncommitted change of the row and
   * then sees its result (PostgreSQL, READ COMMITTED). SQLite runs one writer at a time, so every
   * statement already sees the last committed write.
   */
  readonly lockingReads: boolean
  /**
   * Data-modifying statements in `WITH` (PostgreSQL): a compare-and-swap and the insert that
   * follows it as one statement, so one round trip instead of BEGIN, UPDATE, INSERT, COMMIT.
   */
  readonly writableCtes: boolean
  readonly codecs: Codecs
  /**
   * The integer at `path` inside the JSON text of column `column` (null when absent): SQLite's
   * `json_extract`, PostgreSQL's `#>>` on the text cast to `jsonb`. For reads over many rows that
   * need one setting, so the settings themselves need not travel.
   */
  jsonInteger(column: string, path: readonly string[]): RawBuilder<number | null>
  /** True for errors that mean the database cannot be reached right now, not that a query is wrong. */
  isUnavailable(error: unknown): boolean
}

/** A connected dialect: what Kysely needs, plus our capabilities. */
export interface DialectSetup {
  readonly capabilities: DialectCapabilities
  readonly dialect: Dialect
  /** Issue 14: the connection pool's use now, for metrics; absent without a pool (SQLite). */
  readonly poolUsage?: () => PoolUsage
}

/** Issue 14: a connection pool's state at one moment (`pg.Pool`'s counts). */
export interface PoolUsage {
  /** Connections open, idle or checked out. */
  total: number
  idle: number
  /** Queries waiting for a connection. */
  waiting: number
  /** The pool's cap (`pool_size`). */
  max: number
}

/** The encodings both shipped dialects use: integer booleans and JSON text. */
export const portableCodecs: Codecs = {
  boolean: { encode: (value) => (value ? 1 : 0), decode: (stored) => Number(stored) === 1 },
  json: { encode: (value) => JSON.stringify(value), decode: (stored) => JSON.parse(stored) as unknown },
}

/** `code` of an error or of any error it wraps (`cause`, `AggregateError.errors`). */
export function errorCodes(error: unknown, depth = 0): string[] {
  if (typeof error !== 'object' || error === null || depth > 4) return []
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown }
  const own = typeof e.code === 'string' ? [e.code] : []
  const nested = Array.isArray(e.errors) ? e.errors.flatMap((x) => errorCodes(x, depth + 1)) : []
  return [...own, ...nested, ...errorCodes(e.cause, depth + 1)]
}
