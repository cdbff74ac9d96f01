/**
 * Row counts of a test server's database, read over a connection of the test's own (the store
 * does not expose them): how the soak test shows that sweeping keeps every table bounded.
 */
import { Kysely, sql } from 'kysely'
import type { Database } from '../src/storage/database.js'
import { createPostgresDialect } from '../src/storage/dialects/postgres.js'
import { createSqliteDialect } from '../src/storage/dialects/sqlite.js'

export const SWEPT_TABLES = [
  'interactions', 'authorization_codes', 'grants', 'refresh_tokens', 'access_tokens', 'device_codes', 'sessions', 'replay_keys',
] as const satisfies readonly (keyof Database)[]

export type TableSizes = Record<(typeof SWEPT_TABLES)[number], number>

export interface TableCounter {
  sizes(): Promise<TableSizes>
  close(): Promise<void>
}

export async function openTableCounter(databaseUrl: string): Promise<TableCounter> {
  const setup = databaseUrl.startsWith('sqlite:') ? createSqliteDialect(databaseUrl.slice('sqlite:'.length)) : await createPostgresDialect(databaseUrl)
  const db = new Kysely<Database>({ dialect: setup.dialect })
  return {
    async sizes() {
      const out = {} as TableSizes
      for (const table of SWEPT_TABLES) {
        const row = await db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
        out[table] = Number(row.n)
      }
      return out
    },
    close: () => db.destroy(),
  }
}
