/** The provider's home page at the issuer's root: what this is, and where its metadata is. */
import { html, page } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'

export function homePage(v: { issuer: string; discoveryUrl: string }, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).home
  return page(
    m.title,
    html`<h1>${m.heading}</h1>
<p>${m.intro} <strong><code>${v.issuer}</code></strong>.</p>
<p>${m.forPeople}</p>
<p class="muted">${m.forDevelopers} <a href="${v.discoveryUrl}">${m.discovery}</a>.</p>`,
    locale,
    look,
  )
}
