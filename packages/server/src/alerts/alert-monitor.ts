/**
 * Issue 14: turns events into alerts and queues them for the webhooks (`alert_deliveries`).
 * - Theft (`authorization_code.reused`, `refresh_token.family_revoked` with reason `reused`,
 *   `client_assertion.replayed`, `passkey.counter_regressed`): one alert per event (rare, each news).
 * - Throttles (`login.failed` with reason `throttled` as `login.throttled`, `mfa.locked`,
 *   `sign_in_mail.throttled`, `throttle.engaged`): at most one alert per key per
 *   `alerts.repeat_window`: a throttle refuses every further attempt, and an attacker must not turn
 *   each refusal into a webhook call. The key of the anonymous throttles is the network alone (an
 *   IPv4 address, an IPv6 /48; and the throttle's name for `throttle.engaged`), never the account
 *   typed (security review M3): one address sending one attempt per random email would otherwise
 *   raise one alert per email. So the alert names the attempt that raised it, and how many other
 *   accounts the network tried within the window is not counted. `mfa.locked` is keyed per user
 *   (it needs the user's password).
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
 *
 * Theft is never crowded out by what anonymous traffic can cause (security review M3): throttle and
 * threshold alerts have an in-flight pool of their own (theft alerts another), at most
 * `MAX_NOISE_PER_WINDOW` of them are raised per `repeat_window` per node (past that, one warning and
 * none until the window ends), and they may fill at most half of `alerts.queue_limit`; theft alerts
 * may fill all of it.
 *
 * An alert's `data` is built from an allow-list of fields per type (`ALERT_FIELDS`), never the
 * event's payload as is (security review M4): `login.failed` and `sign_in_mail.throttled` carry the
 * email typed when `audit.include_email` is on, and no email ever leaves in an alert.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { ALERT_TYPES, type AlertType } from '../config/alerts.js'
import type { LatchConfig } from '../config/schema.js'
import type { LatchEventMap, LatchEvents } from '../events.js'
import type { Clock } from '../lib/clock.js'
import { keyedMac } from '../lib/keyed-mac.js'
import { sourceNetworks, throttleSource } from '../lib/source-address.js'
import type { RateLimitBackend } from '../rate-limit/backend.js'
import { MemoryRateLimit } from '../rate-limit/memory.js'
import type { Store } from '../storage/store.js'
import { Webhooks } from './webhooks.js'

/** Counters of the memory backend (no Redis) at most: two per account or network in a window. */
export const MAX_KEYS = 20_000
/** Alerts being decided and queued at once, at most: theft alerts, and throttle and threshold alerts, each. */
export const MAX_IN_FLIGHT = 256
/** Throttle and threshold alerts raised per node per `alerts.repeat_window`, at most (security review M3). */
export const MAX_NOISE_PER_WINDOW = 100

/**
 * The fields of each alert type's `data`, and no other (security review M4): never an email, a
 * token, a code or a secret, whatever the event carries.
 */
export const ALERT_FIELDS = Object.freeze({
  'authorization_code.reused': ['client_id', 'grant_id'],
  'refresh_token.family_revoked': ['client_id', 'grant_id', 'reason'],
  'client_assertion.replayed': ['client_id'],
  'passkey.counter_regressed': ['user_id', 'credential_id', 'stored', 'received'],
  'login.throttled': ['reason', 'ip', 'network', 'account_hash'],
  'mfa.locked': ['user_id', 'failures'],
  'sign_in_mail.throttled': ['ip', 'network', 'account_hash'],
  'throttle.engaged': ['throttle', 'ip', 'network'],
  'threshold.crossed': ['threshold', 'count', 'window', 'account_hash', 'network'],
} as const satisfies Record<AlertType, readonly string[]>)

/** The alert types anonymous traffic can cause: their own in-flight pool, a cap per window, half the queue. */
const NOISY_TYPES: readonly AlertType[] = (Object.keys(ALERT_TYPES) as AlertType[]).filter((t) => ALERT_TYPES[t] !== 'theft')
const isNoisy = (type: AlertType) => ALERT_TYPES[type] !== 'theft'

