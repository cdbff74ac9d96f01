/**
 * Issue 13: what every section of the account page shares: a `<section>` labelled by its own
 * heading, the alert a refused form of that section shows beside it, and the date format.
 */
import { html, type SafeHtml } from './layout.js'

/** A form of this section was refused: its text, shown in the section (role=alert), with focus on the form's first field. */
export interface SectionAlert {
  text: string
}

/** A date as YYYY-MM-DD (the same in every language, and in `<time datetime>`). */
export function day(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10)
}

/** `<section aria-labelledby>` with an `<h2 id>`: each section is a landmark a screen reader can list. */
export function section(id: string, heading: string, body: SafeHtml, alert?: SectionAlert): SafeHtml {
  return html`<section id="${id}" aria-labelledby="${id}-heading">
<h2 id="${id}-heading">${heading}</h2>
${alert === undefined ? '' : html`<div id="${id}-alert"><p class="error" role="alert">${alert.text}</p></div>`}${body}
</section>`
}

/** The CSRF field every form carries. */
export function csrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${csrf}">`
}
