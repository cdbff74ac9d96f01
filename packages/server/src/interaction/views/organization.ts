/**
 * The organization step's pages (issue 10, docs/architecture.md "Pages"): the picker (heading
 * **Choose an organization**, one radio per organization labelled with its name inside a
 * fieldset whose legend names the choice, button **Continue**) and the not-a-member page (one
 * button, **Back to <app>**, that ends the request with `access_denied` at the client). Plain
 * forms: they work without JavaScript, from the keyboard (the first radio has focus; arrows move,
 * Space picks, Enter submits) and at phone width. The not-a-member page never names the
 * organization asked for, so it cannot tell whether one exists.
 */
import { html, page } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'

export interface OrganizationPickerView {
  action: string
  csrf: string
  clientName: string
  userEmail: string
  organizations: readonly { id: string; name: string }[]
  /** More memberships exist than are listed. */
  truncated: boolean
  /** The organization asked for is not one of the user's. */
  notMember: boolean
  error?: string | undefined
}

export function organizationPickerPage(v: OrganizationPickerView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).organization
  return page(
    m.title,
    html`<h1>${m.heading}</h1>
<p class="muted">${m.signedInAs} ${v.userEmail}</p>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
${v.notMember ? html`<p class="notice" role="status">${m.notMemberNotice}</p>` : ''}
<p>${m.intro(v.clientName)}</p>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<fieldset>
<legend>${m.legend}</legend>
${v.organizations.map((o, i) => html`<div class="choice"><input type="radio" id="org-${o.id}" name="organization" value="${o.id}" required${i === 0 ? html` autofocus` : ''}><label for="org-${o.id}">${o.name}</label></div>
`)}</fieldset>
${v.truncated ? html`<p class="muted">${m.truncated(v.organizations.length)}</p>` : ''}
<button type="submit">${m.submit}</button>
</form>`,
    locale,
    look,
  )
}

export interface NotMemberView {
  action: string
  csrf: string
  clientName: string
  userEmail: string
  /** The client needs an organization and the user has none (rather than: not a member of the one asked for). */
  required: boolean
  error?: string | undefined
}

export function notMemberPage(v: NotMemberView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).organization
  return page(
    m.notMemberTitle,
    html`<h1>${m.notMemberHeading}</h1>
<p class="muted">${m.signedInAs} ${v.userEmail}</p>
<p class="error" role="alert">${v.required ? m.noOrganizationText(v.clientName) : m.notMemberText(v.clientName)}</p>
<p>${m.notMemberHelp}</p>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<button type="submit" name="decision" value="cancel" autofocus>${m.backTo(v.clientName)}</button>
</form>`,
    locale,
    look,
  )
}
