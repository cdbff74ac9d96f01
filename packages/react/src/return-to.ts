/**
 * The same-origin `returnTo` rule shared with the BFF: a path that starts with exactly one `/`
 * (not `//host` or `/\host`, which browsers read as another origin) and carries no control
 * characters (browsers strip tab and newline from URLs, so `/\t/evil.example` would become
 * `//evil.example`). Anything else becomes the fallback, so a crafted link cannot turn the
 * sign-in round trip into an open redirect (RFC 9700 §4.11).
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 * @see https://url.spec.whatwg.org/#concept-basic-url-parser
 */

const PROBE = 'http://return-to.invalid'
const MAX_LENGTH = 2048

/**
 * `value` when it is a same-origin relative path, normalised (`/a/../b` → `/b`), else `fallback`.
 *
 * @example
 * ```ts
 * safeReturnTo('/orders?page=2') // '/orders?page=2'
 * safeReturnTo('//evil.example') // '/'
 * ```
 */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length > MAX_LENGTH || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return fallback
  try {
    const url = new URL(value, PROBE)
    return url.origin === PROBE ? url.pathname + url.search + url.hash : fallback
  } catch {
    return fallback
  }
}

/** The page's own path, query and hash: where `login()` comes back to by default. */
export function currentPath(): string {
  const { pathname, search, hash } = window.location
  return pathname + search + hash
}
