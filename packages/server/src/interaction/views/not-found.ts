/** The page of a request that no tenant answers (issue 11): nothing of any tenant on it, no link anywhere. */
import { html, page } from './layout.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'

export function notFoundPage(locale: Locale = DEFAULT_LOCALE): string {
  const m = messagesFor(locale).notFound
  return page(m.title, html`<h1>${m.title}</h1>
<p>${m.sentence}</p>`, locale)
}
