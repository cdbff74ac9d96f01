/**
 * Issue 13: the pages of two-step verification (TOTP), server-rendered, without JavaScript:
 * - the second-factor step of a sign-in: **Code** (`autocomplete="one-time-code"`, numeric
 *   keyboard on phones) and **Verify**, with **Use a recovery code** as a `<details>` holding its
 *   own form (no script, reachable by keyboard), and **Remember this device** when enabled;
 * - enrolment: the QR code drawn as inline SVG on the server (no image request, nothing leaves
 *   the page), the key in groups of four for typing, and **Confirm** with the first code;
 * - the recovery codes, shown once, with **Continue**;
 * - the account's page `/account/mfa`: status, recovery codes left, set up, new codes, turn off.
 */
import QRCode from 'qrcode'
import { stepUpForm, type StepUpView } from './account-strength.js'
import { html, page, SafeHtml } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'
import { passkeySecondFactorButton, passkeysScript, type PasskeyButton } from './passkeys.js'

/** The pages' own styles (inline, as CSP `style-src 'unsafe-inline'` allows for every page). */
const MFA_CSS = html`<style>
.qr{display:block;width:12rem;max-width:100%;height:auto;margin:1rem auto;background:#fff;border:1px solid #d5d9e0;border-radius:8px}
.secret{font:700 1.05rem/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.06em;word-spacing:.3em;overflow-wrap:anywhere;padding:.5rem;border:1px dashed #767f8f;border-radius:8px}
input.otp{font:700 1.4rem/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.2em;text-align:center}
details{margin-top:1.5rem}summary{cursor:pointer;color:var(--latch-primary,#1d4ed8);text-decoration:underline}
.check{display:flex;align-items:center;gap:.5rem;margin-top:1rem}.check label{margin:0;font-weight:400}.check input{width:1.2rem;height:1.2rem}
ol.codes{font:700 1.05rem/1.8 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;columns:2;padding-inline-start:1.6rem}
</style>`

/** The `otpauth://` URI as an SVG QR code (error correction M, a quiet zone of 2 modules). */
export async function qrCodeSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
}

/** The library's SVG, given its class and an accessible name; it holds nothing from the request but the URI's modules. */
function qr(svg: string, label: string): SafeHtml {
  const named = svg.replace(/^<svg /, `<svg class="qr" role="img" aria-label="${label.replace(/[&<>"']/g, '')}" `)
  return new SafeHtml(named)
}

export interface SecondFactorView {
  action: string
  csrf: string
  /** Which form the error is about: the TOTP one, or the recovery code's (then its `<details>` is open). */
  error?: { method: 'totp' | 'recovery_code'; text: string } | undefined
  /** `mfa.remember_device` is on: the box is offered. */
  rememberOffered: boolean
  /** Issue 13: the user has a TOTP authenticator (the code and recovery code forms); default true. */
  totp?: boolean
  /** Issue 13: the user has a passkey: **Use a passkey**, made by the script. */
  passkey?: PasskeyButton | undefined
  /** Issue 13: a passkey that could not be used (an alert above the forms). */
  passkeyError?: string | undefined
}

export function secondFactorPage(v: SecondFactorView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).mfa
  const totpError = v.error?.method === 'totp' ? v.error.text : undefined
  const recoveryError = v.error?.method === 'recovery_code' ? v.error.text : undefined
  const remember = v.rememberOffered ? html`<div class="check"><input type="checkbox" id="remember" name="remember" value="1"><label for="remember">${m.remember}</label></div>` : ''
  const passkey = v.passkey && passkeySecondFactorButton({ ...v.passkey, only: v.totp === false }, locale, look)
  const passkeyError = v.passkeyError ? html`<p class="error" role="alert">${v.passkeyError}</p>` : ''
  if (v.totp === false && passkey) {
    // Issue 13: a passkey is this user's only second factor.
    return page(m.title, html`<h1>${m.title}</h1>
${passkeyError}
<p class="muted">${messagesFor(locale, look).passkeys.secondFactorIntro}</p>
${passkey}`, locale, look, html`${MFA_CSS}${passkeysScript(v.passkey!.script)}`)
  }
  return page(
    m.title,
    html`<h1>${m.title}</h1>
${passkeyError}
${totpError ? html`<p class="error" role="alert">${totpError}</p>` : ''}
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="code">${m.code}</label>
<p class="muted" id="code-hint">${m.intro}</p>
<input id="code" name="code" type="text" class="otp" inputmode="numeric" pattern="[0-9 ]*" maxlength="8" autocomplete="one-time-code" required aria-describedby="code-hint"${recoveryError ? '' : html` autofocus`}${totpError ? html` aria-invalid="true"` : ''}>
${remember}
<button type="submit">${m.verify}</button>
</form>
${passkey ?? ''}
<details${recoveryError ? html` open` : ''}>
<summary>${m.useRecovery}</summary>
${recoveryError ? html`<p class="error" role="alert">${recoveryError}</p>` : ''}
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="recovery_code">${m.recoveryCode}</label>
<p class="muted" id="recovery-hint">${m.recoveryIntro}</p>
<input id="recovery_code" name="recovery_code" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="20" required aria-describedby="recovery-hint"${recoveryError ? html` autofocus aria-invalid="true"` : ''}>
<button type="submit" class="secondary">${m.verify}</button>
</form>
</details>`,
    locale,
    look,
    v.passkey ? html`${MFA_CSS}${passkeysScript(v.passkey.script)}` : MFA_CSS,
  )
}

