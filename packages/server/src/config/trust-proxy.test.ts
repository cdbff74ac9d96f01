import { describe, expect, it } from 'vitest'
import { configError } from '../../test/support/config-error.js'
import { loadConfig } from './load.js'
import { fastifyTrustProxy } from './trust-proxy.js'

const env = { LATCH_SECRET: 's'.repeat(40) }
const load = (trust_proxy: unknown) => loadConfig({ config: { trust_proxy }, env, cwd: '/nonexistent' }).config.trust_proxy

describe('trust_proxy (issue 8)', () => {
  it('RFC 7239 §7.4: false, true, a hop count and a list of proxy addresses/CIDRs are accepted', () => {
    expect(load(undefined)).toBe(false)
    expect(load(true)).toBe(true)
    expect(load(2)).toBe(2)
    expect(load(['10.0.0.0/8', ' 192.0.2.7 ', '2001:db8::/32', '::1', 'loopback'])).toEqual(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::1', 'loopback'])
  })

  it('issue 8: a bad trust_proxy stops the boot with a message naming the key or the entry', () => {
    for (const [value, key, message] of [
      ['yes', 'trust_proxy', /^config: trust_proxy must be false, true \(one proxy\), a number of proxy hops, or a list/],
      [-1, 'trust_proxy', /hop count is an integer from 0 to 32, got -1/],
      [1.5, 'trust_proxy', /got 1\.5/],
      [[], 'trust_proxy', /got \[\]/],
      [['10.0.0.0/8', 'proxy.internal'], 'trust_proxy[1]', /^config: trust_proxy\[1\] must be an IP address, a CIDR/],
      [['10.0.0.0/33'], 'trust_proxy[0]', /prefix length from 0 to 32/],
      [['2001:db8::/129'], 'trust_proxy[0]', /prefix length from 0 to 128/],
      [['10.0.0.0/8/1'], 'trust_proxy[0]', /must be an IP address/],
      [[7], 'trust_proxy[0]', /must be a string/],
    ] as const) {
      const err = configError(() => load(value))
      expect(err.key).toBe(key)
      expect(err.message).toMatch(message)
    }
  })

  it('issue 8: true means one hop (not "trust every hop"), 0 means off, and a hop count trusts exactly that many hops', () => {
    const one = fastifyTrustProxy(true)
    if (typeof one !== 'function') throw new Error('expected a trust function')
    expect([one('127.0.0.1', 0), one('198.51.100.1', 1)]).toEqual([true, false])
    expect(fastifyTrustProxy(false)).toBe(false)
    expect(fastifyTrustProxy(0)).toBe(false)
    const two = fastifyTrustProxy(2)
    if (typeof two !== 'function') throw new Error('expected a trust function')
    expect([two('a', 0), two('b', 1), two('c', 2)]).toEqual([true, true, false])
    expect(fastifyTrustProxy(['10.0.0.0/8'])).toEqual(['10.0.0.0/8'])
  })
})
