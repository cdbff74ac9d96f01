/**
 * Where to send the user after sign-in, checked so the callback cannot become an open redirect:
 * only a same-origin relative path is accepted (`/orders?id=3`), never an absolute URL, a
 * scheme-relative `//evil.example` or the backslash variants browsers normalise into one.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11 (open redirection)
 */

/**
 * `value` when it is a safe same-origin path, else `undefined`.
 *
 * @example
 * ```ts
 * import { safeReturnTo } from '@latch/client'
 *
 * safeReturnTo('/orders?id=3')          // '/orders?id=3'
 * safeReturnTo('//evil.example/phish')  // undefined
 * reply.redirect(safeReturnTo(transaction.returnTo) ?? '/')
 * ```
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return undefined
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined
  // Control characters (tabs and newlines are stripped by URL parsers and can rebuild a "//").
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return undefined
  const base = 'http://return-to.invalid'
  const url = new URL(value, base)
  return url.origin === base ? value : undefined
}
