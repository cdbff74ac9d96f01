import { describe, expect, it } from 'vitest'
import { rateLimitSource } from './source.js'

describe('rateLimitSource', () => {
  /** @see issue 8 */
  it('RFC 6177: IPv6 addresses count per /64, IPv4 (also mapped into IPv6) per address', () => {
    expect(rateLimitSource('192.0.2.1')).toBe('192.0.2.1')
    expect(rateLimitSource('::ffff:192.0.2.1')).toBe('192.0.2.1')
    expect(rateLimitSource('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64')
    expect(rateLimitSource('2001:0db8:0001:0002:ffff::1')).toBe('2001:db8:1:2::/64')
    expect(rateLimitSource('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(rateLimitSource('2001:db8:0:0:9::')).toBe('2001:db8:0:0::/64')
    expect(rateLimitSource('::1')).toBe('0:0:0:0::/64')
    expect(rateLimitSource('[2001:db8:a:b::7]')).toBe('2001:db8:a:b::/64')
    expect(rateLimitSource('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
    expect(rateLimitSource('not-an-ip')).toBe('not-an-ip')
  })
})
