/**
 * Security review L3 (issue 14): background work started from a request must not run as that
 * request. Timers and `setImmediate` callbacks inherit the async context they were scheduled in:
 * the request context (`lib/request-context.ts`, which stamps audit records with the request's
 * address and User-Agent) and the OpenTelemetry context (whose active span parents new spans).
 * A delivery pass kicked by a logout, or an audit flush scheduled by a full batch, would then
 * record `alert.delivered` / `logout_token.*` (actor `system`) with the requester's address, and
 * its spans would join the request's trace.
 *
 * `detached(fn)` runs `fn` (typically the call that schedules the work) outside both: no request
 * context (`AsyncLocalStorage.exit`) and the OTel root context (`context.with(ROOT_CONTEXT, …)`,
 * a plain call when no context manager is registered). Whatever `fn` schedules inherits that.
 * @see https://nodejs.org/api/async_context.html#asynclocalstorageexitcallback-args
 */
import { context, ROOT_CONTEXT } from '@opentelemetry/api'
import { requestContext } from './request-context.js'

/** Runs `fn` with no request context and the OpenTelemetry root context; returns what it returns. */
export function detached<T>(fn: () => T): T {
  return requestContext.exit(() => context.with(ROOT_CONTEXT, fn))
}
