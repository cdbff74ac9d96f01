/** The sign-in page: labels **Email** and **Password**, button **Sign in** (docs/architecture.md §2). */
import { html, page } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'

export interface LoginView {
  action: string
  csrf: string
  clientName: string
  email?: string | undefined
  error?: string | undefined
  /** Issue 12: the organization's sign-in the user must use instead (required SSO), under the alert. */
  requiredConnection?: { name: string; href: string } | undefined
}

export function loginPage(v: LoginView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).login
  return page(
    m.title,
    html`<h1>${m.title}</h1>
<p class="muted">${m.continueTo} <strong>${v.clientName}</strong></p>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
${v.requiredConnection ? html`<p><a class="button" href="${v.requiredConnection.href}">${messagesFor(locale, look).homeRealm.continueWith(v.requiredConnection.name)}</a></p>` : ''}
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="email">${m.email}</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${v.email ?? ''}">
<label for="password">${m.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">${m.submit}</button>
</form>`,
    locale,
    look,
  )
}
