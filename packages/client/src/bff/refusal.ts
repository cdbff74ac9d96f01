/**
 * The one rule the BFF uses to tell "the OP said no" from "no usable answer came", for refreshes
 * (a refusal ends the session: `login_required`; anything else keeps it:
 * `temporarily_unavailable`) and for the code exchange at the callback (`auth_error`).
 *
 * A refusal is:
 * - an OAuth error response with status 400 or 401, the statuses of RFC 6749 §5.2
 *   (`invalid_grant`: revoked, expired or replayed; `invalid_client`; `unauthorized_client`; …),
 *   unless its code itself says "later" (`temporarily_unavailable`, `server_error`);
 * - a response this client refused to accept although it came with a success status: an ID
 *   token that fails validation, a refreshed ID token about another user (OIDC Core §12.2), a
 *   malformed token response. The refresh token may already have been spent by then.
 *
 * Everything else is temporary: a network failure or timeout; 408, 429 and 5xx, whatever their
 * body (a gateway's HTML page, a JSON body without `error`, `{"error":"slow_down"}` with 429);
 * any other status that is not an OAuth refusal. Logging a user out because a proxy in front of
 * the OP hiccuped would turn every outage into a mass sign-out.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.6 (5xx: the server failed, not the request)
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4 (429)
 */
import { ClientValidationError, OAuthResponseError } from '../errors.js'

/** OAuth error codes that mean "try again later" even in a 4xx body. */
const LATER = new Set(['temporarily_unavailable', 'server_error'])

/** Whether `err`, thrown by a token request of the core client, is the OP refusing (see the module comment). */
export function isRefusal(err: unknown): boolean {
  if (err instanceof OAuthResponseError) return (err.status === 400 || err.status === 401) && !LATER.has(err.error)
  if (err instanceof ClientValidationError) {
    if (err.code === 'request_failed') return false
    // A refused answer that came with an error status is the server (or a proxy) failing, not refusing.
    return err.status === undefined || (err.status >= 200 && err.status < 300)
  }
  // Timeouts, aborts and anything unexpected: no verdict from the OP.
  return false
}
