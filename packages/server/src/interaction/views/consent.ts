/**
 * The consent page: the client's name, the API the token will be for (RFC 8707: the user
 * authorizes access to a resource, not only scopes), each requested scope with its description,
 * buttons **Allow** and **Deny** (docs/architecture.md §2). Issue 10: a granted template instance
 * is described concretely ("Read Acme Corp data"), the organization the app will act for has a
 * line of its own, and a closing line names the template-shaped scopes not granted (RFC 6749 §3.3).
 * Issue 14: when the grant carries an admin scope, a notice above the scopes says the app gets
 * administrator access in the user's name, and each admin scope has its own text; the admin scopes
 * the user's roles do not give are named in the closing line.
 */
import { isAdminScope } from '../../rules/admin-api.js'
import { resourceDisplayName, type ResourceConfig } from '../../rules/resource.js'
import { html, page } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'

export interface ConsentView {
  action: string
  csrf: string
  clientName: string
  userEmail: string
  scopes: { name: string; description: string }[]
  /** The API the token is for; null: none (sign-in and UserInfo only). */
  resource?: { identifier: string; name: string } | null
  /** Device flow: remind the user to check the code matches their device (RFC 8628 §5.4). */
  deviceNotice?: boolean
  /** Device flow: the user code, shown large for that check. */
  userCode?: string | undefined
  /** Issue 10: the organization the app will act for. */
  organization?: { id: string; name: string } | null
  /** The concrete scope shown, posted back so that consent never covers more than the page said. */
  grantedScope?: string
  /** Issue 10: template-shaped scopes asked and not granted (RFC 6749 §3.3), named in the closing line. */
  notGranted?: readonly string[]
}

/** The most refused values named one by one (the request may list many; the rest are counted). */
const NOT_GRANTED_SHOWN = 10

export function consentPage(v: ConsentView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).consent
  return page(
    m.title,
    html`<h1>${m.heading(v.clientName)}</h1>
<p class="muted">${m.signedInAs} ${v.userEmail}</p>
${v.deviceNotice
    ? html`${v.userCode ? html`<p class="code-label">${m.codeOnDevice}</p>
<p class="user-code">${v.userCode}</p>` : ''}
<p><strong>${m.deviceNotice(v.userCode !== undefined)}</strong></p>`
    : ''}
${v.resource ? html`<p>${m.forApi} <strong>${v.resource.name}</strong>${v.resource.name !== v.resource.identifier ? html` <span class="muted">(${v.resource.identifier})</span>` : ''}, ${m.itIsAsking}</p>` : html`<p>${m.asking}</p>`}
${v.scopes.some((s) => isAdminScope(s.name)) ? html`<p class="notice" role="note"><strong>${m.adminNotice}</strong></p>` : ''}
<ul class="scopes">${v.scopes.map((s) => html`<li><strong>${s.description}</strong> <span class="muted">(${s.name})</span></li>`)}</ul>
${v.organization ? html`<p>${m.forOrganization} <strong>${v.organization.name}</strong> <span class="muted">(${v.organization.id})</span></p>` : ''}
${v.notGranted && v.notGranted.length > 0 ? html`<p class="muted">${m.notGranted(notGrantedList(v.notGranted, locale, look))}</p>` : ''}
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
${v.grantedScope !== undefined ? html`<input type="hidden" name="scope" value="${v.grantedScope}">` : ''}
<div class="actions">
<button type="submit" name="decision" value="deny" class="secondary">${m.deny}</button>
<button type="submit" name="decision" value="allow">${m.allow}</button>
</div>
</form>`,
    locale,
    look,
  )
}

/** Each scope with its text: `concrete` first (a granted template instance: "Read Acme Corp data"), then the configured or standard one. */
export function describeScopes(
  scopes: readonly string[],
  configured: readonly { name: string; description: string }[],
  concrete: Readonly<Record<string, string>> = {},
  locale: Locale = DEFAULT_LOCALE,
  look: Look = DEFAULT_LOOK,
): { name: string; description: string }[] {
  const m = messagesFor(locale, look).consent
  // Issue 14: the admin scopes cannot be configured, so their texts are the catalogue's.
  const standard: Readonly<Record<string, string>> = { ...m.scopes, 'admin:read': m.adminScopes.read, 'admin:write': m.adminScopes.write, 'admin:*': m.adminScopes.all }
  return scopes.map((name) => ({
    name,
    description: concrete[name] ?? configured.find((s) => s.name === name)?.description ?? standard[name] ?? name,
  }))
}

function notGrantedList(scopes: readonly string[], locale: Locale, look: Look): string {
  const shown = scopes.slice(0, NOT_GRANTED_SHOWN).join(', ')
  return scopes.length > NOT_GRANTED_SHOWN ? `${shown} ${messagesFor(locale, look).consent.andMore(scopes.length - NOT_GRANTED_SHOWN)}` : shown
}

export function describeResource(resource: string | null, config: ResourceConfig): { identifier: string; name: string } | null {
  return resource === null ? null : { identifier: resource, name: resourceDisplayName(resource, config) }
}
