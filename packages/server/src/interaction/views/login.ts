/**
 * The sign-in page: labels **Email** and **Password**, button **Sign in** (docs/architecture.md §2);
 * issue 12: a link per connection ("Continue with <name>") above or below the form, or without the
 * form when password sign-in is off. The connections are links, not forms: the page keeps at most one
 * form, and the cross-origin redirect to the upstream is not a form submission CSP would restrict.
 */
import { html, page, type SafeHtml } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'
import { connectionIconSvg } from './connection-icons.js'
import { passkeySignInButton, passkeysScript, type PasskeyButton } from './passkeys.js'
import { emailOnlyForm, emailSignInButtons, type EmailSignInButtons } from './email-sign-in.js'

/** A connection's button: its name, its type (for the mark) and its start. */
export interface ConnectionButton {
  name: string
  type: string
  href: string
}

export interface LoginView {
  action: string
  csrf: string
  clientName: string
  email?: string | undefined
  error?: string | undefined
  /** Issue 12: the enabled connections, each a link to its start. */
  connections?: readonly ConnectionButton[]
  /** Issue 12: `sign_in.password` (default true). */
  password?: boolean
  /** Issue 12: `sign_in.connections`. */
  position?: 'above' | 'below'
  /** Issue 12: why the page is shown again (a connection's failure), in words already. */
  notice?: string | undefined
  /** Issue 12: the organization's sign-in the user must use instead (required SSO), under the alert. */
  requiredConnection?: { name: string; href: string } | undefined
  /** Issue 13: `passkeys.enabled`: the passkey button (shown by its script) and passkeys in the Email field's autofill. */
  passkey?: PasskeyButton | undefined
  /** Issue 13: good news to show above the form (the password was reset), in words already. */
  info?: string | undefined
  /** Issue 13: "Forgot password?" (with the password form). */
  forgotHref?: string | undefined
  /** Issue 13: "Create account", when sign-up is on for this client. */
  signUpHref?: string | undefined
  /** Issue 13: "Email me a sign-in link" / "Email me a code" (`passwordless`), when either is on. */
  emailSignIn?: EmailSignInButtons | undefined
}

/** The connections' sign-in links ("Continue with <name>"), also on the identify page (issue 12). */
/** The top of the sign-in and identify pages: title, client, why it is shown again, required SSO. */
export function signInHeading(
  v: { clientName: string; error?: string | undefined; notice?: string | undefined; info?: string | undefined; requiredConnection?: { name: string; href: string } | undefined },
  m: ReturnType<typeof messagesFor>['login'],
): SafeHtml {
  return html`<h1>${m.title}</h1>
<p class="muted">${m.continueTo} <strong>${v.clientName}</strong></p>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
${v.notice ? html`<p class="error" role="alert">${v.notice}</p>` : ''}
${v.info ? html`<p class="notice" role="status">${v.info}</p>` : ''}
${v.requiredConnection ? html`<p><a class="button" href="${v.requiredConnection.href}">${m.continueWith(v.requiredConnection.name)}</a></p>` : ''}`
}

export function connectionButtons(connections: readonly ConnectionButton[], locale: Locale, look: Look): SafeHtml | '' {
  const m = messagesFor(locale, look).login
  return connections.length === 0
    ? ''
    : html`<ul class="connections" aria-label="${m.otherWays}">
${connections.map((c) => html`<li><a class="button connection" href="${c.href}">${connectionIconSvg(c.type)}${m.continueWith(c.name)}</a></li>`)}
</ul>`
}

export function loginPage(v: LoginView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const all = messagesFor(locale, look)
  const m = all.login
  const password = v.password ?? true
  const buttons = connectionButtons(v.connections ?? [], locale, look)
  const form = password
    ? html`<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="email">${m.email}</label>
<input id="email" name="email" type="email" autocomplete="${v.passkey ? 'username webauthn' : 'username'}" required autofocus value="${v.email ?? ''}">
<label for="password">${m.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">${m.submit}</button>
${emailSignInButtons(v.emailSignIn, locale, look)}
</form>
${v.forgotHref ? html`<p><a href="${v.forgotHref}">${all.reset.link}</a></p>` : ''}`
    : v.emailSignIn !== undefined && (v.emailSignIn.link || v.emailSignIn.code)
      ? emailOnlyForm(v.emailSignIn, v.csrf, v.email, m.email, locale, look)
      : ''
  const signUp = v.signUpHref ? html`<p class="muted">${all.signUp.prompt} <a href="${v.signUpHref}">${all.signUp.link}</a></p>` : ''
  const or = buttons !== '' && form !== '' ? html`<p class="or muted">${m.or}</p>` : ''
  const below = v.position === 'below'
  return page(
    m.title,
    html`${signInHeading(v, m)}
${below ? form : buttons}
${or}
${below ? buttons : form}
${v.passkey ? passkeySignInButton(v.passkey, locale, look) : ''}
${signUp}`,
    locale,
    look,
    v.passkey ? passkeysScript(v.passkey.script) : undefined,
  )
}
