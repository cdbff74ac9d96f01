/**
 * What the router's `rewriteUrl` (server.ts) found for a request, left on the raw request (issue
 * 11): a tenant id, null for no tenant, or nothing at all when the deployment has the default
 * tenant only (no request is matched then: every host is the default's).
 */
import type { IncomingMessage } from 'node:http'
import type { FastifyRequest } from 'fastify'
import type { LatchContext } from '../../context.js'

export const TENANT_OF = Symbol('latch.tenant')

export type RoutedRequest = IncomingMessage & { [TENANT_OF]?: string | null }

/**
 * The request's context, also for an error the router raised before the tenant hook ran: the
 * default tenant's when no request is matched, else null (no tenant answered yet).
 */
export function contextOf(request: FastifyRequest): LatchContext | null {
  // Undefined, not null, on a request the router refused: Fastify had not decorated it yet.
  const ctx = request.latch as LatchContext | null | undefined
  if (ctx) return ctx
  return (request.raw as RoutedRequest)[TENANT_OF] === undefined ? request.server.latch : null
}
