/**
 * Scheduled signing key rotation (issue 11, `tokens.rotation_interval`, per tenant). Every node
 * runs it every `tenancy.reload_interval`: one query finds the tenants whose newest main key is at
 * least their interval old, and each is rotated like `latch keys rotate` (published now, signing
 * after `tokens.key_activation_delay`, the old key retiring then and staying published for the
 * grace period). Nodes that check at the same moment race on the next key generation, which the
 * store keeps unique: one adds the key and the others adopt it (`Keystore.rotateAfter`), so a due
 * tenant gets one new key, not one per node. A tenant this node has not loaded is rotated through
 * a keystore opened for the occasion; nodes that have it loaded see the key at their next key
 * reload, as after the CLI's rotation.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import type { Logger } from 'pino'
import { ROTATION_INTERVAL } from '../config/defaults.js'
import type { LatchConfig } from '../config/schema.js'
import type { Keystore, RotatedKey } from '../keys/keystore.js'
import type { Store } from '../storage/store.js'
import type { TenantContexts } from './tenant-contexts.js'

export interface KeyRotationOptions {
  store: Store
  /** The default tenant's config: its `tokens.rotation_interval`. */
  base: LatchConfig
  contexts: TenantContexts
  /** The keystore of a tenant this node has not loaded (tenant-context.ts `tenantKeystore`). */
  openKeystore(id: string): Promise<Keystore | null>
  log: Logger
  now(): number
}

export interface ScheduledRotation extends RotatedKey {
  tenant: string
}

export class KeyRotationSchedule {
  readonly #options: KeyRotationOptions

  constructor(options: KeyRotationOptions) {
    this.#options = options
  }

  /** Rotates the keys of every tenant that is due; returns the keys this node added. */
  async run(): Promise<ScheduledRotation[]> {
    const { store, base, contexts, log } = this.#options
    // Single-tenant mode with the schedule off (the default): not even the query.
    if (!contexts.multi && base.tokens.rotation_interval === 0) return []
    const due = await store.tenants.keysDue(this.#options.now(), { default: base.tokens.rotation_interval, unset: ROTATION_INTERVAL })
    const rotated: ScheduledRotation[] = []
    // One after another: key generation is CPU work, and the request path shares the core.
    for (const { id, generation } of due) {
      try {
        const keystore = contexts.loaded(id)?.keystore ?? (await this.#options.openKeystore(id))
        if (keystore === null) continue // deleted meanwhile
        const key = await keystore.rotateAfter(generation)
        if (key === null) continue // another node rotated it first; its key was adopted
        rotated.push({ tenant: id, ...key })
        log.info({ tenant: id, kid: key.kid, alg: key.alg, activates_at: key.activatesAt }, 'signing key rotated on schedule (tokens.rotation_interval)')
      } catch (err) {
        // One tenant's failure (settings that no longer validate, a lost database) skips it until the next run.
        log.error({ err, tenant: id }, 'scheduled signing key rotation failed')
      }
    }
    return rotated
  }
}
