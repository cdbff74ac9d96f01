/**
 * Issue 14 (security review M5b): `clients.source`, who owns a client: 'config' (the config file
 * lists it; `seedFromConfig` writes it and, at every start and reload, deletes the config-owned
 * clients the file no longer lists) or 'cli' (made with `latch clients create` or any other
 * writer; never deleted by a start). Existing rows become 'cli': which of them came from the file is
 * not known, and the next start sets 'config' on every client its file lists. Added with a
 * constant default: no rebuild on SQLite, no backfill on PostgreSQL.
 */
import type { Kysely, Migration } from 'kysely'

export const configOwnedClients: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('clients').addColumn('source', 'text', (c) => c.notNull().defaultTo('cli')).execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('clients').dropColumn('source').execute()
  },
}
