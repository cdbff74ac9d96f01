/**
 * Issue 14: one attempt to deliver an alert to a webhook, and what follows from its answer.
 * POST of the stored body (`application/json`) with `Latch-Signature` (signed now, `signature.ts`)
 * and `Latch-Alert-Id`; a 2xx answer delivers it. Anything else (another status, a redirect, which
 * is never followed since it would send the alert wherever the receiver points, a timeout after
 * `alerts.timeout`, a network error) is retried after 10 s, 20 s, 40 s … at most an hour apart,
 * ±20 % at random so that a receiver coming back is not hit by every retry at once, until
 * `alerts.max_attempts` attempts or `alerts.retry_window` after the alert; then it is given up.
 * The answer's body is never read (cancelled at once): a receiver cannot make a node buffer it.
 */
import type { LatchConfig } from '../config/schema.js'
import type { AlertDeliveryRecord } from '../storage/store.js'
import { tracedFetch } from '../lib/tracing.js'
import { alertSignature } from './signature.js'
import type { Webhook } from './webhooks.js'

/** Each POST a CLIENT span `POST webhook` with `traceparent` when tracing is on; the global fetch at call time otherwise. */
const webhookFetch = tracedFetch((input, init) => fetch(input, init), 'webhook')

/** Delay before the first retry, seconds; doubled per attempt. */
const FIRST_RETRY = 10
/** Longest delay between two attempts, seconds. */
const MAX_RETRY = 3600
/** ± this share of the delay, at random. */
const JITTER = 0.2

export type AlertOutcome =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retry'; at: number; status: number | null; failure: string }
  | { outcome: 'failed'; status: number | null; reason: 'attempts_exhausted' | 'retry_window_passed' | 'webhook_removed'; failure?: string }

/** When to try again after `attempts` failed attempts (this one included), `random` in [0, 1). */
export function nextAlertAttemptAt(now: number, attempts: number, random: number = Math.random()): number {
  const delay = Math.min(FIRST_RETRY * 2 ** Math.max(0, attempts - 1), MAX_RETRY)
  return now + Math.max(1, Math.round(delay * (1 - JITTER + 2 * JITTER * random)))
}

/** POSTs the alert; its status, or null and a short reason when no answer came. */
export async function postAlert(webhook: Webhook, row: Pick<AlertDeliveryRecord, 'id' | 'body'>, now: number, timeoutSeconds: number, fetchImpl: typeof fetch): Promise<{ status: number | null; failure: string | null }> {
  try {
    const response = await fetchImpl(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Latch-Alerts/1',
        'latch-signature': alertSignature(webhook.secret, now, row.body),
        'latch-alert-id': row.id,
      },
      body: row.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    })
    // Never read: drop it so the connection is freed and a large answer costs nothing.
    await response.body?.cancel().catch(() => {})
    const ok = response.status >= 200 && response.status < 300
    return { status: response.status, failure: ok ? null : `status ${response.status}` }
  } catch (err) {
    return { status: null, failure: (err as Error).name === 'TimeoutError' ? 'timeout' : `network error (${(err as Error).name})` }
  }
}

/** Makes one attempt for `row` (leased by the caller) and decides what follows. */
export async function attemptAlert(config: LatchConfig['alerts'], webhook: Webhook | undefined, row: AlertDeliveryRecord, now: () => number, fetchImpl: typeof fetch = webhookFetch): Promise<AlertOutcome> {
  if (webhook === undefined) return { outcome: 'failed', status: row.last_status, reason: 'webhook_removed' }
  const { status, failure } = await postAlert(webhook, row, now(), config.timeout, fetchImpl)
  if (failure === null) return { outcome: 'delivered', status: status as number }
  const attempts = row.attempts + 1
  const at = now()
  if (attempts >= config.max_attempts) return { outcome: 'failed', status, reason: 'attempts_exhausted', failure }
  if (at >= row.created_at + config.retry_window) return { outcome: 'failed', status, reason: 'retry_window_passed', failure }
  return { outcome: 'retry', at: nextAlertAttemptAt(at, attempts), status, failure }
}
