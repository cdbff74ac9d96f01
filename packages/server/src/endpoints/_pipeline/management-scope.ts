/**
 * Issue 14: the management services' scope for an HTTP request, the admin API's or the console's:
 * the request's tenant (its store, clock, effective config), who acts (a client, or a signed-in
 * administrator through an app or the console) and through what, and the request's source address
 * and User-Agent as the request context cleaned them (lib/request-context.ts), for the audit record.
 */
import type { FastifyRequest } from 'fastify'
import { currentRequest } from '../../lib/request-context.js'
import type { AdminActor } from '../../management/admin-change.js'
import type { ManagementScope } from '../../management/scope.js'

export function requestManagementScope(request: FastifyRequest, who: { actor: AdminActor; via: 'api' | 'console'; clientId?: string }): ManagementScope {
  const ctx = request.latch
  const context = currentRequest()
  return {
    store: ctx.store,
    clock: ctx.clock,
    config: ctx.config,
    tenant: ctx.tenant,
    actor: who.actor,
    ...(who.clientId !== undefined && { clientId: who.clientId }),
    via: who.via,
    ip: context?.ip ?? request.ip,
    userAgent: context?.user_agent ?? null,
  }
}
