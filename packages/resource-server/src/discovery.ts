/**
 * Authorization server metadata (RFC 8414), the way a resource server learns the issuer's
 * `jwks_uri` and `introspection_endpoint` instead of guessing paths:
 * - first `/.well-known/oauth-authorization-server`, inserted between the host and the issuer's
 *   path (RFC 8414 §3.1), then, when that does not answer 200 with a JSON object,
 *   `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery §4);
 * - the document's `issuer` must be identical to the configured issuer (RFC 8414 §3.3, OIDC
 *   Discovery §4.3), or the metadata is refused: otherwise one host could make the API trust
 *   another issuer's keys. A mismatch is not retried at the other well-known URL;
 * - `jwks_uri` and `introspection_endpoint` must be `https:` URLs, or `http:` when the issuer
 *   itself is (local development): keys fetched in clear text can be swapped by anyone on the
 *   path, and the introspection request carries the API's client secret (RFC 8414 §2 requires
 *   TLS for `jwks_uri`; RFC 7662 §4). Any other scheme (`data:`, `file:`…) is refused.
 * Caching is the caller's (see verifier.ts), which may follow the answer's `Cache-Control`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
import { TemporarilyUnavailableError } from './errors.js'
import { fetchJsonAnswer, UNAVAILABLE } from './upstream.js'

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
 * Whether `endpoint` may be used for an issuer at `issuer`: an `https:` URL, or an `http:` one when
 * the issuer is `http:` too (development against a local issuer). So `http://as.example.com/jwks`
 * is refused for the issuer `https://as.example.com`, and `http://localhost:9000/jwks` allowed
 * for `http://localhost:9000`.
 */
export function endpointAllowed(issuer: string, endpoint: unknown): boolean {
  if (typeof endpoint !== 'string' || !URL.canParse(endpoint)) return false
  const { protocol } = new URL(endpoint)
  return protocol === 'https:' || (protocol === 'http:' && new URL(issuer).protocol === 'http:')
}

/** Checked metadata and the seconds its answer said it may be cached (`Cache-Control: max-age`). */
export interface Discovered {
  metadata: AuthorizationServerMetadata
  maxAge: number | undefined
}

/**
 * Fetches and checks the issuer's metadata. Throws {@link TemporarilyUnavailableError} when
 * neither URL gives a usable document, the `issuer` member does not match, or an endpoint is not
 * an allowed URL ({@link endpointAllowed}).
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
  return (await discoverWithMaxAge(issuer, timeoutMs)).metadata
}

/** {@link discover}, also returning the answer's `Cache-Control: max-age` (for the verifier's cache). */
export async function discoverWithMaxAge(issuer: string, timeoutMs = 5000): Promise<Discovered> {
  const init: RequestInit = { headers: { accept: 'application/json' } }
  let lastError: unknown
  for (const url of wellKnownUrls(issuer)) {
    let answer
    try {
      answer = await fetchJsonAnswer(url, init, timeoutMs, 'discovery')
    } catch (err) {
      lastError = err
      continue
    }
    const doc = answer.body
    if (doc.issuer !== issuer) {
      throw new TemporarilyUnavailableError(UNAVAILABLE, {
        detail: `discovery (${url}): metadata issuer ${JSON.stringify(doc.issuer)} is not the configured issuer ${JSON.stringify(issuer)} (RFC 8414 §3.3)`,
      })
    }
    for (const member of ['jwks_uri', 'introspection_endpoint'] as const) {
      if (doc[member] !== undefined && !endpointAllowed(issuer, doc[member])) {
        throw new TemporarilyUnavailableError(UNAVAILABLE, {
          detail: `discovery (${url}): ${member} ${JSON.stringify(String(doc[member]).slice(0, 100))} is not an https: URL (or http: under an http: issuer)`,
        })
      }
    }
    return { metadata: doc as AuthorizationServerMetadata, maxAge: answer.maxAge }
  }
  throw lastError
}
