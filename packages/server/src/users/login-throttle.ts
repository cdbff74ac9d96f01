/**
 * Throttles password and code guessing without handing attackers a lockout (issue 8; OWASP
 * Authentication Cheat Sheet "Protect against automated attacks"; RFC 6819 §5.1.4.2.3; RFC 6749
 * §4.3.2 "MUST protect this endpoint against brute force attacks"). Sign-ins (`signIn`) follow
 * three rules over a sliding window of `windowSeconds`:
 * - per (account, source) pair: at most `maxPerAccount` failures, then that source is refused for
 *   that account until the oldest failure leaves the window. Five wrong guesses from one address
 *   do not lock the real user out from another. A source is the client address, an IPv6 /64
 *   (`lib/source-address.ts`), or a browser's device cookie;
 * - per source across accounts: at most `maxPerIp` failures (spraying many accounts from one place);
 * - per account across untrusted sources: never a refusal. Past `accountSlowdownAfter` failures,
 *   checks of the account take turns `accountSlowdownStep` seconds apart (each request waits for
 *   its turn, at most two steps; past that it is asked to retry within seconds). That bounds the
 *   guesses per account and window (`accountSlowdownAfter` + window / step) however many addresses
 *   an attacker holds. Turns are fair (issue 8): first come, first served let an attacker polling
 *   many times a second take every turn, a lockout in all but name. So they alternate between two
 *   lanes `2 × step` apart: one for anyone, one for newcomers, requests from a network (IPv4 /24,
 *   IPv6 /48; `fairnessNetwork`) with no failure on this account in the window. A user who has
 *   not failed gets a newcomer's turn within two steps; an attacker needs a fresh network per turn
 *   to crowd them out (window / (2 × step) networks per window, README "Sign-in throttling").
 * A browser holding a device cookie of an earlier sign-in of that account (OWASP "device cookies",
 * `sessions/device-cookie.ts`) is its own source and skips the per-source and per-account rules,
 * so an attack on the account slows strangers only. The password grant has no cookie.
 *
 * An attempt is reserved *before* its (slow, awaited) verification and counted as in flight; a
 * rule refuses only for settled failures, and while attempts in flight fill a rule the next one
 * waits for them to settle. Fifty correct sign-ins at once (one account, or fifty users behind one
 * NAT) are therefore queued behind the check, never refused, while forty parallel guesses still get
 * at most `maxPerAccount` checks. The store checks and counts in one atomic step, across nodes too.
 * A success forgives its pair and takes itself back from the other rules (one valid account must
 * not launder an attacker's address, nor reopen the account's budget).
 * Counter keys hold HMAC-SHA-256 digests of the account and address, never the values: whoever
 * reads Redis learns neither who signs in nor from where.
 * Second-factor answers (`secondFactor`, issue 13) have a per-source limit over every account.
 * Device-code entry (`attempt`) keeps the plain scheme: hard limits per code, per source (an IPv4
 * address; an IPv6 /64, and its /56 and /48 too, never one IPv6 address) and over every source,
 * counted before the check and forgiven on success. The global one bounds a guessing attack spread over any number of
 * networks (RFC 8628 §5.1): README "Sign-in throttling" gives the odds.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#protect-against-automated-attacks
 * @see https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies
 * @see https://www.rfc-editor.org/rfc/rfc6819#section-5.1.4.2.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 */
import { createHash, createHmac } from 'node:crypto'
import type { Clock } from '../lib/clock.js'
import { fairnessNetwork, sourceNetworks, throttleSource } from '../lib/source-address.js'
import type { RateLimitBackend, RateLimitUndo, ReserveRule } from '../rate-limit/backend.js'
import { MemoryRateLimit } from '../rate-limit/memory.js'

export interface ThrottleLimits {
  /** Failures per account from one source (sign-in), or per device code (device entry). */
  maxPerAccount: number
  /** Failures per source over every account. */
  maxPerIp: number
  windowSeconds: number
  /** Failures of one account over every untrusted source before its checks take turns. */
  accountSlowdownAfter: number
  /** Seconds between two turns of a slowed-down account. */
  accountSlowdownStep: number
  /** Device-code entry: wrong user codes over every source per window (RFC 8628 §5.1); unset, no global bound. */
  maxWrongUserCodes?: number
}

/** Who is signing in, from where. */
export interface SignInRequest {
  /** The account as typed (normalized). */
  account: string
  /** Client address (`request.ip`). */
  ip: string
  /** The id of a valid device cookie of this account, when the browser holds one. */
  device?: string | null
}

export type SignInAttempt =
  /** Refused: retry after this many seconds. Nothing was counted. */
  | { allowed: false; retryAfter: number }
  /**
   * Reserved (in flight): exactly one of `succeeded()` (the password was right), `failed()`
   * (wrong: it stays counted) or `notChecked()` (the lookup failed: an outage is not a guess).
   * None rejects with the stores Latch builds.
   */
  | { allowed: true; succeeded(): Promise<void>; failed(): Promise<void>; notChecked(): Promise<void> }

