/**
 * Serializes a decision's `Outcome` (interaction/outcome.ts): an authorization response to the
 * client (query or form_post, `authorization-response.ts`), a 303 to one of Latch's pages, or an
 * HTML page with the page security headers; or, at the end of another origin's form submission,
 * a continuing page instead of a redirect (continuing-page.ts).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.4.4
 */
import type { FastifyReply } from 'fastify'
import type { Outcome } from '../../interaction/outcome.js'
import { queryResponseLocation, sendAuthorizationResponse } from './authorization-response.js'
import { sendContinuingPage } from './continuing-page.js'
import { securityHeaders } from './security-headers.js'

export interface OutcomeDelivery {
  /** Issue 12: the request ends another origin's form submission: redirects become a continuing page (continuing-page.ts). */
  afterForeignForm?: boolean
}

export function sendOutcome(reply: FastifyReply, outcome: Outcome, delivery: OutcomeDelivery = {}): FastifyReply {
  const continuing = delivery.afterForeignForm === true
  switch (outcome.type) {
    case 'authorization_response':
      if (continuing && outcome.target.response_mode === 'query') return sendContinuingPage(reply, queryResponseLocation(outcome.target, outcome.params))
      return sendAuthorizationResponse(reply, outcome.target, outcome.params)
    case 'see_other':
      return continuing ? sendContinuingPage(reply, outcome.location) : reply.redirect(outcome.location, 303)
    case 'page':
      return securityHeaders(reply).status(outcome.status).type('text/html; charset=utf-8').send(outcome.html)
  }
}
