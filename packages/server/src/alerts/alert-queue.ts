/**
 * Issue 14: the per-node loop that sends queued alerts (`alert_deliveries`), after the back-channel
 * logout loop (`tenancy/logout-deliveries.ts`). Every `INTERVAL_MS`, and at once when this node
 * queues an alert, it claims due rows (a lease per row, `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
 * nodes never deliver the same row at once) and makes one attempt per row (`delivery.ts`), a few at
 * a time; then completes or reschedules the row and emits `alert.delivered` / `alert.failed` (the
 * audit log's record of delivery), never with the body or the secret.
 */
import type { Logger } from 'pino'
import type { LatchConfig } from '../config/schema.js'
import type { LatchEvents } from '../events.js'
import type { Clock } from '../lib/clock.js'
import { LeaseLoop } from '../lib/lease-loop.js'
import type { AlertDeliveryRecord, Store } from '../storage/store.js'
import { attemptAlert } from './delivery.js'
import type { Webhooks } from './webhooks.js'

/** How often each node looks for due alerts. */
const INTERVAL_MS = 5_000
/** Deliveries in flight at once. */
const PARALLEL = 8
/** Rows claimed per statement. */
const BATCH = 2 * PARALLEL
/** Claims per pass at most: the rest waits for the next pass. */
const MAX_BATCHES = 20

export interface AlertDeliveryQueueOptions {
  config: LatchConfig['alerts']
  webhooks: Webhooks
  store: Store
  clock: Clock
  log: Logger
  /** The deployment's bus: delivery events are emitted for the alert's tenant. */
  events: LatchEvents
  fetch?: typeof fetch
}

export class AlertDeliveryQueue {
  readonly #options: AlertDeliveryQueueOptions
  readonly #loop: LeaseLoop<AlertDeliveryRecord>

  constructor(options: AlertDeliveryQueueOptions) {
    this.#options = options
    // Every row of a batch waits for at most ⌈BATCH / PARALLEL⌉ attempts of at most `alerts.timeout` each.
    const lease = Math.ceil(BATCH / PARALLEL) * options.config.timeout + 30
    this.#loop = new LeaseLoop({
      name: 'alert delivery',
      intervalMs: INTERVAL_MS,
      parallel: PARALLEL,
      batch: BATCH,
      maxBatches: MAX_BATCHES,
      claim: (limit) => options.store.alertDeliveries.claim(options.clock.now(), limit, lease),
      deliver: (row) => this.#deliver(row),
      log: options.log,
    })
  }

  start(): void {
    if (this.#options.webhooks.size === 0) return
    this.#loop.start()
  }

  /** An alert was just queued: deliver now rather than at the next tick. */
  kick(): void {
    this.#loop.kick()
  }

  /** One full pass that starts after any pass under way: every row due now gets its attempt. */
  runOnce(): Promise<void> {
    return this.#loop.runOnce()
  }

  stop(): Promise<void> {
    return this.#loop.stop()
  }

  async #deliver(row: AlertDeliveryRecord): Promise<void> {
    const { config, webhooks, store, clock, log } = this.#options
    const webhook = webhooks.get(row.webhook_id)
    const events = row.tenant === 'default' ? this.#options.events : this.#options.events.forTenant(row.tenant)
    const name = webhook?.origin ?? `(webhook ${row.webhook_id} no longer configured)`
    try {
      const result = await attemptAlert(config, webhook, row, () => clock.now(), this.#options.fetch)
      const attempts = result.outcome === 'failed' && result.reason === 'webhook_removed' ? row.attempts : row.attempts + 1
      if (result.outcome === 'retry') {
        await store.alertDeliveries.retry(row.id, row.webhook_id, result.at, result.status)
        log.info({ alert_id: row.id, type: row.type, webhook: name, attempts, failure: result.failure, retry_at: result.at }, 'alert delivery failed; will retry')
        return
      }
      await store.alertDeliveries.complete(row.id, row.webhook_id)
      if (result.outcome === 'delivered') {
        events.emit('alert.delivered', { alert_id: row.id, type: row.type, webhook: name, attempts, status: result.status })
      } else {
        events.emit('alert.failed', { alert_id: row.id, type: row.type, webhook: name, attempts, status: result.status, reason: result.reason })
        log.warn({ alert_id: row.id, type: row.type, webhook: name, attempts, status: result.status, reason: result.reason, failure: result.failure }, 'alert given up')
      }
    } catch (err) {
      // The store away: the lease runs out and the row is claimed again.
      log.warn({ err, alert_id: row.id, webhook: name }, 'alert delivery could not be recorded')
    }
  }
}
