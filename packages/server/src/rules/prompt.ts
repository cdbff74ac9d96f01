/**
 * The `prompt` and `max_age` parameters of an OpenID Connect authentication request
 * (OIDC Core §3.1.2.1): the prompt values Latch supports, `none` alone or not at all, and
 * `max_age` as a non-negative whole number of seconds.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
import { InvalidRequestError } from '../errors.js'

export const PROMPTS = ['none', 'login', 'consent', 'select_account'] as const
export type Prompt = (typeof PROMPTS)[number]

/** A space-delimited, case-sensitive list (§3.1.2.1); repeats count once. */
export function parsePrompt(prompt: string | undefined): Prompt[] {
  if (prompt === undefined) return []
  const values = [...new Set(prompt.split(' ').filter(Boolean))]
  for (const v of values) if (!(PROMPTS as readonly string[]).includes(v)) throw new InvalidRequestError(`prompt value ${JSON.stringify(v.slice(0, 40))} is not supported`)
  if (values.includes('none') && values.length > 1) throw new InvalidRequestError('prompt=none cannot be combined with other values (OIDC Core §3.1.2.1)')
  return values as Prompt[]
}

/** Seconds since the last active authentication that the client accepts; at most ten digits. */
export function parseMaxAge(maxAge: string | undefined): number | undefined {
  if (maxAge === undefined) return undefined
  if (!/^\d{1,10}$/.test(maxAge)) throw new InvalidRequestError('max_age must be a non-negative integer number of seconds')
  return Number(maxAge)
}
