/**
 * Authorization server metadata discovery: OpenID Connect Discovery 1.0
 * (`/.well-known/openid-configuration`, the default) or RFC 8414
 * (`/.well-known/oauth-authorization-server`). oauth4webapi fetches and validates the document,
 * including the rule that its `issuer` is the issuer that was asked for (compared as URLs), which
 * is what stops a metadata document from impersonating another issuer. The result is cached per
 * issuer for `cacheTtl` seconds, and concurrent first calls share one request; a failure is not
 * cached, so the next call tries again. Nothing here is Latch-specific: any conforming OP works.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3 (issuer must match)
 */
import { discoveryRequest, processDiscoveryResponse, type AuthorizationServer } from 'oauth4webapi'
import { typed } from './translate-error.js'
import { transport, type TransportOptions } from './transport.js'

export type { AuthorizationServer }

/** Options of `discover`. */
export interface DiscoveryOptions extends TransportOptions {
  /** `oidc` (default): OpenID Connect Discovery; `oauth2`: RFC 8414 for plain OAuth servers. */
  algorithm?: 'oidc' | 'oauth2'
  /** Seconds to reuse the metadata of one issuer (default 3600); `0` fetches every time. */
  cacheTtl?: number
}

const DEFAULT_TTL = 3600
const cache = new Map<string, { expiresAt: number; metadata: Promise<AuthorizationServer> }>()

/**
 * The metadata of `issuer`, fetched once and cached per issuer.
 *
 * @throws `ClientValidationError` `issuer_mismatch` when the document names another issuer,
 *   `invalid_response` when it is not valid metadata, `insecure_request` for `http://` off
 *   loopback, `request_failed` when the server cannot be reached.
 *
 * @example
 * ```ts
 * import { discover } from '@latch/client'
 *
 * const as = await discover('http://localhost:9000')
 * console.log(as.token_endpoint) // http://localhost:9000/token
 * ```
 */
export async function discover(issuer: string | URL, options: DiscoveryOptions = {}): Promise<AuthorizationServer> {
  const url = new URL(issuer)
  const algorithm = options.algorithm ?? 'oidc'
  const ttl = options.cacheTtl ?? DEFAULT_TTL
  const key = `${algorithm} ${url.href}`
  const now = Date.now()
  const hit = cache.get(key)
  if (hit && hit.expiresAt > now) return hit.metadata

  const http = transport(options)
  const metadata = typed(async () => processDiscoveryResponse(url, await discoveryRequest(url, { ...http, algorithm })))
  if (ttl > 0) {
    const entry = { expiresAt: now + ttl * 1000, metadata }
    cache.set(key, entry)
    // A failed discovery must not stick: the next caller retries.
    metadata.catch(() => {
      if (cache.get(key) === entry) cache.delete(key)
    })
  }
  return metadata
}

/**
 * Forgets cached metadata: of one issuer, or of all (after a server's endpoints changed).
 *
 * @example
 * ```ts
 * import { clearDiscoveryCache } from '@latch/client'
 *
 * clearDiscoveryCache('http://localhost:9000')
 * ```
 */
export function clearDiscoveryCache(issuer?: string | URL): void {
  if (issuer === undefined) return cache.clear()
  const href = new URL(issuer).href
  for (const key of [...cache.keys()]) if (key.endsWith(` ${href}`)) cache.delete(key)
}
