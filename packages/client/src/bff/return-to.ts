/**
 * The `returnTo` rule of `/auth/login`: after signing in, the BFF redirects only to a path on the
 * app's own origin. Accepted: a string that starts with exactly one `/` (not `//host` or
 * `/\host`, which browsers read as another origin), with no control characters (browsers strip
 * tab and newline from URLs, so `/\t/evil.example` would become `//evil.example`), that still
 * resolves to the app's origin. Anything else becomes the fallback: no open redirect
 * (RFC 9700 §4.11; RFC 6749 §10.15). The same rule as @latch/react's `safeReturnTo`.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.15
 */

const MAX_LENGTH = 2048

/** `value` normalised (`/a/../b` → `/b`) when it is a same-origin relative path, else `fallback`. */
export function safeReturnTo(value: unknown, appOrigin: string, fallback = '/'): string {
  if (typeof value !== 'string' || value.length > MAX_LENGTH) return fallback
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return fallback
  try {
    const url = new URL(value, appOrigin)
    if (url.origin !== new URL(appOrigin).origin) return fallback
    // A backslash left in the query or fragment is harmless there but refused by stricter checks downstream: encode it.
    return (url.pathname + url.search + url.hash).replace(/\\/g, '%5C')
  } catch {
    return fallback
  }
}
