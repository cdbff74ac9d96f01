/**
 * Issue 14: the console's Audit log page (`/admin/audit`): the admin API's filters (`type`, `user`,
 * `outcome`, `since`; `lib/relative-time.ts`, `audit/user-filter.ts`) in a GET form, 50 records a
 * page newest first, **Older records** by cursor (paging by id, stable as records arrive).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AUDIT_CURSOR, isAuditType } from '../../audit/audit-query.js'
import { auditUserFilter } from '../../audit/user-filter.js'
import { auditContent, type AuditFilters } from '../../interaction/views/console-audit.js'
import { CONSOLE_MESSAGES as m } from '../../interaction/views/console-messages.js'
import { parseRelativeTime, RELATIVE_TIME_HINT } from '../../lib/relative-time.js'
import type { AuditFilter } from '../../storage/store.js'
import { tenantKeySecret } from '../../users/login-throttle.js'
import { href, single, gate, render } from './page.js'

const AUDIT_PAGE = 50
const MAX_AUDIT_TYPES = 50

/** The filter of the page's query, or the words of what is wrong with it. */
async function auditFilterOf(request: FastifyRequest, f: AuditFilters, cursor: string): Promise<AuditFilter | string> {
  const ctx = request.latch
  const filter: AuditFilter = { limit: AUDIT_PAGE }
  if (f.since !== '') {
    const ms = parseRelativeTime(f.since, Date.now())
    if (ms === null) return `${m.since}: must be ${RELATIVE_TIME_HINT}`
    filter.since = ms
  }
  if (f.type !== '') {
    const types = f.type.split(',').map((t) => t.trim()).filter((t) => t !== '')
    if (types.length > MAX_AUDIT_TYPES) return `${m.type}: at most ${MAX_AUDIT_TYPES}`
    const unknown = types.find((t) => !isAuditType(t))
    if (unknown !== undefined) return `${m.type}: no such event ${JSON.stringify(unknown.slice(0, 64))}`
    if (types.length > 0) filter.types = types
  }
  if (f.user !== '') Object.assign(filter, await auditUserFilter(ctx.store.users, tenantKeySecret(ctx.config.secret, ctx.tenant), f.user))
  if (f.outcome !== '') {
    if (f.outcome !== 'success' && f.outcome !== 'failure') return `${m.outcome}: must be success or failure`
    filter.outcome = f.outcome
  }
  if (cursor !== '') {
    if (!AUDIT_CURSOR.test(cursor)) return 'cursor: must be the one of the Older records link'
    filter.cursor = cursor
  }
  return filter
}

export async function showAudit(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  if (admin === null) return reply
  const q = request.query
  const filters: AuditFilters = { type: single(q, 'type').slice(0, 2000), user: single(q, 'user').slice(0, 254), outcome: single(q, 'outcome').slice(0, 16), since: single(q, 'since').slice(0, 64) }
  const filter = await auditFilterOf(request, filters, single(q, 'cursor').slice(0, 64))
  const view = { action: href(request, '/audit'), filters, enabled: request.latch.config.audit.enabled }
  if (typeof filter === 'string') return render(request, reply, admin, 'audit', m.audit, auditContent({ ...view, records: [], older: null, emails: new Map() }), { text: filter, alert: true }, 400)
  const page = await request.latch.store.audit.list(filter)
  let older: string | null = null
  if (page.next !== null) {
    const next = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''))
    // A relative `since` made absolute, so that the pages of one walk agree.
    if (filter.since !== undefined) next.set('since', new Date(filter.since).toISOString())
    next.set('cursor', page.next)
    older = `${href(request, '/audit')}?${next.toString()}`
  }
  // At most two users a record, fifty records a page: a bounded number of lookups.
  const ids = new Set(page.records.flatMap((r) => [r.actor, r.subject].filter((p) => p?.type === 'user' && p.id !== null).map((p) => p!.id as string)))
  const users = await Promise.all([...ids].map((id) => request.latch.store.users.getById(id)))
  const emails = new Map(users.filter((u) => u !== null).map((u) => [u.id, u.email]))
  return render(request, reply, admin, 'audit', m.audit, auditContent({ ...view, records: page.records, older, emails }))
}