/**
 * A request kept waiting this long (real time) without seeing an attempt of this process settle
 * (they crashed, or the store is stuck) is refused. Each local settlement restarts it: a queue of
 * fifty correct sign-ins behind five checks in flight is progress however slow argon2 runs on a
 * loaded machine, and must not be refused for its length.
 */
export const BUSY_TIMEOUT_MS = 10_000

export type ThrottleAttempt =
  /** Refused: retry after this many seconds. Nothing was counted. */
  | { allowed: false; retryAfter: number }
  /**
   * Counted as a failure until `succeeded()` is called. `notChecked()` takes this one attempt back
   * when the credentials could not be looked up at all (the store was unavailable): an outage is
   * not a guess, and must not lock every user out once the database is back. Neither rejects with
   * the stores Latch builds (memory, or Redis behind the fail-open fallback).
   */
  | { allowed: true; succeeded(): Promise<void>; notChecked(): Promise<void> }

export interface LoginThrottleOptions {
  /** Where attempts are counted (default: this process's memory). */
  store?: RateLimitBackend
  /**
   * Key for the HMAC of account and IP in counter keys; every node must use the same one (Latch
   * derives it from LATCH_SECRET). Without it, plain SHA-256.
   */
  keySecret?: string
  /** Waits for a paced turn (default: a timer; tests move a manual clock instead). */
  sleep?: (ms: number) => Promise<void>
  /** Milliseconds without a local settlement before a waiting request is refused (default `BUSY_TIMEOUT_MS`). */
  busyTimeoutMs?: number
}

/**
 * For `.catch()` on the lookup the attempt depends on (the user, the device code): when the lookup
 * throws, no credential was checked, so the attempt is taken back and the error rethrown; a store
 * outage then answers 503 without spending anyone's budget.
 */
export function notChecked(attempt: { notChecked(): Promise<void> }): (error: unknown) => Promise<never> {
  return async (error) => {
    await attempt.notChecked()
    throw error
  }
}

export class LoginThrottle {
  readonly #store: RateLimitBackend
  readonly #digest: (value: string) => string
  readonly #tag: (value: string) => string
  readonly #sleep: (ms: number) => Promise<void>
  /** Requests of this process waiting for attempts in flight: woken as soon as one here settles. */
  readonly #waiting = new Set<(woken: boolean) => void>()
  readonly #busyTimeoutMs: number

  constructor(private readonly limits: ThrottleLimits, private readonly clock: Clock, options: LoginThrottleOptions = {}) {
    this.#store = options.store ?? new MemoryRateLimit()
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    this.#busyTimeoutMs = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS
    const keyed = (label: string) => {
      const key = options.keySecret === undefined ? undefined : createHash('sha256').update(`${label}\0${options.keySecret}`).digest()
      return key
        ? (value: string) => createHmac('sha256', key).update(value).digest('base64url')
        : (value: string) => createHash('sha256').update(`${label}\0${value}`).digest('base64url')
    }
    this.#digest = keyed('latch rate-limit keys')
    // Another key than the counters': an event log and a Redis dump cannot be joined on it.
    this.#tag = keyed('latch login events')
  }

  /**
   * The account as `login.failed` events name it: a keyed hash (HMAC-SHA-256 under a key derived
   * from LATCH_SECRET, 22 characters), the same on every node, so operators can correlate failures
   * per account without the log holding an email.
   */
  accountTag(account: string): string {
    return this.#tag(account).slice(0, 22)
  }

