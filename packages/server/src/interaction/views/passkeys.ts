/**
 * Issue 13: the passkey parts of the pages. On the sign-in page, a **Sign in with a passkey**
 * button that the script (`/assets/passkeys.js`, views/passkeys-script.ts) adds only when it runs
 * and the browser has WebAuthn: progressive enhancement, the page without JavaScript is the
 * password page it always was. Data attributes tell the script where to ask for options and
 * where to post the answer (with the page's CSRF token). `/account/passkeys`: the user's passkeys
 * (name, added, last used) each with a rename form and a delete form, and **Add a passkey** (a form
 * the script completes with the browser's answer; without JavaScript it says it needs it); the
 * confirmation page when the session is not recent enough.
 */
import { stepUpForm, type StepUpView } from './account-strength.js'
import { html, page, type SafeHtml } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'

/** Where the sign-in page's passkey button asks for options and posts the answer. */
export interface PasskeyButton {
  optionsUrl: string
  action: string
  csrf: string
  /** `/assets/passkeys.js?v=…`. */
  script: string
}

/** The `<script>` of a page that uses passkeys (CSP `script-src` names its URL; deferred: it needs the DOM). */
export function passkeysScript(src: string): SafeHtml {
  return html`<script src="${src}" defer></script>`
}

/**
 * The sign-in page's place for the passkey button: an empty element whose data attributes the
 * script reads; it makes the button (its label in `data-label`) only where WebAuthn is available,
 * so without JavaScript, or in a browser without passkeys, the page has no control that cannot work.
 */
export function passkeySignInButton(v: PasskeyButton, locale: Locale, look: Look): SafeHtml {
  const m = messagesFor(locale, look).passkeys
  return html`<div class="passkey" data-passkey-sign-in data-options="${v.optionsUrl}" data-action="${v.action}" data-csrf="${v.csrf}" data-label="${m.signIn}" data-cancelled="${m.cancelled}"></div>`
}

/**
 * Issue 13 (lane P): the second-factor step's place for **Use a passkey**, made by the script like
 * the sign-in page's button (no dead control without JavaScript); `only`: the user has no TOTP, so
 * the page says why it shows nothing else without JavaScript or WebAuthn.
 */
export function passkeySecondFactorButton(v: PasskeyButton & { only: boolean }, locale: Locale, look: Look): SafeHtml {
  const m = messagesFor(locale, look).passkeys
  return html`${v.only ? html`<noscript><p class="error" role="alert">${m.secondFactorNeedsJavaScript}</p></noscript>` : ''}<div class="passkey" data-passkey-second-factor data-options="${v.optionsUrl}" data-action="${v.action}" data-csrf="${v.csrf}" data-label="${m.useForSecondFactor}" data-cancelled="${m.cancelled}"${v.only ? html` data-unsupported="${m.secondFactorUnsupported}"` : ''}></div>`
}

export interface PasskeyOfferView {
  csrf: string
  /** `POST /interaction/:id/passkey/offer` and its `/options`. */
  action: string
  options: string
  /** **Not now**: the interaction page, which continues to the application. */
  continueHref: string
  script: string
  error?: string | undefined
}

/**
 * Issue 13 (lane P): right after sign-up, once: **Add a passkey for faster sign-in?** with **Add a
 * passkey** (a form the script shows and completes; hidden without JavaScript) and **Not now** (a
 * link that continues, with or without JavaScript). The session cookie comes with this page.
 */
export function passkeyOfferPage(v: PasskeyOfferView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).passkeys
  return page(
    m.offerTitle,
    html`<h1 tabindex="-1" autofocus>${m.offerTitle}</h1>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
<p>${m.offerText}</p>
<form method="post" action="${v.action}" data-passkey-register data-options="${v.options}" data-unsupported="${m.unsupported}" data-cancelled="${m.cancelled}" hidden>
<input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="response" value="">
<button type="submit" id="add-passkey">${m.add}</button>
</form>
<a class="button secondary" href="${v.continueHref}" id="not-now">${m.notNow}</a>`,
    locale,
    look,
    passkeysScript(v.script),
  )
}

export interface PasskeyItem {
  credentialId: string
  name: string
  createdAt: number
  lastUsedAt: number | null
}

export type PasskeysNotice = 'registered' | 'renamed' | 'removed'
export type PasskeysAlert = 'registerFailed' | 'tooMany' | 'notFound' | 'invalidName' | 'off'
export const PASSKEYS_NOTICES: readonly PasskeysNotice[] = ['registered', 'renamed', 'removed']
export const PASSKEYS_ALERTS: readonly PasskeysAlert[] = ['registerFailed', 'tooMany', 'notFound', 'invalidName']

