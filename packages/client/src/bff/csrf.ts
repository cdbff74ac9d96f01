/**
 * Cross-site request forgery defence of the BFF's state-changing routes (`POST /auth/refresh`,
 * `POST /auth/logout`, and every non-safe method under the API prefix). The session cookie is
 * sent automatically by the browser, so it cannot prove that the app's own page made the request;
 * two checks do:
 * - a synchronizer token: the session's random `csrfToken` (handed to the page by `/auth/me`, or
 *   rendered into a server-side form) must come back in the `x-latch-csrf` header (fetch) or a
 *   `csrf` form field (a plain HTML form), compared in constant time. A cross-site page can
 *   neither read the token nor set a custom header without a CORS preflight, which the BFF never
 *   grants;
 * - the `Origin` header, when the browser sends one, must be the app's own origin.
 * GET, HEAD and OPTIONS change nothing and are not checked (RFC 9110 §9.2.1 safe methods).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html#synchronizer-token-pattern
 * @see https://www.rfc-editor.org/rfc/rfc6454#section-7
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'

/**
 * The request header that carries the session's CSRF token (`csrfToken` of `GET /auth/me`).
 *
 * @example
 * ```ts
 * const { csrfToken } = await (await fetch('/auth/me')).json()
 * await fetch('/auth/logout', { method: 'POST', headers: { 'x-latch-csrf': csrfToken } }) // CSRF_HEADER
 * ```
 */
export const CSRF_HEADER = 'x-latch-csrf'

/**
 * The form field that carries the CSRF token in a plain HTML form POST to `/auth/refresh` or
 * `/auth/logout` (server-rendered pages, no JavaScript).
 *
 * @example
 * ```ts
 * import type { FastifyRequest } from 'fastify'
 * import { CSRF_FIELD } from '@latch/client/bff'
 *
 * declare const request: FastifyRequest // in a route of the app that registered latchBff
 * declare function escapeHtml(text: string): string // your template engine's
 *
 * const form = `<form method="post" action="/auth/logout">
 *   <input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(request.latchSession!.csrfToken)}">
 *   <button>Sign out</button>
 * </form>`
 * ```
 */
export const CSRF_FIELD = 'csrf'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** A fresh CSRF token: 256 random bits, base64url. */
export function createCsrfToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Whether `method` is safe (RFC 9110 §9.2.1), so it needs no CSRF check. */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase())
}

function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab)
    return false
  }
  return timingSafeEqual(ab, bb)
}

/** How the request proved it came from the app: the header (fetch) or the form field (HTML form). */
export type CsrfChannel = 'header' | 'form'

/** The result of `verifyCsrf`: the channel that carried a valid token, or why it was refused. */
export type CsrfVerdict = { ok: true; channel: CsrfChannel } | { ok: false; description: string }

/** The `csrf` field of a parsed form body, if it has exactly one. */
function formField(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const value = (body as Record<string, unknown>)[CSRF_FIELD]
  return typeof value === 'string' ? value : undefined
}

/** Whether the `Origin` header is absent or the app's own origin (RFC 6454 §7.3: browsers send it on every POST). */
export function originAllowed(request: FastifyRequest, appOrigin: string): boolean {
  const origin = request.headers.origin
  return origin === undefined || origin === appOrigin
}

/** Whether the request is a plain HTML form post (no CSRF header, a form body). */
export function isFormPost(request: FastifyRequest): boolean {
  return request.headers[CSRF_HEADER] === undefined && (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')
}

/**
 * Checks the `Origin` header (when present) against `appOrigin`, then the CSRF token against the
 * session's `expected` token. `allowForm` lets a form field stand in for the header.
 */
export function verifyCsrf(request: FastifyRequest, appOrigin: string, expected: string | undefined, allowForm = false): CsrfVerdict {
  if (!originAllowed(request, appOrigin)) return { ok: false, description: 'csrf check failed: the Origin header is not the app origin' }
  const header = request.headers[CSRF_HEADER]
  const field = allowForm ? formField(request.body) : undefined
  const presented = typeof header === 'string' ? header : field
  if (presented === undefined || presented === '') return { ok: false, description: `csrf check failed: the ${CSRF_HEADER} header is missing` }
  if (expected === undefined || !constantTimeEqual(presented, expected)) return { ok: false, description: 'csrf check failed: the csrf token does not match the session' }
  return { ok: true, channel: typeof header === 'string' ? 'header' : 'form' }
}
