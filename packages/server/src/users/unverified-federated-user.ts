/**
 * Issue 12: a user is not the owner of their email when it was never verified and they sign in
 * through an upstream (a linked identity). Such a user may be whoever typed that address at an
 * upstream that does not check it, so what an operator provisions for that email (config `users:`,
 * `latch users set-password`, `latch users update`) must never be applied to them: they would get
 * the password, the roles and the verified flag meant for the address's owner.
 */
import { isPlaceholderEmail } from '../rules/placeholder-email.js'
import type { Store, UserRecord } from '../storage/store.js'

/** A placeholder address (rules/placeholder-email.ts) is no one's: its user cannot have squatted it. */
export async function unverifiedFederatedUser(store: Store, user: UserRecord): Promise<boolean> {
  if (user.email_verified || isPlaceholderEmail(user.email)) return false
  return (await store.identities.listForUser(user.id)).length > 0
}
