/**
 * The contract every rate-limit store keeps: sliding-window counters that check and count in one
 * atomic step. Checking and counting apart would let every request in flight between the two
 * through, so 40 parallel guesses would all pass a limit of 5 (RFC 6749 §4.3.2 asks the server to
 * "protect this endpoint against brute force attacks"). Two stores keep it: `memory.ts` (one
 * process) and `redis.ts` (every node of a deployment); `fail-open.ts` puts the memory one behind
 * Redis for when Redis is gone.
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

export interface RateLimitBackend {
  /**
   * One atomic step: when every rule's key holds fewer than `max` hits newer than
   * `now - windowSeconds`, counts one hit at `now` on each key; otherwise counts nothing and says
   * when the fullest rule frees a slot (the oldest hit that keeps it full leaves the window).
   */
  hit(rules: readonly RateLimitRule[], windowSeconds: number, now: number): Promise<RateLimitHit>
  close(): Promise<void>
}
