/**
 * The account page (`GET /account`, issue 12; in sections since issue 13): the signed-in email
 * with **Sign out**, the notice of the last action, then one `<section>` per concern, each from its
 * own view (`account-profile.ts`, `account-password.ts`, `account-linked.ts`,
 * `account-sessions.ts`, `account-apps.ts`, and the second-factor and passkey sections of their
 * lanes), composed in the order the endpoint lists them. Without a session, the page that offers
 * **Sign in** (the account page's own sign-in, interaction kind `account`). No JavaScript; every
 * form carries the CSRF token.
 */
import { html, page, type SafeHtml } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'
import type { Messages } from './messages.js'
import { csrfField } from './account-section.js'

/** What the page says after an action (`?notice=`); any other value is ignored. */
export const ACCOUNT_NOTICES = [
  'unlinked', 'last_method', 'not_linked', 'linked', 'taken', 'link_failed', 'reauth_needed',
  // Issue 13.
  'profile_saved', 'password_changed', 'session_ended', 'session_not_found', 'app_revoked', 'app_not_found',
] as const
export type AccountNotice = (typeof ACCOUNT_NOTICES)[number]

export function isAccountNotice(value: unknown): value is AccountNotice {
  return typeof value === 'string' && (ACCOUNT_NOTICES as readonly string[]).includes(value)
}

/** Notices that report a refusal (role=alert) rather than a success (role=status). */
const REFUSALS: ReadonlySet<AccountNotice> = new Set(['last_method', 'not_linked', 'taken', 'link_failed', 'reauth_needed', 'session_not_found', 'app_not_found'])

function noticeText(notice: AccountNotice, m: Messages['account']): string {
  return {
    unlinked: m.unlinked, last_method: m.lastMethod, not_linked: m.notLinked, linked: m.linked, taken: m.taken, link_failed: m.linkFailed, reauth_needed: m.reauthNeeded,
    profile_saved: m.profileSaved, password_changed: m.passwordChanged, session_ended: m.sessionEnded, session_not_found: m.sessionNotFound, app_revoked: m.appRevoked, app_not_found: m.appNotFound,
  }[notice]
}

export interface AccountView {
  email: string
  csrf: string
  /** Where **Sign out** posts (the end-session endpoint, confirmed). */
  signOutAction: string
  notice?: AccountNotice | undefined
  /** The sections, rendered, in page order. */
  sections: readonly SafeHtml[]
}

export function accountPage(v: AccountView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).account
  const text = v.notice === undefined ? undefined : noticeText(v.notice, m)
  return page(
    m.title,
    html`<h1>${m.title}</h1>
<p class="muted">${m.signedInAs} <strong>${v.email}</strong></p>
<form method="post" action="${v.signOutAction}">${csrfField(v.csrf)}<input type="hidden" name="confirm" value="yes"><button type="submit" class="secondary">${m.signOut}</button></form>
${text === undefined ? '' : REFUSALS.has(v.notice!) ? html`<p class="error" role="alert">${text}</p>` : html`<p class="notice" role="status">${text}</p>`}
${v.sections}`,
    locale,
    look,
  )
}

/** Without a session: **Sign in** (a form, so that no link or prefetch begins an interaction). */
export function notSignedInPage(v: { signInAction: string; csrf: string }, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).account
  return page(m.notSignedInTitle, html`<h1>${m.notSignedInTitle}</h1>
<p>${m.notSignedInText}</p>
<form method="post" action="${v.signInAction}">${csrfField(v.csrf)}<button type="submit">${m.signIn}</button></form>`, locale, look)
}
