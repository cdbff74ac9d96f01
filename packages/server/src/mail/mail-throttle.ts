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

/**
 * Security review M2 (NIST SP 800-63B §5.1.3.2, §5.2.2): guesses at mailed codes over a day, on
 * top of each row's own `CODE_MAX_ATTEMPTS`: new rows (a resend) do not reopen an address's budget.
 */
export const CODE_GUESS_WINDOW = 86_400
/** Guesses at the codes mailed to one address per `CODE_GUESS_WINDOW` (over every row and source). */
export const CODE_GUESSES_PER_ADDRESS = 10
/** Guesses at mailed codes from one source (IPv4 address; IPv6 /64, /56, /48) per `CODE_GUESS_WINDOW`. */
export const CODE_GUESSES_PER_SOURCE = 50

/** A counted guess: `forgive()` takes it back once the code was right (only wrong guesses use the budget). */
export type GuessAllowance = { allowed: true; forgive(): Promise<void> } | { allowed: false; retryAfter: number }

export class MailThrottle {
  constructor(
    private readonly limits: LatchConfig['mail'],
    private readonly clock: Clock,
    private readonly store: RateLimitBackend,
    private readonly keySecret: string,
  ) {}

  /** Counts one message to `address` asked for from `ip`; refused (nothing counted) past either limit. */
  async allow(address: string, ip: string): Promise<MailAllowance> {
    const digest = (value: string) => this.#digest(value)
    const rules = [
      { key: `mail:a:${digest(address.toLowerCase())}`, max: this.limits.max_per_address },
      ...sourceNetworks(ip).map((network) => ({ key: `mail:i:${digest(network)}`, max: this.limits.max_per_source })),
    ]
    const hit = await this.store.hit(rules, this.limits.throttle_window, this.clock.now())
    return hit.allowed ? { allowed: true } : { allowed: false, retryAfter: hit.retryAfter }
  }

  /**
   * Security review L8: counts one message to `address` an authenticated administrator asked for
   * (an invitation), against the same per-address budget as the anonymous mails, so neither
   * adds to the other's flood; no source limit, since one administrator may invite many people.
   */
  async allowTo(address: string): Promise<MailAllowance> {
    const hit = await this.store.hit([{ key: `mail:a:${this.#digest(address.toLowerCase())}`, max: this.limits.max_per_address }], this.limits.throttle_window, this.clock.now())
    return hit.allowed ? { allowed: true } : { allowed: false, retryAfter: hit.retryAfter }
  }

  /** Counts one guess at a mailed code from `ip` (`CODE_GUESSES_PER_SOURCE`); refused, nothing counted, past it. */
  async codeGuessFrom(ip: string): Promise<GuessAllowance> {
    return this.#guess(sourceNetworks(ip).map((network) => ({ key: `code:i:${this.#digest(network)}`, max: CODE_GUESSES_PER_SOURCE })))
  }

  /** Counts one guess at a code mailed to `address` (`CODE_GUESSES_PER_ADDRESS`), from whatever source. */
  async codeGuessFor(address: string): Promise<GuessAllowance> {
    return this.#guess([{ key: `code:a:${this.#digest(address.toLowerCase())}`, max: CODE_GUESSES_PER_ADDRESS }])
  }

  #digest(value: string): string {
    return keyedMac(this.keySecret, 'latch mail throttle', value).slice(0, 32)
  }

  async #guess(rules: { key: string; max: number }[]): Promise<GuessAllowance> {
    const hit = await this.store.hit(rules, CODE_GUESS_WINDOW, this.clock.now())
    if (!hit.allowed) return { allowed: false, retryAfter: hit.retryAfter }
    return { allowed: true, forgive: () => hit.undo({ remove: rules.map((r) => r.key), clear: [] }) }
  }
}
