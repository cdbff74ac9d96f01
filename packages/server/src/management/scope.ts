/**
 * Issue 14: what every management service takes (the CLI today, the admin API next): the tenant's
 * store, a clock, the tenant's effective config, and who is acting through what (for the audit
 * record of each change, admin-change.ts). Services validate, write, then record the change; they
 * know nothing of flags or HTTP, and fail with a `ManagementError` whose `code` the caller turns
 * into its own words (an exit code and message for the CLI, a status for the API).
 */
import type { LatchConfig } from '../config/schema.js'
import type { Clock } from '../lib/clock.js'
import type { AdminChangeScope } from './admin-change.js'

export interface ManagementScope extends AdminChangeScope {
  clock: Clock
  /** The tenant's effective config (its settings over the deployment's), as the servers run it. */
  config: LatchConfig
}

export const MANAGEMENT_ERROR_CODES = ['not_found', 'conflict', 'refused'] as const
export type ManagementErrorCode = (typeof MANAGEMENT_ERROR_CODES)[number]

/**
 * A change that cannot be made: `not_found` (no such resource), `conflict` (it exists already, or
 * changed meanwhile), `refused` (a rule forbids it: an unverified federated user, another signing alg…).
 * The message is fit to show (never a secret).
 */
export class ManagementError extends Error {
  readonly code: ManagementErrorCode
  /** The kind of resource the error is about (`organization`, `user`, `key`…). */
  readonly resource: string
  /** Facts a caller may word the error with (never a secret). */
  readonly detail: Readonly<Record<string, unknown>>
  constructor(code: ManagementErrorCode, resource: string, message: string, options?: ErrorOptions & { detail?: Record<string, unknown> }) {
    super(message, options)
    this.name = 'ManagementError'
    this.code = code
    this.resource = resource
    this.detail = options?.detail ?? {}
  }
}
