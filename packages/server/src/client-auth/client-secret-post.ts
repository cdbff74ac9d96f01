/**
 * `client_secret_post`: client_id and client_secret in the form body (RFC 6749 §2.3.1, "NOT
 * RECOMMENDED" but widely used). Compared like `client_secret_basic`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
import { InvalidClientError, InvalidRequestError } from '../errors.js'
import { constantTimeEqual } from '../lib/constant-time.js'
import { hashHandle } from '../lib/random.js'
import type { ClientAuthMethod } from './auth-method.js'

export const clientSecretPost: ClientAuthMethod = {
  name: 'client_secret_post',
  presentedClientId({ params }) {
    if (params.client_secret === undefined) return null
    if (!params.client_id) throw new InvalidRequestError('client_secret was sent without client_id')
    return params.client_id
  },
  async authenticate({ params }, client) {
    const secret = params.client_secret
    if (secret === undefined || !client.client_secret_hash || !constantTimeEqual(hashHandle(secret), client.client_secret_hash)) {
      throw new InvalidClientError('client authentication failed')
    }
  },
}
