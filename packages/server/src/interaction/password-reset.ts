/**
 * Issue 13: a forgotten password, without HTTP (OWASP Forgot Password Cheat Sheet; ASVS 4.0.3
 * V2.5). The request answers the same, in the same time class, whether or not the address has an
 * account: the request path only checks the form and the mail throttle (per address and per
 * source); looking the account up, storing the token and mailing the link run after the response
 * (`ctx.background`), and an address without an account gets nothing. The link works once
 * (`email_tokens`, one conditional UPDATE), within `passwords.reset_ttl`, and the newest three per
 * address at most. The new password follows the policy (NIST SP 800-63B §5.1.1.2); setting it ends
 * every session of the user and revokes their grants (`setPasswordHash(…, { signOut: true })`),
 * and proves the mailbox, so an unverified sign-up becomes verified. The link is bound to the
 * browser that asked (`latch_verify`, its SHA-256 on the row; security review M5): only there does
 * the reset go back to the interaction it was asked from (and a second factor locked after too
 * many wrong codes is unlocked); anywhere else it only changes the
 * password, so a reset asked from someone else's interaction (a device flow) cannot carry the
 * victim into it. Off without a way to mail people (`mail/availability.ts`, security review L5).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5
 */
import { PATHS, type LatchContext } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { requiredConnectionForEmail } from '../federation/organization-rules.js'
import { mailAvailable } from '../mail/availability.js'
import { composeMail } from '../mail/message.js'
import type { CookieChange, CookieJar } from '../sessions/idp-session.js'
import { consumeLinkToken, findLinkToken, issueLinkToken } from '../users/email-tokens.js'
import { hashPassword } from '../users/password-hash.js'
import { passwordProblem, type PasswordProblem } from '../users/password-policy.js'
import { assertPasswordSignIn, type LoadedInteraction } from './pages.js'
import { browserCookie, browserHashOf, normalEmail, type Speaking } from './sign-up.js'
import { isDisabled } from '../users/disabled.js'

/** "Forgot password?" is offered: password sign-in, and mail that reaches people (security review L5). */
export function resetAvailable(ctx: LatchContext): boolean {
  return ctx.config.sign_in.password && mailAvailable(ctx.config)
}

export function assertResetAvailable(ctx: LatchContext): void {
  assertPasswordSignIn(ctx)
  if (!mailAvailable(ctx.config)) throw new InvalidRequestError('Resetting a password by email is not offered here.', { status: 404 })
}

export type ResetRequestResult =
  | { type: 'sent'; email: string; cookies: CookieChange[] }
  | { type: 'form'; status: 400; email: string }
  | { type: 'form'; status: 429; retryAfter: number; email: string }

/** "Forgot password?": mails a reset link to the address if it has an account, answering the same either way. */
export async function requestPasswordReset(
  ctx: LatchContext,
  l: LoadedInteraction,
  input: { email: string | undefined; ip: string; cookies: CookieJar } & Speaking,
): Promise<ResetRequestResult> {
  assertResetAvailable(ctx)
  const email = normalEmail(input.email)
  if (email === null) return { type: 'form', status: 400, email: (input.email ?? '').trim().slice(0, 320) }
  const allowed = await ctx.mailThrottle.allow(email, input.ip)
  if (!allowed.allowed) {
    ctx.events.emit('throttle.engaged', { throttle: 'mail', ip: input.ip })
    return { type: 'form', status: 429, retryAfter: allowed.retryAfter, email }
  }
  const speaking = { locale: input.locale, look: input.look }
  // Security review M5: the asking browser, for every address alike (its cookie, or a new one).
  const held = browserHashOf(ctx, input.cookies)
  const fresh = held === null ? browserCookie(ctx) : null
  const browserHash = held ?? fresh!.hash
  ctx.background.run('password reset', ctx.log, async () => {
    const user = await ctx.store.users.getByEmail(email)
    // Issue 12: an email its organization signs in through its own connection has no password here.
    // Issue 14: nor has a disabled account a way back in (the page says "sent" alike).
    if (user === null || isDisabled(user) || (await requiredConnectionForEmail(ctx, email)) !== null) return
    const ttl = ctx.config.passwords.reset_ttl
    const token = await issueLinkToken(ctx.store, ctx.clock.now(), { purpose: 'reset_password', email, userId: user.id, ttl, interactionId: l.interaction.id, browserHash })
    const link = `${ctx.urls.issuer}${PATHS.reset_password}?${new URLSearchParams({ token, ui_locales: speaking.locale }).toString()}`
    await ctx.mailer.send(composeMail(email, { kind: 'reset', link }, { ...speaking, ttlSeconds: ttl }))
    ctx.events.emit('password.reset_requested', { user_id: user.id })
  })
  return { type: 'sent', email, cookies: fresh ? [fresh.cookie] : [] }
}

