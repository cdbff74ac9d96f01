/**
 * Issue 14: turns events into alerts and queues them for the webhooks (`alert_deliveries`).
 * - Theft (`authorization_code.reused`, `refresh_token.family_revoked` with reason `reused`,
 *   `client_assertion.replayed`, `passkey.counter_regressed`): one alert per event (rare, each news).
 * - Throttles (`login.failed` with reason `throttled` as `login.throttled`, `mfa.locked`,
 *   `sign_in_mail.throttled`, `throttle.engaged`): at most one alert per key (account and network,
 *   network, or user) per `alerts.repeat_window`: a throttle refuses every further attempt, and an
 *   attacker must not turn each refusal into a webhook call.
 * - Thresholds (`alerts.thresholds`): every `login.failed` counts for its account (its keyed hash)
 *   and for its network (IPv4 address, IPv6 /64); when a count reaches `count` within `window`, one
 *   `threshold.crossed` alert fires, and no other for that key until `window` has passed.
 *
 * Counting uses the rate-limit backend's atomic sliding window (`hit`): Redis when `redis_url` is set,
 * so every node adds to one count and one node fires; otherwise a memory backend of its own, bounded
 * (`MAX_KEYS`), apart from the login throttle's so that alert keys never evict throttle counters.
 * Keys hold HMACs keyed from LATCH_SECRET, never an account or address.
 *
 * Off the request path: a listener only starts the work (never awaited by the request), and does
 * nothing at all for events no webhook wants; the only listeners are on the events above, so the
 * token endpoint's events (`token.issued`) cost nothing. At most `MAX_IN_FLIGHT` alerts are being
 * decided at once; past that they are dropped with a warning (a flood, not news).
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { AlertType } from '../config/alerts.js'
import type { LatchConfig } from '../config/schema.js'
import type { LatchEventMap, LatchEvents } from '../events.js'
import type { Clock } from '../lib/clock.js'
import { keyedMac } from '../lib/keyed-mac.js'
import { throttleSource } from '../lib/source-address.js'
import type { RateLimitBackend } from '../rate-limit/backend.js'
import { MemoryRateLimit } from '../rate-limit/memory.js'
import type { Store } from '../storage/store.js'
import { Webhooks } from './webhooks.js'

/** Counters of the memory backend (no Redis) at most: two per account or network in a window. */
export const MAX_KEYS = 20_000
/** Alerts being decided and queued at once, at most. */
export const MAX_IN_FLIGHT = 256
/** At most one "queue full" warning per node per this many seconds. */
const WARN_EVERY = 60

export interface AlertMonitorOptions {
  config: LatchConfig['alerts']
  store: Store
  clock: Clock
  log: Logger
  /** The deployment's shared rate-limit store when Redis is configured; omitted: a bounded memory one of its own. */
  rateLimit?: RateLimitBackend
  /** LATCH_SECRET: the key of the counters' HMACs. */
  keySecret: string
  /** Called after alerts were queued (the delivery loop's `kick`). */
  onQueued?: () => void
}

type Tenanted<T> = T & { tenant?: string }

export class AlertMonitor {
  readonly webhooks: Webhooks
  readonly #options: AlertMonitorOptions
  readonly #counters: RateLimitBackend
  readonly #ownsCounters: boolean
  readonly #inFlight = new Set<Promise<void>>()
  #warnedAt = -Infinity
  #dropped = 0

  constructor(options: AlertMonitorOptions) {
    this.#options = options
    this.webhooks = new Webhooks(options.config)
    this.#ownsCounters = options.rateLimit === undefined
    this.#counters = options.rateLimit ?? new MemoryRateLimit({ maxKeys: MAX_KEYS })
  }

