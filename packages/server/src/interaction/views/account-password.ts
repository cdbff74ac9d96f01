/**
 * Issue 13: the account page's "Change password": the current password, then the new one
 * (`autocomplete` current-password / new-password, so password managers fill and save them).
 * Posts to `/account/password`. A user without a password (signed in only through connections) is
 * told there is none to change.
 */
import { html, type SafeHtml } from './layout.js'
import type { Messages } from './messages.js'
import { csrfField, section, type SectionAlert } from './account-section.js'

export interface PasswordView {
  /** The user has a password to change. */
  hasPassword: boolean
  /** `passwords.min_length`. */
  minLength: number
  /** The account's email, for password managers (a hidden `username` field). */
  email: string
  action: string
  csrf: string
  alert?: SectionAlert | undefined
}

export function passwordSection(v: PasswordView, m: Messages['account']): SafeHtml {
  if (!v.hasPassword) return section('password', m.passwordHeading, html`<p>${m.noPassword}</p>`)
  const focus = v.alert !== undefined
  return section('password', m.passwordHeading, html`<form method="post" action="${v.action}">${csrfField(v.csrf)}
<input type="hidden" name="username" value="${v.email}" autocomplete="username">
<label for="current-password">${m.currentPassword}</label>
<input type="password" id="current-password" name="current_password" required autocomplete="current-password"${focus ? html` autofocus aria-describedby="password-alert"` : ''}>
<label for="new-password">${m.newPassword}</label>
<input type="password" id="new-password" name="new_password" required minlength="${v.minLength}" maxlength="128" autocomplete="new-password" aria-describedby="new-password-hint">
<p class="muted" id="new-password-hint">${m.newPasswordHint(v.minLength)}</p>
<button type="submit">${m.changePassword}</button>
</form>`, v.alert)
}
