/**
 * OpenID Connect Back-Channel Logout 1.0 §2.2: `backchannel_logout_uri` "MUST be an absolute URI
 * as defined by Section 4.3 of [RFC3986]"; it "MAY include an application/x-www-form-urlencoded
 * formatted query component" and "MUST NOT include a fragment component". The logout token travels
 * in the body of a server-to-server POST, so clear text is refused off this machine: `https`, or
 * `http` to a loopback host only (a receiver in development, a test).
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRegistration
 */
import { isLoopbackHost } from '../lib/loopback-host.js'

/** Why `uri` cannot be registered as a `backchannel_logout_uri`, or null when it can. */
export function backchannelLogoutUriProblem(uri: string): string | null {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return `must be an absolute URL, got ${JSON.stringify(uri)}`
  }
  if (url.hash || uri.includes('#')) return 'must not contain a fragment (OIDC Back-Channel Logout §2.2)'
  if (url.username || url.password) return 'must not contain credentials'
  if (url.protocol === 'https:') return null
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null
  if (url.protocol === 'http:') return 'must use https (http only to localhost, 127.0.0.1 or [::1]): the logout token would cross the network in clear text'
  return `must be an https URL, got the ${url.protocol} scheme`
}
