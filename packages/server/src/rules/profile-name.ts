/**
 * Issue 13: what the account page accepts as a name claim (`name`, `given_name`, `family_name`,
 * OIDC Core §5.1): free text in any script, at most `NAME_MAX` characters after NFC normalization
 * and trimming, no control characters (a line break in a claim would break the lines of whoever
 * prints it). Empty means "remove the claim".
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 */

export const NAME_MAX = 100

/** The claim's value as stored (`''`: remove it), or null when it cannot be one. */
export function profileName(input: string | undefined): string | null {
  const value = (input ?? '').normalize('NFC').trim()
  if ([...value].length > NAME_MAX) return null
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) return null
  return value
}
