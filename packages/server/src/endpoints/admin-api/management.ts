/**
 * Issue 14: the admin API on the management services (management/), the layer the CLI and the
 * console use too. `managementScopeOf` is the scope of one API call: the request's tenant, its
 * store, clock and effective config, and the caller (`request.admin`, set by `adminAuthorization`)
 * as the actor of every change it records, with the request's source address and User-Agent.
 * `adminApiErrorOf` words a service's refusal in Latch's error model: `not_found` 404, `conflict`
 * 409, `refused` and the config loader's rules (`ConfigError`, which names the key) 400
 * `invalid_request`. Anything else passes through (a 500 `server_error`, or 503 while the database
 * is unreachable, as everywhere).
 */
import type { FastifyRequest } from 'fastify'
import { ConfigError, ConflictError, InvalidRequestError, NotFoundError, ServerError } from '../../errors.js'
import { ManagementError, type ManagementScope } from '../../management/scope.js'
import { requestManagementScope } from '../_pipeline/management-scope.js'

/** The scope of the management services for this admin API call (after `adminAuthorization`). */
export function managementScopeOf(request: FastifyRequest): ManagementScope {
  const admin = request.admin
  // adminAuthorization runs first on every route: no principal here is a route registered without it.
  if (admin === null) throw new ServerError('admin API route without authorization', { detail: `${request.method} ${request.url}` })
  // Issue 14: an administrator acts through an app; the record names it.
  return requestManagementScope(request, { actor: admin.actor, clientId: admin.clientId, via: 'api' })
}

/** A management or config refusal as the API's error; other errors unchanged. */
export function adminApiErrorOf(err: unknown): unknown {
  if (err instanceof ManagementError) {
    if (err.code === 'not_found') return new NotFoundError(err.message, { cause: err })
    if (err.code === 'conflict') return new ConflictError(err.message, { cause: err })
    return new InvalidRequestError(err.message, { cause: err })
  }
  // The loader's message names the key (`config: clients[0].redirect_uris …`): said as the body's field.
  if (err instanceof ConfigError) return new InvalidRequestError(err.message.replace(/^config: (clients|users|organizations|connections|tenants)\[0\]\.?/, ''), { cause: err })
  return err
}

/** Runs a management call, rethrowing its refusal in the API's words. */
export async function viaManagement<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    throw adminApiErrorOf(err)
  }
}
