/**
 * Issue 14: what a query of the audit log may name, checked the same way by `latch audit list` and
 * the admin API (`GET /admin/api/v1/audit-events`).
 * - A type is an event of the bus (`EVENT_NAMES`, README "Audit log") or an administrative change
 *   (`ADMIN_CHANGE_TYPES`, written directly by the management layer, not a bus event).
 * - A cursor is the id of the last record of the previous page (`lib/sortable-id.ts`: lowercase hex).
 */
import { EVENT_NAMES } from '../events.js'
import { ADMIN_CHANGE_TYPES } from './admin-change-types.js'

const TYPES: ReadonlySet<string> = new Set([...EVENT_NAMES, ...ADMIN_CHANGE_TYPES])

export function isAuditType(type: string): boolean {
  return TYPES.has(type)
}

/** The shape of a page cursor (a record id). */
export const AUDIT_CURSOR = /^[0-9a-f]{12,64}$/
