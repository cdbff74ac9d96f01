/**
 * Issue 13: the pages of passwordless sign-in by email. On the sign-in page, **Email me a sign-in
 * link** and **Email me a code** are submit buttons of the sign-in form itself (`formaction`,
 * `formnovalidate`): one email field, no JavaScript, and Enter still means **Sign in** (the first
 * submit button). Then **Check your email** (with the code form: `autocomplete="one-time-code"`,
 * `inputmode="numeric"`), **Continue signing in on this device?** for a link opened in another
 * browser, and the page of a link that cannot be used.
 */
import { html, page, type SafeHtml } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'

/** The sign-in page's email ways: where they post and which are on. */
export interface EmailSignInButtons {
  action: string
  link: boolean
  code: boolean
}

/** The buttons, inside the sign-in form (after its own submit button, which stays the default). */
export function emailSignInButtons(v: EmailSignInButtons | undefined, locale: Locale, look: Look): SafeHtml | '' {
  if (v === undefined || (!v.link && !v.code)) return ''
  const m = messagesFor(locale, look).passwordless
  return html`${v.link ? html`<button type="submit" class="secondary" formaction="${v.action}" formnovalidate name="method" value="magic_link">${m.sendLink}</button>` : ''}
${v.code ? html`<button type="submit" class="secondary" formaction="${v.action}" formnovalidate name="method" value="email_code">${m.sendCode}</button>` : ''}`
}

/** The sign-in page without a password form (`sign_in.password: false`): the email field and the email buttons. */
export function emailOnlyForm(v: EmailSignInButtons, csrf: string, email: string | undefined, label: string, locale: Locale, look: Look): SafeHtml {
  return html`<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${csrf}">
<label for="email">${label}</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${email ?? ''}">
${emailSignInButtons(v, locale, look)}
</form>`
}

export interface CheckEmailView {
  method: 'magic_link' | 'email_code'
  email: string
  minutes: number
  /** The code form's target and fields (code only). */
  codeAction: string
  csrf: string
  attempt: string
  error?: string | undefined
  /** Back to the interaction's sign-in page. */
  backHref: string
  /** **Send again**: the same request once more (`POST /interaction/:id/email`). */
  resendAction: string
}

export function checkEmailPage(v: CheckEmailView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).passwordless
  const code = v.method === 'email_code'
  return page(
    m.checkTitle,
    html`<h1>${m.checkTitle}</h1>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
<p>${code ? m.codeSent(v.email) : m.linkSent(v.email)}</p>
<p class="muted">${m.expires(v.minutes)}</p>
${code
    ? html`<form method="post" action="${v.codeAction}">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="attempt" value="${v.attempt}">
<input type="hidden" name="email" value="${v.email}">
<label for="code">${m.code}</label>
<input id="code" name="code" type="text" class="user-code" inputmode="numeric" pattern="[0-9 ]*" maxlength="8" autocomplete="one-time-code" required autofocus>
<button type="submit">${m.submitCode}</button>
</form>`
    : ''}
<form method="post" action="${v.resendAction}">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="email" value="${v.email}">
<button type="submit" class="secondary" name="method" value="${v.method}">${m.sendAgain}</button>
</form>
<p><a href="${v.backHref}">${m.otherWay}</a></p>`,
    locale,
    look,
  )
}

/** YYYY-MM-DD HH:MM UTC: the same in every language, and in `<time datetime>`. */
function utc(epochSeconds: number): { text: string; iso: string } {
  const iso = new Date(epochSeconds * 1000).toISOString()
  return { text: `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`, iso: `${iso.slice(0, 19)}Z` }
}

export function emailLinkConfirmPage(
  v: { action: string; csrf: string; token: string; email: string; requestedAt: number; requestedWith: { browser: string; system: string } | null; clientName: string },
  locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).passwordless
  const at = utc(v.requestedAt)
  return page(
    m.confirmTitle,
    html`<h1>${m.confirmTitle}</h1>
<p class="muted">${messagesFor(locale, look).login.continueTo} <strong>${v.clientName}</strong></p>
<p>${m.confirmText}</p>
<p class="muted">${m.signingInAs} <strong>${v.email}</strong></p>
<p class="muted">${m.requestedAt} <time datetime="${at.iso}">${at.text}</time>${v.requestedWith ? `, ${m.requestedWith(v.requestedWith.browser, v.requestedWith.system)}` : ''}</p>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="token" value="${v.token}">
<button type="submit" autofocus>${m.confirmButton}</button>
</form>`,
    locale,
    look,
  )
}

/** A link that cannot be used here: `invalid` (unknown, used, expired, its request gone) or `other_browser`. */
export function emailLinkMessagePage(kind: 'invalid' | 'other_browser', locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).passwordless
  const [title, text] = kind === 'invalid' ? [m.linkInvalidTitle, m.linkInvalidText] : [m.otherBrowserTitle, m.otherBrowserText]
  return page(title, html`<h1>${title}</h1>\n<p class="error" role="alert">${text}</p>`, locale, look)
}
