/**
 * `WWW-Authenticate: Bearer` challenges (RFC 6750 §3): `realm`, then `error`,
 * `error_description` and, for `insufficient_scope`, the `scope` needed. A request with no
 * token at all gets the bare challenge without an error code (§3.1).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import type { OAuthError } from '../../errors.js'

function quote(value: string): string {
  // RFC 6750 §3: error_description and scope use a restricted charset; drop anything else.
  return `"${value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '')}"`
}

export function wwwAuthenticateBearer(err: OAuthError | null): string {
  const parts = ['Bearer realm="latch"']
  if (err && !(err.challenge && err.challenge.bare === 'true')) {
    parts.push(`error=${quote(err.code)}`, `error_description=${quote(err.wireDescription)}`)
    for (const [k, v] of Object.entries(err.challenge ?? {})) if (k !== 'bare') parts.push(`${k}=${quote(v)}`)
  }
  return parts.join(', ')
}
