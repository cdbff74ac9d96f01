/**
 * Issue 14: the audit record, schema version 1 (README "Audit log", field by field). The type
 * lives with the store (`storage/records.ts`), which persists it; this is its home for everything
 * above storage. A change of meaning or shape of a field is a new version, never an edit of 1.
 */
export type { AuditRecord, AuditActorType, AuditSubjectType, AuditFilter, AuditPage } from '../storage/store.js'

/** The version every record written by this code carries. */
export const AUDIT_SCHEMA_VERSION = 1
