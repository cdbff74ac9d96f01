/**
 * Issue 13: the remembered-device cookie on its own: off by default, bound to the user, to their
 * TOTP authenticator and to their password, and refused once older than `mfa.remember_device`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createTestContext, type TestContext } from '../../test/support/context.js'
import type { TotpRecord } from '../storage/store.js'
import { rememberedDevice, rememberThisDevice } from './remembered-device.js'

let t: TestContext | undefined
afterEach(async () => {
  await t?.close()
})

const user = { id: 'user-1', password_hash: '$argon2id$one' }
const totp: TotpRecord = { user_id: 'user-1', secret_encrypted: 'jwe', last_step: 1, failures: 0, failed_at: null, consecutive_failures: 0, confirmed_at: 100, created_at: 90 }

function jarOf(change: ReturnType<typeof rememberThisDevice>): Record<string, string> {
  if (change === null || 'clear' in change) throw new Error('expected a cookie to set')
  return { [change.name]: change.value }
}

describe('remembered device', () => {
  it('issue 13: mfa.remember_device 0 (the default) sets no cookie and trusts none', async () => {
    t = await createTestContext()
    expect(rememberThisDevice(t.ctx, user, totp)).toBeNull()
  })

  it('issue 13: the cookie is HttpOnly, names no user, and is trusted for that user with those factors only, until it expires', async () => {
    t = await createTestContext({ config: { mfa: { remember_device: 3600 } } })
    const change = rememberThisDevice(t.ctx, user, totp)
    expect(change).toMatchObject({ options: { httpOnly: true, sameSite: 'lax', maxAge: 3600 } })
    expect(change?.name).not.toContain('user-1')
    const jar = jarOf(change)
    expect(rememberedDevice(t.ctx, jar, user, totp)).toBe(true)
    expect(rememberedDevice(t.ctx, jar, { ...user, id: 'user-2' }, totp)).toBe(false)
    // A new authenticator, or a new password, voids it.
    expect(rememberedDevice(t.ctx, jar, user, { ...totp, created_at: 200, confirmed_at: 210 })).toBe(false)
    expect(rememberedDevice(t.ctx, jar, { ...user, password_hash: '$argon2id$two' }, totp)).toBe(false)
    // Forged: another value under the same name.
    const [name, value] = Object.entries(jar)[0] as [string, string]
    expect(rememberedDevice(t.ctx, { [name]: value.replace(/^\d+/, (n) => String(Number(n) + 1)) }, user, totp)).toBe(false)
    t.clock.advance(3599)
    expect(rememberedDevice(t.ctx, jar, user, totp)).toBe(true)
    t.clock.advance(1)
    expect(rememberedDevice(t.ctx, jar, user, totp)).toBe(false)
  })
})
