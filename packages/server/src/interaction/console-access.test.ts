/**
 * Issue 14: who may use the admin console (rules/admin-roles.ts; `admin.require_mfa`, README
 * "Administrators"). Pure: a config and a session in, the access out.
 */
import { describe, expect, it } from 'vitest'
import type { LatchConfig } from '../config/schema.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import { adminRequiresMfa, consoleAccessOf } from './console-access.js'

function session(roles: string[], amr: string[]): ActiveSession {
  return {
    session: { session_hash: 'h', id: 's', user_id: 'u', auth_time: 0, amr, created_at: 0, expires_at: 1 },
    user: { id: 'u', email: 'u@example.com', email_verified: true, password_hash: null, claims: {}, roles, attributes: {}, created_at: 0, updated_at: 0 },
  }
}

const plain = {} as LatchConfig
const strict = { admin: { require_mfa: true } } as unknown as LatchConfig

describe('console access (issue 14)', () => {
  it('rules/admin-roles.ts: latch:admin reads and writes, latch:viewer reads, any other role has no access', () => {
    expect(consoleAccessOf(plain, session(['latch:admin'], ['pwd']))).toEqual({ type: 'granted', write: true })
    expect(consoleAccessOf(plain, session(['latch:viewer', 'staff'], ['pwd']))).toEqual({ type: 'granted', write: false })
    expect(consoleAccessOf(plain, session(['staff', 'admin', 'latch:owner'], ['pwd']))).toEqual({ type: 'none' })
  })

  it('admin.require_mfa: a session of one factor steps up; one with mfa (acr urn:latch:acr:mfa) is granted; no role is still none', () => {
    expect([adminRequiresMfa(plain), adminRequiresMfa(strict), adminRequiresMfa({ admin: { require_mfa: 'true' } } as unknown as LatchConfig)]).toEqual([false, true, false])
    expect(consoleAccessOf(strict, session(['latch:admin'], ['pwd']))).toEqual({ type: 'step_up' })
    expect(consoleAccessOf(strict, session(['latch:viewer'], ['pwd', 'otp', 'mfa']))).toEqual({ type: 'granted', write: false })
    expect(consoleAccessOf(strict, session([], ['pwd', 'otp', 'mfa']))).toEqual({ type: 'none' })
  })
})
