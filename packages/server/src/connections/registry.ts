/**
 * Issue 12: the tenant's connections as the sign-in paths read them. The list is read from the
 * store (seeded from config, or made with the CLI) and kept 10 s, so a sign-in page costs no query
 * per request and a change reaches every node within that time; secrets are decrypted only when
 * an upstream is called, once per stored digest. Upstream metadata (OIDC discovery) is kept an hour
 * per node, and a failure 30 s, so an upstream that is down is not hammered and a page that needs
 * it fails fast; the sign-in page itself never calls an upstream.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
import { discoveryRequest, processDiscoveryResponse, type AuthorizationServer, type HttpRequestOptions, type JWKSCacheInput } from 'oauth4webapi'
import type { ResolvedConnection } from '../config/schema.js'
import type { Clock } from '../lib/clock.js'
import type { ConnectionRecord, Store } from '../storage/store.js'
import { connectionFromRecord, connectionSettingsOf } from './records.js'
import { upstreamHttp } from './transport.js'
import { toUpstreamError, UpstreamError } from './upstream-error.js'

const LIST_TTL = 10
const METADATA_TTL = 3600
const METADATA_FAILURE_TTL = 30

/** A connection as the pages see it: no secrets. */
export type RegisteredConnection = Omit<ResolvedConnection, 'secrets'> & Pick<ConnectionRecord, 'organization_id' | 'required'>

export class ConnectionRegistry {
  readonly http: HttpRequestOptions<string, unknown>
  #list: { records: ConnectionRecord[]; until: number } | null = null
  readonly #secrets = new Map<string, ResolvedConnection>()
  readonly #metadata = new Map<string, { as: AuthorizationServer; until: number } | { error: UpstreamError; until: number }>()
  readonly #jwks = new Map<string, JWKSCacheInput>()

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: { secret: string; fetch?: typeof fetch },
  ) {
    this.http = upstreamHttp(options.fetch)
  }

  async #records(): Promise<ConnectionRecord[]> {
    const now = this.clock.now()
    if (this.#list === null || this.#list.until <= now) this.#list = { records: await this.store.connections.list(), until: now + LIST_TTL }
    return this.#list.records
  }

  /** Every connection, by id. */
  async list(): Promise<RegisteredConnection[]> {
    return (await this.#records()).map((r) => ({ ...connectionSettingsOf(r), organization_id: r.organization_id, required: r.required }))
  }

  /** An enabled connection with its secrets, or null. */
  async resolve(id: string): Promise<ResolvedConnection | null> {
    const record = (await this.#records()).find((r) => r.id === id)
    if (record === undefined || connectionSettingsOf(record).enabled !== true) return null
    let resolved = this.#secrets.get(record.digest)
    if (resolved === undefined) {
      resolved = await connectionFromRecord(record, this.options.secret)
      this.#secrets.set(record.digest, resolved)
    }
    return resolved
  }

  /** The upstream's authorization server metadata: discovered (OIDC), or from the configured endpoints (OAuth 2.0). */
  async metadata(connection: ResolvedConnection): Promise<AuthorizationServer> {
    if (connection.protocol === 'oauth2' || connection.issuer === null) {
      return {
        issuer: connection.issuer ?? new URL(connection.authorization_endpoint!).origin,
        authorization_endpoint: connection.authorization_endpoint!,
        token_endpoint: connection.token_endpoint!,
        ...(connection.userinfo_endpoint !== null && { userinfo_endpoint: connection.userinfo_endpoint }),
      }
    }
    const key = connection.issuer
    const now = this.clock.now()
    const cached = this.#metadata.get(key)
    if (cached !== undefined && cached.until > now) {
      if ('error' in cached) throw cached.error
      return cached.as
    }
    try {
      const issuer = new URL(connection.issuer)
      const as = await processDiscoveryResponse(issuer, await discoveryRequest(issuer, { ...this.http, algorithm: 'oidc' }))
      // Configured endpoints override discovered ones (a proxy in front of the upstream's token endpoint).
      const merged: AuthorizationServer = {
        ...as,
        ...(connection.authorization_endpoint !== null && { authorization_endpoint: connection.authorization_endpoint }),
        ...(connection.token_endpoint !== null && { token_endpoint: connection.token_endpoint }),
        ...(connection.userinfo_endpoint !== null && { userinfo_endpoint: connection.userinfo_endpoint }),
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
