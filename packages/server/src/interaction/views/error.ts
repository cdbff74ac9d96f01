/**
 * The error page of an OAuth error shown to a person (RFC 6749 §4.1.2.1: errors about the client
 * or redirect URI are shown, never redirected): what went wrong in words, the request's own
 * description as detail, one way back, and the raw code in small print for support.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
import type { OAuthErrorCode } from '../../errors.js'
import { html, page } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'

export interface ErrorPageView {
  code: OAuthErrorCode
  /** The error's public description (the same text as `error_description`). */
  description: string
  /** A verified place to go back to: the app's home, or the provider's own root page; none when no tenant answered (issue 11). */
  wayBack: { href: string; label: string } | null
}

/** The page in `locale`; the description stays as the error has it (a protocol string, English). */
export function oauthErrorPage(v: ErrorPageView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const text = messagesFor(locale, look).errors[v.code]
  const m = messagesFor(locale, look).errorPage
  return page(
    text.title,
    html`<h1>${text.title}</h1>
<p class="error" role="alert">${text.sentence}</p>
${v.description ? html`<p>${m.details} ${v.description}</p>` : ''}
${v.wayBack ? html`<a class="button" href="${v.wayBack.href}">${v.wayBack.label}</a>` : ''}
<p class="muted">${m.code(v.code)}. ${m.support}</p>`,
    locale,
    look,
  )
}
