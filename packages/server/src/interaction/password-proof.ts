/**
 * Issue 13: a signed-in user proves the current password again (account pages: TOTP set-up, the
 * passkeys page's confirmation), under the sign-in throttle of the account (review L2: the
 * budgets, device cookie and `login.failed` events of the sign-in page), so a stolen session cannot
 * guess it faster than the sign-in page allows.
 */
import type { LatchContext } from '../context.js'
import { trustedDevice } from '../sessions/device-cookie.js'
import type { CookieJar } from '../sessions/idp-session.js'
import type { UserRecord } from '../storage/store.js'
import { accountOf, notChecked } from '../users/login-throttle.js'
import { verifyPassword } from '../users/password-hash.js'

export async function provePassword(ctx: LatchContext, user: UserRecord, input: { password: string | undefined; ip: string; cookies: CookieJar }): Promise<{ type: 'ok' } | { type: 'wrong' } | { type: 'throttled'; retryAfter: number }> {
  if (user.password_hash === null) return { type: 'wrong' }
  const device = trustedDevice(ctx, input.cookies, user.email, user.password_hash)
  const attempt = await ctx.throttle.signIn({ account: user.email, ip: input.ip, device })
  if (!attempt.allowed) {
    ctx.events.emit('login.failed', { reason: 'throttled', ip: input.ip, ...accountOf(ctx.throttle, user.email, ctx.config.audit.include_email) })
    return { type: 'throttled', retryAfter: attempt.retryAfter }
  }
  const ok = await verifyPassword(user.password_hash, input.password ?? '').catch(notChecked(attempt))
  if (!ok) {
    await attempt.failed()
    ctx.events.emit('login.failed', { reason: 'bad_credentials', ip: input.ip, ...accountOf(ctx.throttle, user.email, ctx.config.audit.include_email) })
    return { type: 'wrong' }
  }
  await attempt.succeeded()
  return { type: 'ok' }
}
