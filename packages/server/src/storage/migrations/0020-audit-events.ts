/**
 * Issue 14: the audit log, `audit_events`, one row per audit record of schema version 1 (README
 * "Audit log"). Written in batches by `audit/audit-writer.ts`, never by a request; read by
 * `latch audit list`; pruned after `audit.retention`.
 *
 * - `id`: time-ordered (12 hex digits of epoch milliseconds first), so the primary key orders the
 *   log by time, a time range is an id range, and the newest-first listing pages by id (`id < cursor`).
 * - `time_ms`: epoch milliseconds, not seconds as elsewhere: events of one second keep their order.
 * - `subject_id` holds a user's id, a client's, a grant's…, or, for a failed sign-in, the keyed
 *   hash of the account as typed (never the email).
 * - indexes: listing a tenant's log newest first (`tenant_id, id`), by type and by subject (each
 *   with `id` last, so a filtered page is an ordered index range). Not by actor: every index is
 *   one more B-tree written per token issued, and the actors worth searching (a user) are mostly
 *   subjects of the same events too; an actor filter reads the tenant's log newest first.
 *
 * Only a new table: nothing to rebuild on SQLite.
 */
import type { Kysely, Migration } from 'kysely'

export const auditEvents: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('audit_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('time_ms', 'bigint', (c) => c.notNull())
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('subject_type', 'text')
      .addColumn('subject_id', 'text')
      .addColumn('client_id', 'text')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute()
    await db.schema.createIndex('audit_events_tenant').on('audit_events').columns(['tenant_id', 'id']).execute()
    await db.schema.createIndex('audit_events_type').on('audit_events').columns(['tenant_id', 'type', 'id']).execute()
    await db.schema.createIndex('audit_events_subject').on('audit_events').columns(['tenant_id', 'subject_id', 'id']).execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('audit_events').execute()
  },
}
