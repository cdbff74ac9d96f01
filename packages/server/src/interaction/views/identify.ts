/**
 * Issue 12, home-realm discovery: the identify page (label **Email**, button **Continue**) that
 * tenants with organization connections show before the password, with the sign-in buttons of
 * the other connections; and the page that takes an email of an organization's domain on to that
 * organization's identity provider.
 */
import { html, page } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'
import { connectionButtons, signInHeading, type ConnectionButton } from './login.js'
import { passkeySignInButton, passkeysScript, type PasskeyButton } from './passkeys.js'

export interface IdentifyView {
  action: string
  csrf: string
  clientName: string
  email?: string | undefined
  error?: string | undefined
  /** Enabled connections that are not an organization's. */
  connections: ConnectionButton[]
  /** Why the page is shown again (a connection's failure or refusal), in words already. */
  notice?: string | undefined
  /** Required SSO: the organization's sign-in to use instead. */
  requiredConnection?: { name: string; href: string } | undefined
  /** Issue 13: as on the sign-in page, the passkey button (made by its script) and passkeys in the Email field's autofill. */
  passkey?: PasskeyButton | undefined
}

export function identifyPage(v: IdentifyView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const all = messagesFor(locale, look)
  const m = all.login
  return page(
    m.title,
    html`${signInHeading(v, m)}
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="email">${m.email}</label>
<input id="email" name="email" type="email" autocomplete="${v.passkey ? 'username webauthn' : 'username'}" required autofocus value="${v.email ?? ''}">
<button type="submit">${all.homeRealm.continue}</button>
</form>
${v.passkey ? passkeySignInButton(v.passkey, locale, look) : ''}
${connectionButtons(v.connections, locale, look)}`,
    locale,
    look,
    v.passkey ? passkeysScript(v.passkey.script) : undefined,
  )
}

export interface ConnectionRedirectView {
  organizationName: string
  connectionName: string
  /** Latch's own start URL of the connection (same origin), which then redirects to the IdP. */
  location: string
}

/**
 * 200, not a 303: the identify form's submission would otherwise end at the IdP's origin, and CSP
 * `form-action` (endpoints/_pipeline/security-headers.ts: 'self' plus the client's redirect URI)
 * applies to every hop of a form submission's redirect chain, so browsers would block it. A meta
 * refresh (allowed by `default-src 'none'`: it is a navigation, not a fetch) or the visible link
 * starts a new navigation that no form-action governs; without JavaScript, and by keyboard.
 */
export function connectionRedirectPage(v: ConnectionRedirectView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).homeRealm
  return page(
    m.redirectTitle,
    html`<h1>${m.redirectTitle}</h1>
<p>${m.redirectText(v.organizationName)}</p>
<a class="button" href="${v.location}">${m.redirectLink(v.connectionName)}</a>`,
    locale,
    look,
    html`<meta http-equiv="refresh" content="0; url=${v.location}">`,
  )
}
