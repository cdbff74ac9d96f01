/**
 * Issue 14: the queue of signed alert webhooks still to send (`alert_deliveries`), deployment-wide.
 * The same pattern as the back-channel logout queue (`logout-deliveries.ts`): delivering is
 * at-least-once; a node claims due rows with a lease in one UPDATE whose row pick is
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL (two nodes claiming at once take different rows and
 * neither waits), POSTs, then completes (deletes) or reschedules the row. A node that dies
 * mid-delivery leaves its lease to run out, and another node picks the row up then.
 *
 * Bounded: `enqueue` writes nothing once the queue holds `limit` rows, counted with an inner
 * `LIMIT` (the count reads at most `limit` index entries however full the table is). Anonymous
 * traffic can cause alerts (failed sign-ins), so the table must not grow with it; and (security
 * review M3) the caller can cap those alerts' `share` of it, so that they never crowd out a theft alert.
 * @see https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE
 */
import { sql } from 'kysely'
import { COLUMNS } from '../rows.js'
import type { AlertDeliveryRecord, Store } from '../store.js'
import { claimLeased, type RepositoryContext } from './shared.js'

const record = (r: AlertDeliveryRecord): AlertDeliveryRecord => ({
  ...r,
  created_at: Number(r.created_at),
  attempts: Number(r.attempts),
  next_attempt_at: Number(r.next_attempt_at),
  leased_until: r.leased_until === null ? null : Number(r.leased_until),
  last_status: r.last_status === null ? null : Number(r.last_status),
})

export function alertDeliveryRepository({ db, capabilities }: RepositoryContext): Store['alertDeliveries'] {
  const key = (id: string, webhookId: string) => db.updateTable('alert_deliveries').where('id', '=', id).where('webhook_id', '=', webhookId)
  return {
    async enqueue(rows, now, limit, share) {
      if (rows.length === 0) return 0
      const full = async (max: number, types?: readonly string[]) => {
        if (max <= 0) return true
        let queued = db.selectFrom('alert_deliveries').select(sql<number>`1`.as('one'))
        if (types !== undefined) queued = queued.where('type', 'in', types.length > 0 ? [...types] : [''])
        const { n } = await db.selectFrom(queued.limit(max).as('q')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
        return Number(n) >= max
      }
      if (await full(limit)) return 0
      if (share !== undefined && (await full(share.limit, share.types))) return 0
      await db
        .insertInto('alert_deliveries')
        .values(rows.map((r) => ({ id: r.id, webhook_id: r.webhook_id, tenant: r.tenant, type: r.type, body: r.body, created_at: now, attempts: 0, next_attempt_at: now, leased_until: null, last_status: null })))
        .onConflict((oc) => oc.columns(['id', 'webhook_id']).doNothing())
        .execute()
      return rows.length
    },
    async claim(now, limit, leaseSeconds) {
      const rows = (await claimLeased({ db, capabilities }, 'alert_deliveries', ['id', 'webhook_id'], COLUMNS.alert_deliveries, now, limit, leaseSeconds)) as any[]
      return rows.map(record).sort((a, b) => a.next_attempt_at - b.next_attempt_at)
    },
    async complete(id, webhookId) {
      await db.deleteFrom('alert_deliveries').where('id', '=', id).where('webhook_id', '=', webhookId).execute()
    },
    async retry(id, webhookId, nextAttemptAt, status) {
      await key(id, webhookId)
        .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: nextAttemptAt, leased_until: null, last_status: status }))
        .execute()
    },
    async list() {
      const rows = await db.selectFrom('alert_deliveries').select(COLUMNS.alert_deliveries).orderBy('created_at').orderBy('id').orderBy('webhook_id').execute()
      return rows.map(record)
    },
  }
}
