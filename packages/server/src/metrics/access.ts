/**
 * Who may read `/metrics` (issue 14). With `metrics.token` (env `LATCH_METRICS_TOKEN`) set: only a
 * request with `Authorization: Bearer <token>` (RFC 6750 §2.1), compared in constant time; any other
 * gets 401 with `WWW-Authenticate: Bearer` (§3). Without a token: only a connection whose socket
 * peer is a loopback address, judged by the socket and never by `X-Forwarded-For` (which
 * `trust_proxy` lets a client write); any other gets 403. The same rule runs on the main port and on
 * `metrics.port`, through this one function.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import { constantTimeEqual } from '../lib/constant-time.js'

export type MetricsAccess =
  | { allowed: true }
  | { allowed: false; status: 401 | 403; headers: Record<string, string>; body: string }

const UNAUTHORIZED: MetricsAccess = {
  allowed: false,
  status: 401,
  headers: { 'www-authenticate': 'Bearer realm="metrics"' },
  body: JSON.stringify({ error: 'unauthorized', error_description: 'GET /metrics needs Authorization: Bearer <metrics token>' }),
}
const FORBIDDEN: MetricsAccess = {
  allowed: false,
  status: 403,
  headers: {},
  body: JSON.stringify({ error: 'forbidden', error_description: 'without a metrics token, /metrics answers loopback connections only' }),
}
const ALLOWED: MetricsAccess = { allowed: true }

/** 127.0.0.0/8, ::1, and IPv4-mapped 127.0.0.0/8 (a dual-stack socket's form of an IPv4 peer). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)
}

/**
 * @param authorization the request's `Authorization` header
 * @param socketPeer `socket.remoteAddress` of the connection (never `request.ip`)
 * @param token `metrics.token`, or null
 */
export function metricsAccess(authorization: string | undefined, socketPeer: string | undefined, token: string | null): MetricsAccess {
  if (token === null) return isLoopbackAddress(socketPeer) ? ALLOWED : FORBIDDEN
  if (authorization === undefined || authorization.length < 7 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return UNAUTHORIZED
  return constantTimeEqual(authorization.slice(7).trim(), token) ? ALLOWED : UNAUTHORIZED
}
