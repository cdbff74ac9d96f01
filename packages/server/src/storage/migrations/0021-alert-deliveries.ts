/**
 * Issue 14, alert webhooks: `alert_deliveries`, the queue of signed alert POSTs still to send, one
 * row per (alert, webhook). Deployment-wide like the alerts config: `tenant` is the tenant the
 * alert is about (the body says it too), not an owner, so deleting a tenant does not silence the
 * operator's alerts about it (hence `tenant`, not `tenant_id`: not one of the tenant tables).
 *
 * `body` is the exact JSON that is signed and sent, written once, so every retry signs the same
 * bytes; it never holds a secret, code or token (alert payloads are event payloads). The webhook is
 * named by `webhook_id`, a digest of its URL (`alerts/webhooks.ts`): neither the URL (its query
 * may carry a credential) nor the signing secret is ever stored.
 *
 * Migration 0020 is the audit log's (another lane of issue 14); names sort, so either order of
 * merge runs both.
 */
import type { Kysely, Migration } from 'kysely'

/** Integer epoch seconds (see 0001-initial). */
const EPOCH = 'bigint'

export const alertDeliveries: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('alert_deliveries')
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('webhook_id', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', EPOCH, (c) => c.notNull())
      .addColumn('leased_until', EPOCH)
      .addColumn('last_status', 'integer')
      .addPrimaryKeyConstraint('alert_deliveries_pkey', ['id', 'webhook_id'])
      .execute()
    await db.schema.createIndex('alert_deliveries_next_attempt_at').on('alert_deliveries').column('next_attempt_at').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('alert_deliveries').execute()
  },
}