export interface EnrolmentView {
  action: string
  csrf: string
  /** `qrCodeSvg` of the secret's URI. */
  qrSvg: string
  /** The secret in groups of four. */
  secret: string
  error?: string | undefined
  /** The account page's enrolment (not a sign-in): no "your account needs" sentence. */
  fromAccount?: boolean
}

export function enrolmentPage(v: EnrolmentView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).mfa
  return page(
    m.enrolTitle,
    html`<h1>${m.enrolTitle}</h1>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
<p id="enrol-intro">${v.fromAccount === true ? '' : html`${m.enrolIntro} `}${m.enrolHow}</p>
${qr(v.qrSvg, m.qrLabel)}
<p class="muted">${m.manualKey}</p>
<p class="secret" id="secret">${v.secret}</p>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="code">${m.code}</label>
<input id="code" name="code" type="text" class="otp" inputmode="numeric" pattern="[0-9 ]*" maxlength="8" autocomplete="one-time-code" required autofocus aria-describedby="enrol-intro"${v.error ? html` aria-invalid="true"` : ''}>
<button type="submit">${m.confirm}</button>
</form>`,
    locale,
    look,
    MFA_CSS,
  )
}

/** The ten codes, once; **Continue** goes on (a link: the session cookie is set with this page). */
export function recoveryCodesPage(v: { codes: readonly string[]; continueHref: string; continueLabel?: string | undefined }, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).mfa
  return page(
    m.recoveryTitle,
    html`<h1 tabindex="-1" autofocus>${m.recoveryTitle}</h1>
<p>${m.recoveryText}</p>
<ol class="codes" id="recovery-codes">${v.codes.map((c) => html`<li><code>${c}</code></li>`)}</ol>
<a class="button" href="${v.continueHref}" id="continue">${v.continueLabel ?? m.continue}</a>`,
    locale,
    look,
    MFA_CSS,
  )
}

export interface AccountMfaView {
  email: string
  csrf: string
  enabled: boolean
  codesLeft: number
  /** Policy requires MFA: no **Turn off**. */
  required: boolean
  /** The session's sign-in is not recent: **Set up** asks for the current password. */
  enrolNeedsPassword: boolean
  /** POST targets. */
  enrolAction: string
  regenerateAction: string
  disableAction: string
  accountHref: string
  notice?: { text: string; error: boolean } | undefined
  /** Review H1: the session must sign in again with two factors first: the step-up form instead of the others. */
  stepUp?: StepUpView | undefined
  /** Review M3: the email was never verified: no **Set up**. */
  unverified?: boolean | undefined
}

export function accountMfaPage(v: AccountMfaView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const all = messagesFor(locale, look)
  const m = all.mfa
  const s = all.accountStrength
  // Review H1: a second factor confirms, never the password alone.
  const confirmFields = (id: string) => html`<p class="muted">${s.confirmWithCode}</p>
<label for="${id}-code">${m.code}</label>
<input id="${id}-code" name="code" type="text" class="otp" inputmode="numeric" pattern="[0-9 ]*" maxlength="8" autocomplete="one-time-code">
<label for="${id}-recovery">${m.recoveryCode}</label>
<input id="${id}-recovery" name="recovery_code" type="text" maxlength="32" autocomplete="off" spellcheck="false">`
  return page(
    m.title,
    html`<h1>${m.title}</h1>
<p class="muted">${all.account.signedInAs} <strong>${v.email}</strong></p>
${v.notice === undefined ? '' : v.notice.error ? html`<p class="error" role="alert">${v.notice.text}</p>` : html`<p class="notice" role="status">${v.notice.text}</p>`}
<p>${v.enabled ? m.statusOn : m.statusOff}</p>
${v.stepUp !== undefined
    ? html`${v.enabled ? html`<p>${m.codesLeft(v.codesLeft)}</p>\n` : ''}${stepUpForm(v.stepUp, s, 'h2')}`
    : v.enabled
    ? html`<p>${m.codesLeft(v.codesLeft)}</p>
<h2>${m.regenerate}</h2>
<form method="post" action="${v.regenerateAction}">
<input type="hidden" name="csrf" value="${v.csrf}">
${confirmFields('regenerate')}
<button type="submit" class="secondary">${m.regenerate}</button>
</form>
${v.required ? html`<p class="muted">${m.requiredByPolicy}</p>` : html`<h2>${m.turnOff}</h2>
<form method="post" action="${v.disableAction}">
<input type="hidden" name="csrf" value="${v.csrf}">
${confirmFields('disable')}
<button type="submit" class="secondary">${m.turnOff}</button>
</form>`}`
    : v.unverified === true
    ? html`<p class="error" role="alert">${s.verifyEmailFirst}</p>`
    : html`<form method="post" action="${v.enrolAction}">
<input type="hidden" name="csrf" value="${v.csrf}">
${v.enrolNeedsPassword ? html`<label for="enrol-password">${m.currentPassword}</label>
<input id="enrol-password" name="password" type="password" autocomplete="current-password" required>` : ''}
<button type="submit">${m.setUp}</button>
</form>`}
<p><a href="${v.accountHref}">${m.back}</a></p>`,
    locale,
    look,
    MFA_CSS,
  )
}
