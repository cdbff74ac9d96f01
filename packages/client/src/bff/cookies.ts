/**
 * The BFF's two cookies: the session id and the sign-in transaction id. Both are random handles
 * to server-side state, never tokens. Attributes:
 * - `HttpOnly`: page scripts (and so XSS) cannot read them;
 * - `SameSite=Lax`: sent on the top-level GET that brings the user back from the authorization
 *   server (the callback), not on cross-site subrequests or POSTs (a CSRF layer of its own);
 * - `Path=/`, no `Domain`: host-only, for this origin alone;
 * - `Secure` and the `__Host-` name prefix whenever the app's origin is https, so the cookie can
 *   only be set by this host over TLS and never by a sibling subdomain (RFC 6265bis §4.1.3.2).
 *   On http://localhost the browser would refuse both, so development runs without them.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3.2
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6.7
 */
import type { CookieSerializeOptions } from '@fastify/cookie'

export interface BffCookies {
  /** Name of the session cookie, e.g. `__Host-latch_bff` on https. */
  readonly session: string
  /** Name of the sign-in transaction cookie, e.g. `__Host-latch_bff_tx` on https. */
  readonly transaction: string
  /** Attributes for setting a cookie that lives `maxAge` seconds. */
  options(maxAge: number): CookieSerializeOptions
  /** Attributes for clearing a cookie (they must match the ones it was set with). */
  readonly clear: CookieSerializeOptions
}

/** The cookie names and attributes for an app served at `appOrigin`, from the base name (default `latch_bff`). */
export function bffCookies(appOrigin: string, baseName: string): BffCookies {
  const secure = new URL(appOrigin).protocol === 'https:'
  const prefix = secure ? '__Host-' : ''
  const base: CookieSerializeOptions = { httpOnly: true, sameSite: 'lax', path: '/', secure }
  return {
    session: `${prefix}${baseName}`,
    transaction: `${prefix}${baseName}_tx`,
    options: (maxAge) => ({ ...base, maxAge }),
    clear: base,
  }
}
