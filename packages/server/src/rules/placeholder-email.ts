/**
 * Issue 12: the address of a user provisioned from an upstream account without an email (X always,
 * GitHub without a verified address). Every user needs a unique email, so such a user gets
 * `u-<16 chars of base64url(SHA-256(connection:subject))>@<connection-id>.invalid`: RFC 6761 §6.4
 * reserves `.invalid`, so it can be no one's real address, and the hash keeps the upstream's
 * subject out of it. It is never verified, so it never links to anyone by email; tokens and
 * userinfo leave `email` and `email_verified` out for it, and pages show the user's name instead.
 * @see https://www.rfc-editor.org/rfc/rfc6761#section-6.4
 */
import { createHash } from 'node:crypto'

const PLACEHOLDER = /^u-[A-Za-z0-9_-]{16}@[a-z0-9-]{1,64}\.invalid$/

export function placeholderEmail(connectionId: string, subject: string): string {
  const tag = createHash('sha256').update(`${connectionId}:${subject}`).digest('base64url').slice(0, 16)
  return `u-${tag}@${connectionId}.invalid`
}

export function isPlaceholderEmail(email: string): boolean {
  return PLACEHOLDER.test(email)
}

/** What a page shows for the signed-in user: the email, or for a placeholder the name (else the username). */
export function shownUser(user: { id: string; email: string; claims: { name?: string | undefined; preferred_username?: string | undefined } }): string {
  if (!isPlaceholderEmail(user.email)) return user.email
  return user.claims.name ?? user.claims.preferred_username ?? user.id
}