  async signIn(request: SignInRequest): Promise<SignInAttempt> {
    const { maxPerAccount, maxPerIp, windowSeconds, accountSlowdownAfter, accountSlowdownStep } = this.limits
    const source = request.device ? `device:${request.device}` : throttleSource(request.ip)
    const pairKey = `throttle:p:${this.#digest(`${request.account}\0${source}`)}`
    const rules: ReserveRule[] = [{ key: pairKey, max: maxPerAccount }]
    // The account's record of this network (IPv4 /24, IPv6 /48): no hit in the window makes this
    // request a newcomer, with half the slowed-down account's turns to itself.
    const networkKey = `throttle:n:${this.#digest(`${request.account}\0${fairnessNetwork(request.ip)}`)}`
    // A device cookie is proof of an earlier sign-in: its browser is judged on its own record only.
    if (!request.device) {
      rules.push(
        { key: `throttle:i:${this.#digest(source)}`, max: maxPerIp },
        {
          key: `throttle:a:${this.#digest(request.account)}`,
          max: accountSlowdownAfter,
          pace: { step: accountSlowdownStep, maxWait: 2 * accountSlowdownStep, fairKey: networkKey },
        },
        // Counts only: it never refuses nor keeps anyone waiting.
        { key: networkKey, max: Number.MAX_SAFE_INTEGER },
      )
    }
    const others = rules.slice(1).filter((r) => r.key !== networkKey).map((r) => r.key)
    const forgiven = request.device ? [pairKey] : [pairKey, networkKey]
    let progressAt = performance.now()
    for (let round = 0; ; round++) {
      const now = this.clock.now()
      const reservation = await this.#store.reserve(rules, windowSeconds, now)
      if (reservation.status === 'refused') return { allowed: false, retryAfter: reservation.retryAfter }
      if (reservation.status === 'reserved') {
        // A slowed-down account: this request's turn is later. The reservation is held meanwhile.
        if (reservation.at > now) await this.#sleep((reservation.at - now) * 1000)
        const release = (change: RateLimitUndo) => async () => {
          await reservation.release(change)
          this.#wake()
        }
        return {
          allowed: true,
          succeeded: release({ clear: forgiven, remove: others }),
          failed: release({ clear: [], remove: [] }),
          notChecked: release({ clear: [], remove: [...forgiven, ...others] }),
        }
      }
      // Busy: attempts in flight fill a rule. Wait until one here settles, or poll (another node's).
      if (performance.now() - progressAt >= this.#busyTimeoutMs) return { allowed: false, retryAfter: 1 }
      const pause = Math.min(100, 5 * 2 ** round)
      if (await this.#nap(pause)) progressAt = performance.now()
    }
  }

  /** True when an attempt of this process settled meanwhile, false when the pause ran out. */
  #nap(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer)
        this.#waiting.delete(done)
        resolve(woken)
      }
      const timer = setTimeout(() => done(false), ms)
      this.#waiting.add(done)
    })
  }

  #wake(): void {
    for (const done of [...this.#waiting]) done(true)
  }

  /**
   * Second-factor answers (TOTP or recovery codes) from one source over every account (security
   * review M4): the per-account budgets bound one account, this bounds credential stuffing that
   * spreads known passwords over many accounts from one place. `maxPerIp` per window for the IPv4
   * address, and for each of an IPv6 source's /64, /56 and /48; counted before the check, a right
   * answer taken back.
   */
  async secondFactor(ip: string): Promise<ThrottleAttempt> {
    const rules = sourceNetworks(ip).map((network) => ({ key: `throttle:m:${this.#digest(`mfa\0${network}`)}`, max: this.limits.maxPerIp }))
    const keys = rules.map((r) => r.key)
    const hit = await this.#store.hit(rules, this.limits.windowSeconds, this.clock.now())
    if (!hit.allowed) return hit
    return {
      allowed: true,
      succeeded: () => hit.undo({ clear: [], remove: keys }),
      notChecked: () => hit.undo({ clear: [], remove: keys }),
    }
  }

  /**
   * Device-code entry (RFC 8628 §5.1): a hard limit per code (`code`), per source (the IPv4
   * address, or each of the IPv6 /64, /56 and /48 of `ip`), and over every source
   * (`maxWrongUserCodes`), counted before the check; a right code is forgiven on the code and
   * taken back from the others.
   */
  async attempt(code: string, ip: string): Promise<ThrottleAttempt> {
    const accountKey = `throttle:a:${this.#digest(code)}`
    // Every network of the source (an IPv6 /64, /56 and /48) has the per-source budget: spending
    // the global one takes that many whole sites, not one /48's 65,536 /64s.
    const rules = [
      { key: accountKey, max: this.limits.maxPerAccount },
      ...sourceNetworks(ip).map((network) => ({ key: `throttle:i:${this.#digest(`device\0${network}`)}`, max: this.limits.maxPerIp })),
    ]
    if (this.limits.maxWrongUserCodes !== undefined) rules.push({ key: 'throttle:g:user-codes', max: this.limits.maxWrongUserCodes })
    const others = rules.slice(1).map((r) => r.key)
    const hit = await this.#store.hit(rules, this.limits.windowSeconds, this.clock.now())
    if (!hit.allowed) return hit
    return {
      allowed: true,
      succeeded: () => hit.undo({ clear: [accountKey], remove: others }),
      notChecked: () => hit.undo({ clear: [], remove: [accountKey, ...others] }),
    }
  }
}

/**
 * Issue 14: how a failed sign-in's event (`login.failed`, `sign_in_mail.throttled`) names the
 * account: its keyed hash always, the account as typed (`email`) only when the tenant's
 * `audit.include_email` is set. server.ts keeps `email` out of the events' pino lines.
 */
export function accountOf(throttle: Pick<LoginThrottle, 'accountTag'>, account: string, includeEmail: boolean): { account_hash: string; email?: string } {
  return includeEmail ? { account_hash: throttle.accountTag(account), email: account } : { account_hash: throttle.accountTag(account) }
}

/** Issue 11: the key material of a tenant's login counters and account tags (each tenant's are its own). */
export function tenantKeySecret(secret: string, tenant: string): string {
  return tenant === 'default' ? secret : `${secret}\0tenant\0${tenant}`
}

/**
 * Issue 14: `LoginThrottle.accountTag` without a throttle, for `latch audit list --user EMAIL`
 * (the failed sign-ins of an account, named by this tag). `keySecret`: `tenantKeySecret`.
 */
export function accountTagOf(keySecret: string, account: string): string {
  const key = createHash('sha256').update(`latch login events\0${keySecret}`).digest()
  return createHmac('sha256', key).update(account).digest('base64url').slice(0, 22)
}
