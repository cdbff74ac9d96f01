/**
 * Issue 13, the account page's "Change password": the current password first, checked under the
 * sign-in throttle of the account (`ctx.throttle.signIn`: a stolen session cookie cannot be used
 * to guess the password faster than the sign-in page allows, and guesses here count there), then
 * the new one against the password rules.
 *
 * A change keeps this session and ends every other (OWASP ASVS 4.0 V3.3.3: "terminate all other
 * active sessions after a successful password change … effective across … any relying parties"): the user, who just proved the current
 * password here, stays signed in on this device, while a session an attacker may hold elsewhere
 * ends (with back-channel logout to its clients). Every grant of the user is revoked, those issued
 * within this session included, `offline_access` too: a token obtained with the old password must
 * not outlive it, and apps on this device get new tokens through this session without a prompt.
 * The kept session takes a fresh cookie value (its `sid` stays): a copy of the old cookie is worth
 * nothing. All of it is one transaction that writes only while the checked hash is still stored
 * (`users.changePassword`).
 * @see https://owasp.org/www-project-application-security-verification-standard/
 */
import type { LatchContext } from '../context.js'
import { hashHandle, randomHandle } from '../lib/random.js'
import { trustedDevice, rememberDevice } from '../sessions/device-cookie.js'
import { cookieName, cookieOptions, SESSION_COOKIE, type ActiveSession, type CookieChange, type CookieJar } from '../sessions/idp-session.js'
import { accountOf, notChecked } from '../users/login-throttle.js'
import { hashPassword, verifyPassword } from '../users/password-hash.js'
import { newPasswordProblem, type NewPasswordProblem } from './new-password.js'

export type PasswordAnswer =
  | { type: 'changed'; cookies: CookieChange[] }
  | { type: 'refused'; status: 400 | 401 | 409 | 429; reason: 'wrong_password' | 'throttled' | 'no_password' | 'race' | NewPasswordProblem; retryAfter?: number }

export async function changePassword(
  ctx: LatchContext,
  active: ActiveSession,
  input: { current: string | undefined; next: string | undefined; ip: string; cookies: CookieJar },
): Promise<PasswordAnswer> {
  const { user, session } = active
  const stored = user.password_hash
  if (stored === null) return { type: 'refused', status: 400, reason: 'no_password' }
  const device = trustedDevice(ctx, input.cookies, user.email, stored)
  const attempt = await ctx.throttle.signIn({ account: user.email, ip: input.ip, device })
  if (!attempt.allowed) {
    ctx.events.emit('login.failed', { reason: 'throttled', ip: input.ip, ...accountOf(ctx.throttle, user.email, ctx.config.audit.include_email) })
    return { type: 'refused', status: 429, reason: 'throttled', retryAfter: attempt.retryAfter }
  }
  const ok = await verifyPassword(stored, input.current ?? '').catch(notChecked(attempt))
  if (!ok) {
    await attempt.failed()
    ctx.events.emit('login.failed', { reason: 'bad_credentials', ip: input.ip, ...accountOf(ctx.throttle, user.email, ctx.config.audit.include_email) })
    return { type: 'refused', status: 401, reason: 'wrong_password' }
  }
  await attempt.succeeded()
  const next = input.next ?? ''
  const problem = newPasswordProblem(ctx, next, user.email)
  if (problem !== null) return { type: 'refused', status: 400, reason: problem }
  const newHash = await hashPassword(next)
  const value = randomHandle()
  const now = ctx.clock.now()
  const ended = await ctx.store.users.changePassword(user.id, stored, newHash, { sessionId: session.id, rotatedSessionHash: hashHandle(value) }, now)
  if (ended === null) return { type: 'refused', status: 409, reason: 'race' }
  for (const id of ended.endedSessionIds) ctx.events.emit('session.ended', { session_id: id, user_id: user.id, reason: 'password_changed' })
  ctx.events.emit('password.changed', { user_id: user.id, reason: 'account_page' })
  const sessionCookie: CookieChange = { name: cookieName(ctx, SESSION_COOKIE), value, options: { ...cookieOptions(ctx), maxAge: Math.max(0, session.expires_at - now) } }
  // The device cookie is signed over the password hash: renewed for the new one, this browser stays trusted.
  const deviceCookie = rememberDevice(ctx, user.email, device, newHash)
  return { type: 'changed', cookies: deviceCookie === null ? [sessionCookie] : [sessionCookie, deviceCookie] }
}
