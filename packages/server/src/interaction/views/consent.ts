/**
 * The consent page: the client's name, the API the token will be for (RFC 8707: the user
 * authorizes access to a resource, not only scopes), each requested scope with its description,
 * buttons **Allow** and **Deny** (ARCHITECTURE.md §2).
 */
import { resourceDisplayName, type ResourceConfig } from '../../rules/resource.js'
import { html, page } from './layout.js'

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
}

export function consentPage(v: ConsentView): string {
  return page(
    'Allow access',
    html`<h1>${v.clientName} wants access to your account</h1>
<p class="muted">Signed in as ${v.userEmail}</p>
${v.deviceNotice ? html`<p>Only allow this if you started the sign-in on your own device and the code matches.</p>` : ''}
${v.resource ? html`<p>For the API <strong>${v.resource.name}</strong>${v.resource.name !== v.resource.identifier ? html` <span class="muted">(${v.resource.identifier})</span>` : ''}, it is asking to:</p>` : html`<p>It is asking to:</p>`}
<ul class="scopes">${v.scopes.map((s) => html`<li><strong>${s.description}</strong> <span class="muted">(${s.name})</span></li>`)}</ul>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<div class="actions">
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
<button type="submit" name="decision" value="allow">Allow</button>
</div>
</form>`,
  )
}

const STANDARD_DESCRIPTIONS: Record<string, string> = {
  openid: 'Sign you in with your account',
  profile: 'See your name and basic profile',
  email: 'See your email address',
  phone: 'See your phone number',
  address: 'See your postal address',
  offline_access: 'Keep access while you are not using it',
}

export function describeScopes(scopes: string[], configured: readonly { name: string; description: string }[]): { name: string; description: string }[] {
  return scopes.map((name) => ({
    name,
    description: configured.find((s) => s.name === name)?.description ?? STANDARD_DESCRIPTIONS[name] ?? name,
  }))
}

export function describeResource(resource: string | null, config: ResourceConfig): { identifier: string; name: string } | null {
  return resource === null ? null : { identifier: resource, name: resourceDisplayName(resource, config) }
}
