/**
 * OpenID Connect Back-Channel Logout 1.0 §2.2: `backchannel_logout_uri` "MUST be an absolute URI
 * as defined by Section 4.3 of [RFC3986]"; it "MAY include an application/x-www-form-urlencoded
 * formatted query component" and "MUST NOT include a fragment component". The logout token travels
 * in the body of a server-to-server POST, so clear text is refused off this machine: `https`, or
 * `http` to a loopback host only (a receiver in development, a test).
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRegistration
 */
import { isLoopbackHost } from '../lib/loopback-host.js'
import { registrableUri } from './redirect-uri.js'

/** Why `uri` cannot be registered as a `backchannel_logout_uri`, or null when it can. */
export function backchannelLogoutUriProblem(uri: string): string | null {
  const url = registrableUri(uri, 'OIDC Back-Channel Logout §2.2')
  if (typeof url === 'string') return url
  if (url.username || url.password) return 'must not contain credentials'
  if (url.protocol === 'https:') return null
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null
  if (url.protocol === 'http:') return 'must use https (http only to localhost, 127.0.0.1 or [::1]): the logout token would cross the network in clear text'
  return `must be an https URL, got the ${url.protocol} scheme`
}