export interface PasskeysView {
  email: string
  csrf: string
  /** `/account/passkeys` (add: POST here), `/account/passkeys/options`, `/rename`, `/delete`, `/account`. */
  urls: { register: string; options: string; rename: string; remove: string; account: string; script: string }
  passkeys: PasskeyItem[]
  notice?: PasskeysNotice | undefined
  alert?: PasskeysAlert | undefined
  /** Review M3: the account's email was never verified: no **Add a passkey**, and why. */
  unverified?: boolean | undefined
  /** Review H1: the session must sign in again (two factors, recently) to change anything: the list only, and **Sign in again**. */
  stepUp?: StepUpView | undefined
}

/** YYYY-MM-DD (the same in every language, and in `<time datetime>`). */
function day(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10)
}

export function passkeysPage(v: PasskeysView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const all = messagesFor(locale, look)
  const m = all.passkeys
  const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`
  return page(
    m.title,
    html`<h1>${m.title}</h1>
<p class="muted">${all.account.signedInAs} <strong>${v.email}</strong></p>
${v.notice === undefined ? '' : html`<p class="notice" role="status">${m[v.notice]}</p>`}
${v.alert === undefined ? '' : html`<p class="error" role="alert">${m[v.alert]}</p>`}
<p>${m.intro}</p>
${v.passkeys.length === 0
    ? html`<p>${m.none}</p>`
    : html`<ul class="identities passkeys">${v.passkeys.map((p, i) => html`<li><strong>${p.name}</strong> · <time datetime="${day(p.createdAt)}">${m.created(day(p.createdAt))}</time> · ${p.lastUsedAt === null ? m.neverUsed : html`<time datetime="${day(p.lastUsedAt)}">${m.lastUsed(day(p.lastUsedAt))}</time>`}
${v.stepUp !== undefined ? '' : html`<form method="post" action="${v.urls.rename}">${hidden('csrf', v.csrf)}${hidden('credential', p.credentialId)}<label for="rename-${i}">${m.renameLabel(p.name)}</label><input id="rename-${i}" name="name" type="text" maxlength="64" required autocomplete="off" value="${p.name}"><button type="submit" class="secondary">${m.rename}</button></form>
<form method="post" action="${v.urls.remove}">${hidden('csrf', v.csrf)}${hidden('credential', p.credentialId)}<button type="submit" class="secondary">${m.remove(p.name)}</button></form>`}</li>`)}</ul>`}
${v.stepUp !== undefined
    ? stepUpForm(v.stepUp, all.accountStrength, 'h2')
    : html`<h2>${m.add}</h2>
${v.unverified === true
    ? html`<p class="error" role="alert">${all.accountStrength.verifyEmailFirst}</p>`
    : html`<noscript><p class="error" role="alert">${m.needsJavaScript}</p></noscript>
<form method="post" action="${v.urls.register}" data-passkey-register data-options="${v.urls.options}" data-unsupported="${m.unsupported}" data-cancelled="${m.cancelled}" hidden>
${hidden('csrf', v.csrf)}${hidden('response', '')}
<label for="passkey-name">${m.nameLabel}</label>
<input id="passkey-name" name="name" type="text" maxlength="64" autocomplete="off">
<button type="submit">${m.add}</button>
</form>`}`}
<p><a href="${v.urls.account}">${m.backToAccount}</a></p>`,
    locale,
    look,
    passkeysScript(v.urls.script),
  )
}

/**
 * The session is older than `passkeys.reauthentication_max_age`: a password form (**Password**,
 * **Continue**) when the user has a password and password sign-in is on, else "sign in again".
 */
export function passkeysConfirmPage(
  v: { action: string | null; csrf: string; email: string; error?: string | undefined; account: string },
  locale: Locale = DEFAULT_LOCALE,
  look: Look = DEFAULT_LOOK,
): string {
  const all = messagesFor(locale, look)
  const m = all.passkeys
  return page(
    m.confirmTitle,
    html`<h1>${m.confirmTitle}</h1>
<p class="muted">${all.account.signedInAs} <strong>${v.email}</strong></p>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
${v.action === null
    ? html`<p>${m.signInAgain}</p>`
    : html`<p>${m.confirmText}</p>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="text" name="username" autocomplete="username" value="${v.email}" hidden>
<label for="password">${m.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit">${m.confirm}</button>
</form>`}
<p><a href="${v.account}">${m.backToAccount}</a></p>`,
    locale,
    look,
  )
}

/** A page that only says passkeys are off here (404). */
export function passkeysOffPage(locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).passkeys
  return page(m.title, html`<h1>${m.title}</h1>\n<p>${m.off}</p>`, locale, look)
}
