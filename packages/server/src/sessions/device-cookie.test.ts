/**
 * Device cookies on their own: what a sign-in returns to set, and which cookie jars it trusts.
 * @see https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, type TestContext } from '../../test/support/context.js'
import { DEVICE_COOKIE_TTL } from '../config/defaults.js'
import { rememberDevice, trustedDevice } from './device-cookie.js'

let t: TestContext
beforeEach(async () => {
  t = await createTestContext()
})
afterEach(async () => {
  await t.close()
})

const ALICE = 'alice@example.com'

/** The cookie jar a browser sends back after being given `change`. */
function jarOf(change: ReturnType<typeof rememberDevice>): Record<string, string> {
  if (change === null || 'clear' in change) throw new Error('expected a cookie to set')
  return { [change.name]: change.value }
}

describe('device cookie', () => {
  it('OWASP device cookies: a sign-in returns an HttpOnly cookie that names no account and is trusted for that account only', () => {
    const change = rememberDevice(t.ctx, ALICE, null, 'hash-1')
    expect(change).toMatchObject({ options: { httpOnly: true, sameSite: 'lax', maxAge: DEVICE_COOKIE_TTL } })
    expect(change?.name).not.toContain('alice')
    const jar = jarOf(change)
    const device = trustedDevice(t.ctx, jar, ALICE, 'hash-1')
    expect(device).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(trustedDevice(t.ctx, jar, 'bob@example.com', 'hash-1')).toBeNull()
    // Re-issued after the next sign-in, it keeps its device id (its throttling record carries over).
    expect(trustedDevice(t.ctx, jarOf(rememberDevice(t.ctx, ALICE, device, 'hash-1')), ALICE, 'hash-1')).toBe(device)
  })

  it('issue 8: a password change (a new hash) voids every device cookie issued before it; an account without a password gets none', () => {
    const jar = jarOf(rememberDevice(t.ctx, ALICE, null, 'hash-1'))
    expect(trustedDevice(t.ctx, jar, ALICE, 'hash-2')).toBeNull()
    expect(trustedDevice(t.ctx, jar, ALICE, null)).toBeNull()
    expect(rememberDevice(t.ctx, ALICE, null, null)).toBeNull()
  })

  it('a cookie older than DEVICE_COOKIE_TTL, or tampered with, is not trusted', () => {
    const jar = jarOf(rememberDevice(t.ctx, ALICE, null, 'hash-1'))
    const [name, value] = Object.entries(jar)[0] as [string, string]
    expect(trustedDevice(t.ctx, { [name]: `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}` }, ALICE, 'hash-1')).toBeNull()
    t.clock.advance(DEVICE_COOKIE_TTL)
    expect(trustedDevice(t.ctx, jar, ALICE, 'hash-1')).toBeNull()
  })
})
