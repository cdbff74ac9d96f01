/**
 * Builds one stored tenant's `LatchContext` (issue 11): its config (the deployment's keys plus its
 * own, config/tenant.ts), its view of the store, its keystore (keys are generated on its first
 * use, like a new deployment's), its client registry and login throttle; the clock, events, hooks,
 * rate-limit backend and the deployment-wide caps on anonymous state are the deployment's.
 */
import type { Logger } from 'pino'
import { idTokenAlgsOf, type ClientCache } from '../clients/registry.js'
import { createContext } from '../compose.js'
import type { LatchConfig } from '../config/schema.js'
import { tenantConfig } from '../config/tenant.js'
import { ConfigError, TemporarilyUnavailableError } from '../errors.js'
import type { LatchContext } from '../context.js'
import type { LatchEvents } from '../events.js'
import type { LatchHooks } from '../hooks/hooks.js'
import { Keystore } from '../keys/keystore.js'
import type { Clock } from '../lib/clock.js'
import type { RateLimitBackend } from '../rate-limit/backend.js'
import type { PendingLimits } from '../rate-limit/pending-limits.js'
import type { BackgroundTasks } from '../lib/background-tasks.js'
import type { Store } from '../storage/store.js'

export interface DeploymentParts {
  base: LatchConfig
  store: Store
  clock: Clock
  events: LatchEvents
  log: Logger
  hooks: LatchHooks
  pending: PendingLimits
  /** Issue 13: the deployment's background tasks (mail). */
  background?: BackgroundTasks
  clientCache: ClientCache
  rateLimit?: RateLimitBackend
}

/** The context of stored tenant `id`, or null when there is no such tenant. */
export async function tenantContext(parts: DeploymentParts, id: string): Promise<LatchContext | null> {
  const { base, store, clock, log } = parts
  const events = parts.events.forTenant(id)
  const row = await store.tenants.get(id)
  if (row === null) return null
  const tenantLog = log.child({ tenant: id })
  let resolved: ReturnType<typeof tenantConfig>
  try {
    resolved = tenantConfig(base, row)
  } catch (error) {
    // Settings are checked when written (config, CLI); a row that no longer validates (a newer
    // rule, a hand edit) makes this tenant unavailable, never another tenant or the node.
    if (!(error instanceof ConfigError)) throw error
    tenantLog.error({ err: error }, 'tenant settings are invalid: the tenant is unavailable until they are fixed')
    throw new TemporarilyUnavailableError('this sign-in service is not available right now', { cause: error, detail: 'invalid tenant settings' })
  }
  const { config, warnings } = resolved
  for (const w of warnings) tenantLog.warn(w)
  const tenantStore = store.forTenant(id)
  const keystore = await openKeystore(parts, id, config, events)
  return createContext({
    tenant: id,
    config,
    store: tenantStore,
    keystore,
    clock,
    events,
    log: tenantLog,
    hooks: parts.hooks,
    pending: parts.pending,
    clientCache: parts.clientCache,
    ...(parts.background && { background: parts.background }),
    ...(parts.rateLimit && { rateLimit: parts.rateLimit }),
  })
}

/**
 * The keystore of stored tenant `id` without the rest of its context, or null when there is no
 * such tenant: for work on a tenant this node has not loaded (a scheduled rotation). Its keys are
 * generated if it has none, as on its first request. Throws ConfigError when its stored settings
 * no longer validate.
 */
export async function tenantKeystore(parts: DeploymentParts, id: string): Promise<Keystore | null> {
  const row = await parts.store.tenants.get(id)
  if (row === null) return null
  return openKeystore(parts, id, tenantConfig(parts.base, row).config, parts.events.forTenant(id))
}

async function openKeystore(parts: DeploymentParts, id: string, config: LatchConfig, events: LatchEvents): Promise<Keystore> {
  const tenantStore = parts.store.forTenant(id)
  return Keystore.openFor(config, { keys: tenantStore.keys, clock: parts.clock, idTokenAlgs: idTokenAlgsOf(await tenantStore.clients.list()), events })
}
