/**
 * The source a sign-in attempt is counted under: an IPv4 address as is, an IPv6 address by its
 * /64 prefix, an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack socket reports)
 * as the IPv4 address. One IPv6 host usually holds a whole /64 (SLAAC, privacy addresses), so
 * counting per address would give an attacker 2^64 fresh budgets (OWASP Authentication Cheat Sheet,
 * "login throttling"). Anything that is not an IP address is returned unchanged.
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.5.1
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.5.5.2
 */
import { isIP, isIPv4 } from 'node:net'

export function throttleSource(ip: string): string {
  return parse(ip).networks[0] as string
}

/**
 * Every network `ip` counts in, narrowest first: an IPv4 address alone; an IPv6 address's /64,
 * /56 and /48 (issue 8). One site is usually delegated a /48 (65,536 /64s) or a /56 (256), so a
 * limit per /64 alone gives whoever holds a /48 65,536 budgets; the wider prefixes get their own,
 * higher, limits (RFC 6177 §2; RIPE-690 §4.2).
 */
export function sourceNetworks(ip: string): string[] {
  return parse(ip).networks
}

/**
 * The network whose record decides whether a sign-in is a stranger's or a repeat offender's for
 * the fair share of a slowed-down account's turns (`login-throttle.ts`): an IPv4 /24, an IPv6 /48.
 * Wide on purpose: an attacker must bring a fresh one of these per turn of the clean lane.
 */
export function fairnessNetwork(ip: string): string {
  const { v4, hextets, networks } = parse(ip)
  if (v4) return `${v4.slice(0, 3).join('.')}.0/24`
  if (hextets) return `${hextets.slice(0, 3).map((h) => h.toString(16)).join(':')}::/48`
  return networks[0] as string
}

function parse(ip: string): { v4?: number[]; hextets?: number[]; networks: string[] } {
  const address = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  if (isIPv4(address)) return { v4: address.split('.').map(Number), networks: [address] }
  if (isIP(address) !== 6) return { networks: [address] }
  const hextets = expandIPv6(address.toLowerCase())
  if (!hextets) return { networks: [address] }
  if (hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff) {
    const [hi = 0, lo = 0] = hextets.slice(6)
    const v4 = [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]
    return { v4, networks: [v4.join('.')] }
  }
  const hex = (n: number) => hextets.slice(0, n).map((h) => h.toString(16)).join(':')
  const [, , , fourth = 0] = hextets
  return {
    hextets,
    networks: [
      `${hex(4)}::/64`,
      // /56: the top byte of the fourth group.
      `${hex(3)}:${(fourth & 0xff00).toString(16)}::/56`,
      `${hex(3)}::/48`,
    ],
  }
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function expandIPv6(address: string): number[] | null {
  const halves = address.split('::')
  if (halves.length > 2) return null
  const groups = (part: string | undefined): number[] =>
    !part ? [] : part.split(':').flatMap((g) => {
      if (g.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number)
        return [(a << 8) | b, (c << 8) | d]
      }
      return [parseInt(g, 16)]
    })
  const head = groups(halves[0])
  const tail = groups(halves[1])
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0
  const all = [...head, ...Array<number>(Math.max(0, fill)).fill(0), ...tail]
  return all.length === 8 && all.every((h) => Number.isInteger(h) && h >= 0 && h <= 0xffff) ? all : null
}
