/**
 * `client_secret_basic`: HTTP Basic with the form-urlencoded client_id and secret
 * (RFC 6749 §2.3.1). Secrets are compared as SHA-256 digests in constant time: client secrets are
 * high-entropy (>= 32 characters), so a slow hash would only make every token request pay for no
 * gain in security. Nor is a verified secret remembered to skip the digest on the next request:
 * the one-shot SHA-256 (`hashHandle`) costs about 0.25 µs, and such a cache would keep presented
 * secrets in memory for the process's lifetime to save it.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
import { InvalidClientError, InvalidRequestError } from '../errors.js'
import { constantTimeEqual } from '../lib/constant-time.js'
import { hashHandle } from '../lib/random.js'
import type { ClientAuthInput, ClientAuthMethod } from './auth-method.js'

/**
 * Any header in the Basic scheme counts as Basic credentials, whatever white space follows the
 * scheme name (RFC 9110 §11.4 allows more than one space): one that cannot be parsed is
 * `invalid_client`, never "no Basic", or a second method in the body would pass unnoticed.
 */
export const BASIC_SCHEME = /^basic(?:\s|$)/i

/** application/x-www-form-urlencoded decoding of one value; most values have nothing to decode. */
function formDecode(value: string): string {
  if (!value.includes('%') && !value.includes('+')) return value
  return decodeURIComponent(value.replace(/\+/g, ' '))
}

export function parseBasic(authorization: string | undefined): { id: string; secret: string } | null {
  if (!authorization || !BASIC_SCHEME.test(authorization)) return null
  const decoded = Buffer.from(authorization.slice(5).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) throw new InvalidClientError('malformed Basic credentials', { challenge: {} })
  try {
    // RFC 6749 §2.3.1: both parts are application/x-www-form-urlencoded before base64.
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) }
  } catch {
    throw new InvalidClientError('malformed Basic credentials', { challenge: {} })
  }
}

export const clientSecretBasic: ClientAuthMethod = {
  name: 'client_secret_basic',
  // Parsed again in `authenticate` rather than handed over in a WeakMap keyed by the request:
  // a WeakMap entry per request cost more CPU than the parse, and ~30 MB of peak RSS under load.
  presentedClientId({ authorization, params }: ClientAuthInput) {
    const creds = parseBasic(authorization)
    if (!creds) return null
    if (params.client_id !== undefined && params.client_id !== creds.id) {
      throw new InvalidRequestError('client_id in the body differs from the one in the Authorization header')
    }
    return creds.id
  },
  async authenticate({ authorization }, client) {
    const creds = parseBasic(authorization)
    if (!creds || !client.client_secret_hash || !constantTimeEqual(hashHandle(creds.secret), client.client_secret_hash)) {
      throw new InvalidClientError('client authentication failed', { challenge: {} })
    }
  },
}
