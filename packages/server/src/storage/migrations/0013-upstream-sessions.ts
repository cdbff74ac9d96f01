/**
 * Issue 12, federated logout: `upstream_sessions`, for a Latch session signed in through a
 * connection with `federated_logout`, which connection it was and the upstream's ID token (the
 * `id_token_hint` of the upstream's RP-initiated logout), encrypted under LATCH_SECRET (compact
 * JWE, label `latch/v1/upstream-id-token`): a dump of the table names no one's upstream session.
 * One row per session (`session_id` → `sessions.id`, ON DELETE CASCADE: it goes with its session,
 * whichever way that ends) and swept at `expires_at`.
 *
 * Only a new table: nothing to rebuild on SQLite.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
import type { Kysely, Migration } from 'kysely'

/** Integer epoch seconds (see 0001-initial). */
const EPOCH = 'bigint'

export const upstreamSessions: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('upstream_sessions')
      .addColumn('session_id', 'text', (c) => c.primaryKey().references('sessions.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('id_token_encrypted', 'text', (c) => c.notNull())
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('expires_at', EPOCH, (c) => c.notNull())
      .execute()
    await db.schema.createIndex('upstream_sessions_expires_at').on('upstream_sessions').column('expires_at').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('upstream_sessions').execute()
  },
}
