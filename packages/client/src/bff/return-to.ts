/**
 * The `returnTo` rule of `/auth/login` and of the refresh form: after signing in, the BFF
 * redirects only to a path on the app's own origin. The rule is the core's `safeReturnTo`
 * (../return-to.ts: one leading `/`, no `//` or `/\`, no control characters or backslashes, and
 * no dot segments that collapse into `//host`); here the accepted value is resolved against the
 * app's origin and written out normalised and percent-encoded, ready for a `Location` header.
 * Anything else becomes the fallback: no open redirect (RFC 9700 §4.11; RFC 6749 §10.15).
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.15
 */
import { safeReturnTo as sameOriginPath } from '../return-to.js'

/** `value` normalised (`/a/../b` → `/b`) when it is a same-origin relative path, else `fallback`. */
export function safeReturnTo(value: unknown, appOrigin: string, fallback = '/'): string {
  const path = sameOriginPath(value)
  if (path === undefined) return fallback
  const url = new URL(path, appOrigin)
  const normalised = url.pathname + url.search + url.hash
  // The core has checked that the normalised path starts with one `/`; checked again, as this is what is sent.
  return url.origin === new URL(appOrigin).origin && !normalised.startsWith('//') ? normalised : fallback
}
