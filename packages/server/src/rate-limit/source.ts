/**
 * The "source" a per-source rate limit counts: the client's IPv4 address, or its IPv6 /64. One
 * host (or one customer line) is routinely handed a whole /64, so counting IPv6 addresses one by
 * one would give an attacker 2^64 budgets. IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, how a
 * dual-stack socket reports an IPv4 peer) count as the IPv4 address.
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.5.1
 * @see https://www.rfc-editor.org/rfc/rfc6177
 */
import { isIPv4, isIPv6 } from 'node:net'

/** `192.0.2.1` → `192.0.2.1`; `2001:db8:1:2:3:4:5:6` → `2001:db8:1:2::/64`; anything else as given. */
export function rateLimitSource(ip: string): string {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)
  if (mapped && isIPv4(mapped[1] as string)) return mapped[1] as string
  if (!isIPv6(bare)) return bare
  const [head = '', tail = ''] = bare.toLowerCase().split('::')
  const left = head === '' ? [] : head.split(':')
  const right = bare.includes('::') ? (tail === '' ? [] : tail.split(':')) : []
  // An embedded IPv4 tail (`::1.2.3.4`) stands for the last two groups, outside the /64 anyway.
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`
}
