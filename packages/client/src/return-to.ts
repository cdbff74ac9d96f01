/**
 * Where to send the user after sign-in, checked so the callback cannot become an open redirect:
 * only a same-origin relative path is accepted (`/orders?id=3`), never an absolute URL, a
 * scheme-relative `//evil.example`, the backslash variants browsers normalise into one, nor a
 * path whose dot segments collapse into one (`/.//evil.example`, `/a/..//evil.example`,
 * `/%2e//evil.example` all normalise to `//evil.example`: harmless as this value, an open
 * redirect as soon as anything downstream writes out the normalised path). This is the one
 * implementation of the rule: `@latch/client/bff` and `@latch/react` call it too.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11 (open redirection)
 * @see https://url.spec.whatwg.org/#double-dot-path-segment
 */

const BASE = 'http://return-to.invalid'

/**
 * `value` when it is a safe same-origin path, else `undefined`. The value is returned as given;
 * resolving it against the app's origin (which normalises dot segments) is guaranteed to give a
 * path that starts with exactly one `/`.
 *
 * @example
 * ```ts
 * import type { FastifyReply } from 'fastify'
 * import { safeReturnTo, type AuthorizationTransaction } from '@latch/client'
 *
 * declare const reply: FastifyReply
 * declare const transaction: AuthorizationTransaction // the callback's, after handleCallback()
 *
 * safeReturnTo('/orders?id=3')          // '/orders?id=3'
 * safeReturnTo('//evil.example/phish')  // undefined
 * safeReturnTo('/.//evil.example')      // undefined: normalises to //evil.example
 * reply.redirect(safeReturnTo(transaction.returnTo) ?? '/')
 * ```
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return undefined
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined
  // Control characters (tabs and newlines are stripped by URL parsers and can rebuild a "//").
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return undefined
  let url: URL
  try {
    url = new URL(value, BASE)
  } catch {
    return undefined
  }
  if (url.origin !== BASE) return undefined
  // Dot segments (plain or %2e-encoded) are resolved by every URL parser: check what they leave.
  if (url.pathname.startsWith('//')) return undefined
  return value
}
