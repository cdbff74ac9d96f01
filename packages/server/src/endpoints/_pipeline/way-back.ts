/**
 * The way back an error page offers. Only a place Latch has verified: the origin of a redirect
 * URI registered for the client (the request's own, once it matched a registration, else the
 * client's first registered web one), or the provider's root page. Never a URI taken from the
 * request unverified: an error page must not become an open redirector (RFC 9700 §4.11).
 * Handlers note what they have verified as they go; the error page reads it.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
import type { FastifyRequest } from 'fastify'
import type { Look } from '../../interaction/views/branding.js'
import { messagesFor, type Locale } from '../../interaction/views/locales.js'
import type { ClientRecord } from '../../storage/store.js'

/** A public client's loopback redirect (RFC 8252 §7.3) is a port the native app opened for one sign-in. */
const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]'])

/** What a handler verified, per request; the way back is worked out from it only if an error page asks. */
const noted = new WeakMap<FastifyRequest, { client: ClientRecord; verifiedUri: string | undefined }>()

/**
 * The web origin of `uri` (as a URL), or null for a private-use scheme, a malformed URI, or a
 * loopback IP of a native app (`native`).
 */
export function webOrigin(uri: string, native: boolean): string | null {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return null
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null
  return native && LOOPBACK_IPS.has(url.hostname) ? null : `${url.origin}/`
}

/**
 * Notes `client` as the app this request came from; `verifiedUri` is a redirect or post-logout
 * URI that matched the client's registration (never pass one that has not).
 */
export function noteWayBack(request: FastifyRequest, client: ClientRecord, verifiedUri?: string): void {
  noted.set(request, { client, verifiedUri })
}

function wayBackTo(client: ClientRecord, verifiedUri: string | undefined, locale: Locale, look: Look | undefined): { href: string; label: string } | null {
  const candidates = [verifiedUri, ...client.redirect_uris, ...client.post_logout_redirect_uris]
  const native = client.token_endpoint_auth_method === 'none'
  for (const uri of candidates) {
    const href = uri === undefined ? null : webOrigin(uri, native)
    if (href !== null) return { href, label: messagesFor(locale, look).errorPage.backTo(client.client_name) }
  }
  return null
}

export function wayBack(request: FastifyRequest, issuer: string, locale: Locale, look?: Look): { href: string; label: string } {
  const note = noted.get(request)
  return (note && wayBackTo(note.client, note.verifiedUri, locale, look)) ?? { href: `${issuer}/`, label: messagesFor(locale, look).errorPage.goHome(new URL(issuer).host) }
}
