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

export const INVALID_CODE = 'That code is not valid or has expired. Check the code on your device and try again.'
export const EXPIRED_TITLE = 'Code expired'
export const EXPIRED_MESSAGE = 'This code has expired or was already used. Start again on your device to get a new code.'
/** Longest input echoed back into the form: the code is 9 characters, so anything longer is noise. */
const MAX_ECHO = 32

/** "Too many attempts. Try again in 2 minutes." */
export function tooManyAttempts(retryAfter: number): string {
  const minutes = Math.ceil(retryAfter / 60)
  return `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
}

/** The code entry form, posting to `action` (the verification URI) with the CSRF token `csrf`. */
export function deviceCodePage(action: string, csrf: string, value: string, error?: string, confirm = false): string {
  const shown = confirm ? displayUserCode(value.slice(0, MAX_ECHO)) : value.slice(0, MAX_ECHO)
  return page(
    'Connect a device',
    html`<h1>Connect a device</h1>
${confirm
    ? html`<p id="user_code_hint">Check that this code is the one your device shows. Continue only if it matches and you started signing in on that device yourself.</p>`
    : html`<p id="user_code_hint">Enter the code shown on your device.</p>`}
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrf}">
<label for=user_code>Code</label>
<input type="text" id="user_code" name="user_code" class="user-code" value="${shown}" aria-describedby="user_code_hint" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus>
<button type="submit">Continue</button>
</form>`,
  )
}

export function deviceConnectedPage(clientName: string): string {
  return page('Device connected', html`<h1>Device connected</h1>
<p>${clientName} is now connected to your account.</p>
<p>You can return to your device.</p>`)
}

export function deviceDeniedPage(clientName: string): string {
  return page('Access denied', html`<h1>Access denied</h1>
<p>${clientName} was not connected to your account.</p>
<p>You can close this page.</p>`)
}
