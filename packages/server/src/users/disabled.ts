/**
 * Issue 14: an account an administrator disabled (`users.disabled_at`, migration 0023) signs in by
 * no path: every place that reads the user to let them in, or to issue them a token, asks this.
 * Where the user has not proven who they are (a password, an emailed link), the refusal is the
 * answer of a wrong credential, so the page or grant is no oracle of the account's state.
 */
import type { UserRecord } from '../storage/store.js'

export function isDisabled(user: Pick<UserRecord, 'disabled_at'>): boolean {
  return user.disabled_at !== undefined && user.disabled_at !== null
}
