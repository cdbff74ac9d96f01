/**
 * Issue 12: the tenant's connections as the sign-in paths read them. The list is read from the
 * store (seeded from config, or made with the CLI) and kept 10 s, so a sign-in page costs no query
 * per request and a change reaches every node within that time; secrets are decrypted only when
 * an upstream is called, once per stored digest. Upstream metadata (OIDC discovery) is kept an hour
 * per node, and a failure 30 s, so an upstream that is down is not hammered and a page that needs
 * it fails fast; the sign-in page itself never calls an upstream. A discovery document whose
 * endpoints are not https (or, for a connection configured on a loopback origin in development, on
 * that origin) is refused whole: Latch would send the code and the client secret wherever it said.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
import { discoveryRequest, processDiscoveryResponse, type AuthorizationServer, type HttpRequestOptions, type JWKSCacheInput } from 'oauth4webapi'
import type { ResolvedConnection } from '../config/schema.js'
import type { Logger } from 'pino'
import type { Clock } from '../lib/clock.js'
import type { ConnectionRecord, Store } from '../storage/store.js'
import { PROVIDERS } from './providers/table.js'
import { connectionFromRecord, connectionSettingsOf } from './records.js'
import { isAllowedUpstreamUrl, upstreamHttp, upstreamPolicyOf, type UpstreamPolicy } from './transport.js'
import { toUpstreamError, UpstreamError } from './upstream-error.js'

const LIST_TTL = 10
const METADATA_TTL = 3600
const METADATA_FAILURE_TTL = 30
/** The discovered endpoints Latch sends to (or sends the browser to). */
const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'end_session_endpoint'] as const

const configuredUrls = (c: ResolvedConnection) => JSON.stringify([c.issuer, c.authorization_endpoint, c.token_endpoint, c.userinfo_endpoint, c.emails_endpoint])

/** The first discovered endpoint the policy refuses, or null. */
function refusedEndpoint(as: AuthorizationServer, policy: UpstreamPolicy): (typeof ENDPOINTS)[number] | null {
  for (const name of ENDPOINTS) {
    const value = as[name]
    if (value === undefined) continue
    let url: URL
    try {
      url = new URL(String(value))
    } catch {
      return name
    }
    if (!isAllowedUpstreamUrl(url, policy)) return name
  }
  return null
}

/** A connection as the pages see it: no secrets. */
export type RegisteredConnection = Omit<ResolvedConnection, 'secrets'> & Pick<ConnectionRecord, 'organization_id' | 'required'>

