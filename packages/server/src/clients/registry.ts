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

export class ClientRegistry {
  readonly #cache = new Map<string, { client: ClientRecord | null; until: number }>()
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly ttlSeconds = 5,
    private readonly maxEntries = 10_000,
  ) {}

  async get(clientId: string): Promise<ClientRecord | null> {
    if (!CLIENT_ID.test(clientId)) return null
    const now = this.clock.now()
    const hit = this.#cache.get(clientId)
    if (hit && hit.until > now) return hit.client
    const client = await this.store.clients.get(clientId)
    if (this.#cache.size >= this.maxEntries) this.#cache.clear()
    this.#cache.set(clientId, { client, until: now + this.ttlSeconds })
    return client
  }

  invalidate(clientId?: string): void {
    if (clientId === undefined) this.#cache.clear()
    else this.#cache.delete(clientId)
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
