import { describe, expect, it } from 'vitest'
import { throttleSource } from './source-address.js'

describe('throttleSource (issue 8)', () => {
  it('OWASP login throttling: IPv4 counts per address', () => {
    expect(throttleSource('192.0.2.1')).toBe('192.0.2.1')
    expect(throttleSource('192.0.2.2')).not.toBe(throttleSource('192.0.2.1'))
  })

  it('RFC 4291 §2.5.1: IPv6 counts per /64, whatever the spelling of the address', () => {
    const source = '2001:db8:1:2::/64'
    for (const ip of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:DB8:1:2:a:b:c:d', '2001:db8:1:2::1%eth0']) {
      expect(throttleSource(ip)).toBe(source)
    }
    expect(throttleSource('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64')
    expect(throttleSource('::1')).toBe('0:0:0:0::/64')
    expect(throttleSource('fe80::1:2:3:4')).toBe('fe80:0:0:0::/64')
  })

  it('RFC 4291 §2.5.5.2: an IPv4-mapped IPv6 address counts as its IPv4 address', () => {
    expect(throttleSource('::ffff:192.0.2.1')).toBe('192.0.2.1')
    expect(throttleSource('::FFFF:c000:0201')).toBe('192.0.2.1')
  })

  it('anything that is not an IP address is kept as is', () => {
    expect(throttleSource('unknown')).toBe('unknown')
    expect(throttleSource('')).toBe('')
  })
})
