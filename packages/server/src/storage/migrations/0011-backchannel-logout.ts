/**
 * Issue 12, OpenID Connect Back-Channel Logout 1.0 as the provider:
 * - `clients.backchannel_logout_uri` (null: the client is not notified) and
 *   `clients.backchannel_logout_session_required` (0/1, §2.2 client metadata);
 * - `logout_deliveries`: the queue of logout tokens still to send, one row per (tenant, client, sid),
 *   written in the transaction that ends the session (repositories/logout-deliveries.ts) and
 *   claimed with a lease by whichever node delivers it. No token is stored: it is signed at each
 *   attempt, so a dump of the table holds nothing a client would accept.
 *
 * Only a new table and nullable or defaulted columns: no SQLite rebuild.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRegistration
 */
import type { Kysely, Migration } from 'kysely'

/** Integer epoch seconds (see 0001-initial). */
const EPOCH = 'bigint'

export const backchannelLogout: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('clients').addColumn('backchannel_logout_uri', 'text').execute()
    await db.schema.alterTable('clients').addColumn('backchannel_logout_session_required', 'integer', (c) => c.notNull().defaultTo(0)).execute()
    await db.schema
      .createTable('logout_deliveries')
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('sid', 'text', (c) => c.notNull())
      .addColumn('sub', 'text', (c) => c.notNull())
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', EPOCH, (c) => c.notNull())
      .addColumn('leased_until', EPOCH)
      .addPrimaryKeyConstraint('logout_deliveries_pkey', ['tenant_id', 'client_id', 'sid'])
      .execute()
    await db.schema.createIndex('logout_deliveries_next_attempt_at').on('logout_deliveries').column('next_attempt_at').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('logout_deliveries').execute()
    await db.schema.alterTable('clients').dropColumn('backchannel_logout_session_required').execute()
    await db.schema.alterTable('clients').dropColumn('backchannel_logout_uri').execute()
  },
}
