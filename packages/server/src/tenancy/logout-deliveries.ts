/**
 * The per-node loop that sends back-channel logout tokens (issue 12, OIDC Back-Channel Logout 1.0).
 * Every `INTERVAL_MS`, and at once when a session ends on this node, it claims due rows of every
 * tenant (`store.logoutDeliveries.claim`: a lease per row, `FOR UPDATE SKIP LOCKED` on PostgreSQL,
 * so nodes never deliver the same row twice at once) and makes one attempt per row through the
 * row's tenant context (`sessions/backchannel-logout.ts`), a few at a time. A logout ended by
 * another process (the CLI's `users set-password`, another node) is picked up by the interval.
 *
 * A row whose tenant this node does not know (yet, or any more) is left to its lease: a node that
 * knows the tenant takes it later, and rows of a deleted tenant went with it (`tenants.delete`).
 */
import type { Logger } from 'pino'
import type { Clock } from '../lib/clock.js'
import { LeaseLoop } from '../lib/lease-loop.js'
import { withSpan } from '../lib/tracing.js'
import { deliverLogoutToken } from '../sessions/backchannel-logout.js'
import type { LogoutDeliveryRecord, Store } from '../storage/store.js'
import type { TenantContexts } from './tenant-contexts.js'

/** How often each node looks for due deliveries. */
const INTERVAL_MS = 5_000
/** Deliveries in flight at once. */
const PARALLEL = 8
/** Rows claimed per statement: two per worker, so a claimed row waits for at most one other attempt. */
const BATCH = 2 * PARALLEL
/** Claims per pass at most: the rest waits for the next pass. */
const MAX_BATCHES = 40
/** The longest one attempt may take: the maximum of `sessions.backchannel_logout_timeout`. */
const MAX_ATTEMPT_SECONDS = 60
/**
 * Seconds a claimed row stays this node's: every row of a batch waits for at most
 * ⌈BATCH / PARALLEL⌉ attempts, each at most MAX_ATTEMPT_SECONDS, so a slow receiver never lets
 * another node deliver the same row while this one still waits (the security review found the
 * earlier 150 s against 7 attempts of 60 s per worker).
 */
const LEASE = Math.ceil(BATCH / PARALLEL) * MAX_ATTEMPT_SECONDS + 30

export interface LogoutDeliveryQueueOptions {
  store: Store
  contexts: TenantContexts
  clock: Clock
  log: Logger
}

export class LogoutDeliveryQueue {
  readonly #options: LogoutDeliveryQueueOptions
  readonly #loop: LeaseLoop<LogoutDeliveryRecord & { tenant_id: string }>

  constructor(options: LogoutDeliveryQueueOptions) {
    this.#options = options
    this.#loop = new LeaseLoop({
      name: 'back-channel logout',
      intervalMs: INTERVAL_MS,
      parallel: PARALLEL,
      batch: BATCH,
      maxBatches: MAX_BATCHES,
      claim: (limit) => options.store.logoutDeliveries.claim(options.clock.now(), limit, LEASE),
      deliver: (row) => this.#deliver(row),
      log: options.log,
    })
  }

  start(): void {
    this.#loop.start()
  }

  /** A session just ended: deliver now rather than at the next tick (several ends in one turn, one pass). */
  kick(): void {
    this.#loop.kick()
  }

  /** One full pass that starts after any pass under way: every row due now gets its attempt. */
  runOnce(): Promise<void> {
    return this.#loop.runOnce()
  }

  /** Stops the timers and waits for the pass under way. */
  stop(): Promise<void> {
    return this.#loop.stop()
  }

  async #deliver(row: LogoutDeliveryRecord & { tenant_id: string }): Promise<void> {
    const { contexts, log } = this.#options
    try {
      const ctx = await contexts.get(row.tenant_id)
      if (ctx === null) return void log.debug({ tenant: row.tenant_id }, 'back-channel logout for a tenant this node does not know: left to its lease')
      // Issue 14: one span per attempt (its store writes and the POST under it); names and ids only.
      await withSpan('backchannel_logout.deliver', { 'latch.tenant': row.tenant_id, 'oauth.client_id': row.client_id }, () => deliverLogoutToken(ctx, row))
    } catch (err) {
      // The store away: the lease runs out and the row is claimed again.
      log.warn({ err, tenant: row.tenant_id, client_id: row.client_id }, 'back-channel logout delivery could not be recorded')
    }
  }
}
