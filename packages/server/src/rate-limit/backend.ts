/**
 * The contract every rate-limit store keeps: sliding-window counters that check and count in one
 * atomic step. Checking and counting apart would let every request in flight between the two
 * through, so 40 parallel guesses would all pass a limit of 5 (RFC 6749 §4.3.2 asks the server to
 * "protect this endpoint against brute force attacks"). Two stores keep it: `memory.ts` (one
 * process) and `redis.ts` (every node of a deployment); `fail-open.ts` puts the memory one behind
 * Redis for when Redis is gone.
 *
 * `reserve` (issue 8) is the sign-in form of `hit`: a reservation is counted *in flight* until it is
 * released, so a rule refuses only for settled failures, and while hits in flight fill a rule the
 * caller is told to wait (`busy`) instead of being refused: fifty correct sign-ins at once are
 * queued behind the check, never turned away, and fifty wrong ones still get at most `max`
 * checks. A reservation not released within `RESERVATION_LEASE_SECONDS` (its node died) settles
 * as a failure. A rule with `pace` never refuses for its count: past `max` settled hits it spaces
 * reservations `step` seconds apart instead (OWASP: slow down, don't lock out), with half of the
 * turns kept for newcomers when it names a `fairKey`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.1
 */

/** One counter a hit must fit under: at most `max` hits on `key` in the window. */
export interface RateLimitRule {
  key: string
  max: number
}

/** Hits to take back after the fact, by key. */
export interface RateLimitUndo {
  /** Keys to take this one hit back from. */
  remove: readonly string[]
  /** Keys to forget entirely (every hit on them). */
  clear: readonly string[]
}

export type RateLimitHit =
  /** Refused: some rule is full; retry after this many seconds. Nothing was counted. */
  | { allowed: false; retryAfter: number }
  /**
   * Counted on every rule's key. `undo` goes to the store that counted the hit. Like `hit`, it
   * rejects when the store fails; behind `FailOpenRateLimit` neither ever does (a hit that cannot
   * be taken back expires with the window).
   */
  | { allowed: true; undo(change: RateLimitUndo): Promise<void> }

/** A reservation left in flight this long (its node crashed mid-check) counts as a settled failure. */
export const RESERVATION_LEASE_SECONDS = 30

/** A rule of `reserve`: at most `max` settled hits on `key` in the window (hard), or, with `pace`, a slowdown past them. */
export interface ReserveRule extends RateLimitRule {
  /**
   * Soft rule: past `max` settled hits, reservations take turns `step` seconds apart; one whose
   * turn is more than `maxWait` seconds away is refused for the time until it would fit.
   */
  pace?: {
    step: number
    maxWait: number
    /**
     * Fair turns (issue 8): the key of another rule of the same reservation, counting this
     * caller's network. When that key holds no hit in the window (settled or in flight: a
     * newcomer), the reservation may take a turn of a second lane that only newcomers use.
     * Each lane's turns are then `2 × step` apart, so the total stays one per `step` while a
     * crowd of repeat offenders polling the first lane cannot take the second one's turns.
     */
    fairKey?: string
  }
}

export type RateLimitReservation =
  /** A rule is full of settled hits (or a paced queue is longer than `maxWait`). Nothing was counted. */
  | { status: 'refused'; retryAfter: number }
  /** Hits in flight fill a rule: nothing was counted; try again once some are released. */
  | { status: 'busy' }
  /**
   * Counted, in flight, on every rule's key; the caller may go ahead at `at` (epoch seconds, later
   * than now when a paced rule gave it a later turn). `release` ends the flight: the hit stays on
   * every key as a failure except those in `remove` (taken back) and `clear` (emptied). Like `hit`'s
   * `undo`, it goes to the store that counted, and never rejects behind `FailOpenRateLimit`.
   */
  | { status: 'reserved'; at: number; release(change: RateLimitUndo): Promise<void> }

export interface RateLimitBackend {
  /**
   * One atomic step: when every rule's key holds fewer than `max` hits newer than
   * `now - windowSeconds`, counts one hit at `now` on each key; otherwise counts nothing and says
   * when the fullest rule frees a slot (the oldest hit that keeps it full leaves the window).
   */
  hit(rules: readonly RateLimitRule[], windowSeconds: number, now: number): Promise<RateLimitHit>
  /**
   * One atomic step over every rule: refused if any hard rule holds `max` settled hits (or a
   * paced rule's queue is too long); otherwise busy if hits in flight fill some rule; otherwise
   * counts one hit in flight on every key, and says when the caller's turn is.
   */
  reserve(rules: readonly ReserveRule[], windowSeconds: number, now: number): Promise<RateLimitReservation>
  /** Issue 14: whether the shared store (Redis) answers now, for metrics; undefined when none is configured (per-process counters). */
  readonly sharedAvailable?: boolean
  close(): Promise<void>
}
