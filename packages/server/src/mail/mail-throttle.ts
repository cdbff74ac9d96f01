/**
 * Issue 13: how much mail anonymous requests may make Latch send: at most `mail.max_per_address`
 * messages to one address and `mail.max_per_source` for one source (the IPv4 address, or each of
 * an IPv6 source's /64, /56 and /48) per `mail.throttle_window`, counted in the shared rate-limit
 * store (Redis across nodes when configured). Addresses and networks appear in counter keys only
 * as keyed hashes. Counted whether or not the address has an account, so the limit says nothing
 * about it.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 * @see https://owasp.org/www-project-application-security-verification-standard/ (ASVS 4.0.3 V2.5.2, V11.1.4)
 */
import type { LatchConfig } from '../config/schema.js'
import type { Clock } from '../lib/clock.js'
import { keyedMac } from '../lib/keyed-mac.js'
import { sourceNetworks } from '../lib/source-address.js'
import type { RateLimitBackend } from '../rate-limit/backend.js'

export type MailAllowance = { allowed: true } | { allowed: false; retryAfter: number }

export class MailThrottle {
  constructor(
    private readonly limits: LatchConfig['mail'],
    private readonly clock: Clock,
    private readonly store: RateLimitBackend,
    private readonly keySecret: string,
  ) {}

  /** Counts one message to `address` asked for from `ip`; refused (nothing counted) past either limit. */
  async allow(address: string, ip: string): Promise<MailAllowance> {
    const digest = (value: string) => keyedMac(this.keySecret, 'latch mail throttle', value).slice(0, 32)
    const rules = [
      { key: `mail:a:${digest(address.toLowerCase())}`, max: this.limits.max_per_address },
      ...sourceNetworks(ip).map((network) => ({ key: `mail:i:${digest(network)}`, max: this.limits.max_per_source })),
    ]
    const hit = await this.store.hit(rules, this.limits.throttle_window, this.clock.now())
    return hit.allowed ? { allowed: true } : { allowed: false, retryAfter: hit.retryAfter }
  }
}
