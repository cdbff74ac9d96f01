/**
 * Redirect URI rules, in one place for the three places that use them:
 * - registration (`config/load.ts`, `redirectUriRegistrationProblem`): an absolute URI without a
 *   fragment (RFC 6749 §3.1.2), visible ASCII only (RFC 3986 §2), never `javascript:`/`data:`;
 * - the authorization request (`resolveRedirectUri`, `matchRedirectUri`);
 * - RP-Initiated Logout (`isRegisteredPostLogoutRedirectUri`): exact match, §3 of that spec.
 *
 * Redirect URI matching (RFC 6749 §3.1.2, RFC 9700 §4.1.3): a requested redirect_uri must equal
 * a registered one, character for character, except that a native app's registered loopback IP
 * URI matches any port (RFC 8252 §7.3). What matched is what is redirected to: for the loopback
 * case that is the URL as parsed and compared, never the raw string, and a redirect_uri with a
 * character a URI cannot have (controls, spaces, non-ASCII) matches nothing, since it could not
 * travel in a `Location` header and the URL parser drops some of them before comparing.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-2
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
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


/** What the authorization request needs of a client: its registered URIs and whether it is a native app. */
export interface RedirectClient {
  readonly redirect_uris: readonly string[]
  readonly token_endpoint_auth_method: string
}

/**
 * The redirect URI of an authorization request, or the reason (shown on an HTML page, never
 * redirected: RFC 6749 §4.1.2.1, RFC 9700 §4.1.3) why it cannot be trusted.
 * - Omitted: RFC 6749 §3.1.2.3 allows it with a single registered URI; OIDC Core §3.1.2.1
 *   (`isOpenId`) does not.
 * - Sent: it must match a registered one (`matchRedirectUri`); a public client (`none`) is a
 *   native app whose loopback URI may use any port (RFC 8252 §7.3).
 */
export function resolveRedirectUri(client: RedirectClient, requested: string | undefined, isOpenId: boolean): { uri: string } | { error: string } {
  if (requested === undefined) {
    if (!isOpenId && client.redirect_uris.length === 1) return { uri: client.redirect_uris[0] as string }
    return { error: 'The request has no redirect_uri.' }
  }
  if (!URI_CHARACTERS.test(requested)) return { error: 'The redirect_uri of this request contains characters a URI cannot have.' }
  const native = client.token_endpoint_auth_method === 'none'
  for (const registered of client.redirect_uris) {
    const uri = matchRedirectUri(registered, requested, native)
    if (uri !== null) return { uri }
  }
  return { error: 'The redirect_uri of this request is not registered for this application.' }
}

/**
 * Why `uri` cannot be registered as a redirect URI (`redirect_uris`, `post_logout_redirect_uris`),
 * or null when it can: it must be an absolute URI without a fragment (RFC 6749 §3.1.2), of visible
 * ASCII only (RFC 3986 §2: a requested URI with other characters never matches, so one registered
 * so could never be used), and not a `javascript:` or `data:` URI, which a redirect would execute.
 */
export function redirectUriRegistrationProblem(uri: string): string | null {
  const parsed = registrableUri(uri, 'RFC 6749 §3.1.2')
  if (typeof parsed === 'string') return parsed
  if (parsed.protocol === 'javascript:' || parsed.protocol === 'data:') return `must not use the ${parsed.protocol} scheme`
  return null
}

/**
 * The URL of a URI a client registers for Latch to send to (a redirect URI, a back-channel logout
 * URI), or why it cannot be one: absolute, no fragment (`rule` names the spec that says so),
 * visible ASCII only (RFC 3986 §2).
 */
export function registrableUri(uri: string, rule: string): URL | string {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return `must be an absolute URL, got ${JSON.stringify(uri)}`
  }
  if (url.hash || uri.includes('#')) return `must not contain a fragment (${rule})`
  if (!URI_CHARACTERS.test(uri)) return 'must contain only visible ASCII characters: percent-encode the others (RFC 3986 §2)'
  return url
}

/**
 * OpenID Connect RP-Initiated Logout 1.0 §3: the `post_logout_redirect_uri` "MUST have been
 * previously registered", and is compared as a string (no loopback port exception: a logout
 * redirect carries nothing but `state`).
 */
export function isRegisteredPostLogoutRedirectUri(client: { readonly post_logout_redirect_uris: readonly string[] }, requested: string): boolean {
  return client.post_logout_redirect_uris.includes(requested)
}
