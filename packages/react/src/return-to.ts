/**
 * The same-origin `returnTo` rule, shared with the BFF: it is `@latch/client`'s `safeReturnTo`
 * (one leading `/`, not `//host` or `/\host`, which browsers read as another origin; no control
 * characters, since browsers strip tab and newline so `/\t/evil.example` would become
 * `//evil.example`; no backslash; and no dot segments that collapse into `//host`, such as
 * `/.//evil.example` or `/%2e//evil.example`). The accepted value is returned normalised. Anything
 * else becomes the fallback, so a crafted link cannot turn the sign-in round trip into an open
 * redirect (RFC 9700 §4.11).
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 * @see https://url.spec.whatwg.org/#concept-basic-url-parser
 */
import { safeReturnTo as sameOriginPath } from '@latch/client'

const PROBE = 'http://return-to.invalid'

/**
 * `value` when it is a same-origin relative path, normalised (`/a/../b` → `/b`), else `fallback`.
 *
 * @example
 * ```ts
 * import { safeReturnTo } from '@latch/react'
 *
 * safeReturnTo('/orders?page=2') // '/orders?page=2'
 * safeReturnTo('//evil.example') // '/'
 * safeReturnTo('/.//evil.example') // '/' (it normalises to //evil.example)
 * ```
 */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  const path = sameOriginPath(value)
  if (path === undefined) return fallback
  const url = new URL(path, PROBE)
  const normalised = url.pathname + url.search + url.hash
  // The rule guarantees one leading `/` after normalising; checked again, as this is what is returned.
  return url.origin === PROBE && !normalised.startsWith('//') ? normalised : fallback
}

/** The page's own path, query and hash: where `login()` comes back to by default. */
export function currentPath(): string {
  const { pathname, search, hash } = window.location
  return pathname + search + hash
}
