/**
 * Issue 13: the sign-up pages: the form (labels **Email** and **Password**, one password field
 * with `autocomplete="new-password"` and the policy under it, as NIST SP 800-63B §5.1.1.2 asks
 * rather than a confirmation field), the check-your-email page (a link, or a code form with
 * `autocomplete="one-time-code"`), the page a not-yet-verified account gets at sign-in, and the
 * pages of `/verify-email`. Every form carries the CSRF token; errors are `role="alert"` and the
 * field they are about says so (`aria-invalid`, `aria-describedby`).
 */
import { html, page, type SafeHtml } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'

export interface SignUpView {
  action: string
  csrf: string
  clientName: string
  /** The sign-in page of the same interaction. */
  signInHref: string
  email?: string | undefined
  minLength: number
  error?: string | undefined
  /** Which field the error is about. */
  errorField?: 'email' | 'password' | undefined
}

export function signUpPage(v: SignUpView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).signUp
  const invalid = (field: 'email' | 'password') => (v.error !== undefined && v.errorField === field ? html` aria-invalid="true"` : '')
  return page(
    m.title,
    html`<h1>${m.title}</h1>
<p class="muted">${m.continueTo} <strong>${v.clientName}</strong></p>
${v.error ? html`<p class="error" role="alert" id="form-error">${v.error}</p>` : ''}
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="email">${m.email}</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="320" value="${v.email ?? ''}"${invalid('email')}${v.errorField === 'password' ? '' : html` autofocus`}>
<label for="password">${m.password}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${v.minLength}" maxlength="128" aria-describedby="password-hint${v.errorField === 'password' ? ' form-error' : ''}"${invalid('password')}${v.errorField === 'password' ? html` autofocus` : ''}>
<p class="muted" id="password-hint">${m.passwordHint(v.minLength)}</p>
<button type="submit">${m.submit}</button>
</form>
<p class="muted">${m.haveAccount} <a href="${v.signInHref}">${m.signIn}</a></p>`,
    locale,
    look,
  )
}

export interface CheckEmailView {
  email: string
  /** `link`: open the mailed link; `code`: type the mailed code here. */
  mode: 'link' | 'code'
  csrf: string
  /** The code form's target and the row its code belongs to. */
  codeAction?: string
  tokenId?: string
  /** Sends the message again. */
  resendAction: string
  error?: string | undefined
  notice?: string | undefined
}

function resendForm(v: { resendAction: string; csrf: string; email: string; tokenId?: string | undefined }, m: ReturnType<typeof messagesFor>['verifyEmail']): SafeHtml {
  return html`<p class="muted">${m.resendHint}</p>
<form method="post" action="${v.resendAction}">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="email" value="${v.email}">
${v.tokenId ? html`<input type="hidden" name="token_id" value="${v.tokenId}">` : ''}
<button type="submit" class="secondary">${m.resend}</button>
</form>`
}

export function checkEmailPage(v: CheckEmailView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).verifyEmail
  const code = v.mode === 'code'
    ? html`<form method="post" action="${v.codeAction ?? ''}">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="token_id" value="${v.tokenId ?? ''}">
<input type="hidden" name="email" value="${v.email}">
<label for="code">${m.code}</label>
<input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9 ]*" maxlength="8" autocomplete="one-time-code" required autofocus${v.error ? html` aria-invalid="true" aria-describedby="form-error"` : ''}>
<button type="submit">${m.submitCode}</button>
</form>`
    : ''
  return page(
    m.checkTitle,
    html`<h1 tabindex="-1"${v.mode === 'link' ? html` autofocus` : ''}>${m.checkTitle}</h1>
${v.error ? html`<p class="error" role="alert" id="form-error">${v.error}</p>` : ''}
${v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : ''}
<p>${v.mode === 'code' ? m.checkCode(v.email) : m.checkLink(v.email)}</p>
${code}
${resendForm(v, m)}`,
    locale,
    look,
  )
}

/** A signed-up account whose email is not verified, after its correct password. */
export function verificationRequiredPage(v: { email: string; csrf: string; resendAction: string; notice?: string | undefined }, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).verifyEmail
  return page(
    m.requiredTitle,
    html`<h1>${m.requiredTitle}</h1>
<p class="error" role="alert">${m.requiredText}</p>
${v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : ''}
${resendForm(v, m)}`,
    locale,
    look,
  )
}

/** `GET /verify-email?token=…`: a button, so that a mail scanner fetching the link verifies nothing. */
export function confirmEmailPage(v: { email: string; action: string; csrf: string; token: string }, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).verifyEmail
  return page(
    m.confirmTitle,
    html`<h1>${m.confirmTitle}</h1>
<p>${m.confirmText(v.email)}</p>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="token" value="${v.token}">
<button type="submit" autofocus>${m.confirm}</button>
</form>`,
    locale,
    look,
  )
}

/** The outcome of `/verify-email` when it cannot continue a sign-in: confirmed, or the link is no good. */
export function emailLinkResultPage(kind: 'done' | 'expired', locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).verifyEmail
  const [title, text] = kind === 'done' ? [m.doneTitle, m.doneText] : [m.expiredTitle, m.expiredText]
  return page(title, html`<h1>${title}</h1>
<p${kind === 'expired' ? html` class="error" role="alert"` : html` class="notice" role="status"`}>${text}</p>`, locale, look)
}
