/**
 * Issue 14: the console's Users pages. The list: search by email, each user a link to their page,
 * and the **New user** form (a `users:` entry of the config file, validated by the same rules). A
 * user's page: what the administrator may know (never a hash), the live sessions with **Revoke**
 * for each, and **Reset two-step verification** (confirmed first); whether they may sign in, with
 * **Disable user** (confirmed first) or **Enable user**.
 */
import { csrfField } from './account-section.js'
import { deviceOf, methodsOf } from './account-sessions.js'
import { formAlert, when } from './console-layout.js'
import { CONSOLE_MESSAGES as m } from './console-messages.js'
import { html, type SafeHtml } from './layout.js'
import { messagesFor } from './locales.js'

/** What the pages show of a user (never a hash: `password_hash` is read only as null or not). */
export interface UserItem {
  id: string
  email: string
  email_verified: boolean
  password_hash: string | null
  claims: { name?: string | undefined }
  roles: readonly string[]
  created_at: number
  /** Issue 14: set while the user is disabled (management/users.ts `disableUser`). */
  disabled_at?: number | null | undefined
}

export interface SessionItem {
  id: string
  created_at: number
  amr: readonly string[]
  user_agent?: string | null | undefined
}

/** What the New user form holds (kept, but for the password, when a refused form is shown again). */
export interface UserForm {
  email: string
  name: string
  roles: string
  email_verified: boolean
}

export const EMPTY_USER_FORM: UserForm = { email: '', name: '', roles: '', email_verified: false }

export interface UsersView {
  users: readonly UserItem[]
  /** The next page's URL, when there are more users. */
  more: string | null
  search: string
  searchAction: string
  userHref: (id: string) => string
  write: boolean
  csrf: string
  createAction: string
  form: UserForm
  /** Why the form was refused (shown beside it, focus in its first field). */
  alert?: string | undefined
}

function createForm(v: UsersView): SafeHtml {
  const f = v.form
  const { alert, focus } = formAlert('new-user-alert', v.alert)
  return html`<section aria-labelledby="new-user-heading">
<h2 id="new-user-heading">${m.newUser}</h2>
${alert}<form method="post" action="${v.createAction}">${csrfField(v.csrf)}
<label for="user-email">${m.email}</label><input type="email" id="user-email" name="email" value="${f.email}" required maxlength="254" autocomplete="off"${focus}>
<label for="user-name">${m.name}</label><input type="text" id="user-name" name="name" value="${f.name}" maxlength="255" autocomplete="off">
<label for="user-password">${m.password}</label><input type="password" id="user-password" name="password" maxlength="1024" autocomplete="new-password">
<label for="user-roles">${m.roles}</label><input type="text" id="user-roles" name="roles" value="${f.roles}" maxlength="1000" autocomplete="off">
<div class="check"><input type="checkbox" id="user-verified" name="email_verified" value="yes"${f.email_verified ? html` checked` : ''}><label for="user-verified">${m.emailVerified}</label></div>
<button type="submit">${m.createUser}</button>
</form></section>`
}

export function usersContent(v: UsersView): SafeHtml {
  return html`<p>${m.usersIntro}</p>
<form method="get" action="${v.searchAction}" role="search">
<label for="user-search">${m.search}</label><input type="text" id="user-search" name="email" value="${v.search}" maxlength="254" autocomplete="off">
<button type="submit" class="secondary">${m.searchButton}</button></form>
${v.users.length === 0 ? html`<p>${m.noUsers}</p>` : html`<ul class="rows">${v.users.map((u) => html`<li><a href="${v.userHref(u.id)}">${u.email}</a>${u.claims.name !== undefined ? html` · ${u.claims.name}` : ''}${u.roles.length > 0 ? html` <span class="muted">(${u.roles.join(', ')})</span>` : ''}</li>`)}</ul>${v.more !== null ? html`<p><a href="${v.more}">${m.moreUsers}</a></p>` : ''}`}
${v.write ? createForm(v) : ''}`
}

export interface UserView {
  user: UserItem
  totp: boolean
  passkeys: number
  sessions: readonly SessionItem[]
  write: boolean
  csrf: string
  revokeAction: string
  endAllAction: string
  resetMfaAction: string
  rolesAction: string
  deleteAction: string
  disableAction: string
  enableAction: string
  /** The roles field as the refused form had it, and why it was refused. */
  roles?: string | undefined
  rolesAlert?: string | undefined
}

