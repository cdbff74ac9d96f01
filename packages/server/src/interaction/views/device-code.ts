/**
 * The device verification page (RFC 8628 §3.3): an input labelled **Code** and a button
 * **Continue** (ARCHITECTURE.md §2). Reached through `verification_uri_complete` (`confirm`), the
 * code is already filled in, shown large, and the user is asked to compare it with the device
 * before continuing: RFC 8628 §5.4 ("remote phishing") is defeated only by that comparison, so the
 * page never submits itself. Every value is escaped by `html```.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3.1
 */
import { displayUserCode } from '../../rules/user-code.js'
import { html, page } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'
import { MESSAGES } from './messages.js'

/** The English texts, kept as constants for the callers and tests that name them. */
export const INVALID_CODE = MESSAGES.device.invalidCode
export const EXPIRED_TITLE = MESSAGES.device.expiredTitle
export const EXPIRED_MESSAGE = MESSAGES.device.expiredMessage
/** Longest input echoed back into the form: the code is 9 characters, so anything longer is noise. */
const MAX_ECHO = 32

/** "Too many attempts. Try again in 2 minutes." */
export function tooManyAttempts(retryAfter: number, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  return messagesFor(locale, look).device.tooManyAttempts(retryAfter)
}

/** The code entry form, posting to `action` (the verification URI) with the CSRF token `csrf`. */
export function deviceCodePage(action: string, csrf: string, value: string, error?: string, confirm = false, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const shown = confirm ? displayUserCode(value.slice(0, MAX_ECHO)) : value.slice(0, MAX_ECHO)
  const m = messagesFor(locale, look).device
  return page(
    m.title,
    html`<h1>${m.heading}</h1>
${confirm
    ? html`<p id="user_code_hint">${m.confirmHint}</p>`
    : html`<p id="user_code_hint">${m.enterHint}</p>`}
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrf}">
<label for=user_code>${m.code}</label>
<input type="text" id="user_code" name="user_code" class="user-code" value="${shown}" aria-describedby="user_code_hint" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus>
<button type="submit">${m.submit}</button>
</form>`,
    locale,
    look,
  )
}

export function deviceConnectedPage(clientName: string, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).device
  return page(m.connectedTitle, html`<h1>${m.connectedTitle}</h1>
<p>${m.connectedText(clientName)}</p>
<p>${m.returnToDevice}</p>`, locale, look)
}

export function deviceDeniedPage(clientName: string, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).device
  return page(m.deniedTitle, html`<h1>${m.deniedTitle}</h1>
<p>${m.deniedText(clientName)}</p>
<p>${m.closePage}</p>`, locale, look)
}
