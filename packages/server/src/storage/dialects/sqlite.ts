/**
 * The SQLite dialect (the default, `sqlite:./data/latch.db`) on better-sqlite3. WAL lets readers
 * run beside the one writer; `busy_timeout` makes a second process wait for the write lock instead
 * of failing at once; `synchronous = NORMAL` is durable in WAL mode except for the last commits on
 * power loss, the usual trade for a single-node server; foreign keys are off in SQLite unless asked
 * for. Every Latch atomic step is a single `UPDATE ... RETURNING` or a short transaction, which
 * SQLite ≥ 3.35 runs serialised, so single use holds across processes sharing the file.
 *
 * @see https://www.sqlite.org/wal.html
 * @see https://www.sqlite.org/lang_returning.html
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Sqlite from 'better-sqlite3'
import { SqliteDialect, sql, type SqliteDatabase } from 'kysely'
import { errorCodes, portableCodecs, type DialectCapabilities, type DialectSetup } from './dialect.js'

/** `SQLITE_BUSY` after busy_timeout, a vanished or unwritable file, a full disk. */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY)/

export const sqliteCapabilities: DialectCapabilities = {
  name: 'sqlite',
  // SQLite does roll back DDL, but Kysely's SqliteAdapter says false; we follow the adapter.
  supportsTransactionalDdl: false,
  concurrentConnections: false,
  skipLocked: false,
  lockingReads: false,
  writableCtes: false,
  codecs: portableCodecs,
  jsonInteger: (column, path) => sql<number | null>`cast(json_extract(${sql.ref(column)}, ${`$.${path.join('.')}`}) as integer)`,
  isUnavailable: (error) => errorCodes(error).some((code) => UNAVAILABLE.test(code)),
}

/** `path` is a file path or `:memory:`; the file's directory is created when missing. */
export function createSqliteDialect(path: string): DialectSetup {
  const memory = path === ':memory:'
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true })
  const database = new Sqlite(path)
  try {
    if (!memory) database.pragma('journal_mode = WAL')
    database.pragma('foreign_keys = ON')
    database.pragma('busy_timeout = 5000')
    database.pragma('synchronous = NORMAL')
    // Checkpoint every ~40 MB of WAL instead of ~4 MB: each checkpoint rewrites pages into the
    // main file, and on the code round trip they cost a quarter of the write time (bench/README.md).
    database.pragma('wal_autocheckpoint = 10000')
    // Up to 64 MiB of page cache instead of SQLite's 2 MiB: codes, grants and refresh tokens are
    // keyed by random hashes, so each insert lands on a random leaf of every index, and with the
    // default cache most of those leaves are read back from the OS per statement. Measured on the
    // code round trip: ~13% less CPU per iteration (bench/README.md). The cache grows only as used.
    database.pragma('cache_size = -65536')
  } catch (error) {
    database.close()
    throw error
  }
  return { capabilities: sqliteCapabilities, dialect: new SqliteDialect({ database: withStatementCache(database) }) }
}

/** Most distinct SQL texts Latch generates are a few dozen; the bound only guards `IN (...)` lists. */
const MAX_CACHED_STATEMENTS = 512

/**
 * Kysely's SQLite driver prepares every query anew, and preparing was ~15% of the CPU of a code
 * round trip (bench/README.md). Kysely emits the same SQL text with bound parameters for the same
 * query shape, so prepared statements are cached by text; better-sqlite3 statements are reusable.
 */
function withStatementCache(database: Sqlite.Database): SqliteDatabase {
  const cache = new Map<string, Sqlite.Statement>()
  // Kysely's driver only calls prepare() and close(): a plain object, no per-access Proxy cost.
  return {
    close: () => {
      cache.clear()
      database.close()
    },
    prepare(sql: string) {
      let statement = cache.get(sql)
      if (!statement) {
        if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear()
        statement = database.prepare(sql)
        cache.set(sql, statement)
      }
      return statement
    },
  }
}
