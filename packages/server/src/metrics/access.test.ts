import { describe, expect, it } from 'vitest'
import { FORWARDING_HEADERS, isLoopbackAddress, metricsAccess, trustedProxyPeer } from './access.js'

const TOKEN = 'metrics-token-0123456789abcdef'

describe('metricsAccess (issue 14)', () => {
  it('without a token: loopback socket peers only (127.0.0.0/8, ::1, IPv4-mapped 127/8)', () => {
    for (const peer of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(metricsAccess({}, peer, { token: null }), peer).toEqual({ allowed: true })
    for (const peer of ['192.0.2.2', '10.0.0.1', '::ffff:10.0.0.1', 'fd00::2', '::', '0.0.0.0', '127.0.0.1.evil', undefined]) {
      const access = metricsAccess({}, peer, { token: null })
      expect(access.allowed, String(peer)).toBe(false)
      if (!access.allowed) expect(access.status).toBe(403)
    }
    expect(isLoopbackAddress('1127.0.0.1')).toBe(false)
  })

  it('RFC 6750 §2.1, §3: with a token, only `Bearer <token>` passes; the rest is 401 with a Bearer challenge, loopback or not', () => {
    expect(metricsAccess({ authorization: `Bearer ${TOKEN}` }, '192.0.2.2', { token: TOKEN })).toEqual({ allowed: true })
    expect(metricsAccess({ authorization: `bearer ${TOKEN}` }, '192.0.2.2', { token: TOKEN })).toEqual({ allowed: true })
    for (const header of [undefined, '', 'Bearer', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN]) {
      const access = metricsAccess(header === undefined ? {} : { authorization: header }, '127.0.0.1', { token: TOKEN })
      expect(access.allowed, String(header)).toBe(false)
      if (!access.allowed) {
        expect(access.status).toBe(401)
        expect(access.headers['www-authenticate']).toMatch(/^Bearer /)
        expect(access.body).not.toContain(TOKEN)
      }
    }
  })

  it('security review M1: without a token, a loopback request that carries any forwarding header is refused (403), naming metrics.token and metrics.port', () => {
    for (const name of FORWARDING_HEADERS) {
      const access = metricsAccess({ [name]: name === 'forwarded' ? 'for=203.0.113.7' : '203.0.113.7' }, '127.0.0.1', { token: null })
      expect(access.allowed, name).toBe(false)
      if (!access.allowed) {
        expect(access.status).toBe(403)
        expect(access.body).toMatch(/metrics\.token or metrics\.port/)
      }
    }
    // Even empty: a proxy that sent the header at all forwarded the request.
    expect(metricsAccess({ 'x-forwarded-for': '' }, '::1', { token: null }).allowed).toBe(false)
    // With a token the token decides, forwarded or not (a proxy may carry the scraper's bearer token).
    expect(metricsAccess({ authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.7' }, '127.0.0.1', { token: TOKEN })).toEqual({ allowed: true })
  })

  it('security review M1: without a token, a socket peer that trust_proxy names is a proxy: refused (403); the socket-peer rule stays', () => {
    const listed = trustedProxyPeer(['127.0.0.1', '10.0.0.0/8'])
    expect(metricsAccess({}, '127.0.0.1', { token: null, isProxy: listed }).allowed).toBe(false)
    expect(metricsAccess({}, '::ffff:127.0.0.1', { token: null, isProxy: listed }).allowed).toBe(false)
    // Another loopback address than the proxy's: still served.
    expect(metricsAccess({}, '127.0.0.2', { token: null, isProxy: listed })).toEqual({ allowed: true })
    expect(metricsAccess({}, '::1', { token: null, isProxy: trustedProxyPeer(['loopback']) }).allowed).toBe(false)
    // true and a hop count trust whatever connects: every peer is a proxy.
    for (const trust of [true, 1, 3] as const) expect(metricsAccess({}, '127.0.0.1', { token: null, isProxy: trustedProxyPeer(trust) }).allowed, String(trust)).toBe(false)
    for (const trust of [false, 0, ['192.0.2.1'], ['uniquelocal', 'linklocal']] as const) {
      expect(metricsAccess({}, '127.0.0.1', { token: null, isProxy: trustedProxyPeer(trust as never) }), JSON.stringify(trust)).toEqual({ allowed: true })
    }
    // A proxy's peer off loopback stays 403 under the socket rule.
    expect(metricsAccess({}, '10.1.2.3', { token: null, isProxy: listed }).allowed).toBe(false)
    expect(trustedProxyPeer(['10.0.0.0/8'])('::ffff:10.9.9.9')).toBe(true)
    expect(trustedProxyPeer(['fc00::/7'])('fd00::2')).toBe(true)
    expect(trustedProxyPeer(['10.0.0.0/8'])(undefined)).toBe(false)
  })
})
