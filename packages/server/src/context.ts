/**
 * What every endpoint and grant shares: the frozen config, the store, the keystore, the clock and
 * the event bus. One object, decorated onto Fastify as `app.latch`, passed to grants as plain
 * data so that grants stay testable without HTTP.
 */
import type { Logger } from 'pino'
import type { LatchConfig } from './config/schema.js'
import { LatchEvents } from './events.js'
import type { Keystore } from './keys/keystore.js'
import type { Clock } from './lib/clock.js'
import type { Store } from './storage/store.js'
import { ClientRegistry } from './clients/registry.js'
import type { RateLimitBackend } from './rate-limit/backend.js'
import { LoginThrottle } from './users/login-throttle.js'
import { PendingLimits } from './interaction/pending-limits.js'
import { MemoryRateLimit } from './rate-limit/memory.js'

export interface LatchContext {
  readonly config: LatchConfig
  readonly store: Store
  readonly keystore: Keystore
  readonly clock: Clock
  readonly events: LatchEvents
  readonly log: Logger
  readonly clients: ClientRegistry
  readonly throttle: LoginThrottle
  /** Per-source and global bounds on interactions and device codes anonymous requests create. */
  readonly pending: PendingLimits
  /** Absolute endpoint URLs, computed once from the issuer (never from the Host header). */
  readonly urls: EndpointUrls
}

export interface EndpointUrls {
  issuer: string
  authorization: string
  token: string
  userinfo: string
  jwks: string
  introspection: string
  revocation: string
  device_authorization: string
  device_verification: string
  end_session: string
  interaction: string
}

/** Paths are Latch's own; clients find them through discovery. */
export const PATHS = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/jwks',
  introspection: '/introspect',
  revocation: '/revoke',
  device_authorization: '/device/authorize',
  device_verification: '/device',
  end_session: '/logout',
  interaction: '/interaction',
  health: '/healthz',
} as const

export function endpointUrls(issuer: string): EndpointUrls {
  const u = (p: string) => `${issuer}${p}`
  return {
    issuer,
    authorization: u(PATHS.authorization),
    token: u(PATHS.token),
    userinfo: u(PATHS.userinfo),
    jwks: u(PATHS.jwks),
    introspection: u(PATHS.introspection),
    revocation: u(PATHS.revocation),
    device_authorization: u(PATHS.device_authorization),
    device_verification: u(PATHS.device_verification),
    end_session: u(PATHS.end_session),
    interaction: u(PATHS.interaction),
  }
}

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
}): LatchContext {
  const { rateLimit, ...rest } = parts
  const { config, store, clock } = rest
  return {
    ...rest,
    events: parts.events ?? new LatchEvents(),
    clients: new ClientRegistry(store, clock),
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
      { ...(rateLimit && { store: rateLimit }), keySecret: config.secret },
    ),
    pending: new PendingLimits(config, store, rateLimit ?? new MemoryRateLimit(), clock, config.secret),
    urls: endpointUrls(config.issuer),
  }
}
