/**
 * The tenants a node serves (issue 11): the routing index, rebuilt from the `tenants` table every
 * `tenancy.reload_interval`, and each tenant's `LatchContext`, built on its first request and
 * kept in a least-recently-used cache of `tenancy.cache_size`. Memory grows with the tenants in
 * use, not with the tenants defined: a defined tenant costs one index entry until a request
 * comes for it. The default tenant's context is built at start and never dropped.
 *
 * A cached tenant whose row changed (its settings or issuer) or went away is dropped at the next
 * reload; its keys are re-read from the store when older than its `tokens.key_reload_interval`,
 * checked on use (no timer per tenant).
 */
import type { Logger } from 'pino'
import { ACCESS_TOKEN_TTL } from '../config/defaults.js'
import { DEFAULT_TENANT } from '../config/tenant.js'
import { TemporarilyUnavailableError } from '../errors.js'
import type { LatchContext } from '../context.js'
import type { Store } from '../storage/store.js'
import { TenantIndex, type TenantRoute } from './tenant-index.js'

export interface TenantContextsOptions {
  store: Store
  /** Replaced by `setDefaultContext` on a configuration reload (issue 14). */
  defaultContext: LatchContext
  /** Builds the context of a stored tenant (compose.ts `tenantContext`); null when the row is gone. */
  build(id: string): Promise<LatchContext | null>
  cacheSize: number
  log: Logger
  now(): number
}

interface Cached {
  context: Promise<LatchContext | null>
  /** The row's `updated_at` when the context was built: a later one drops it. */
  version: number
  /** Epoch seconds after which its keys are re-read on use. */
  keysDue: number
  /** Set once built: served without a promise from then on. */
  resolved?: LatchContext
}

export class TenantContexts {
  readonly #options: TenantContextsOptions
  /** Insertion order is recency: a hit moves its entry to the end, eviction takes the first. */
  readonly #cache = new Map<string, Cached>()
  #versions = new Map<string, number>()
  #index: TenantIndex
  #multi = false
  #longestAccessTokenTtl: number

  constructor(options: TenantContextsOptions) {
    this.#options = options
    this.#longestAccessTokenTtl = options.defaultContext.config.tokens.access_token_ttl
    this.#index = new TenantIndex([{ id: DEFAULT_TENANT, issuer: options.defaultContext.config.issuer }])
  }

  /**
   * Issue 14: replaces the default tenant's context (a configuration reload). Requests that already
   * hold the old one finish on it; the next ones get this one.
   */
  setDefaultContext(ctx: LatchContext): void {
    this.#options.defaultContext = ctx
  }

  /** False while the default tenant is the only one: requests are then not matched at all (every host is the default's, as before tenants). */
  get multi(): boolean {
    return this.#multi
  }

  /** How many tenants' contexts are held now (besides the default's). */
  get cached(): number {
    return this.#cache.size
  }

  route(host: string | undefined, url: string): TenantRoute | null {
    return this.#index.match(host, url)
  }

  /**
   * The tenant's context: the context itself when it is loaded (no promise on the hot path), a
   * promise on first use, null for a tenant that does not exist (any more).
   */
  get(id: string): LatchContext | Promise<LatchContext | null> | null {
    if (id === DEFAULT_TENANT) return this.#options.defaultContext
    const version = this.#versions.get(id)
    if (version === undefined) return null
    const entry = this.#cache.get(id)
    if (entry && entry.version === version) {
      this.#cache.delete(id)
      this.#cache.set(id, entry)
      if (entry.resolved === undefined) return entry.context
      this.#refreshKeys(entry, entry.resolved)
      return entry.resolved
    }
    const fresh: Cached = { context: Promise.resolve(null), version, keysDue: Number.POSITIVE_INFINITY }
    fresh.context = this.#load(id, fresh)
    this.#cache.set(id, fresh)
    this.#evict()
    return fresh.context
  }

  /** The tenant's context if this node has it loaded now (not counted as a use), else undefined. */
  loaded(id: string): LatchContext | undefined {
    if (id === DEFAULT_TENANT) return this.#options.defaultContext
    const entry = this.#cache.get(id)
    return entry && entry.version === this.#versions.get(id) ? entry.resolved : undefined
  }

  /** Issue 14: every context loaded now, the default tenant's first (for metrics read at scrape time). */
  *loadedContexts(): Generator<readonly [id: string, context: LatchContext]> {
    yield [DEFAULT_TENANT, this.#options.defaultContext]
    for (const [id, entry] of this.#cache) if (entry.resolved !== undefined && entry.version === this.#versions.get(id)) yield [id, entry.resolved]
  }

  /** Re-reads the tenants: new ones are routed, deleted ones answer 404, changed ones are rebuilt on their next request. */
  async reload(): Promise<void> {
    const rows = await this.#options.store.tenants.listIndex()
    const versions = new Map(rows.map((row) => [row.id, row.updated_at]))
    const changed = versions.size !== this.#versions.size || rows.some((row) => this.#versions.get(row.id) !== row.updated_at)
    if (changed) this.#longestAccessTokenTtl = await this.#longestTtl()
    this.#index = new TenantIndex([{ id: DEFAULT_TENANT, issuer: this.#options.defaultContext.config.issuer }, ...rows])
    this.#versions = versions
    this.#multi = rows.length > 0
    for (const [id, entry] of this.#cache) if (versions.get(id) !== entry.version) this.#cache.delete(id)
  }

  /**
   * The longest `tokens.access_token_ttl` of any tenant (the default's included). The sweeper keeps
   * a revoked grant that long: a grant swept while an access token under it is still unexpired
   * would make that token read as not revoked (issue 11 review).
   */
  get longestAccessTokenTtl(): number {
    return this.#longestAccessTokenTtl
  }

  async #longestTtl(): Promise<number> {
    let longest = this.#options.defaultContext.config.tokens.access_token_ttl
    for (const { settings } of await this.#options.store.tenants.list()) {
      const ttl = (settings.tokens as { access_token_ttl?: unknown } | undefined)?.access_token_ttl
      longest = Math.max(longest, typeof ttl === 'number' && Number.isFinite(ttl) ? ttl : ACCESS_TOKEN_TTL)
    }
    return longest
  }

  #load(id: string, entry: Cached): Promise<LatchContext | null> {
    return this.#options.build(id).then(
      (ctx) => {
        if (ctx) {
          entry.resolved = ctx
          entry.keysDue = this.#options.now() + ctx.config.tokens.key_reload_interval
        } else if (this.#cache.get(id) === entry) this.#cache.delete(id)
        return ctx
      },
      (err: unknown) => {
        // Settings that do not validate stay refused (logged once) until the row changes; anything
        // else (a store outage, say) is not cached: the next request tries again.
        if (err instanceof TemporarilyUnavailableError) throw err
        if (this.#cache.get(id) === entry) this.#cache.delete(id)
        this.#options.log.warn({ err, tenant: id }, 'tenant could not be loaded')
        throw err
      },
    )
  }

  #refreshKeys(entry: Cached, ctx: LatchContext): void {
    const now = this.#options.now()
    if (now < entry.keysDue) return
    entry.keysDue = now + ctx.config.tokens.key_reload_interval
    ctx.keystore.reload().catch((err: unknown) => ctx.log.warn({ err }, 'signing key reload failed'))
  }

  #evict(): void {
    while (this.#cache.size > this.#options.cacheSize) {
      const oldest = this.#cache.keys().next().value
      if (oldest === undefined) return
      this.#cache.delete(oldest)
    }
  }
}
