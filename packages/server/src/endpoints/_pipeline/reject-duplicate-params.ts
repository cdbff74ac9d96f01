/**
 * Rejects a parameter sent more than once, in the query or the body (RFC 6749 §3.1, §3.2;
 * oidc-provider's reject_dupes), and flattens the rest to `Record<string, string>`. Runs before
 * anything reads a parameter, so no later step can pick the "wrong" copy of a duplicated value.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1
 */
import { InvalidRequestError } from '../../errors.js'
import type { RawParams } from './form-body.js'

/** Longest value accepted for any single parameter; tokens and assertions fit well within it. */
export const MAX_PARAM_LENGTH = 16_384

export function rejectDuplicateParams(raw: RawParams | null | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  if (!raw) return out
  for (const key of Object.keys(raw)) {
    const value = raw[key]
    if (value === undefined) continue
    if (Array.isArray(value)) {
      throw new InvalidRequestError(`parameter ${safeName(key)} was included more than once`)
    }
    if (typeof value !== 'string') throw new InvalidRequestError(`parameter ${safeName(key)} is malformed`)
    if (value.length > MAX_PARAM_LENGTH) throw new InvalidRequestError(`parameter ${safeName(key)} is too long`)
    // RFC 6749 §3.1: parameters sent without a value are treated as omitted.
    if (value === '') continue
    out[key] = value
  }
  return out
}

function safeName(key: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(key) ? key : '(unnamed)'
}