export class ConnectionRegistry {
  readonly #http = new Map<string, HttpRequestOptions<string, unknown>>()
  /** Issuers whose refused metadata was logged (once per node). */
  readonly #reported = new Set<string>()
  #list: { records: ConnectionRecord[]; until: number } | null = null
  /** Decrypted connections by id, with the digest they were decrypted at (a changed row replaces its entry). */
  readonly #secrets = new Map<string, { digest: string; connection: ResolvedConnection }>()
  readonly #metadata = new Map<string, { as: AuthorizationServer; until: number } | { error: UpstreamError; until: number }>()
  readonly #jwks = new Map<string, JWKSCacheInput>()

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: { secret: string; log?: Pick<Logger, 'warn'> },
  ) {}

  /** The request options of this connection's upstream requests (its policy: `transport.ts`). */
  http(connection: ResolvedConnection): HttpRequestOptions<string, unknown> {
    const key = configuredUrls(connection)
    let http = this.#http.get(key)
    if (http === undefined) {
      http = upstreamHttp(upstreamPolicyOf(connection))
      this.#http.set(key, http)
    }
    return http
  }

  async #records(): Promise<ConnectionRecord[]> {
    const now = this.clock.now()
    if (this.#list === null || this.#list.until <= now) this.#list = { records: await this.store.connections.list(), until: now + LIST_TTL }
    return this.#list.records
  }

  /**
   * Drops this node's copy of the list, after the admin API or the console changed a connection
   * (as `clients.invalidate`): what the administrator does next (an invitation checked against the
   * organization's required connection, review L3) sees the change; other nodes within `LIST_TTL`.
   */
  invalidate(): void {
    this.#list = null
  }

  /** Every connection, by id. */
  async list(): Promise<RegisteredConnection[]> {
    return (await this.#records()).map((r) => ({ ...connectionSettingsOf(r), organization_id: r.organization_id, required: r.required }))
  }

  /**
   * An enabled connection with its secrets, or null. A row whose secrets no longer decrypt
   * (`LATCH_SECRET` changed since it was stored, or a damaged row) is treated as unavailable and
   * logged, never a 500 to the anonymous request that reached it.
   */
  async resolve(id: string): Promise<ResolvedConnection | null> {
    const record = (await this.#records()).find((r) => r.id === id)
    if (record === undefined || connectionSettingsOf(record).enabled !== true) return null
    const cached = this.#secrets.get(record.id)
    if (cached?.digest === record.digest) return cached.connection
    let connection: ResolvedConnection
    try {
      connection = await connectionFromRecord(record, this.options.secret)
    } catch (err) {
      this.options.log?.warn({ connection: record.id, err: { name: (err as Error).name } }, 'connection secrets cannot be decrypted (was LATCH_SECRET changed?): the connection is unavailable')
      return null
    }
    this.#secrets.set(record.id, { digest: record.digest, connection })
    return connection
  }

  /** The upstream's authorization server metadata: discovered (OIDC), or from the configured endpoints (OAuth 2.0). */
  async metadata(connection: ResolvedConnection): Promise<AuthorizationServer> {
    // Apple and Microsoft's multi-tenant endpoints: known without discovery.
    const fixed = PROVIDERS[connection.type].metadata?.(connection)
    if (fixed) return fixed
    if (connection.protocol === 'oauth2' || connection.issuer === null) {
      return {
        issuer: connection.issuer ?? new URL(connection.authorization_endpoint!).origin,
        authorization_endpoint: connection.authorization_endpoint!,
        token_endpoint: connection.token_endpoint!,
        ...(connection.userinfo_endpoint !== null && { userinfo_endpoint: connection.userinfo_endpoint }),
      }
    }
    // Per configured URLs, not per issuer: they are merged in, and they make the policy.
    const key = configuredUrls(connection)
    const now = this.clock.now()
    const cached = this.#metadata.get(key)
    if (cached !== undefined && cached.until > now) {
      if ('error' in cached) throw cached.error
      return cached.as
    }
    try {
      const issuer = new URL(connection.issuer)
      const as = await processDiscoveryResponse(issuer, await discoveryRequest(issuer, { ...this.http(connection), algorithm: 'oidc' }))
      // Configured endpoints override discovered ones (a proxy in front of the upstream's token endpoint).
      const merged: AuthorizationServer = {
        ...as,
        ...(connection.authorization_endpoint !== null && { authorization_endpoint: connection.authorization_endpoint }),
        ...(connection.token_endpoint !== null && { token_endpoint: connection.token_endpoint }),
        ...(connection.userinfo_endpoint !== null && { userinfo_endpoint: connection.userinfo_endpoint }),
      }
      const refused = refusedEndpoint(merged, upstreamPolicyOf(connection))
      if (refused !== null) {
        if (!this.#reported.has(key)) {
          this.#reported.add(key)
          // The endpoint's name only: its value is the upstream's word.
          this.options.log?.warn({ connection: connection.id, endpoint: refused }, 'upstream discovery refused: an endpoint is not https (or not the configured loopback origin)')
        }
        throw new UpstreamError('unavailable', 'discovery refused', 'endpoint_not_allowed')
      }
      this.#metadata.set(key, { as: merged, until: now + METADATA_TTL })
      return merged
    } catch (error) {
      const failure = toUpstreamError(error)
      // Whatever went wrong, the upstream cannot be used right now.
      const unavailable = new UpstreamError('unavailable', 'discovery failed', failure.code)
      this.#metadata.set(key, { error: unavailable, until: now + METADATA_FAILURE_TTL })
      throw unavailable
    }
  }

  /** The JWK Set cache oauth4webapi keeps for the upstream's ID token keys (per node). */
  jwksCache(connection: ResolvedConnection): JWKSCacheInput {
    const key = connection.issuer ?? connection.id
    let cache = this.#jwks.get(key)
    if (cache === undefined) {
      cache = {}
      this.#jwks.set(key, cache)
    }
    return cache
  }
}
