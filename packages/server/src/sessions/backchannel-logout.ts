/**
 * One back-channel logout delivery (OIDC Back-Channel Logout 1.0 §2.5, §2.8): for a queued row
 * (client, sid, sub), sign a fresh logout token with the key of the client's ID tokens and POST it
 * as `application/x-www-form-urlencoded` `logout_token=…` to the client's `backchannel_logout_uri`.
 *
 * - 200 or 204: delivered (§2.8: "If the logout succeeded, the RP MUST respond with HTTP 200 OK";
 *   204 is accepted as well, as other OPs do), the row goes, event `logout_token.delivered`.
 * - Anything else (400 from the RP, 5xx, a redirect, a timeout after
 *   `sessions.backchannel_logout_timeout`, a network error): retried after 5 s, 10 s, 20 s … at
 *   most 5 minutes apart, ±20 % jitter so that a receiver coming back is not hit by every retry at
 *   once, until `sessions.backchannel_logout_retry_window` after the session ended; then abandoned
 *   (event `logout_token.abandoned`). The RP's session then ends at its next refresh, which fails
 *   since Latch revoked the grant with the session.
 * - The client deleted, or its URI removed, since the row was queued: abandoned at once.
 *
 * Redirects are never followed (§2.5 names one URI; following one would send the token to whatever
 * the receiver points at). The POST goes through the connections' guarded transport under
 * `deliveryPolicyOf` (no loopback, private or other special address behind a DNS name). The token is signed per attempt, so a row in the database is worth
 * nothing to someone who reads it; neither the token nor the response body is logged.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCResponse
 */
import { isIP } from 'node:net'
import { isRefusedAddress, isSpecialAddress, upstreamRequest, type UpstreamPolicy } from '../connections/transport.js'
import { UpstreamError } from '../connections/upstream-error.js'
import type { LatchContext } from '../context.js'
import { isLoopbackHost } from '../lib/loopback-host.js'
import type { LogoutDeliveryRecord } from '../storage/store.js'
import { idTokenKeyFor } from '../tokens/id-token.js'
import { issueLogoutToken } from '../tokens/logout-token.js'

/** Delay before the first retry, seconds; doubled per attempt. */
const FIRST_RETRY = 5
/** Longest delay between two attempts, seconds. */
const MAX_RETRY = 300
/** ± this share of the delay, at random. */
const JITTER = 0.2

export type DeliveryOutcome =
  | { outcome: 'delivered' }
  | { outcome: 'retry'; at: number; failure: string }
  | { outcome: 'abandoned'; reason: 'retry_window_passed' | 'client_not_registered'; failure?: string }

/** When to try again after `attempts` failed attempts (this one included), `random` in [0, 1). */
export function nextAttemptAt(now: number, attempts: number, random: number = Math.random()): number {
  const delay = Math.min(FIRST_RETRY * 2 ** Math.max(0, attempts - 1), MAX_RETRY)
  return now + Math.max(1, Math.round(delay * (1 - JITTER + 2 * JITTER * random)))
}

/**
 * What a delivery may connect to, from the URI alone: its origin when it names a loopback host (the
 * config file's development allowance, http to 127.0.0.1 in the tests), and private-use addresses
 * only when the URI is such an address literal — only an operator can write one (the admin API
 * refuses special-address literals). A DNS name must resolve to a public address, checked when the
 * socket connects, so a tenant administrator's `https://vault.corp.internal/` never makes Latch
 * POST inside its network (security review M1).
 */
function deliveryPolicyOf(uri: URL): UpstreamPolicy {
  const host = uri.hostname.replace(/^\[(.*)\]$/, '$1')
  const privateLiteral = isIP(host) !== 0 && isSpecialAddress(host) && !isRefusedAddress(host, { privateNetwork: true })
  return { localOrigins: new Set(isLoopbackHost(uri.hostname) ? [uri.origin] : []), privateNetwork: privateLiteral }
}

/** POSTs the logout token; null when the receiver acknowledged it, else a short, token-free reason. */
async function post(uri: string, token: string, timeoutSeconds: number): Promise<string | null> {
  const deadline = AbortSignal.timeout(timeoutSeconds * 1000)
  try {
    // The guarded transport follows no redirect, bounds the body and carries the span's `traceparent`.
    const response = await upstreamRequest(deliveryPolicyOf(new URL(uri)), uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ logout_token: token }).toString(),
      signal: deadline,
    }, { timeoutMs: timeoutSeconds * 1000, spanLabel: 'backchannel_logout' })
    // The body is of no use (§2.8 allows an error object): drop it.
    await response.body?.cancel().catch(() => {})
    return response.status === 200 || response.status === 204 ? null : `status ${response.status}`
  } catch (err) {
    if (deadline.aborted) return 'timeout'
    // The transport tells a refused address from an unreachable host to nobody: neither does this reason.
    if (err instanceof UpstreamError) return err.reason === 'unavailable' ? 'network error (unreachable or refused address)' : 'invalid response'
    return `network error (${(err as Error).name})`
  }
}

/**
 * Makes one attempt for `row` (leased by the caller) and records its outcome in the tenant's store:
 * completes the row (delivered or abandoned) or schedules the next attempt. Emits the events.
 */
export async function deliverLogoutToken(ctx: LatchContext, row: LogoutDeliveryRecord): Promise<DeliveryOutcome> {
  const { store, clock, config } = ctx
  const attempts = row.attempts + 1
  const client = await store.clients.get(row.client_id)
  let result: DeliveryOutcome
  if (client === null || client.backchannel_logout_uri === null) {
    result = { outcome: 'abandoned', reason: 'client_not_registered' }
  } else {
    let failure: string | null
    try {
      const key = idTokenKeyFor({ keystore: ctx.keystore, issuer: config.issuer, clock, ttl: 0 }, client.id_token_signed_response_alg)
      const token = issueLogoutToken({ issuer: config.issuer, clock }, key, { aud: client.client_id, sub: row.sub, sid: row.sid })
      failure = await post(client.backchannel_logout_uri, token, config.sessions.backchannel_logout_timeout)
    } catch (err) {
      // No key to sign with yet (an RS256 companion inside its activation delay): try again later.
      failure = `not signed (${(err as Error).name})`
    }
    const now = clock.now()
    if (failure === null) result = { outcome: 'delivered' }
    else if (now >= row.created_at + config.sessions.backchannel_logout_retry_window) result = { outcome: 'abandoned', reason: 'retry_window_passed', failure }
    else result = { outcome: 'retry', at: nextAttemptAt(now, attempts), failure }
  }
  if (result.outcome === 'retry') {
    await store.logoutDeliveries.retry(row.client_id, row.sid, result.at)
    ctx.log.info({ client_id: row.client_id, sid: row.sid, attempts, failure: result.failure, retry_at: result.at }, 'back-channel logout delivery failed; will retry')
    return result
  }
  await store.logoutDeliveries.complete(row.client_id, row.sid)
  if (result.outcome === 'delivered') ctx.events.emit('logout_token.delivered', { client_id: row.client_id, sid: row.sid, attempts })
  else {
    ctx.events.emit('logout_token.abandoned', { client_id: row.client_id, sid: row.sid, attempts, reason: result.reason })
    if (result.failure !== undefined) ctx.log.warn({ client_id: row.client_id, sid: row.sid, attempts, failure: result.failure }, 'back-channel logout abandoned')
  }
  return result
}
