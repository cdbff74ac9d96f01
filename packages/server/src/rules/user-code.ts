/**
 * Device flow user codes (RFC 8628 §6.1): what the user types on a second device, so short,
 * unambiguous and forgiving on input.
 * - 8 characters from a 20-letter alphabet without vowels (no words) or look-alikes (no 0/O, 1/I):
 *   20^8 ≈ 2^34.5 codes, enough with the wrong-guess limit of the verification page (§5.1);
 * - shown as `XXXX-XXXX`;
 * - on input, case, dashes, spaces and any other character outside the alphabet are ignored, so
 *   `bcdf ghjk` is `BCDF-GHJK`.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 */
import { randomInt } from 'node:crypto'

export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'

/** Characters in a normalized user code. */
export const USER_CODE_LENGTH = 8

/** A fresh user code in its display form, `XXXX-XXXX`. */
export function randomUserCode(): string {
  let code = ''
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]
  return `${code.slice(0, 4)}-${code.slice(4)}`
}

/** Upper-cases and drops everything outside the alphabet, so `bcdf ghjk` matches `BCDF-GHJK`. */
export function normalizeUserCode(input: string): string {
  return input.toUpperCase().replace(/[^A-Z]/g, '').split('').filter((c) => USER_CODE_ALPHABET.includes(c)).join('')
}

/** `bcdfghjk` → `BCDF-GHJK`, the form the device shows; anything that is not a whole code unchanged. */
export function displayUserCode(input: string): string {
  const code = normalizeUserCode(input)
  return code.length === USER_CODE_LENGTH ? `${code.slice(0, 4)}-${code.slice(4)}` : input
}
