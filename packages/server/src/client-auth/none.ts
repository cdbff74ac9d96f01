/**
 * `none`: public clients (SPAs, native apps) that cannot keep a secret identify themselves with
 * `client_id` only (RFC 6749 §2.1, §3.2.1); PKCE then carries the proof of possession.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2.1
 */
import { InvalidClientError } from '../errors.js'
import type { ClientAuthMethod } from './auth-method.js'

export const none: ClientAuthMethod = {
  name: 'none',
  presentedClientId({ params }) {
    return params.client_id ?? null
  },
  async authenticate(_input, client) {
    if (client.token_endpoint_auth_method !== 'none') {
      throw new InvalidClientError('client authentication failed')
    }
  },
}
