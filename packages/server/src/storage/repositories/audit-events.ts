/**
 * Issue 14: the audit log (`audit_events`). Rows arrive in batches from the audit writer
 * (`audit/audit-writer.ts`): one multi-row INSERT per batch, never one per request. Reads are a
 * tenant's log, newest first, paged by id: ids are time-ordered (`lib/sortable-id.ts`), so a time
 * range is an id range on the `(tenant_id, id)` index, and the next page is `id < cursor`, stable
 * however many rows arrive meanwhile. Pruning deletes in batches (its own short statements, `FOR
 * UPDATE SKIP LOCKED` on PostgreSQL as the sweep does), so several nodes may prune at once.
 *
 * `append` and `prune` are deployment-wide (each record names its tenant; retention is the
 * deployment's); `list` reads only the store's tenant.
 */
import type { Kysely } from 'kysely'
import { sortableIdFloor } from '../../lib/sortable-id.js'
import type { AuditEventsTable, Database } from '../database.js'
import { COLUMNS } from '../rows.js'
import type { AuditRecord, Store } from '../store.js'
import type { ForTenant, RepositoryContext } from './shared.js'

/** The most records one `list` call returns, whatever `limit` asks. */
export const AUDIT_LIST_MAX = 1000
/** Rows per INSERT statement (well below SQLite's and PostgreSQL's bound-parameter limits). */
const APPEND_CHUNK = 500
/** Rows per DELETE of a prune. */
const PRUNE_BATCH = 1000

type Row = AuditEventsTable & { tenant_id: string }

function toRow(r: AuditRecord): Row {
  return {
    id: r.id,
    tenant_id: r.tenant,
    type: r.type,
    version: r.version,
    time_ms: Date.parse(r.time),
    actor_type: r.actor.type,
    actor_id: r.actor.id,
    subject_type: r.subject?.type ?? null,
    subject_id: r.subject?.id ?? null,
    client_id: r.client_id,
    ip: r.ip,
    user_agent: r.user_agent,
    outcome: r.outcome,
    data: JSON.stringify(r.data),
  }
}

function fromRow(row: Row): AuditRecord {
  return {
    id: row.id,
    type: row.type,
    version: Number(row.version) as 1,
    time: new Date(Number(row.time_ms)).toISOString(),
    tenant: row.tenant_id,
    actor: { type: row.actor_type as AuditRecord['actor']['type'], id: row.actor_id },
    subject: row.subject_type === null || row.subject_id === null ? null : { type: row.subject_type as NonNullable<AuditRecord['subject']>['type'], id: row.subject_id },
    client_id: row.client_id,
    ip: row.ip,
    user_agent: row.user_agent,
    outcome: row.outcome as AuditRecord['outcome'],
    data: JSON.parse(row.data) as Record<string, unknown>,
  }
}

export function auditEventRepository({ db, capabilities }: RepositoryContext): ForTenant<Store['audit']> {
  const append: Store['audit']['append'] = async (records) => {
    for (let i = 0; i < records.length; i += APPEND_CHUNK) {
      await db.insertInto('audit_events').values(records.slice(i, i + APPEND_CHUNK).map(toRow)).execute()
    }
  }
  const prune: Store['audit']['prune'] = async (before) => {
    const any = db as unknown as Kysely<any>
    const floor = sortableIdFloor(before)
    let deleted = 0
    for (;;) {
      let pick = any.selectFrom('audit_events').select('id').where('id', '<', floor).limit(PRUNE_BATCH)
      if (capabilities.skipLocked) pick = pick.forUpdate().skipLocked()
      const done = await any.deleteFrom('audit_events').where('id', 'in', pick).executeTakeFirst()
      const n = Number(done.numDeletedRows)
      deleted += n
      if (n < PRUNE_BATCH) return deleted
    }
  }
  return (tenant) => ({
    append,
    prune,
    async list(filter = {}) {
      const limit = Math.max(1, Math.min(AUDIT_LIST_MAX, Math.floor(filter.limit ?? 100)))
      let q = (db as Kysely<Database>).selectFrom('audit_events').select(COLUMNS.audit_events).where('tenant_id', '=', tenant)
      if (filter.since !== undefined) q = q.where('id', '>=', sortableIdFloor(filter.since))
      if (filter.until !== undefined) q = q.where('id', '<', sortableIdFloor(filter.until))
      if (filter.cursor !== undefined) q = q.where('id', '<', filter.cursor)
      if (filter.types !== undefined && filter.types.length > 0) q = q.where('type', 'in', [...filter.types])
      const subjects = filter.subjectIds !== undefined && filter.subjectIds.length > 0 ? [...filter.subjectIds] : null
      const actor = filter.actorId
      if (filter.subjectOrActor && subjects !== null && actor !== undefined) {
        q = q.where((eb) => eb.or([eb('subject_id', 'in', subjects), eb('actor_id', '=', actor)]))
      } else {
        if (subjects !== null) q = q.where('subject_id', 'in', subjects)
        if (actor !== undefined) q = q.where('actor_id', '=', actor)
      }
      if (filter.clientId !== undefined) q = q.where('client_id', '=', filter.clientId)
      if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome)
      const rows = (await q.orderBy('id', 'desc').limit(limit + 1).execute()) as Row[]
      const page = rows.slice(0, limit).map(fromRow)
      return { records: page, next: rows.length > limit ? page[page.length - 1]!.id : null }
    },
  })
}
