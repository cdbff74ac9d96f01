/**
 * Authorization server metadata (RFC 8414), the way a resource server learns the issuer's
 * `jwks_uri` and `introspection_endpoint` instead of guessing paths:
 * - first `/.well-known/oauth-authorization-server`, inserted between the host and the issuer's
 *   path (RFC 8414 §3.1), then, when that does not answer 200 with a JSON object,
 *   `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery §4);
 * - the document's `issuer` must be identical to the configured issuer (RFC 8414 §3.3, OIDC
 *   Discovery §4.3), or the metadata is refused: otherwise one host could make the API trust
 *   another issuer's keys. A mismatch is not retried at the other well-known URL.
 * Caching is the caller's (see verifier.ts): metadata changes rarely and is fetched once.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
import { TemporarilyUnavailableError } from './errors.js'
import { fetchJson } from './upstream.js'

/** The members of RFC 8414 §2 this package uses; the rest are kept as they came. */
export interface AuthorizationServerMetadata {
  issuer: string
  jwks_uri?: string
  introspection_endpoint?: string
  [member: string]: unknown
}

/**
 * The two well-known URLs to try, in order: RFC 8414 §3.1, then OpenID Connect Discovery §4.
 *
 * @example
 * ```ts
 * import { wellKnownUrls } from '@latch/resource-server'
 *
 * wellKnownUrls('https://as.example.com/tenant')
 * // ['https://as.example.com/.well-known/oauth-authorization-server/tenant',
 * //  'https://as.example.com/tenant/.well-known/openid-configuration']
 * ```
 */
export function wellKnownUrls(issuer: string): [string, string] {
  const url = new URL(issuer)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  return [`${url.origin}/.well-known/oauth-authorization-server${path}`, `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`]
}

/**
 * Fetches and checks the issuer's metadata. Throws {@link TemporarilyUnavailableError} when
 * neither URL gives a usable document or the `issuer` member does not match.
 *
 * @example
 * ```ts
 * import { discover } from '@latch/resource-server'
 *
 * const metadata = await discover('https://auth.example.com')
 * console.log(metadata.jwks_uri, metadata.introspection_endpoint)
 * ```
 */
export async function discover(issuer: string, timeoutMs = 5000): Promise<AuthorizationServerMetadata> {
  const init: RequestInit = { headers: { accept: 'application/json' } }
  let lastError: unknown
  for (const url of wellKnownUrls(issuer)) {
    let doc: Record<string, unknown>
    try {
      doc = await fetchJson(url, init, timeoutMs, 'discovery')
    } catch (err) {
      lastError = err
      continue
    }
    if (doc.issuer !== issuer) {
      throw new TemporarilyUnavailableError('the authorization server could not be reached to check the access token', {
        detail: `discovery (${url}): metadata issuer ${JSON.stringify(doc.issuer)} is not the configured issuer ${JSON.stringify(issuer)} (RFC 8414 §3.3)`,
      })
    }
    for (const member of ['jwks_uri', 'introspection_endpoint'] as const) {
      if (doc[member] !== undefined && (typeof doc[member] !== 'string' || !URL.canParse(doc[member]))) {
        throw new TemporarilyUnavailableError('the authorization server could not be reached to check the access token', {
          detail: `discovery (${url}): ${member} is not a URL`,
        })
      }
    }
    return doc as AuthorizationServerMetadata
  }
  throw lastError
}
