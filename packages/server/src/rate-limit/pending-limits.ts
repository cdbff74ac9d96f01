/**
 * Bounds on the state an anonymous request makes Latch store: an interaction (the sign-in page a
 * `GET /authorize` opens, up to ~5 KB with `state` and `nonce`) and a device authorization (RFC
 * 8628 §3.1; public clients need no secret). Checked before the row is written, in this order:
 * 1. per source (`lib/source-address.ts`), each kind per `security.pending_source_window`: at
 *    most `security.pending_per_source` per IPv4 address or IPv6 /64, and, for IPv6, also at most
 *    `pending_per_ipv6_56` per /56 and `pending_per_ipv6_48` per /48 (a site is usually delegated a
 *    /48, 65,536 /64s: per /64 alone, about 250 of them filled the caps below). All counted in one
 *    atomic hit of the shared rate-limit backend (Redis when configured);
 * 2. globally: at most `security.max_pending_interactions` / `max_pending_device_codes` unexpired
 *    rows, a count that reads no further than the cap (`countActive`), the last line against
 *    filling the disk when many sources join in. A full interaction cap does not refuse: the
 *    oldest interactions nobody has signed in to are evicted (at most `EVICTION_BATCH`, in one
 *    statement), so a flood must replace the whole cap within a real user's time on the page to
 *    cost them their page (they then start again), rather than merely reach the cap once. Only when every
 *    live interaction has a signed-in user is a new one refused. Device codes are not evicted (a
 *    device polls its code and would fail): a full device-code cap refuses.
 * Refusals are `temporarily_unavailable` for interactions (RFC 6749 §4.1.2.1: "temporary
 * overloading"; the authorization endpoint redirects it to the verified redirect_uri, pages show
 * it), and at the device authorization endpoint 429 `slow_down` for the source (RFC 6585 §4; RFC
 * 8628 §3.5's code for "asking too often") or 503 `temporarily_unavailable` for the global cap,
 * each with `Retry-After`. Counter keys hold an HMAC of the source, never the address.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.2
 */
import { createHash, createHmac } from 'node:crypto'
import type { LatchConfig } from '../config/schema.js'
import { SlowDownError, TemporarilyUnavailableError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { LatchEvents } from '../events.js'
import type { RateLimitBackend } from './backend.js'
import { sourceNetworks } from '../lib/source-address.js'
import type { Store } from '../storage/store.js'

/** How long a client is told to wait when the global cap is full: rows expire continuously. */
const CAP_RETRY_AFTER = 60
/**
 * Interactions evicted at once when the cap is full: one statement, then the next few admits find
 * room. At most 16, and at most 1 in 1,000 of the cap, so a small cap loses no more than it must.
 */
export const EVICTION_BATCH = 16
const evictionBatch = (cap: number) => Math.max(1, Math.min(EVICTION_BATCH, Math.floor(cap / 1000)))

export class PendingLimits {
  readonly #digest: (value: string) => string

  constructor(
    private readonly config: Pick<LatchConfig, 'security'>,
    private readonly store: Store,
    private readonly rateLimit: RateLimitBackend,
    private readonly clock: Clock,
    keySecret: string,
    /** Issue 14: told when a per-source limit refuses (`throttle.engaged`). */
    private readonly events?: LatchEvents,
  ) {
    const key = createHash('sha256').update(`latch pending-state keys\0${keySecret}`).digest()
    this.#digest = (value) => createHmac('sha256', key).update(value).digest('base64url')
  }

  /** Throws `temporarily_unavailable` when `ip`'s source or the deployment may not start another interaction. */
  async admitInteraction(ip: string): Promise<void> {
    const wait = await this.#perSource('i', ip)
    if (wait !== null) {
      this.events?.emit('throttle.engaged', { throttle: 'pending_interactions', ip })
      throw new TemporarilyUnavailableError('Too many sign-in requests from your network. Try again in a few minutes.', {
        status: 429,
        retryAfter: wait,
        detail: 'pending_per_source reached (interactions)',
      })
    }
    const cap = this.config.security.max_pending_interactions
    const now = this.clock.now()
    if ((await this.store.interactions.countActive(now, cap)) >= cap && (await this.store.evictAnonymousInteractions(now, evictionBatch(cap))) === 0) {
      throw new TemporarilyUnavailableError('Sign-in is busy right now. Try again in a minute.', {
        retryAfter: CAP_RETRY_AFTER,
        detail: 'max_pending_interactions reached',
      })
    }
  }

  /** Throws 429 `slow_down` (this source) or 503 `temporarily_unavailable` (everyone) when no device code may be issued now. */
  async admitDeviceCode(ip: string): Promise<void> {
    const wait = await this.#perSource('d', ip)
    if (wait !== null) {
      this.events?.emit('throttle.engaged', { throttle: 'pending_device_codes', ip })
      throw new SlowDownError('too many device authorization requests from this network, retry later', {
        status: 429,
        retryAfter: wait,
        detail: 'pending_per_source reached (device codes)',
      })
    }
    const cap = this.config.security.max_pending_device_codes
    if ((await this.store.deviceCodes.countActive(this.clock.now(), cap)) >= cap) {
      throw new TemporarilyUnavailableError('too many pending device authorizations, retry later', {
        retryAfter: CAP_RETRY_AFTER,
        detail: 'max_pending_device_codes reached',
      })
    }
  }

  /** Counts one creation for the source and its wider networks; seconds to wait when a budget is spent, else null. */
  async #perSource(kind: 'i' | 'd', ip: string): Promise<number | null> {
    const { pending_per_source, pending_per_ipv6_56, pending_per_ipv6_48, pending_source_window: window } = this.config.security
    // Narrowest first: an IPv4 address or IPv6 /64, then the /56 and the /48. A wider network's
    // limit is never below a narrower one's (raising pending_per_source for a NAT raises them too).
    const per56 = Math.max(pending_per_ipv6_56, pending_per_source)
    const limits = [pending_per_source, per56, Math.max(pending_per_ipv6_48, per56)]
    const rules = sourceNetworks(ip).map((network, i) => ({ key: `pending:${kind}:${this.#digest(network)}`, max: limits[i] ?? pending_per_source }))
    const hit = await this.rateLimit.hit(rules, window, this.clock.now())
    return hit.allowed ? null : hit.retryAfter
  }
}
