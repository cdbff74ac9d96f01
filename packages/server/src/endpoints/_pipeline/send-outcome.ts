/**
 * Serializes a decision's `Outcome` (interaction/outcome.ts): an authorization response to the
 * client (query or form_post, `authorization-response.ts`), a 303 to one of Latch's pages, or an
 * HTML page with the page security headers.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.4.4
 */
import type { FastifyReply } from 'fastify'
import type { Outcome } from '../../interaction/outcome.js'
import { sendAuthorizationResponse } from './authorization-response.js'
import { securityHeaders } from './security-headers.js'

export function sendOutcome(reply: FastifyReply, outcome: Outcome): FastifyReply {
  switch (outcome.type) {
    case 'authorization_response':
      return sendAuthorizationResponse(reply, outcome.target, outcome.params)
    case 'see_other':
      return reply.redirect(outcome.location, 303)
    case 'page':
      return securityHeaders(reply).status(outcome.status).type('text/html; charset=utf-8').send(outcome.html)
  }
}
