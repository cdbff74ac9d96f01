import { describe, expect, it } from 'vitest'
import { ManualClock } from '../lib/clock.js'
import { LoginThrottle, accountTagOf, tenantKeySecret } from './login-throttle.js'

const LIMITS = { maxPerAccount: 5, maxPerIp: 50, windowSeconds: 900, accountSlowdownAfter: 5, accountSlowdownStep: 2, maxWrongUserCodes: 5 }

describe('account tags (issue 14: `latch audit list --user` finds failed sign-ins by them)', () => {
  it('issue 14: accountTagOf equals the throttle\'s accountTag, per tenant', () => {
    for (const tenant of ['default', 'acme']) {
      const keySecret = tenantKeySecret('s3cret-0123456789abcdef0123456789', tenant)
      const throttle = new LoginThrottle(LIMITS, new ManualClock(), { keySecret })
      expect(accountTagOf(keySecret, 'a@example.com')).toBe(throttle.accountTag('a@example.com'))
    }
    expect(accountTagOf(tenantKeySecret('x'.repeat(32), 'acme'), 'a@example.com')).not.toBe(accountTagOf(tenantKeySecret('x'.repeat(32), 'default'), 'a@example.com'))
  })
})
