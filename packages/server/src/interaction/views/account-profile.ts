/**
 * Issue 13: the account page's "Profile": the email (shown; changing it is another form's), and
 * the name as the user's `name`, `given_name` and `family_name` claims, each editable (empty
 * removes it). Posts to `/account/profile`.
 */
import { html, type SafeHtml } from './layout.js'
import type { Messages } from './messages.js'
import { csrfField, section, type SectionAlert } from './account-section.js'

export interface ProfileView {
  email: string
  /** Issue 13: the page that changes the email (with the link's words), when mail can reach the new address. */
  changeEmail?: { href: string; label: string } | undefined
  name: string
  givenName: string
  familyName: string
  action: string
  csrf: string
  alert?: SectionAlert | undefined
}

/** The most characters of each name claim (`rules/profile-name.ts` enforces it; the field says it too). */
const MAX = 100

export function profileSection(v: ProfileView, m: Messages['account']): SafeHtml {
  const focus = v.alert !== undefined
  return section('profile', m.profileHeading, html`<p>${m.email}: <strong>${v.email}</strong>${v.changeEmail === undefined ? '' : html` · <a href="${v.changeEmail.href}">${v.changeEmail.label}</a>`}</p>
<form method="post" action="${v.action}">${csrfField(v.csrf)}
<label for="profile-name">${m.name}</label>
<input type="text" id="profile-name" name="name" value="${v.name}" maxlength="${MAX}" autocomplete="name"${focus ? html` autofocus aria-describedby="profile-alert"` : ''}>
<label for="profile-given-name">${m.givenName}</label>
<input type="text" id="profile-given-name" name="given_name" value="${v.givenName}" maxlength="${MAX}" autocomplete="given-name">
<label for="profile-family-name">${m.familyName}</label>
<input type="text" id="profile-family-name" name="family_name" value="${v.familyName}" maxlength="${MAX}" autocomplete="family-name">
<button type="submit">${m.saveProfile}</button>
</form>`, v.alert)
}
