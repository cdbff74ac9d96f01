/**
 * CSRF protection of every form (docs/architecture.md §2 "Pages"): a double-submit token. The browser
 * holds a random HttpOnly, SameSite=Lax cookie; each form carries the same value in a hidden
 * `csrf` field. A cross-site page can neither read the cookie nor make the browser send it with
 * a POST, so it cannot forge a matching pair.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { LatchContext } from '../../context.js'
import { InvalidRequestError } from '../../errors.js'
import { constantTimeEqual } from '../../lib/constant-time.js'
import { randomHandle } from '../../lib/random.js'
import { cookieName, cookieOptions } from '../../sessions/idp-session.js'

export const CSRF_COOKIE = 'latch_csrf'
export const CSRF_FIELD = 'csrf'

/** The token to embed in a form, setting the cookie on first use. */
export function csrfToken(ctx: LatchContext, request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[cookieName(ctx, CSRF_COOKIE)]
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing
  const token = randomHandle()
  reply.setCookie(cookieName(ctx, CSRF_COOKIE), token, cookieOptions(ctx))
  // Later renders in the same request must embed the same value.
  request.cookies[cookieName(ctx, CSRF_COOKIE)] = token
  return token
}

export function verifyCsrf(ctx: LatchContext, request: FastifyRequest, params: Readonly<Record<string, string>>): void {
  const cookie = request.cookies[cookieName(ctx, CSRF_COOKIE)]
  const field = params[CSRF_FIELD]
  if (!cookie || !field || !constantTimeEqual(cookie, field)) {
    throw new InvalidRequestError('This form has expired or was not sent from this site. Go back, reload the page and try again.', { status: 403 })
  }
}
