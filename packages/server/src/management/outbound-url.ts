/**
 * Security review H1, M1: URLs Latch itself requests (a connection's endpoints, a client's
 * `backchannel_logout_uri`) set by a tenant administrator through the admin API or the console. The
 * config file and the CLI are the operator's and keep their development allowances (`http:` to a
 * loopback host); a tenant administrator's URL could otherwise aim Latch at its own machine or
 * network and read the answer back (a mapped user, a delivery's outcome in the audit log). So for
 * them: `https:` only, and no host that is `localhost` or a special-purpose address literal
 * (loopback, private, link-local…: the upstream transport's own classification). A name that
 * resolves to such an address is the transport's to refuse at connection time.
 * @see https://www.rfc-editor.org/rfc/rfc6890 (special-purpose address registries)
 */
import { isIP } from 'node:net'
import { isSpecialAddress } from '../connections/transport.js'

/** Whether a URL's host is localhost or a special-purpose address literal. */
function namesSpecialHost(url: URL): boolean {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase()
  return host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isSpecialAddress(host))
}

/** Why a tenant's SMTP server given through the admin API is refused (`smtp:`/`smtps:` URL), or null. */
export function smtpHostProblem(value: string): string | null {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an smtp: or smtps: URL'
  }
  if (namesSpecialHost(url)) return 'must not name localhost or a loopback, private, link-local or other special-purpose address when set through the admin API (the config file or the CLI may)'
  return null
}

/** Why a tenant administrator may not set `value` as a URL Latch requests, or null when they may. */
export function outboundUrlProblem(value: string): string | null {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an absolute https URL'
  }
  if (url.protocol !== 'https:') return `must be an https URL when set through the admin API or the console, got the ${url.protocol} scheme (http to a loopback host is for the config file or the CLI)`
  if (namesSpecialHost(url)) {
    return 'must not name localhost or a loopback, private, link-local or other special-purpose address when set through the admin API or the console (the config file or the CLI may)'
  }
  return null
}
