/**
 * Issue 14: the signature of an alert webhook, in the scheme receivers of Stripe-style webhooks
 * know: `Latch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA-256(secret, "<t>.<raw body>")>`. The
 * timestamp is inside the MAC, so a receiver that refuses a `t` more than 5 minutes from its clock
 * refuses replays of an old request; the body is the exact bytes sent. Receivers compare in
 * constant time (README "Alerts" has the recipe).
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
import { createHmac } from 'node:crypto'

/** The `Latch-Signature` header value for `body` sent at `timestamp` (epoch seconds). */
export function alertSignature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
  return `t=${timestamp},v1=${mac}`
}