export function userContent(v: UserView): SafeHtml {
  const words = messagesFor('en').account
  const roles = formAlert('roles-alert', v.rolesAlert)
  const u = v.user
  const yes = (b: boolean) => (b ? m.yes : m.no)
  const sessions = v.sessions.map((s) => {
    const device = deviceOf(s.user_agent, words)
    return html`<li><strong>${device}</strong><br><span class="muted" id="session-${s.id}">${m.signedIn} ${when(s.created_at)} · ${m.methods}: ${methodsOf(s.amr, words) || m.none}</span>
${v.write ? html`<br><form method="post" action="${v.revokeAction}">${csrfField(v.csrf)}<input type="hidden" name="session" value="${s.id}"><button type="submit" class="secondary inline" aria-describedby="session-${s.id}">${m.revokeSession(when(s.created_at))}</button></form>` : ''}</li>`
  })
  return html`<dl class="facts">
<dt>${m.email}</dt><dd>${u.email}</dd>
<dt>${m.name}</dt><dd>${u.claims.name ?? m.none}</dd>
<dt>ID</dt><dd><code>${u.id}</code></dd>
<dt>${m.verified}</dt><dd>${yes(u.email_verified)}</dd>
<dt>${m.roles.replace(/ \(.*\)$/, '')}</dt><dd>${u.roles.join(', ') || m.none}</dd>
<dt>${m.hasPassword}</dt><dd>${yes(u.password_hash !== null)}</dd>
<dt>${m.twoStep}</dt><dd>${yes(v.totp)}</dd>
<dt>${m.passkeys}</dt><dd>${v.passkeys}</dd>
<dt>${m.created}</dt><dd>${when(u.created_at)}</dd>
<dt>${m.signInState}</dt><dd id="sign-in-state">${u.disabled_at != null ? m.disabledSince(when(u.disabled_at)) : m.enabled}</dd>
</dl>
<section aria-labelledby="sessions-heading"><h2 id="sessions-heading">${m.sessions}</h2>
${v.sessions.length === 0 ? html`<p>${m.noSessions}</p>` : html`<ul class="rows">${sessions}</ul>
${v.write ? html`<form method="post" action="${v.endAllAction}">${csrfField(v.csrf)}<button type="submit" class="secondary">${m.endAll}</button></form>` : ''}`}</section>
${v.write ? html`<section aria-labelledby="mfa-heading"><h2 id="mfa-heading">${m.resetMfa}</h2>
<p>${m.resetMfaText}</p>
<form method="post" action="${v.resetMfaAction}">${csrfField(v.csrf)}
<div class="check"><input type="checkbox" id="reset-passkeys" name="passkeys" value="yes"><label for="reset-passkeys">${m.alsoPasskeys}</label></div>
<button type="submit" class="secondary">${m.resetMfa}</button></form></section>
<section aria-labelledby="roles-heading"><h2 id="roles-heading">${m.editRoles}</h2>
${roles.alert}<form method="post" action="${v.rolesAction}">${csrfField(v.csrf)}
<label for="user-roles">${m.rolesField}</label><input type="text" id="user-roles" name="roles" value="${v.roles ?? u.roles.join(' ')}" maxlength="1000" autocomplete="off"${roles.focus}>
<button type="submit" class="secondary">${m.saveRoles}</button></form></section>
${u.disabled_at != null
    ? html`<section aria-labelledby="enable-heading"><h2 id="enable-heading">${m.enableUser}</h2>
<p>${m.enableUserText}</p>
<form method="post" action="${v.enableAction}">${csrfField(v.csrf)}<button type="submit" class="secondary">${m.enableUser}</button></form></section>`
    : html`<section aria-labelledby="disable-heading"><h2 id="disable-heading">${m.disableUser}</h2>
<p>${m.disableUserText}</p>
<form method="post" action="${v.disableAction}">${csrfField(v.csrf)}<button type="submit" class="secondary">${m.disableUser}</button></form></section>`}
<section aria-labelledby="delete-heading"><h2 id="delete-heading">${m.deleteUser}</h2>
<p>${m.deleteUserText}</p>
<form method="post" action="${v.deleteAction}">${csrfField(v.csrf)}<button type="submit" class="secondary">${m.deleteUser}</button></form></section>` : ''}`
}
