/**
 * Runs the client authentication table: finds the one method the request presents (two at once
 * are `invalid_request`, RFC 6749 §2.3), looks the client up, checks the method is one the client
 * may use, and authenticates. A client with a secret may use either secret method,
 * `client_secret_basic` or `client_secret_post`, unless its registration pinned one by giving
 * `token_endpoint_auth_method` explicitly: both carry the same secret over the same TLS
 * connection, and relying parties differ in which they send first (openid-client 6 sends
 * `client_secret_post`). Failures are `invalid_client` (401, with `WWW-Authenticate: Basic` when
 * the Authorization header was used, RFC 6749 §5.2). A method the client may not use is named in
 * the description together with the one expected, so a wrong method never reads like a wrong
 * secret; that says the client exists, which a client_id, public by definition (RFC 6749 §2.2),
 * does not hide anyway. Nothing else says whether the client exists.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
import type { LatchContext } from '../context.js'
import { InvalidClientError, InvalidRequestError } from '../errors.js'
import type { ClientAuthMethodName } from '../rules/registry-names.js'
import type { ClientRecord } from '../storage/store.js'
import type { ClientAuthInput, ClientAuthMethod } from './auth-method.js'
import { BASIC_SCHEME, clientSecretBasic } from './client-secret-basic.js'
import { clientSecretPost } from './client-secret-post.js'
import { none } from './none.js'
import { privateKeyJwt } from './private-key-jwt.js'

const SECRET_METHODS: readonly string[] = ['client_secret_basic', 'client_secret_post']

/** The methods `client` may authenticate with: its registered one, or either secret method unless pinned. */
export function acceptedAuthMethods(client: ClientRecord): readonly string[] {
  if (!client.auth_method_pinned && SECRET_METHODS.includes(client.token_endpoint_auth_method)) return SECRET_METHODS
  return [client.token_endpoint_auth_method]
}

/**
 * The methods by `token_endpoint_auth_method`, checked by the compiler to cover exactly
 * `AUTH_METHOD_NAMES` (rules/registry-names.ts), the names the config schema accepts. Most
 * specific first: `none` is whatever remains when only client_id is sent.
 */
const BY_NAME = {
  client_secret_basic: clientSecretBasic,
  private_key_jwt: privateKeyJwt,
  client_secret_post: clientSecretPost,
  none,
} as const satisfies Record<ClientAuthMethodName, ClientAuthMethod>

/** The methods in the order a request is matched against them (and discovery lists them). */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = Object.freeze(Object.values(BY_NAME))

export async function authenticateClient(input: ClientAuthInput, ctx: LatchContext): Promise<ClientRecord> {
  const usesBasic = input.authorization !== undefined && BASIC_SCHEME.test(input.authorization)
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
  const accepted = acceptedAuthMethods(client)
  if (!accepted.includes(chosen.method.name)) {
    throw new InvalidClientError(`client authentication failed: this client must use ${accepted.join(' or ')}, not ${chosen.method.name}`, {
      detail: `client is registered for ${accepted.join(' or ')}, used ${chosen.method.name}`,
      ...(usesBasic ? { challenge: {} } : {}),
    })
  }
  try {
    await chosen.method.authenticate(input, client, ctx)
  } catch (err) {
    if (err instanceof InvalidClientError && usesBasic && !err.challenge) throw fail(err.detail ?? err.description)
    throw err
  }
  return client
}
