/**
 * Issue 13: the forgotten-password pages: the email form (`/interaction/:id/forgot`), the page
 * after it (the same whether or not the address has an account), the new-password form of
 * `/reset-password` (one field, `autocomplete="new-password"`, the policy under it) and its outcomes.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 */
import { html, page } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'

export function forgotPasswordPage(
  v: { action: string; csrf: string; signInHref: string; email?: string | undefined; error?: string | undefined },
  locale: Locale = DEFAULT_LOCALE,
  look: Look = DEFAULT_LOOK,
): string {
  const m = messagesFor(locale, look).reset
  return page(
    m.title,
    html`<h1>${m.title}</h1>
${v.error ? html`<p class="error" role="alert" id="form-error">${v.error}</p>` : ''}
<p>${m.intro}</p>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="email">${m.email}</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="320" autofocus value="${v.email ?? ''}"${v.error ? html` aria-invalid="true" aria-describedby="form-error"` : ''}>
<button type="submit">${m.submit}</button>
</form>
<p><a href="${v.signInHref}">${m.backToSignIn}</a></p>`,
    locale,
    look,
  )
}

export function resetSentPage(v: { email: string; minutes: number; signInHref: string }, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).reset
  return page(
    m.sentTitle,
    html`<h1 tabindex="-1" autofocus>${m.sentTitle}</h1>
<p class="notice" role="status">${m.sentText(v.email, v.minutes)}</p>
<p><a href="${v.signInHref}">${m.backToSignIn}</a></p>`,
    locale,
    look,
  )
}

export function newPasswordPage(
  v: { action: string; csrf: string; token: string; email: string; minLength: number; error?: string | undefined },
  locale: Locale = DEFAULT_LOCALE,
  look: Look = DEFAULT_LOOK,
): string {
  const all = messagesFor(locale, look)
  const m = all.reset
  return page(
    m.newTitle,
    html`<h1>${m.newTitle}</h1>
${v.error ? html`<p class="error" role="alert" id="form-error">${v.error}</p>` : ''}
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="token" value="${v.token}">
<input type="email" name="username" autocomplete="username" value="${v.email}" readonly hidden>
<label for="password">${m.newPassword}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${v.minLength}" maxlength="128" autofocus aria-describedby="password-hint${v.error ? ' form-error' : ''}"${v.error ? html` aria-invalid="true"` : ''}>
<p class="muted" id="password-hint">${all.signUp.passwordHint(v.minLength)}</p>
<button type="submit">${m.submitNew}</button>
</form>`,
    locale,
    look,
  )
}

export function resetResultPage(kind: 'done' | 'expired', locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).reset
  const [title, text] = kind === 'done' ? [m.doneTitle, m.doneText] : [m.expiredTitle, m.expiredText]
  return page(title, html`<h1>${title}</h1>
<p${kind === 'expired' ? html` class="error" role="alert"` : html` class="notice" role="status"`}>${text}</p>`, locale, look)
}
