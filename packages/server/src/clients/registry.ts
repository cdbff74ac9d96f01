/**
 * The client registry: looks clients up in the store behind a short in-process cache, because
 * every token request needs its client and a round trip per request would dominate the
 * client_credentials hot path. The cache is bounded in time (a client deleted by the CLI on
 * another process stops working within `ttlSeconds`) and in size.
 */
import type { SigningAlg } from '../config/schema.js'
import type { Clock } from '../lib/clock.js'
import type { ClientRecord, Store } from '../storage/store.js'

/**
 * The syntax every stored client_id has (config/schema.ts, which `latch clients create` also
 * validates with). Anything else names no client and is not sent to the store: PostgreSQL rejects
 * a NUL byte in a text parameter with an error (22021), which would be a 500, not a miss.
 */
const CLIENT_ID = /^[\x21-\x7E]{1,255}$/

/**
 * The entries of every tenant's registry under one bound (issue 11): lookups of made-up client ids
 * (cached misses) at many tenants add up to this bound, not to one bound per tenant.
 */
export class ClientCache {
  readonly entries = new Map<string, { client: ClientRecord | null; until: number }>()
  constructor(readonly maxEntries = 10_000) {}
}

export class ClientRegistry {
  readonly #cache: ClientCache
  /** Keys of a tenant other than the default start with its id and a NUL, which no client_id has. */
  readonly #prefix: string
  readonly #ttlSeconds: number

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    options: { ttlSeconds?: number; cache?: ClientCache; tenant?: string } = {},
  ) {
    this.#cache = options.cache ?? new ClientCache()
    this.#prefix = options.tenant === undefined || options.tenant === 'default' ? '' : `${options.tenant}\0`
    this.#ttlSeconds = options.ttlSeconds ?? 5
  }

  async get(clientId: string): Promise<ClientRecord | null> {
    if (!CLIENT_ID.test(clientId)) return null
    const now = this.clock.now()
    const key = this.#prefix + clientId
    const { entries, maxEntries } = this.#cache
    const hit = entries.get(key)
    if (hit && hit.until > now) return hit.client
    const client = await this.store.clients.get(clientId)
    if (entries.size >= maxEntries) entries.clear()
    entries.set(key, { client, until: now + this.#ttlSeconds })
    return client
  }

  /** Forgets `clientId` of this registry's tenant, or everything cached. */
  invalidate(clientId?: string): void {
    if (clientId === undefined) this.#cache.entries.clear()
    else this.#cache.entries.delete(this.#prefix + clientId)
  }
}

export function clientScopes(client: ClientRecord): Set<string> {
  return new Set(client.scope.split(' ').filter(Boolean))
}

/** The ID token algs `clients` registered besides the provider's own (`Keystore`'s `idTokenAlgs`). */
export function idTokenAlgsOf(clients: readonly ClientRecord[]): SigningAlg[] {
  return [...new Set(clients.flatMap((c) => (c.id_token_signed_response_alg ? [c.id_token_signed_response_alg] : [])))]
}

export function isPublicClient(client: ClientRecord): boolean {
  return client.token_endpoint_auth_method === 'none'
}
