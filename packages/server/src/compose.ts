/**
 * The composition root of the shared context: builds the `LatchContext` (context.ts) from its
 * parts. server.ts calls it once per server; the tests' `createTestContext` calls it too.
 */
import type { Logger } from 'pino'
import { ClientRegistry, type ClientCache } from './clients/registry.js'
import type { LatchConfig } from './config/schema.js'
import { ConnectionRegistry } from './connections/registry.js'
import { DEFAULT_TENANT } from './config/tenant.js'
import { endpointUrls, type LatchContext } from './context.js'
import { LatchEvents } from './events.js'
import { NO_HOOKS, type LatchHooks } from './hooks/hooks.js'
import type { Keystore } from './keys/keystore.js'
import { createMailer } from './mail/create-mailer.js'
import type { Mailer } from './mail/mailer.js'
import { MailThrottle } from './mail/mail-throttle.js'
import { BackgroundTasks } from './lib/background-tasks.js'
import type { Clock } from './lib/clock.js'
import type { RateLimitBackend } from './rate-limit/backend.js'
import { MemoryRateLimit } from './rate-limit/memory.js'
import { PendingLimits } from './rate-limit/pending-limits.js'
import type { Store } from './storage/store.js'
import { CustomClaims } from './tokens/custom-claims.js'
import { LoginThrottle, tenantKeySecret } from './users/login-throttle.js'

/**
 * Assembles the context from its parts; the registries and throttle are derived from config. The
 * throttle counts in `rateLimit` (Redis, opened by server.ts when `redis_url` is set), else in
 * this process's memory.
 */
export function createContext(parts: {
  config: LatchConfig
  store: Store
  keystore: Keystore
  clock: Clock
  log: Logger
  events?: LatchEvents
  rateLimit?: RateLimitBackend
  /** Loaded by the caller (`hooks/hooks.ts` `loadHooks`), since loading is asynchronous. */
  hooks?: LatchHooks
  /** Issue 11: the tenant (default `default`); `store` must be that tenant's. */
  tenant?: string
  /** The deployment's caps on anonymous state, shared by every tenant (default: new, from `config`). */
  pending?: PendingLimits
  /** The deployment's client cache, one bound for every tenant (default: a new one). */
  clientCache?: ClientCache
  /** Issue 13: default, from the tenant's `mail` config. */
  mailer?: Mailer
  /** Issue 13: the deployment's background tasks (default: new). */
  background?: BackgroundTasks
}): LatchContext {
  const { rateLimit, hooks, tenant = DEFAULT_TENANT, pending, clientCache, mailer, background, ...rest } = parts
  const { config, store, clock } = rest
  const loadedHooks = hooks ?? NO_HOOKS
  const events = parts.events ?? new LatchEvents()
  // Each tenant's login counters are its own (the same email in two tenants is two accounts).
  const keySecret = tenantKeySecret(config.secret, tenant)
  return {
    ...rest,
    tenant,
    events,
    hooks: loadedHooks,
    customClaims: new CustomClaims({ mappings: config.claims, hooks: loadedHooks, hooksPath: config.hooks, log: rest.log, tenant: Object.freeze({ id: tenant, issuer: config.issuer }) }),
    clients: new ClientRegistry(store, clock, { tenant, ...(clientCache && { cache: clientCache }) }),
    connections: new ConnectionRegistry(store, clock, { secret: config.secret, log: rest.log }),
    throttle: new LoginThrottle(
      {
        maxPerAccount: config.security.login_max_failures_per_account,
        maxPerIp: config.security.login_max_failures_per_ip,
        windowSeconds: config.security.login_throttle_window,
        accountSlowdownAfter: config.security.login_account_slowdown_after,
        accountSlowdownStep: config.security.login_account_slowdown_step,
        maxWrongUserCodes: config.security.device_code_max_wrong_guesses,
      },
      clock,
      // Every node shares LATCH_SECRET, so every node derives the same counter keys.
      { ...(rateLimit && { store: rateLimit }), keySecret },
    ),
    pending: pending ?? new PendingLimits(config, store, rateLimit ?? new MemoryRateLimit(), clock, config.secret, events),
    mailer: mailer ?? createMailer(config.mail, rest.log),
    mailThrottle: new MailThrottle(config.mail, clock, rateLimit ?? new MemoryRateLimit(), keySecret),
    background: background ?? new BackgroundTasks(),
    urls: endpointUrls(config.issuer),
  }
}
