/**
 * Issue 13: changing the account's email address (`/account/email`), without HTTP. The signed-in
 * user proves it is them again (the current password, throttled like a sign-in; or, without a
 * password, a sign-in at most `EMAIL_CHANGE_MAX_AUTH_AGE` old), and the new address proves it is
 * theirs: a single-use link (`email_tokens` purpose `change_email`, `passwordless.ttl`, SHA-256
 * stored) goes to it, and the address changes only when that link's page is confirmed (a POST: a
 * scanner's GET changes nothing). The old address is then told.
 *
 * No enumeration, even to a signed-in user: an address that belongs to another account gets the
 * very same answer ("a confirmation link is on its way"); what differs happens after the response
 * (`ctx.background`), where that address receives a notice that it has an account already instead
 * of a link. So only whoever reads that mailbox learns it. Mail to the new address counts against
 * `mail.max_per_address` / `max_per_source` like every mail a request causes.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html
 */
import type { LatchContext } from '../context.js'
import { hashHandle, randomHandle, randomId } from '../lib/random.js'
import { composeMail } from '../mail/message.js'
import { isPlaceholderEmail } from '../rules/placeholder-email.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import { notChecked } from '../users/login-throttle.js'
import { verifyPassword } from '../users/password-hash.js'
import { normalEmail } from './email-sign-in.js'
import type { Look } from './views/branding.js'
import type { Locale } from './views/locales.js'

/** Without a password, the sign-in must be at most this old (seconds), like linking an account (issue 12). */
export const EMAIL_CHANGE_MAX_AUTH_AGE = 600

/** Where the new address's link points: `GET` shows the confirmation, `POST` changes the address. */
export const EMAIL_CHANGE_VERIFY_PATH = '/account/email/verify'

const TOKEN = /^[A-Za-z0-9_-]{43}$/

/** What the form asks for: the current password, or (without one) a recent sign-in. */
export function changeFormNeeds(ctx: LatchContext, active: ActiveSession): { password: boolean; reauth: boolean } {
  const password = active.user.password_hash !== null
  return { password, reauth: !password && ctx.clock.now() - active.session.auth_time > EMAIL_CHANGE_MAX_AUTH_AGE }
}

export type EmailChangeRequest =
  | { type: 'refused'; status: 400 | 401 | 403 | 429; reason: 'invalid_email' | 'same' | 'bad_password' | 'reauth' | 'throttled'; email: string; retryAfter?: number }
  | { type: 'sent'; email: string }

export async function requestEmailChange(
  ctx: LatchContext,
  active: ActiveSession,
  input: { email: string | undefined; password: string | undefined; ip: string; locale: Locale; look: Look },
): Promise<EmailChangeRequest> {
  const { user } = active
  const email = normalEmail(input.email)
  const typed = (input.email ?? '').trim().slice(0, 320)
  if (email === null) return { type: 'refused', status: 400, reason: 'invalid_email', email: typed }
  if (email === user.email) return { type: 'refused', status: 400, reason: 'same', email }
  const needs = changeFormNeeds(ctx, active)
  if (needs.reauth) return { type: 'refused', status: 403, reason: 'reauth', email }
  if (needs.password) {
    // Counted like a sign-in of this account from this source: a stolen session cannot guess on.
    const attempt = await ctx.throttle.signIn({ account: user.email, ip: input.ip })
    if (!attempt.allowed) {
      // Issue 14: the sign-in throttle engaged, said as every other password check says it (account-password.ts).
      ctx.events.emit('login.failed', { reason: 'throttled', ip: input.ip, account_hash: ctx.throttle.accountTag(user.email) })
      return { type: 'refused', status: 429, reason: 'throttled', email, retryAfter: attempt.retryAfter }
    }
    const ok = await verifyPassword(user.password_hash, input.password ?? '').catch(notChecked(attempt))
    if (!ok) {
      await attempt.failed()
      return { type: 'refused', status: 401, reason: 'bad_password', email }
    }
    await attempt.succeeded()
  }
  const ttl = ctx.config.passwordless.ttl
  ctx.background.run('change_email mail', ctx.log, async () => {
    if (!(await ctx.mailThrottle.allow(email, input.ip)).allowed) return
    const options = { locale: input.locale, look: input.look, ttlSeconds: ttl }
    ctx.events.emit('email_change.requested', { user_id: user.id })
    if ((await ctx.store.users.getByEmail(email)) !== null) {
      await ctx.mailer.send(composeMail(email, { kind: 'change_email_taken' }, options))
      return
    }
    const token = randomHandle()
    const now = ctx.clock.now()
    await ctx.store.emailTokens.insert({
      id: randomId(),
      purpose: 'change_email',
      token_hash: hashHandle(token),
      user_id: user.id,
      email,
      browser_hash: null,
      interaction_id: null,
      attempts: 0,
      created_at: now,
      expires_at: now + ttl,
      used_at: null,
    }, 3)
    const link = `${ctx.urls.issuer}${EMAIL_CHANGE_VERIFY_PATH}?${new URLSearchParams({ token }).toString()}`
    await ctx.mailer.send(composeMail(email, { kind: 'change_email', link }, options))
  })
  return { type: 'sent', email }
}

/** `GET` of the new address's link: the address it would become, or null (unknown, used, expired). */
export async function pendingEmailChange(ctx: LatchContext, token: string | undefined): Promise<{ email: string } | null> {
  if (token === undefined || !TOKEN.test(token)) return null
  const row = await ctx.store.emailTokens.find('change_email', hashHandle(token), ctx.clock.now())
  return row === null ? null : { email: row.email }
}

export type EmailChangeResult = { type: 'changed'; email: string } | { type: 'taken' } | { type: 'invalid' }

/** `POST` of the link's page (CSRF checked by the endpoint): the link is used, and the address changes. */
export async function confirmEmailChange(ctx: LatchContext, token: string | undefined, options: { locale: Locale; look: Look }): Promise<EmailChangeResult> {
  if (token === undefined || !TOKEN.test(token)) return { type: 'invalid' }
  const now = ctx.clock.now()
  const row = await ctx.store.emailTokens.consume('change_email', hashHandle(token), now)
  const user = row?.user_id ? await ctx.store.users.getById(row.user_id) : null
  if (row === null || user === null) return { type: 'invalid' }
  const outcome = await ctx.store.emailAddresses.change(user.id, user.email, row.email, now)
  if (outcome === 'taken') return { type: 'taken' }
  if (outcome === 'missing') return { type: 'invalid' }
  if (outcome === 'changed') {
    ctx.events.emit('email.changed', { user_id: user.id })
    const old = user.email
    // A placeholder address (issue 12: an upstream account without one) reaches nobody.
    if (!isPlaceholderEmail(old)) ctx.background.run('email_changed mail', ctx.log, async () => {
      await ctx.mailer.send(composeMail(old, { kind: 'email_changed', newEmail: row.email }, options))
    })
  }
  return { type: 'changed', email: row.email }
}
