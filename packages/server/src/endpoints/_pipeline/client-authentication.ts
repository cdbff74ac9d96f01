/**
 * The shared prologue of the form endpoints that authenticate a client (token, revocation,
 * introspection, device authorization): reject repeated parameters (RFC 6749 §3.2), then
 * authenticate with exactly one method (RFC 6749 §2.3).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
import type { FastifyRequest } from 'fastify'
import { authenticateClient } from '../../client-auth/authenticate.js'
import type { LatchContext } from '../../context.js'
import type { ClientRecord } from '../../storage/store.js'
import type { RawParams } from './form-body.js'
import { rejectDuplicateParams } from './reject-duplicate-params.js'

export async function clientAuthentication(
  request: FastifyRequest,
  ctx: LatchContext,
): Promise<{ params: Record<string, string>; client: ClientRecord }> {
  const params = rejectDuplicateParams(request.body as RawParams)
  const client = await authenticateClient({ params, authorization: request.headers.authorization }, ctx)
  return { params, client }
}
