/**
 * Issue 14: inviting a user an administrator made without a password: a set-password link mailed
 * to them, issue 13's password-reset machinery (an `email_tokens` row of purpose `reset_password`,
 * single use, the reset page) with a longer life (`passwords.invite_ttl`, 7 days). Setting the
 * password through it proves the mailbox (the email becomes verified). A newer invitation or reset
 * link replaces the older ones beyond the newest three of the address.
 */
import { TemporarilyUnavailableError } from '../errors.js'
import type { Look } from '../interaction/views/branding.js'
import type { Locale } from '../interaction/views/locales.js'
import type { Mailer } from '../mail/mailer.js'
import { composeMail } from '../mail/message.js'
import { isPlaceholderEmail } from '../rules/placeholder-email.js'
import type { UserRecord } from '../storage/store.js'
import { isDisabled } from '../users/disabled.js'
import { issueLinkToken } from '../users/email-tokens.js'
import { recordAdminChange } from './admin-change.js'
import { ManagementError, type ManagementScope } from './scope.js'
import { getUser } from './users.js'

/** How the invitation is mailed: the tenant's mailer, its reset page's URL, and the language and look of the mail. */
export interface InviteMail {
  mailer: Mailer
  /** `<issuer>/reset-password`. */
  resetUrl: string
  locale: Locale
  look: Look
  /** Security review L8: the mail throttle's per-address budget (`MailThrottle.allowTo`), counted once the invitation is otherwise allowed. */
  allow(address: string): Promise<{ allowed: true } | { allowed: false; retryAfter: number }>
  /**
   * Security review L3: the connection the user must sign in through, by their address's
   * organization (`requiredConnectionForEmail`) or, second review, by an organization they are a
   * member of (`requiredConnectionForMember`), or null: such a user has no password here.
   */
  requiredConnection(user: { id: string; email: string }): Promise<string | null>
}

/**
 * Mails the user `id` a link to choose their password. Refused for a user who has a password (they
 * have "Forgot password?"), is disabled, has no real address or must sign in through their
 * organization's connection, and where password sign-in is off; 429 past the address's mail budget.
 * Returns when the link expires.
 */
export async function inviteUser(scope: ManagementScope, id: string, mail: InviteMail): Promise<{ user: UserRecord; expiresAt: number }> {
  const { store, clock, config } = scope
  const user = await getUser(scope, id)
  // The link opens the reset page, which is off with password sign-in.
  if (!config.sign_in.password) throw new ManagementError('refused', 'user', 'password sign-in is turned off in this tenant (sign_in.password), so there is no password to choose')
  if (user.password_hash !== null) throw new ManagementError('conflict', 'user', `user ${user.email} has a password already (they may reset it from the sign-in page)`)
  if (isDisabled(user)) throw new ManagementError('refused', 'user', `user ${user.email} is disabled (enable them first)`)
  if (isPlaceholderEmail(user.email)) throw new ManagementError('refused', 'user', `user ${user.id} has no email address to invite`)
  const required = await mail.requiredConnection(user)
  if (required !== null) throw new ManagementError('refused', 'user', `user ${user.email} signs in through the connection ${required}, which their organization requires: there is no password to choose`)
  const allowed = await mail.allow(user.email)
  if (!allowed.allowed) throw new TemporarilyUnavailableError(`too many mails to ${user.email} lately; try again in ${allowed.retryAfter} seconds`, { status: 429, retryAfter: allowed.retryAfter })
  const ttl = config.passwords.invite_ttl
  const now = clock.now()
  const token = await issueLinkToken(store, now, { purpose: 'reset_password', email: user.email, userId: user.id, ttl })
  const link = `${mail.resetUrl}?${new URLSearchParams({ token, ui_locales: mail.locale }).toString()}`
  // The mail server's refusal is an outage, not the caller's mistake (the unused link just expires).
  await mail.mailer.send(composeMail(user.email, { kind: 'invite', link }, { locale: mail.locale, look: mail.look, ttlSeconds: ttl })).catch((err: unknown) => {
    throw new TemporarilyUnavailableError('the invitation could not be mailed; try again later', { cause: err })
  })
  await recordAdminChange(scope, { type: 'admin.user.invited', subject: { type: 'user', id: user.id }, before: { email: user.email }, after: { email: user.email }, data: { expires_at: now + ttl } })
  return { user, expiresAt: now + ttl }
}