/** `GET /reset-password`: the account the link resets (for the form), or null when the link is no good. Reads only. */
export async function resetTarget(ctx: LatchContext, token: string): Promise<{ email: string } | null> {
  const row = await findLinkToken(ctx.store, 'reset_password', token, ctx.clock.now())
  if (row === null) return null
  // Security review L2: a link mailed before the account was disabled is as good as expired.
  const user = row.user_id ? await ctx.store.users.getById(row.user_id) : null
  return user === null || isDisabled(user) ? null : { email: row.email }
}

export type ResetResult =
  | { type: 'form'; problem: PasswordProblem; email: string }
  | { type: 'expired' }
  /** `interactionId`: the sign-in the reset was asked from, to go back to; null unless this is the browser that asked. */
  | { type: 'done'; interactionId: string | null }

/** `POST /reset-password`: the new password, under the policy; the link is used only when it is accepted. */
export async function resetPassword(ctx: LatchContext, input: { token: string | undefined; password: string | undefined; cookies: CookieJar }): Promise<ResetResult> {
  assertPasswordSignIn(ctx)
  const token = input.token ?? ''
  const found = await findLinkToken(ctx.store, 'reset_password', token, ctx.clock.now())
  const user = found?.user_id ? await ctx.store.users.getById(found.user_id) : null
  // Security review L2: nor does a link mailed before a disable set the password.
  if (found === null || user === null || isDisabled(user)) return { type: 'expired' }
  const problem = passwordProblem(input.password ?? '', { minLength: ctx.config.passwords.min_length, email: user.email })
  if (problem !== null) return { type: 'form', problem, email: user.email }
  const passwordHash = await hashPassword(input.password ?? '')
  // The single use: of two submissions at once, one gets the row.
  const row = await consumeLinkToken(ctx.store, 'reset_password', token, ctx.clock.now())
  if (row === null || row.user_id !== user.id) return { type: 'expired' }
  const now = ctx.clock.now()
  if (!(await ctx.store.users.setPasswordHash(user.id, passwordHash, now, { signOut: true }))) return { type: 'expired' }
  // Every other reset link of the address stops working too.
  await ctx.store.emailTokens.useAll('reset_password', row.email, now)
  // Security review M4: the reset proves the mailbox and voids the password a guesser held, so it
  // is the user's way back from a locked second factor (NIST SP 800-63B §5.2.2).
  await ctx.store.mfa.unlock(user.id)
  ctx.events.emit('password.reset_completed', { user_id: user.id })
  if (!user.email_verified || user.verification_pending === true) {
    // Review M3: the first proof of the mailbox also removes what someone may have enrolled on an
    // account they made with this address before its owner came (a pre-hijack).
    const removed = await ctx.store.signUps.proveMailbox(user.id, now)
    if (removed !== null) {
      ctx.events.emit('email.verified', { user_id: user.id, method: 'password_reset' })
      if (removed.passkeys > 0 || removed.totp || removed.identities > 0) ctx.events.emit('user.unproven_methods_removed', { user_id: user.id, via: 'password_reset', ...removed })
    } else if (await ctx.store.signUps.verify(user.id, now)) {
      ctx.events.emit('email.verified', { user_id: user.id, method: 'password_reset' })
    }
  }
  const browser = browserHashOf(ctx, input.cookies)
  const sameBrowser = row.browser_hash !== null && browser === row.browser_hash
  return { type: 'done', interactionId: sameBrowser ? row.interaction_id : null }
}

