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
  const address = ip.replace(/%.*$/, '')
  if (isIPv4(address) || isIP(address) !== 6) return address
  const hextets = expandIPv6(address.toLowerCase())
  if (!hextets) return address
  if (hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff) {
    const [hi = 0, lo = 0] = hextets.slice(6)
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.')
  }
  return `${hextets.slice(0, 4).map((h) => h.toString(16)).join(':')}::/64`
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
