import { describe, expect, it } from 'vitest'
import { fairnessNetwork, sourceNetworks, throttleSource } from './source-address.js'

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
    expect(throttleSource('[2001:db8:a:b::7]')).toBe('2001:db8:a:b::/64')
  })

  /** @see issue 8 */
  it('RFC 6177: an IPv6 address also counts in its /56 and /48; IPv4 (mapped too) in its address only', () => {
    expect(sourceNetworks('2001:db8:1:2a3:4:5:6:7')).toEqual(['2001:db8:1:2a3::/64', '2001:db8:1:200::/56', '2001:db8:1::/48'])
    expect(sourceNetworks('2001:db8:1:2ff::1')).toEqual(['2001:db8:1:2ff::/64', '2001:db8:1:200::/56', '2001:db8:1::/48'])
    expect(sourceNetworks('2001:db8:1:3ff::1')[1]).toBe('2001:db8:1:300::/56')
    expect(sourceNetworks('192.0.2.1')).toEqual(['192.0.2.1'])
    expect(sourceNetworks('::ffff:192.0.2.1')).toEqual(['192.0.2.1'])
  })

  /** @see issue 8 */
  it('issue 8: the fair-share network is the IPv4 /24 or the IPv6 /48', () => {
    expect(fairnessNetwork('192.0.2.77')).toBe('192.0.2.0/24')
    expect(fairnessNetwork('::ffff:192.0.2.77')).toBe('192.0.2.0/24')
    expect(fairnessNetwork('2001:db8:1:2a3::9')).toBe('2001:db8:1::/48')
    expect(fairnessNetwork('unknown')).toBe('unknown')
  })
})
