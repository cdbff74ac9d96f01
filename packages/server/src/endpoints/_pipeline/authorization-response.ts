/**
 * Serializes an authorization response, success or error, to the client's verified redirect_uri:
 * `response_mode=query` (RFC 6749 §4.1.2, a 303 with parameters appended to any the URI already
 * has) or `form_post` (OAuth 2.0 Form Post Response Mode: an auto-submitting HTML form, so the
 * code never appears in a URL or Referer). Every response carries `iss` (RFC 9207) so a client
 * talking to several providers can detect mix-up attacks.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2
 * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html
 */
import { randomBytes } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import type { OAuthError } from '../../errors.js'
import type { RedirectTarget } from '../../interaction/outcome.js'
import { html, page } from '../../interaction/views/layout.js'
import { messagesFor } from '../../interaction/views/locales.js'
import { errorPageLocale } from './page-locale.js'
import { pageLook } from './page-look.js'
import { cspSource, styleAndImageSources } from './security-headers.js'

function withStateAndIssuer(target: RedirectTarget, params: Record<string, string>): Record<string, string> {
  const all: Record<string, string> = { ...params }
  if (target.state !== undefined) all.state = target.state
  all.iss = target.issuer
  return all
}

/** The redirect URI of a `response_mode=query` response, with the parameters appended. */
export function queryResponseLocation(target: RedirectTarget, params: Record<string, string>): string {
  // RFC 6749 §3.1.2: the registered URI's own query is kept byte for byte; ours is appended.
  const query = new URLSearchParams(withStateAndIssuer(target, params)).toString()
  const uri = target.redirect_uri
  const separator = !uri.includes('?') ? '?' : uri.endsWith('?') || uri.endsWith('&') ? '' : '&'
  return `${uri}${separator}${query}`
}

export function sendAuthorizationResponse(reply: FastifyReply, target: RedirectTarget, params: Record<string, string>): FastifyReply {
  const all = withStateAndIssuer(target, params)
  reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer')
  if (target.response_mode === 'form_post') {
    const look = pageLook(reply.request)
    const nonce = randomBytes(16).toString('base64')
    reply
      .header('content-security-policy', `default-src 'none'; ${styleAndImageSources(look)}; script-src 'nonce-${nonce}'; form-action ${cspSource(target.redirect_uri) ?? "'none'"}; frame-ancestors 'none'; base-uri 'none'`)
      .header('x-frame-options', 'DENY')
    const fields = Object.entries(all).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)
    const locale = errorPageLocale(reply.request)
    const m = messagesFor(locale, look)
    const body = html`<h1>${m.continuing}…</h1>
<form method="post" action="${target.redirect_uri}" id="latch-form-post">${fields}
<noscript><button type="submit">${m.continueButton}</button></noscript></form>
<script nonce="${nonce}">document.getElementById('latch-form-post').submit()</script>`
    return reply.status(200).type('text/html; charset=utf-8').send(page(m.continuing, body, locale, look))
  }
  return reply.redirect(queryResponseLocation(target, params), 303)
}

export function sendAuthorizationError(reply: FastifyReply, target: RedirectTarget, err: OAuthError): FastifyReply {
  return sendAuthorizationResponse(reply, target, { error: err.code, error_description: err.wireDescription })
}
