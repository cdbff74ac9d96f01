/**
 * The cookie I/O of `sessions/`: the IdP session and device cookies are decided there as plain
 * data (which cookies the browser sent, which to set or clear) and read and written here, the
 * only place that touches Fastify's cookie API for them.
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-4.1
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { currentSession, type ActiveSession, type CookieChange } from '../../sessions/idp-session.js'

/** The signed-in user of this browser, or null. */
export function sessionOf(request: FastifyRequest): Promise<ActiveSession | null> {
  return currentSession(request.latch, request.cookies)
}

/** Sets or clears each cookie a session decision returned (nulls are "nothing to set"). */
export function applyCookies(reply: FastifyReply, changes: readonly (CookieChange | null)[]): FastifyReply {
  for (const change of changes) {
    if (change === null) continue
    if ('clear' in change) reply.clearCookie(change.name, change.options)
    else reply.setCookie(change.name, change.value, change.options)
  }
  return reply
}
