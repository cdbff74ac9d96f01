/**
 * Redirect URI matching (RFC 6749 §3.1.2, RFC 9700 §4.1.3): a requested redirect_uri must equal
 * a registered one, character for character, except that a native app's registered loopback IP
 * URI matches any port (RFC 8252 §7.3). What matched is what is redirected to: for the loopback
 * case that is the URL as parsed and compared, never the raw string, and a redirect_uri with a
 * character a URI cannot have (controls, spaces, non-ASCII) matches nothing, since it could not
 * travel in a `Location` header and the URL parser drops some of them before comparing.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-2
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]'])

/**
 * What a redirect_uri may contain: visible ASCII only (RFC 3986 §2, a URI has no other
 * characters). Anything else could not travel in the `Location` header (a CR LF would even split
 * it) and, since the URL parser drops tabs and line breaks, could match a registered URI it does
 * not equal.
 */
export const URI_CHARACTERS = /^[\x21-\x7E]+$/

/**
 * The URI to redirect to when `requested` matches `registered`, else null. Exact matches return
 * `requested` as it is (RFC 9700 §4.1.3); a native app's loopback URI on another port
 * (`anyLoopbackPort`: public clients only, RFC 8252 §7.3) returns the parsed, normalised URL that
 * was compared, never the raw string.
 */
export function matchRedirectUri(registered: string, requested: string, anyLoopbackPort: boolean): string | null {
  if (!URI_CHARACTERS.test(requested)) return null
  // RFC 6749 §3.1.2: no fragment, not even an empty one (`URL.hash` is '' for a bare '#', and the
  // response parameters would land after it, out of the client's reach).
  if (requested.includes('#')) return null
  if (registered === requested) return requested
  if (!anyLoopbackPort) return null
  let r: URL
  let q: URL
  try {
    r = new URL(registered)
    q = new URL(requested)
  } catch {
    return null
  }
  // RFC 8252 §7.3: loopback redirects of native apps may use any port, everything else exact.
  const matches =
    r.protocol === 'http:' && q.protocol === 'http:' && LOOPBACK_HOSTS.has(r.hostname) && r.hostname === q.hostname &&
    r.pathname === q.pathname && r.search === q.search && !q.hash && !q.username && !q.password
  return matches ? q.href : null
}

