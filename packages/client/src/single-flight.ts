/**
 * One operation in flight at a time: callers that arrive while it runs share its promise instead
 * of starting their own. This is what turns 1,000 concurrent `getToken()` calls into one token
 * request, and what keeps two refreshes from racing a rotating refresh token (RFC 9700 §4.14.2:
 * the loser would present a rotated-out token and lose the whole grant).
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */

/** A function that runs `operation` once for all callers that overlap. */
export function singleFlight<T>(operation: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined
  return () => {
    if (inFlight) return inFlight
    const run = operation().finally(() => {
      if (inFlight === run) inFlight = undefined
    })
    inFlight = run
    return run
  }
}