/** The network a throttle alert is keyed by: an IPv4 address, an IPv6 /48 (a site's usual delegation). */
export function alertNetwork(ip: string): string {
  return sourceNetworks(ip).at(-1) as string
}
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
  /** In flight per pool: theft, and throttle + threshold. */
  readonly #pool = { theft: 0, noise: 0 }
  #warnedAt = -Infinity
  #dropped = 0
  /** This node's count of throttle and threshold alerts in the current `repeat_window`. */
  #noise = { start: -Infinity, raised: 0, suppressed: 0 }
  /** The last throttle or threshold enqueue (they run one at a time). */
  #noiseTail: Promise<void> = Promise.resolve()

  constructor(options: AlertMonitorOptions) {
    this.#options = options
    this.webhooks = new Webhooks(options.config)
    this.#ownsCounters = options.rateLimit === undefined
    this.#counters = options.rateLimit ?? new MemoryRateLimit({ maxKeys: MAX_KEYS })
  }

  /** Listens to the events that raise alerts (nothing at all without webhooks). */
  subscribe(events: LatchEvents): void {
    if (this.webhooks.size === 0) return
    const theft = (type: AlertType) => (p: Tenanted<object>) => this.#start('theft', () => this.raise(type, p.tenant, p as Record<string, unknown>))
    events.on('authorization_code.reused', theft('authorization_code.reused'))
    events.on('client_assertion.replayed', theft('client_assertion.replayed'))
    events.on('passkey.counter_regressed', theft('passkey.counter_regressed'))
    events.on('refresh_token.family_revoked', (p: Tenanted<LatchEventMap['refresh_token.family_revoked']>) => {
      if (p.reason === 'reused') this.#start('theft', () => this.raise('refresh_token.family_revoked', p.tenant, p))
    })
    events.on('login.failed', (p: Tenanted<LatchEventMap['login.failed']>) => this.#start('noise', () => this.#loginFailed(p)))
    events.on('mfa.locked', (p: Tenanted<LatchEventMap['mfa.locked']>) => this.#start('noise', () => this.#throttle('mfa.locked', p.tenant, `u\0${p.user_id}`, p)))
    events.on('sign_in_mail.throttled', (p: Tenanted<LatchEventMap['sign_in_mail.throttled']>) => {
      const network = alertNetwork(p.ip)
      this.#start('noise', () => this.#throttle('sign_in_mail.throttled', p.tenant, `m\0${network}`, { ...p, network }))
    })
    events.on('throttle.engaged', (p: Tenanted<LatchEventMap['throttle.engaged']>) => {
      const network = alertNetwork(p.ip)
      this.#start('noise', () => this.#throttle('throttle.engaged', p.tenant, `e\0${p.throttle}\0${network}`, { ...p, network }))
    })
  }

  /**
   * Queues alert `type` about `tenant` (absent: `default`) for every webhook that selects it; returns
   * its id, or null when no webhook wants it, the cap of throttle and threshold alerts is reached or
   * the queue (or their share of it) is full. `fields`: the event's payload; only the type's
   * `ALERT_FIELDS` of it go into the alert.
   */
  async raise(type: AlertType, tenant: string | undefined, fields: Record<string, unknown>): Promise<string | null> {
    const targets = this.webhooks.for(type)
    if (targets.length === 0) return null
    const { store, clock, config, log } = this.#options
    const now = clock.now()
    const noisy = isNoisy(type)
    if (noisy && !this.#admitNoise(now)) return null
    const id = randomUUID()
    const body = JSON.stringify({ id, type, time: new Date(now * 1000).toISOString(), tenant: tenant ?? 'default', data: pick(ALERT_FIELDS[type], fields) })
    const enqueue = () =>
      store.alertDeliveries.enqueue(
        targets.map((w) => ({ id, webhook_id: w.id, tenant: tenant ?? 'default', type, body })),
        now,
        config.queue_limit,
        noisy ? { types: NOISY_TYPES, limit: Math.floor(config.queue_limit / 2) } : undefined,
      )
    // One throttle or threshold enqueue at a time per node: concurrent ones would each pass the
    // count of their share before any wrote. Theft alerts do not wait behind them.
    const queued = noisy ? await this.#oneAtATime(enqueue) : await enqueue()
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

  #oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const p = this.#noiseTail.then(work)
    this.#noiseTail = p.then(() => undefined, () => undefined)
    return p
  }

  /** Starts deciding an alert in `pool` (theft, or throttle + threshold), unless the pool is full. */
  #start(pool: 'theft' | 'noise', work: () => Promise<unknown>): void {
    if (this.#pool[pool] >= MAX_IN_FLIGHT) return this.#drop(pool === 'theft' ? '(theft)' : '(throttle or threshold)', 'too many alerts in flight')
    this.#pool[pool]++
    const p: Promise<void> = work()
      .then(() => undefined, (err: unknown) => this.#options.log.warn({ err }, 'an alert could not be queued'))
      .finally(() => {
        this.#pool[pool]--
        this.#inFlight.delete(p)
      })
    this.#inFlight.add(p)
  }

  /**
   * True when one more throttle or threshold alert may be raised in this `repeat_window` on this
   * node (`MAX_NOISE_PER_WINDOW`); the first refused one logs a warning, and the next window's first
   * alert logs how many the last one suppressed.
   */
  #admitNoise(now: number): boolean {
    const { config, log } = this.#options
    if (now - this.#noise.start >= config.repeat_window) {
      if (this.#noise.suppressed > 0) log.warn({ suppressed: this.#noise.suppressed, limit: MAX_NOISE_PER_WINDOW, window: config.repeat_window }, 'throttle and threshold alerts were suppressed by the cap per window')
      this.#noise = { start: now, raised: 0, suppressed: 0 }
    }
    if (this.#noise.raised < MAX_NOISE_PER_WINDOW) {
      this.#noise.raised++
      return true
    }
    if (this.#noise.suppressed++ === 0) {
      log.warn({ limit: MAX_NOISE_PER_WINDOW, window: config.repeat_window, until: new Date((this.#noise.start + config.repeat_window) * 1000).toISOString() }, 'alert cap reached: no more throttle or threshold alerts from this node until the window ends (theft alerts still go)')
    }
    return false
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
    if (p.reason === 'throttled') {
      const wide = alertNetwork(p.ip)
      await this.#throttle('login.throttled', tenant, `l\0${wide}`, { ...p, network: wide })
    }
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
  async #throttle(type: AlertType, tenant: string | undefined, key: string, fields: Record<string, unknown>): Promise<void> {
    if (!this.webhooks.wants(type)) return
    const gate = await this.#counters.hit([{ key: this.#key('r', `${tenant ?? ''}\0${key}`), max: 1 }], this.#options.config.repeat_window, this.#options.clock.now())
    if (gate.allowed) await this.raise(type, tenant, fields)
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

/** The alert's `data`: the `fields` of `payload` that it has, and nothing else (no `tenant`: the body has it at its top). */
function pick(fields: readonly string[], payload: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  for (const f of fields) if (payload[f] !== undefined) data[f] = payload[f]
  return data
}
