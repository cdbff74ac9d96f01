/**
 * Issue 13: the account page's "Apps you authorized": per client the user consented to, its name,
 * what it may do (the scopes' descriptions, as the consent page showed them, per API), since when,
 * and a **Revoke <app>** form posting its `client_id` to `/account/apps/revoke`.
 */
import { html, type SafeHtml } from './layout.js'
import type { Messages } from './messages.js'
import { csrfField, day, section } from './account-section.js'

export interface AppItem {
  clientId: string
  name: string
  since: number
  /** Per API (null: none named), the descriptions of the granted scopes. */
  access: readonly { api: string | null; scopes: readonly string[] }[]
}

export interface AppsView {
  apps: readonly AppItem[]
  action: string
  csrf: string
}

export function appsSection(v: AppsView, m: Messages['account'], forApi: string): SafeHtml {
  if (v.apps.length === 0) return section('apps', m.appsHeading, html`<p>${m.noApps}</p>`)
  return section('apps', m.appsHeading, html`<ul class="identities">${v.apps.map((a) => html`<li><strong>${a.name}</strong> · <span class="muted"><time datetime="${day(a.since)}">${m.authorizedOn(day(a.since))}</time></span>
${a.access.map((x) => html`<p class="muted">${x.api === null ? m.appCan : html`${forApi} ${x.api}: ${m.appCan}`}</p><ul class="scopes">${x.scopes.map((d) => html`<li>${d}</li>`)}</ul>`)}
<form method="post" action="${v.action}">${csrfField(v.csrf)}<input type="hidden" name="client_id" value="${a.clientId}"><button type="submit" class="secondary">${m.revoke(a.name)}</button></form></li>`)}</ul>`)
}
