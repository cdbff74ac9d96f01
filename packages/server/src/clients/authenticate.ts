/**
 * Runs the client authentication table: finds the one method the request presents, looks the
 * client up, checks the method is the client's registered `token_endpoint_auth_method`, and
 * authenticates. Failures are `invalid_client` (401, with `WWW-Authenticate: Basic` when the
 * Authorization header was used, RFC 6749 §5.2); the description never says whether the client
 * exists.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
import type { LatchContext } from '../context.js'
import { InvalidClientError, InvalidRequestError } from '../errors.js'
import type { ClientRecord } from '../storage/store.js'
import type { ClientAuthInput, ClientAuthMethod } from './auth-method.js'
import { clientSecretBasic } from './client-secret-basic.js'
import { clientSecretPost } from './client-secret-post.js'
import { none } from './none.js'
import { privateKeyJwt } from './private-key-jwt.js'

/** Most specific first: `none` is whatever remains when only client_id is sent. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [clientSecretBasic, privateKeyJwt, clientSecretPost, none]

export async function authenticateClient(input: ClientAuthInput, ctx: LatchContext): Promise<ClientRecord> {
  const usesBasic = input.authorization !== undefined && /^basic(?:\s|$)/i.test(input.authorization)
  const fail = (detail: string) => new InvalidClientError('client authentication failed', { detail, ...(usesBasic ? { challenge: {} } : {}) })
  const presented: { method: ClientAuthMethod; clientId: string }[] = []
  for (const method of CLIENT_AUTH_METHODS) {
    const clientId = method.presentedClientId(input)
    if (clientId !== null && (method !== none || presented.length === 0)) presented.push({ method, clientId })
  }
  if (presented.length > 1) {
    throw new InvalidRequestError(`only one client authentication method may be used, got ${presented.map((p) => p.method.name).join(' and ')}`)
  }
  const chosen = presented[0]
  if (!chosen) throw new InvalidClientError('client authentication is required', { ...(usesBasic ? { challenge: {} } : {}) })
  const client = await ctx.clients.get(chosen.clientId)
  if (!client) throw fail('unknown client')
  if (client.token_endpoint_auth_method !== chosen.method.name) {
    throw fail(`client is registered for ${client.token_endpoint_auth_method}, used ${chosen.method.name}`)
  }
  try {
    await chosen.method.authenticate(input, client, ctx)
  } catch (err) {
    if (err instanceof InvalidClientError && usesBasic && !err.challenge) throw fail(err.detail ?? err.description)
    throw err
  }
  return client
}
