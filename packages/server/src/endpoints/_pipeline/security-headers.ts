/**
 * Headers for every HTML page: a strict Content-Security-Policy with `frame-ancestors 'none'`
 * (clickjacking of the login and consent buttons), no MIME sniffing, no referrer leaking the
 * authorization request's parameters.
 *
 * `form-action` is 'self' plus only the verified targets a page's form may end up redirecting to
 * (browsers apply it to the whole redirect chain of a submission): the client's redirect URI on
 * sign-in and consent pages, the post-logout URI on the logout confirmation. A private-use
 * scheme of a native app (`com.example.app:/cb`, RFC 8252 §7.1) is allowed as its scheme.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.16
 * @see https://www.w3.org/TR/CSP3/#directive-form-action
 */
import type { FastifyReply } from 'fastify'
import type { Look } from '../../interaction/views/branding.js'

export function cspSource(uri: string): string | null {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return null
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin
  return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : null
}

/**
 * A branding's absolute logo and favicon URLs as exact CSP sources (origin and path; root-relative
 * ones are 'self'). The exact URL, not its origin: a custom stylesheet could otherwise send what an
 * attribute selector matches (`input[value^=a] { background: url(…) }`) to any path of that origin.
 */
function imageSources(look: Look | undefined): string[] {
  const urls = [look?.branding.logo_url, look?.branding.favicon_url].filter((u): u is string => u !== undefined && !u.startsWith('/'))
  return urls.flatMap((u) => {
    const url = new URL(u)
    // `;` and `,` separate directives and sources; CSP matches percent-decoded paths.
    return url.protocol === 'https:' || url.protocol === 'http:' ? [`${url.origin}${url.pathname.replace(/[;,']/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`] : []
  })
}

/** Issue 11: `style-src 'self'` for the branding's stylesheet (served by the issuer), `img-src` for its logo and favicon. */
export function styleAndImageSources(look?: Look): string {
  return `style-src 'self' 'unsafe-inline'; img-src ${["'self'", 'data:', ...new Set(imageSources(look))].join(' ')}`
}

/** An absolute http(s) URL as an exact CSP source (origin and path, no query), `;` `,` `'` escaped; null otherwise. */
function exactSource(uri: string): string | null {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  return `${url.origin}${url.pathname.replace(/[;,' ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`
}

/** Issue 13: the passkey pages' script and the one URL it fetches (absolute URLs under the issuer). */
export interface PageScripts {
  script: string
  connect: string
}

/**
 * Issue 13: `scripts` for the pages that use passkeys (the sign-in page when `passkeys.enabled`,
 * `/account/passkeys`): `script-src` is the one static script's URL (CSP Level 3 §6.7.2.8: a path in
 * a host-source matches that path exactly; the `?v=` query is not matched), nothing inline, and
 * `connect-src` the one URL it fetches (its WebAuthn options), review L8: not every script or
 * endpoint of the issuer's origin. Every other page runs no script at all.
 * @see https://www.w3.org/TR/CSP3/#match-paths
 */
export function pageCsp(formTargets: readonly string[] = [], look?: Look, options: { scripts?: PageScripts | undefined } = {}): string {
  const sources = ["'self'", ...new Set(formTargets.map(cspSource).filter((s): s is string => s !== null))]
  const script = options.scripts === undefined ? null : exactSource(options.scripts.script)
  const connect = options.scripts === undefined ? null : exactSource(options.scripts.connect)
  const scripts = script === null || connect === null ? '' : `script-src ${script}; connect-src ${connect}; `
  return `default-src 'none'; ${scripts}${styleAndImageSources(look)}; form-action ${sources.join(' ')}; frame-ancestors 'none'; base-uri 'none'`
}

export function securityHeaders(reply: FastifyReply, formTargets: readonly string[] = [], look?: Look, options: { scripts?: PageScripts | undefined } = {}): FastifyReply {
  return reply
    .header('content-security-policy', pageCsp(formTargets, look, options))
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
}
