import { describe, expect, it } from 'vitest'
import type { LatchContext } from '../context.js'
import { cookieName, cookieOptions, endSession, sessionCookieCleared } from './idp-session.js'

const ctx = (issuer: string) => ({ tenant: 'default', config: { issuer } }) as unknown as LatchContext

describe('session cookie', () => {
  it('RFC 6265bis §4.1.3.2: https issuers at the root use __Host- cookies (Secure, host-only, Path=/)', () => {
    expect(cookieName(ctx('https://id.example.com'), 'latch_session')).toBe('__Host-latch_session')
    expect(cookieOptions(ctx('https://id.example.com'))).toEqual({ httpOnly: true, sameSite: 'lax', secure: true, path: '/' })
  })

  it('an issuer with a path scopes the cookie to it (no __Host- prefix possible); http is not Secure', () => {
    expect(cookieName(ctx('https://example.com/id'), 'latch_session')).toBe('latch_session')
    expect(cookieOptions(ctx('https://example.com/id')).path).toBe('/id/')
    expect(cookieOptions(ctx('http://localhost:9000')).secure).toBe(false)
  })

  it('RFC 6265 §3.1: signing out clears the same cookie, under the same name and attributes it was set with', async () => {
    const c = ctx('https://id.example.com')
    expect(sessionCookieCleared(c)).toEqual({ name: '__Host-latch_session', clear: true, options: cookieOptions(c) })
    // No cookie (or an implausible one): nothing to end, and the store is not asked.
    expect(await endSession(c, {})).toBeNull()
    expect(await endSession(c, { '__Host-latch_session': 'x'.repeat(201) })).toBeNull()
  })
})
