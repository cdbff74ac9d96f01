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
import { detached } from '../lib/detached.js'
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
  /** Every row of a batch waits for at most ⌈BATCH / PARALLEL⌉ attempts of at most `alerts.timeout` each. */
  readonly #lease: number
  #timer: NodeJS.Timeout | undefined
  #kicked = false
  #running: Promise<void> | null = null
  #stopped = false

  constructor(options: AlertDeliveryQueueOptions) {
    this.#options = options
    this.#lease = Math.ceil(BATCH / PARALLEL) * options.config.timeout + 30
  }

  start(): void {
    if (this.#options.webhooks.size === 0) return
    this.#timer = setInterval(() => void this.#pass(), INTERVAL_MS)
    this.#timer.unref()
  }

  /** An alert was just queued: deliver now rather than at the next tick. */
  kick(): void {
    if (this.#kicked || this.#stopped) return
    this.#kicked = true
    // Security review L3: the pass is no part of the request that queued the alert (lib/detached.ts).
    detached(() =>
      setImmediate(() => {
        this.#kicked = false
        void this.#pass()
      }).unref(),
    )
  }

  /** One full pass that starts after any pass under way: every row due now gets its attempt. */
  async runOnce(): Promise<void> {
    await this.#running
    await this.#pass()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#running
  }

  #pass(): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    return (this.#running ??= this.#deliverDue()
      .catch((err: unknown) => this.#options.log.warn({ err }, 'alert delivery pass failed'))
      .finally(() => (this.#running = null)))
  }

  async #deliverDue(): Promise<void> {
    const { store, clock } = this.#options
    for (let batch = 0; batch < MAX_BATCHES && !this.#stopped; batch++) {
      const rows = await store.alertDeliveries.claim(clock.now(), BATCH, this.#lease)
      let next = 0
      const worker = async () => {
        while (next < rows.length) await this.#deliver(rows[next++]!)
      }
      await Promise.all(Array.from({ length: Math.min(PARALLEL, rows.length) }, worker))
      if (rows.length < BATCH) return
    }
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
