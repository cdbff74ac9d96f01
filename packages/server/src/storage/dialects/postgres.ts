/**
 * The PostgreSQL dialect on a `pg` Pool, for several Latch nodes sharing one database. The URL's
 * own query may carry `pool_size` (default 10) and `schema`, which becomes the connection's
 * `search_path` (created when missing) so that test runs and tenants can each have their own
 * schema. `int8` is parsed to a number here, because epoch seconds are `bigint` columns and `pg`
 * would otherwise hand them back as strings. Under READ COMMITTED a conditional `UPDATE` waits for
 * a concurrent writer of the same row and then re-checks its `WHERE`, which is what makes
 * consume-once and rotate-once hold across nodes.
 *
 * @see https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED
 * @see https://node-postgres.com/apis/pool
 */
import pg from 'pg'
import { PostgresDialect, sql, type DatabaseIntrospector, type DatabaseMetadataOptions, type Kysely, type TableMetadata } from 'kysely'
import { errorCodes, portableCodecs, type DialectCapabilities, type DialectSetup } from './dialect.js'

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])
/** SQLSTATE: 08 connection exceptions, 57P01-03 shutdown / not yet accepting, 53300 too many connections. */
const SQLSTATE = /^(08...|57P0[123]|53300)$/
/** `pg` reports a dropped connection or pool timeout only in the message. */
const MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i

export const postgresCapabilities: DialectCapabilities = {
  name: 'postgres',
  supportsTransactionalDdl: true,
  concurrentConnections: true,
  skipLocked: true,
  lockingReads: true,
  writableCtes: true,
  codecs: portableCodecs,
  jsonInteger: (column, path) => sql<number | null>`cast(cast(${sql.ref(column)} as jsonb) #>> ${`{${path.join(',')}}`} as bigint)`,
  isUnavailable(error) {
    if (errorCodes(error).some((code) => NETWORK.has(code) || SQLSTATE.test(code))) return true
    return error instanceof Error && MESSAGE.test(error.message)
  },
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
const INT8_OID = 20

export interface PostgresOptions {
  connectionString: string
  poolSize: number
  schema: string | null
}

/** Splits Latch's own `pool_size` and `schema` parameters off the URL; `pg` gets the rest. */
export function parsePostgresUrl(url: string): PostgresOptions {
  const parsed = new URL(url)
  const poolSizeParam = parsed.searchParams.get('pool_size')
  const schema = parsed.searchParams.get('schema')
  parsed.searchParams.delete('pool_size')
  parsed.searchParams.delete('schema')
  const poolSize = poolSizeParam === null ? 10 : Number(poolSizeParam)
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`database URL: pool_size must be a positive integer, got "${poolSizeParam}"`)
  if (schema !== null && !SCHEMA_NAME.test(schema)) throw new Error(`database URL: schema must be a plain identifier, got "${schema}"`)
  return { connectionString: parsed.toString(), poolSize, schema }
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
}

export async function createPostgresDialect(url: string): Promise<DialectSetup> {
  const { connectionString, poolSize, schema } = parsePostgresUrl(url)
  const base = { connectionString, types, connectionTimeoutMillis: 5000 }
  if (schema !== null) {
    // Before the pool exists, so every pooled connection can start with the schema on its path.
    const client = new pg.Client(base)
    client.on('error', () => {}) // a drop mid-query also rejects the query, which reports it
    await client.connect()
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    } catch (error) {
      // Two nodes creating it at once: IF NOT EXISTS still races on the catalog's unique index.
      if (!errorCodes(error).some((code) => code === '23505' || code === '42P06')) throw error
    } finally {
      await client.end()
    }
  }
  const pool = new pg.Pool({ ...base, max: poolSize, ...(schema === null ? {} : { options: `-c search_path=${schema}` }) })
  // An idle client that loses its server emits 'error' on the pool; unhandled it would crash the
  // process. The next query sees the failure and is reported as StorageUnavailableError.
  pool.on('error', () => {})
  // A checked-out client has no pool listener: when its connection drops while Kysely holds it (in
  // a transaction, or just around a query), the client emits 'error', and an unhandled 'error'
  // event killed the whole node when PostgreSQL stopped under load. So every client listens for
  // its whole life; the query in flight, or the next one on that client, fails with the cause
  // (reported as StorageUnavailableError), and the pool discards the client on release.
  pool.on('connect', (client) => client.on('error', () => {}))
  return {
    capabilities: postgresCapabilities,
    dialect: new CurrentSchemaPostgresDialect({ pool }),
    // Issue 14: read at scrape time only; `pg` keeps these counts itself.
    poolUsage: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: poolSize }),
  }
}

/**
 * Kysely's `Migrator` asks the introspector whether its own tables exist, and `PostgresIntrospector`
 * lists the tables of every schema of the database: once another schema (another tenant, another
 * test run) holds `kysely_migration_lock`, the Migrator skips creating it in ours and then fails on
 * it (42P01 at start). This introspector sees only the schema Latch writes to, `current_schema()`
 * (the first of the search_path), so each schema migrates on its own.
 */
class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    const all = super.createIntrospector(db)
    // Queried in the current schema only: listing every schema and filtering afterwards races
    // with a schema dropped meanwhile (`pg_get_serial_sequence` then fails on it).
    const getTables = async (_options?: DatabaseMetadataOptions): Promise<TableMetadata[]> => {
      const { rows } = await sql<{ name: string; schema: string; is_view: boolean }>`
        select c.relname as name, n.nspname as schema, c.relkind = 'v' as is_view
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')`.execute(db)
      return rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.is_view, columns: [] }))
    }
    return {
      getSchemas: () => all.getSchemas(),
      getTables,
      getMetadata: async (options) => ({ tables: await getTables(options) }),
    }
  }
}
