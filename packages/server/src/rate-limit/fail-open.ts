/**
 * Rate limits that fail open: Redis counts while it answers; when it is unreachable, errors or
 * times out, every hit is counted in this process's memory instead, so sign-ins keep working and
 * are still throttled, per node (a throttle that fails closed would let a Redis outage lock every
 * user out; none at all would hand attackers the outage). One `warn` is logged when Redis starts
 * failing and one `info` when it is back, never a line per request. While it is down no request
 * waits on it: a probe pings it in the background, and the connection's `ready` event counts too.
 * A hit is taken back by the store that counted it.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 * @see https://owasp.org/www-community/controls/Blocking_Brute_Force_Attacks
 */
import type { Logger } from 'pino'
import type { RateLimitBackend, RateLimitHit, RateLimitReservation, RateLimitRule, RateLimitUndo, ReserveRule } from './backend.js'
import type { MemoryRateLimit } from './memory.js'

/** A shared store that can say whether it answers. */
export interface ProbedBackend extends RateLimitBackend {
  ping(): Promise<void>
}

export interface FailOpenOptions {
  log: Logger
  /** Where the shared store is, for log lines: a redacted URL, never one with a password. */
  target: string
  /** Strings scrubbed from error messages before they are logged (the Redis password). */
  secrets?: readonly string[]
  /** How often the probe runs while the shared store is down, ms. */
  probeIntervalMs?: number
  /** Runs on close, after the probe stops (closes the connection). */
  onClose?: () => Promise<void>
}

export class FailOpenRateLimit implements RateLimitBackend {
  #down = false
  #closed = false
  readonly #probe: NodeJS.Timeout

  constructor(
    private readonly shared: ProbedBackend,
    private readonly fallback: MemoryRateLimit,
    private readonly options: FailOpenOptions,
  ) {
    this.#probe = setInterval(() => {
      if (this.#down) this.shared.ping().then(() => this.reportUp(), () => {})
    }, options.probeIntervalMs ?? 1000)
    this.#probe.unref()
  }

  /** Issue 14: Redis answers now (false from the first failure until the probe or `ready` sees it back). */
  get sharedAvailable(): boolean {
    return !this.#down
  }

  async hit(rules: readonly RateLimitRule[], windowSeconds: number, now: number): Promise<RateLimitHit> {
    if (!this.#down) {
      try {
        const hit = await this.shared.hit(rules, windowSeconds, now)
        if (!hit.allowed) return hit
        return { allowed: true, undo: (change: RateLimitUndo) => hit.undo(change).catch((err: unknown) => this.reportDown(err)) }
      } catch (err) {
        this.reportDown(err)
      }
    }
    return this.fallback.hit(rules, windowSeconds, now)
  }

  async reserve(rules: readonly ReserveRule[], windowSeconds: number, now: number): Promise<RateLimitReservation> {
    if (!this.#down) {
      try {
        const reservation = await this.shared.reserve(rules, windowSeconds, now)
        if (reservation.status !== 'reserved') return reservation
        return { ...reservation, release: (change: RateLimitUndo) => reservation.release(change).catch((err: unknown) => this.reportDown(err)) }
      } catch (err) {
        this.reportDown(err)
      }
    }
    return this.fallback.reserve(rules, windowSeconds, now)
  }

  /** The shared store failed: from now on count per process (logged once per outage). */
  reportDown(reason: unknown): void {
    if (this.#down || this.#closed) return
    this.#down = true
    this.options.log.warn(
      { redis: this.options.target, reason: this.#describe(reason) },
      'rate limits: Redis is unreachable; login and device-code throttling now count per process (limits hold per node) until it is back',
    )
  }

  /** The shared store answers again: count there (logged once per recovery). */
  reportUp(): void {
    if (!this.#down || this.#closed) return
    this.#down = false
    this.options.log.info({ redis: this.options.target }, 'rate limits: Redis is reachable again; throttling is shared across nodes')
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#probe)
    await this.options.onClose?.()
    await this.fallback.close()
  }

  #describe(reason: unknown): string {
    let text = reason instanceof Error ? reason.message : String(reason)
    for (const secret of this.options.secrets ?? []) if (secret) text = text.split(secret).join('***')
    return text.slice(0, 200)
  }
}
