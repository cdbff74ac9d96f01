/** The public surface of @latch/server: re-exports only. */
export { createServer, createLogger, REDACT_PATHS, type CreateServerOptions, type LatchServer } from './server.js'
export * from './admin.js'
// Issue 14: where `audit.stream` writes, for `createServer({ auditStream })`.
export type { AuditStream } from './audit/audit-writer.js'
