/**
 * Issue 12: how Latch reaches an upstream identity provider. oauth4webapi refuses `http:` unless
 * `allowInsecureRequests` is set; set globally it would allow clear text to any host. So its switch
 * is on and this module decides per request, under the connection's `UpstreamPolicy`:
 * - `https:` always; `http:` only to an origin the connection's own configuration names on a
 *   loopback host (local development and the tests' upstreams) — never because a discovery
 *   document names one (an upstream could otherwise aim Latch's code and client secret at any
 *   service on Latch's machine);
 * - the address connected to must be a public one (no loopback, private, link-local, CGNAT,
 *   multicast, reserved or unspecified address, IPv4 or IPv6, IPv4-mapped included), except for
 *   those configured loopback origins. The check is in the socket's own `lookup`, so the address
 *   checked is the address connected to: a DNS answer that changes between a check and the
 *   connection (rebinding) cannot slip past it;
 * - every request is bounded in time and every response in size, so a slow or hostile upstream
 *   can hold neither a request of ours nor our memory; redirects are not followed (a token
 *   endpoint that redirects is not trusted).
 * A refusal by this policy and an unreachable host fail alike (`unavailable`, the same message), so
 * the sign-in page's notice tells nobody which addresses and ports answer behind Latch.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1 (TLS at the endpoints)
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-8.3 (loopback)
 * @see https://www.rfc-editor.org/rfc/rfc6890 (special-purpose address registries)
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { allowInsecureRequests, customFetch, type HttpRequestOptions } from 'oauth4webapi'
import type { ResolvedConnection } from '../config/schema.js'
import { isLoopbackHost } from '../lib/loopback-host.js'
import { injectTraceContext, withClientSpan } from '../lib/tracing.js'
import { UpstreamError } from './upstream-error.js'

/** Per request (discovery, token, JWKS, userinfo): an upstream slower than this is "unavailable". */
export const UPSTREAM_TIMEOUT_MS = 5000
/** Largest response body read from an upstream (discovery documents and JWK Sets included). */
export const MAX_UPSTREAM_RESPONSE_BYTES = 256 * 1024

/** What a connection may reach: the origins its configuration names on a loopback host (none in production). */
export interface UpstreamPolicy {
  readonly localOrigins: ReadonlySet<string>
  /** The connection's `private_network`: private ranges may be connected to, nothing else special. */
  readonly privateNetwork: boolean
}

/** The policy of a connection, from its configured URLs only. */
export function upstreamPolicyOf(
  connection: Pick<ResolvedConnection, 'issuer' | 'authorization_endpoint' | 'token_endpoint' | 'userinfo_endpoint' | 'emails_endpoint'> & { private_network?: boolean },
): UpstreamPolicy {
  const localOrigins = new Set<string>()
  for (const value of [connection.issuer, connection.authorization_endpoint, connection.token_endpoint, connection.userinfo_endpoint, connection.emails_endpoint]) {
    if (value === null) continue
    const url = new URL(value)
    if (isLoopbackHost(url.hostname)) localOrigins.add(url.origin)
  }
  return { localOrigins, privateNetwork: connection.private_network === true }
}

/** Whether `url` may be requested (or, for a browser redirect, sent to) under `policy`. */
export function isAllowedUpstreamUrl(url: URL, policy: UpstreamPolicy): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && policy.localOrigins.has(url.origin))
}

// Special-purpose ranges (RFC 6890 and its updates): nothing an identity provider on the Internet uses.
const SPECIAL = new BlockList()
for (const [prefix, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) SPECIAL.addSubnet(prefix, bits, 'ipv4')
for (const [prefix, bits] of [
  // ::/96 holds ::, ::1 and the IPv4-compatible form. IPv4-mapped addresses (::ffff:a.b.c.d) need no
  // rule of their own: BlockList checks them against the IPv4 rules above.
  // 64:ff9b:1::/48 is NAT64's local-use prefix (RFC 8215): never a public upstream.
  ['::', 96], ['100::', 64], ['64:ff9b:1::', 48], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) SPECIAL.addSubnet(prefix, bits, 'ipv6')

// NAT64's well-known prefix (RFC 6052 §2.1): on an IPv6-only host behind DNS64 every IPv4 upstream
// is reached as 64:ff9b::a.b.c.d, so such an address is judged by the IPv4 address it carries.
const NAT64 = new BlockList()
NAT64.addSubnet('64:ff9b::', 96, 'ipv6')

/** The IPv4 address a 64:ff9b::/96 address carries in its last 32 bits (RFC 6052 §2.2), or the address itself. */
function embeddedIpv4(address: string): string {
  if (isIP(address) !== 6 || !NAT64.check(address, 'ipv6')) return address
  const last = address.slice(address.lastIndexOf(':') + 1)
  if (last.includes('.')) return last
  const [head = '', tail] = address.split('::')
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'))
  const groups = tail === undefined ? groupsOf(head) : [...groupsOf(head), ...Array<string>(8 - groupsOf(head).length - groupsOf(tail).length).fill('0'), ...groupsOf(tail)]
  const [hi, lo] = [Number.parseInt(groups[6] ?? '0', 16), Number.parseInt(groups[7] ?? '0', 16)]
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
}

// Private-use ranges a connection with `private_network` may reach (RFC 1918, RFC 6598, RFC 4193).
const PRIVATE = new BlockList()
for (const [prefix, bits] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]] as const) PRIVATE.addSubnet(prefix, bits, 'ipv4')
PRIVATE.addSubnet('fc00::', 7, 'ipv6')

