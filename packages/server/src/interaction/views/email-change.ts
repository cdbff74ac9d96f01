/**
 * Issue 13: the account page's **Change email address** (`/account/email`): the form (the new
 * address, and the current password when the account has one), what it answers, and the pages of
 * the link mailed to the new address (**Confirm your new email address**, then the result).
 */
import { html, page } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'

export interface EmailChangeView {
  action: string
  csrf: string
  current: string
  accountHref: string
  /** Ask for the current password (the account has one). */
  password: boolean
  /** No password and an old sign-in: no form, the way to a fresh sign-in instead. */
  reauth: boolean
  email?: string | undefined
  error?: string | undefined
  /** The address a link was sent to (the form's answer). */
  sent?: string | undefined
}

export function emailChangePage(v: EmailChangeView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).passwordless
  const form = html`<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="email">${m.newEmail}</label>
<input id="email" name="email" type="email" autocomplete="email" required autofocus value="${v.email ?? ''}">
${v.password ? html`<label for="password">${m.currentPassword}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>` : ''}
<button type="submit">${m.changeSubmit}</button>
</form>`
  return page(
    m.changeTitle,
    html`<h1>${m.changeTitle}</h1>
<p class="muted">${m.currentEmail}: <strong>${v.current}</strong></p>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
${v.sent !== undefined ? html`<p class="notice" role="status">${m.changeSent(v.sent)}</p>` : ''}
${v.reauth ? html`<p class="error" role="alert">${m.changeReauth}</p>` : v.sent !== undefined ? '' : html`<p>${m.changeIntro}</p>\n${form}`}
<p><a href="${v.accountHref}">${m.backToAccount}</a></p>`,
    locale,
    look,
  )
}

export function emailChangeConfirmPage(v: { action: string; csrf: string; token: string; email: string }, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).passwordless
  return page(
    m.changeConfirmTitle,
    html`<h1>${m.changeConfirmTitle}</h1>
<p>${m.changeConfirmText(v.email)}</p>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="token" value="${v.token}">
<button type="submit" autofocus>${m.changeConfirmButton}</button>
</form>`,
    locale,
    look,
  )
}

/** The link's end: `changed` (the new address), `taken`, or `invalid` (unknown, used, expired). */
export function emailChangeResultPage(v: { result: 'changed' | 'taken' | 'invalid'; email?: string; accountHref: string }, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).passwordless
  const title = v.result === 'changed' ? m.changedTitle : v.result === 'taken' ? m.changeTitle : m.linkInvalidTitle
  const text = v.result === 'changed' ? html`<p class="notice" role="status">${m.changedText(v.email ?? '')}</p>` : html`<p class="error" role="alert">${v.result === 'taken' ? m.changeTakenText : m.changeInvalidText}</p>`
  return page(title, html`<h1>${title}</h1>\n${text}\n<p><a href="${v.accountHref}">${m.backToAccount}</a></p>`, locale, look)
}
