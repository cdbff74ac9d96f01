/**
 * Finding the one access token of a request (RFC 6750 §2). Only the `Authorization: Bearer`
 * header is accepted (§2.1):
 * - a token in the query string (§2.3) is refused: URLs end up in logs, browser history and
 *   `Referer` headers, and the RFC itself says not to use it "unless it is impossible to transport
 *   the access token in the Authorization request header field"; the form-body method (§2.2) is
 *   refused too, so an API never has to parse a body before authorizing the request;
 * - a token sent by more than one method, or two `Authorization` headers, is `invalid_request`
 *   (§3.1: "uses more than one method for including an access token");
 * - `Bearer` with no token, or a token outside the `b64token` grammar (§2.1), is `invalid_request`:
 *   the header is malformed, whatever the token would have said;
 * - no token at all, or another scheme (`Basic`, `DPoP`…), is `invalid_token` with
 *   `tokenMissing`, which is answered with the bare challenge (§3.1).
 * The scheme name is case-insensitive (RFC 9110 §11.1).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.1
 */
import { InvalidRequestError, InvalidTokenError } from './errors.js'

/** RFC 6750 §2.1 `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
/** The `Bearer` scheme name, alone or followed by whitespace; what follows is checked below. */
const BEARER = /^bearer(?:$|[ \t])/i

/**
 * The access token of an `Authorization` header. `authorization`: the header's value, an array
 * when the request carried it more than once. `otherMethod`: the request also has an
 * `access_token` query or form parameter. Throws `InvalidRequestError`, or `InvalidTokenError`
 * with `tokenMissing` when there is no token.
 *
 * @example
 * ```ts
 * import { bearerToken } from '@latch/resource-server'
 *
 * bearerToken('Bearer eyJhbGciOi…') // 'eyJhbGciOi…'
 * bearerToken('Basic dXNlcjpwYXNz') // throws InvalidTokenError (tokenMissing: true)
 * ```
 */
export function bearerToken(authorization: string | readonly string[] | null | undefined, otherMethod = false): string {
  if (typeof authorization !== 'string' && authorization != null) {
    if (authorization.length > 1) throw new InvalidRequestError('the request has more than one Authorization header')
    authorization = authorization[0]
  }
  if (authorization == null || authorization === '' || !BEARER.test(authorization)) {
    if (otherMethod) throw new InvalidRequestError('the access token must be sent in the Authorization header, not in the query string or body')
    throw new InvalidTokenError('an access token is required', { tokenMissing: true })
  }
  if (otherMethod) throw new InvalidRequestError('the access token was sent by more than one method')
  // `credentials = "Bearer" 1*SP b64token` (§2.1): spaces only, at least one.
  let start = 6
  while (authorization.charCodeAt(start) === 32) start++
  const token = authorization.slice(start)
  if (start === 6 || !B64TOKEN.test(token)) {
    throw new InvalidRequestError('the Authorization header is malformed: expected Bearer, one or more spaces and the token')
  }
  return token
}

/**
 * Whether the query string of `url` (a path or URL with optional `?query`) has an `access_token`
 * parameter.
 *
 * @example
 * ```ts
 * import { hasAccessTokenParam } from '@latch/resource-server'
 *
 * hasAccessTokenParam('/api/data?access_token=abc') // true
 * ```
 */
export function hasAccessTokenParam(url: string): boolean {
  const q = url.indexOf('?')
  // Fast path: no query string, or not even the letters of the name (percent-encoded names aside).
  if (q === -1) return false
  const query = url.slice(q + 1)
  if (!query.includes('access') && !query.includes('%')) return false
  return new URLSearchParams(query).has('access_token')
}