  /** Listens to the events that raise alerts (nothing at all without webhooks). */
  subscribe(events: LatchEvents): void {
    if (this.webhooks.size === 0) return
    const theft = (type: AlertType) => (p: Tenanted<object>) => this.#start(() => this.raise(type, p.tenant, strip(p)))
    events.on('authorization_code.reused', theft('authorization_code.reused'))
    events.on('client_assertion.replayed', theft('client_assertion.replayed'))
    events.on('passkey.counter_regressed', theft('passkey.counter_regressed'))
    events.on('refresh_token.family_revoked', (p: Tenanted<LatchEventMap['refresh_token.family_revoked']>) => {
      if (p.reason === 'reused') this.#start(() => this.raise('refresh_token.family_revoked', p.tenant, strip(p)))
    })
    events.on('login.failed', (p: Tenanted<LatchEventMap['login.failed']>) => this.#start(() => this.#loginFailed(p)))
    events.on('mfa.locked', (p: Tenanted<LatchEventMap['mfa.locked']>) => this.#start(() => this.#throttle('mfa.locked', p.tenant, `u\0${p.user_id}`, strip(p))))
    events.on('sign_in_mail.throttled', (p: Tenanted<LatchEventMap['sign_in_mail.throttled']>) =>
      this.#start(() => this.#throttle('sign_in_mail.throttled', p.tenant, `m\0${p.account_hash}\0${throttleSource(p.ip)}`, strip(p))),
    )
    events.on('throttle.engaged', (p: Tenanted<LatchEventMap['throttle.engaged']>) =>
      this.#start(() => this.#throttle('throttle.engaged', p.tenant, `e\0${p.throttle}\0${throttleSource(p.ip)}`, strip(p))),
    )
  }

  /**
   * Queues alert `type` about `tenant` (absent: `default`) for every webhook that selects it; returns
   * its id, or null when no webhook wants it or the queue is full.
   */
  async raise(type: AlertType, tenant: string | undefined, data: Record<string, unknown>): Promise<string | null> {
    const targets = this.webhooks.for(type)
    if (targets.length === 0) return null
    const { store, clock, config, log } = this.#options
    const now = clock.now()
    const id = randomUUID()
    const body = JSON.stringify({ id, type, time: new Date(now * 1000).toISOString(), tenant: tenant ?? 'default', data })
    const queued = await store.alertDeliveries.enqueue(
      targets.map((w) => ({ id, webhook_id: w.id, tenant: tenant ?? 'default', type, body })),
      now,
      config.queue_limit,
    )
    if (queued === 0) {
      this.#drop(type, 'alerts.queue_limit reached')
      return null
    }
    this.#options.onQueued?.()
    log.debug({ alert_id: id, type }, 'alert queued')
    return id
  }

  /** Resolves once every alert started so far is queued (or dropped): tests, and a clean close. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight])
  }

  async close(): Promise<void> {
    await this.settled()
    if (this.#ownsCounters) await this.#counters.close()
  }

  #start(work: () => Promise<unknown>): void {
    if (this.#inFlight.size >= MAX_IN_FLIGHT) return this.#drop('(any)', 'too many alerts in flight')
    const p: Promise<void> = work()
      .then(() => undefined, (err: unknown) => this.#options.log.warn({ err }, 'an alert could not be queued'))
      .finally(() => this.#inFlight.delete(p))
    this.#inFlight.add(p)
  }

  #drop(type: string, reason: string): void {
    this.#dropped++
    const now = this.#options.clock.now()
    if (now - this.#warnedAt < WARN_EVERY) return
    this.#warnedAt = now
    this.#options.log.warn({ type, reason, dropped: this.#dropped }, 'alerts dropped')
    this.#dropped = 0
  }

  async #loginFailed(p: Tenanted<LatchEventMap['login.failed']>): Promise<void> {
    const network = throttleSource(p.ip)
    const tenant = p.tenant
    if (p.reason === 'throttled') await this.#throttle('login.throttled', tenant, `l\0${p.account_hash}\0${network}`, strip(p))
    if (!this.webhooks.wants('threshold.crossed')) return
    const { failed_sign_ins_per_account: perAccount, failed_sign_ins_per_network: perNetwork } = this.#options.config.thresholds
    if (perAccount !== null && (await this.#crossed(`a\0${tenant ?? ''}\0${p.account_hash}`, perAccount))) {
      await this.raise('threshold.crossed', tenant, { threshold: 'failed_sign_ins_per_account', count: perAccount.count, window: perAccount.window, account_hash: p.account_hash })
    }
    if (perNetwork !== null && (await this.#crossed(`n\0${tenant ?? ''}\0${network}`, perNetwork))) {
      await this.raise('threshold.crossed', tenant, { threshold: 'failed_sign_ins_per_network', count: perNetwork.count, window: perNetwork.window, network })
    }
  }

  /** A throttle alert, at most once per key per `alerts.repeat_window`. */
  async #throttle(type: AlertType, tenant: string | undefined, key: string, data: Record<string, unknown>): Promise<void> {
    if (!this.webhooks.wants(type)) return
    const gate = await this.#counters.hit([{ key: this.#key('r', `${tenant ?? ''}\0${key}`), max: 1 }], this.#options.config.repeat_window, this.#options.clock.now())
    if (gate.allowed) await this.raise(type, tenant, data)
  }

  /**
   * Counts one failure on `key`; true exactly when this failure reaches `count` in the window and no
   * alert fired for the key within the window. The count's rule holds `count - 1` hits: the one that
   * finds it full is the crossing (and is not counted, so the count drains as the window slides).
   */
  async #crossed(key: string, threshold: { count: number; window: number }): Promise<boolean> {
    const now = this.#options.clock.now()
    const counter = this.#key('c', key)
    const hit = await this.#counters.hit([{ key: counter, max: threshold.count - 1 }], threshold.window, now)
    if (hit.allowed) return false
    const fired = await this.#counters.hit([{ key: `${counter}:f`, max: 1 }], threshold.window, now)
    return fired.allowed
  }

  #key(kind: string, value: string): string {
    return `alert:${kind}:${keyedMac(this.#options.keySecret, 'latch alert counters', value)}`
  }
}

/** The event's payload as the alert's `data`: without `tenant`, which the body has at its top. */
function strip(payload: object): Record<string, unknown> {
  const { tenant: _tenant, ...data } = payload as Record<string, unknown>
  return data
}
