/**
 * Issue 13: the rules a new password chosen on the account page must meet: lane A's policy
 * (`users/password-policy.ts`, NIST SP 800-63B §5.1.1.2: at least `passwords.min_length`
 * characters, at most 128, no composition rules, not on the breached list, not the account's
 * email), with the account's email as context.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#memsecretver
 */
import type { LatchContext } from '../context.js'
import { passwordProblem, type PasswordProblem } from '../users/password-policy.js'

export type NewPasswordProblem = PasswordProblem

export function newPasswordProblem(ctx: LatchContext, password: string, email: string): NewPasswordProblem | null {
  return passwordProblem(password, { minLength: ctx.config.passwords.min_length, email })
}
