/**
 * Issue 12: a 200 page that continues to `location` by itself (meta refresh), or by its link (by
 * keyboard, without JavaScript), where a 303 would be blocked: at the end of another origin's form
 * submission. An upstream identity provider's sign-in form posts to its own origin, which then
 * redirects to Latch's connection callback; browsers check every redirect of a submission's chain
 * against the CSP `form-action` of the page that submitted (the upstream's: its own origin and
 * Latch's callback, when the upstream is a Latch), so Chromium blocks the next hop to the client,
 * or even to another of Latch's own pages when the two share no origin ("Sending form data to …
 * violates … form-action"; found by test/flows/connections.browser.test.ts). A meta refresh is a
 * new navigation, which no form-action governs, and is allowed by `default-src 'none'`.
 * @see https://www.w3.org/TR/CSP3/#directive-form-action
 */
import type { FastifyReply } from 'fastify'
import { html, page } from '../../interaction/views/layout.js'
import { messagesFor } from '../../interaction/views/locales.js'
import { errorPageLocale } from './page-locale.js'
import { pageLook } from './page-look.js'
import { securityHeaders } from './security-headers.js'

export function sendContinuingPage(reply: FastifyReply, location: string): FastifyReply {
  const look = pageLook(reply.request)
  const locale = errorPageLocale(reply.request)
  const m = messagesFor(locale, look)
  const body = html`<h1>${m.continuing}…</h1>
<a class="button" href="${location}">${m.continueButton}</a>`
  // securityHeaders: no-store and no-referrer, since `location` may carry a code.
  return securityHeaders(reply, [], look)
    .status(200)
    .type('text/html; charset=utf-8')
    .send(page(m.continuing, body, locale, look, html`<meta http-equiv="refresh" content="0; url=${location}">`))
}
