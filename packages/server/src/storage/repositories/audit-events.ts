/**
 * Issue 14: the audit log (`audit_events`). Rows arrive in batches from the audit writer
 * (`audit/audit-writer.ts`): one multi-row INSERT per batch, never one per request. A batch is a
 * few statements of `APPEND_CHUNK` rows without a transaction, so `append` is idempotent (`ON
 * CONFLICT (id) DO NOTHING`): a retry after a partial write skips the rows already there
 * (security review M2). Reads are a
 * tenant's log, newest first, paged by id: ids are time-ordered (`lib/sortable-id.ts`), so a time
 * range is an id range on the `(tenant_id, id)` index, and the next page is `id < cursor`, stable
 * however many rows arrive meanwhile. Pruning deletes in batches (its own short statements, `FOR
 * UPDATE SKIP LOCKED` on PostgreSQL as the sweep does), so several nodes may prune at once.
 *
 * `append` and `prune` are deployment-wide (each record names its tenant; retention is the
 * deployment's); `list` reads only the store's tenant.
 */
import type { CompiledQuery, ExpressionBuilder, Kysely } from 'kysely'
import { sortableIdFloor } from '../../lib/sortable-id.js'
import type { AuditEventsTable, Database } from '../database.js'
import { COLUMNS } from '../rows.js'
import type { AuditRecord, Store } from '../store.js'
import type { ForTenant, RepositoryContext } from './shared.js'

/** The most records one `list` call returns, whatever `limit` asks. */
export const AUDIT_LIST_MAX = 1000
/** Rows per INSERT statement (14 parameters each: well below SQLite's and PostgreSQL's limits). */
const APPEND_CHUNK = 50
/** Rows per DELETE of a prune. */
const PRUNE_BATCH = 1000

type Row = AuditEventsTable & { tenant_id: string }

/** A record's column values, in the order of `COLUMNS.audit_events`. */
function toValues(r: AuditRecord): unknown[] {
  return [
    r.id, r.tenant, r.type, r.version, Date.parse(r.time), r.actor.type, r.actor.id, r.subject?.type ?? null, r.subject?.id ?? null,
    r.client_id, r.ip, r.user_agent, r.outcome, JSON.stringify(r.data),
  ]
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
  // Issue 14: one audit row per token issued, so the INSERT is built with Kysely once per row count
  // (1..APPEND_CHUNK, compiled.ts's reasoning) and run with the rows' values: no operation tree per batch.
  const compiled = new Map<number, CompiledQuery>()
  const insertOf = (n: number): CompiledQuery => {
    let query = compiled.get(n)
    if (query === undefined) {
      const placeholder = Object.fromEntries(COLUMNS.audit_events.map((column) => [column, null])) as unknown as Row
      query = db
        .insertInto('audit_events')
        .values(Array.from({ length: n }, () => placeholder))
        // Security review M2: a retried batch whose first statements committed before a later one
        // failed must not fail on its own rows: a row already written is skipped, not an error.
        .onConflict((oc) => oc.column('id').doNothing())
        .compile()
      if (query.parameters.length !== n * COLUMNS.audit_events.length) throw new Error('audit_events: unexpected INSERT parameters')
      compiled.set(n, query)
    }
    return query
  }
  const append: Store['audit']['append'] = async (records) => {
    for (let i = 0; i < records.length; i += APPEND_CHUNK) {
      const chunk = records.slice(i, i + APPEND_CHUNK)
      const parameters: unknown[] = []
      for (const record of chunk) parameters.push(...toValues(record))
      await db.executeQuery({ ...insertOf(chunk.length), parameters })
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
      // Security review: subjects and the actor match by (type, id), never by id alone.
      const subjects = filter.subjects !== undefined && filter.subjects.length > 0 ? filter.subjects : null
      const actor = filter.actor
      const subjectMatch = (eb: ExpressionBuilder<Database, 'audit_events'>) => eb.or(subjects!.map((s) => eb.and([eb('subject_type', '=', s.type), eb('subject_id', '=', s.id)])))
      const actorMatch = (eb: ExpressionBuilder<Database, 'audit_events'>) => eb.and([eb('actor_type', '=', actor!.type), eb('actor_id', '=', actor!.id)])
      if (filter.subjectOrActor && subjects !== null && actor !== undefined) {
        q = q.where((eb) => eb.or([subjectMatch(eb), actorMatch(eb)]))
      } else {
        if (subjects !== null) q = q.where((eb) => subjectMatch(eb))
        if (actor !== undefined) q = q.where((eb) => actorMatch(eb))
      }
      if (filter.clientId !== undefined) q = q.where('client_id', '=', filter.clientId)
      if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome)
      const rows = (await q.orderBy('id', 'desc').limit(limit + 1).execute()) as Row[]
      const page = rows.slice(0, limit).map(fromRow)
      return { records: page, next: rows.length > limit ? page[page.length - 1]!.id : null }
    },
  })
}