/** Whether an address is one an upstream request must not connect to (outside a configured loopback origin). */
export function isRefusedAddress(address: string, policy: Pick<UpstreamPolicy, 'privateNetwork'>): boolean {
  if (!isSpecialAddress(address)) return false
  const judged = embeddedIpv4(address)
  return !(policy.privateNetwork && PRIVATE.check(judged, isIP(judged) === 6 ? 'ipv6' : 'ipv4'))
}

/** Whether an address is special-purpose: refused to every connection without `private_network`. */
export function isSpecialAddress(address: string): boolean {
  const judged = embeddedIpv4(address)
  const family = isIP(judged)
  if (family === 0) return true
  return SPECIAL.check(judged, family === 4 ? 'ipv4' : 'ipv6')
}

/** The same failure whatever refused the host: see the module comment. */
const unreachable = (url: URL) => new UpstreamError('unavailable', `request to ${url.origin} failed`)

/** `dns.lookup`, keeping only the addresses `policy` allows; none left is a lookup failure like any other. */
const allowedLookup = (policy: UpstreamPolicy): LookupFunction => (hostname, options, callback) => {
  dnsLookup(hostname, { ...(options as LookupOptions), all: true }, (error, found: LookupAddress[]) => {
    const usable = error ? [] : found.filter((a) => !isRefusedAddress(a.address, policy))
    const first = usable[0]
    if (first === undefined) {
      const failure = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }) as NodeJS.ErrnoException
      callback(failure, '', 4)
      return
    }
    if ((options as LookupOptions).all === true) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable)
    else callback(null, first.address, first.family)
  })
}

function bodyOf(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string') return body
  if (body instanceof URLSearchParams) return body.toString()
  if (body instanceof Uint8Array) return body
  // oauth4webapi sends form bodies, JSON strings or nothing.
  throw new TypeError('unsupported upstream request body')
}

/** The response, its body read whole up to the bound. */
function receive(url: URL, response: IncomingMessage): Promise<Response> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length'] ?? '0')
    if (declared > MAX_UPSTREAM_RESPONSE_BYTES) {
      response.destroy()
      reject(new UpstreamError('invalid_response', 'response too large'))
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    response.on('data', (chunk: Buffer) => {
      size += chunk.byteLength
      if (size > MAX_UPSTREAM_RESPONSE_BYTES) {
        response.destroy()
        reject(new UpstreamError('invalid_response', 'response too large'))
        return
      }
      chunks.push(chunk)
    })
    response.on('error', () => reject(unreachable(url)))
    response.on('end', () => {
      const headers = new Headers()
      for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) headers.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!)
      const status = response.statusCode ?? 0
      // A body-less status (204, 304) must be built without one.
      const empty = status === 204 || status === 304
      try {
        resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: response.statusMessage ?? '', headers }))
      } catch {
        // A status outside 200–599: not an HTTP answer we can read.
        reject(new UpstreamError('invalid_response', 'the upstream answered with an unusable status'))
      }
    })
  })
}

/** What a caller other than a connection may set: its own time bound and the name of its CLIENT span. */
export interface UpstreamRequestOptions {
  /** Defaults to `UPSTREAM_TIMEOUT_MS`. */
  readonly timeoutMs?: number
  /** The span is `METHOD label`; defaults to `upstream`. */
  readonly spanLabel?: string
}

/** One request under `policy`: refused or unreachable, it is `unavailable`. */
export async function upstreamRequest(policy: UpstreamPolicy, input: string | URL, init: RequestInit = {}, options: UpstreamRequestOptions = {}): Promise<Response> {
  const url = new URL(input)
  if (!isAllowedUpstreamUrl(url, policy)) throw unreachable(url)
  const local = policy.localOrigins.has(url.origin)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  // An address literal is connected to without a lookup: it is checked here instead.
  if (!local && isIP(host) !== 0 && isRefusedAddress(host, policy)) throw unreachable(url)
  const method = init.method ?? 'GET'
  // Issue 14: a CLIENT span `METHOD upstream` (host and port, never the path or query), its `traceparent` sent along.
  return withClientSpan(options.spanLabel ?? 'upstream', method, url, () => {
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((value, name) => (headers[name] = value))
    injectTraceContext(headers)
    const body = bodyOf(init.body)
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
    const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs ?? UPSTREAM_TIMEOUT_MS), ...(init.signal ? [init.signal] : [])])
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise<Response>((resolve, reject) => {
      const request = send(url, { method, headers, signal, agent: false, ...(!local && { lookup: allowedLookup(policy) }) }, (response) => {
        receive(url, response).then(resolve, reject)
      })
      request.on('error', () => reject(unreachable(url)))
      request.end(body)
    })
  })
}

/** The oauth4webapi options that route a connection's requests through `upstreamRequest`. */
export function upstreamHttp(policy: UpstreamPolicy): HttpRequestOptions<string, unknown> {
  return { [allowInsecureRequests]: true, [customFetch]: (url, init) => upstreamRequest(policy, url, init as RequestInit) }
}
