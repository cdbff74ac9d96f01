/**
 * Issue 14: where an alert webhook may point. An alert carries what happened in an account (a hash
 * of it, a source address) and is signed, not encrypted, so it never crosses a network in clear
 * text: `https`, or `http` to a loopback host only (a receiver on this machine, a test), as
 * `backchannel_logout_uri` (`backchannel-logout-uri.ts`). No credentials in the URL (they would be
 * logged by every proxy on the way; the signature authenticates Latch), no fragment.
 */
import { isLoopbackHost } from '../lib/loopback-host.js'
import { registrableUri } from './redirect-uri.js'

/** Why `uri` cannot be an `alerts.webhooks[].url`, or null when it can. */
export function webhookUrlProblem(uri: string): string | null {
  let url: URL | string
  try {
    url = new URL(uri)
  } catch {
    // Not the value (security review L1): its query may hold a credential.
    return 'must be an absolute https URL (the value is not shown: it may hold a credential)'
  }
  url = registrableUri(uri, 'an alert webhook URL')
  if (typeof url === 'string') return url
  if (url.username || url.password) return 'must not contain credentials (the Latch-Signature header authenticates the request)'
  if (url.protocol === 'https:') return null
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null
  if (url.protocol === 'http:') return 'must use https (http only to localhost, 127.0.0.1 or [::1]): alerts would cross the network in clear text'
  return `must be an https URL, got the ${url.protocol} scheme`
}
