import { describe, expect, it } from 'vitest'
import { isLoopbackAddress, metricsAccess } from './access.js'

const TOKEN = 'metrics-token-0123456789abcdef'

describe('metricsAccess (issue 14)', () => {
  it('without a token: loopback socket peers only (127.0.0.0/8, ::1, IPv4-mapped 127/8)', () => {
    for (const peer of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(metricsAccess(undefined, peer, null), peer).toEqual({ allowed: true })
    for (const peer of ['192.0.2.2', '10.0.0.1', '::ffff:10.0.0.1', 'fd00::2', '::', '0.0.0.0', '127.0.0.1.evil', undefined]) {
      const access = metricsAccess(undefined, peer, null)
      expect(access.allowed, String(peer)).toBe(false)
      if (!access.allowed) expect(access.status).toBe(403)
    }
    expect(isLoopbackAddress('1127.0.0.1')).toBe(false)
  })

  it('RFC 6750 §2.1, §3: with a token, only `Bearer <token>` passes; the rest is 401 with a Bearer challenge, loopback or not', () => {
    expect(metricsAccess(`Bearer ${TOKEN}`, '192.0.2.2', TOKEN)).toEqual({ allowed: true })
    expect(metricsAccess(`bearer ${TOKEN}`, '192.0.2.2', TOKEN)).toEqual({ allowed: true })
    for (const header of [undefined, '', 'Bearer', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN]) {
      const access = metricsAccess(header, '127.0.0.1', TOKEN)
      expect(access.allowed, String(header)).toBe(false)
      if (!access.allowed) {
        expect(access.status).toBe(401)
        expect(access.headers['www-authenticate']).toMatch(/^Bearer /)
        expect(access.body).not.toContain(TOKEN)
      }
    }
  })
})
