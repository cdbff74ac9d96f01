/**
 * `trust_proxy`: which `X-Forwarded-For` entries Latch believes. Fastify hands the value to
 * proxy-addr, which walks the header from the right (nearest hop first) and stops at the first
 * address that is not a trusted proxy: the right-most untrusted entry is the client, never the
 * left-most, which the client writes itself. `true` is read as one hop (a bare `true` would make
 * Fastify trust every hop, and so the left-most entry). A hop count trusts whatever connects
 * directly: Latch must then be reachable only through those proxies (a list of their addresses
 * holds even when it is not). Checked at boot; a bad value is a
 * `ConfigError` naming the key (and the entry).
 * @see https://www.rfc-editor.org/rfc/rfc7239#section-7.4
 * @see https://github.com/jshttp/proxy-addr#proxyaddrreq-trust
 */
import { BlockList, isIP } from 'node:net'
import { ConfigError } from '../errors.js'

export type TrustProxy = boolean | number | string[]

/** proxy-addr's names for reserved ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** At most this many hops: deeper chains are a misconfiguration, not a topology. */
const MAX_HOPS = 32

const EXPECTED = 'must be false, true (one proxy), a number of proxy hops, or a list of proxy addresses/CIDRs'

export function parseTrustProxy(value: unknown): TrustProxy {
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > MAX_HOPS) throw new ConfigError('trust_proxy', `${EXPECTED}; a hop count is an integer from 0 to ${MAX_HOPS}, got ${value}`)
    return value
  }
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((entry, i) => {
      const problem = typeof entry === 'string' ? entryProblem(entry.trim()) : 'must be a string'
      if (problem) throw new ConfigError(`trust_proxy[${i}]`, `${problem}, got ${JSON.stringify(entry)}`)
    })
    return value.map((entry: string) => entry.trim())
  }
  throw new ConfigError('trust_proxy', `${EXPECTED}, got ${JSON.stringify(value)}`)
}

/**
 * What Fastify's `trustProxy` gets. A hop count becomes proxy-addr's trust function "the first n
 * hops" (hop 0 is the socket's peer): Fastify 5 reads a bare number as "trust nothing", and a bare
 * `true` as "trust every hop" (the left-most entry).
 */
export function fastifyTrustProxy(value: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  const hops = value === true ? 1 : value === false ? 0 : value
  if (Array.isArray(hops)) return hops
  if (hops === 0) return false
  return (_address, hop) => hop < hops
}

function entryProblem(entry: string): string | null {
  if (NAMED_RANGES.has(entry)) return null
  const [address = '', prefix, extra] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || extra !== undefined) return 'must be an IP address, a CIDR (10.0.0.0/8, 2001:db8::/32), loopback, linklocal or uniquelocal'
  if (prefix === undefined) return null
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1
  try {
    // BlockList validates the range the way Node itself parses it.
    new BlockList().addSubnet(address, bits, family === 4 ? 'ipv4' : 'ipv6')
  } catch {
    return `must have a prefix length from 0 to ${family === 4 ? 32 : 128}`
  }
  return null
}
