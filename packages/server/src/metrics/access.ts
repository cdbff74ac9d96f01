/**
 * Who may read `/metrics` (issue 14). With `metrics.token` (env `LATCH_METRICS_TOKEN`) set: only a
 * request with `Authorization: Bearer <token>` (RFC 6750 §2.1), compared in constant time; any other
 * gets 401 with `WWW-Authenticate: Bearer` (§3). Without a token ("loopback mode"): only a
 * connection whose socket peer is a loopback address, judged by the socket and never by
 * `X-Forwarded-For` (which `trust_proxy` lets a client write); any other gets 403.
 *
 * Security review M1: a reverse proxy or tunnel on the same machine connects from loopback, so
 * every request it forwards would pass the socket rule. In loopback mode a request is therefore
 * also refused (403) when it carries any forwarding header (`Forwarded`, RFC 7239 §4;
 * `X-Forwarded-For`, `X-Forwarded-Host`, `X-Forwarded-Proto`, `X-Real-IP`), or, on the main port,
 * when its socket peer is a configured proxy (`trust_proxy`: a listed address or range, or every
 * peer for `true` or a hop count, which declare that only proxies connect). Behind a proxy, set a
 * token or `metrics.port`. The same rule runs on the main port and on `metrics.port` (whose peer
 * is no `trust_proxy` proxy: that key describes the main port), through this one function.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7239#section-4
 */
import { BlockList, isIP } from 'node:net'
import type { IncomingHttpHeaders } from 'node:http'
import type { TrustProxy } from '../config/trust-proxy.js'
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
const PROXIED: MetricsAccess = {
  allowed: false,
  status: 403,
  headers: {},
  body: JSON.stringify({ error: 'forbidden', error_description: 'without a metrics token, /metrics answers no request through a proxy: set metrics.token or metrics.port' }),
}
const ALLOWED: MetricsAccess = { allowed: true }

/** The headers a proxy or tunnel adds (lower case, as Node gives them): any one of them means "forwarded". */
export const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip'] as const

/** 127.0.0.0/8, ::1, and IPv4-mapped 127.0.0.0/8 (a dual-stack socket's form of an IPv4 peer). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)
}

/** proxy-addr's named ranges, as CIDRs. */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
}

/**
 * Whether a socket peer is one of `trust_proxy`'s proxies, as Fastify (proxy-addr) would trust it
 * at hop 0: `true` or a hop count of 1 or more trusts every peer; a list, its addresses and ranges
 * (IPv4-mapped peers matched as IPv4). Built once, at start.
 */
export function trustedProxyPeer(trustProxy: TrustProxy): (peer: string | undefined) => boolean {
  if (trustProxy === false || trustProxy === 0) return () => false
  if (!Array.isArray(trustProxy)) return () => true
  const list = new BlockList()
  for (const entry of trustProxy.flatMap((e) => NAMED_RANGES[e] ?? [e])) {
    const [address = '', prefix] = entry.split('/')
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6'
    if (prefix === undefined) list.addAddress(address, type)
    else list.addSubnet(address, Number(prefix), type)
  }
  return (peer) => {
    if (peer === undefined) return false
    const v4 = peer.startsWith('::ffff:') && isIP(peer.slice(7)) === 4 ? peer.slice(7) : peer
    const family = isIP(v4)
    return family !== 0 && list.check(v4, family === 4 ? 'ipv4' : 'ipv6')
  }
}

export interface MetricsPolicy {
  /** `metrics.token`, or null (loopback mode). */
  token: string | null
  /** Whether a socket peer is a configured proxy (`trustedProxyPeer(config.trust_proxy)` on the main port); unset: none is. */
  isProxy?: (peer: string | undefined) => boolean
}

/**
 * @param headers the request's headers (`Authorization`, and the forwarding ones)
 * @param socketPeer `socket.remoteAddress` of the connection (never `request.ip`)
 */
export function metricsAccess(headers: IncomingHttpHeaders, socketPeer: string | undefined, policy: MetricsPolicy): MetricsAccess {
  const { token } = policy
  if (token === null) {
    if (!isLoopbackAddress(socketPeer)) return FORBIDDEN
    for (const name of FORWARDING_HEADERS) if (headers[name] !== undefined) return PROXIED
    return policy.isProxy?.(socketPeer) ? PROXIED : ALLOWED
  }
  const authorization = headers.authorization
  if (authorization === undefined || authorization.length < 7 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return UNAUTHORIZED
  return constantTimeEqual(authorization.slice(7).trim(), token) ? ALLOWED : UNAUTHORIZED
}
