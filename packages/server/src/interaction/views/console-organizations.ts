/**
 * Issue 14: the console's Organizations and Connections pages. Organizations: the list (id, name,
 * email domains), **New organization** (an `organizations:` entry, the config file's rules) and
 * **Delete** (confirmed first). Connections: the list (id, type, name, organization, who defined
 * it) and **Delete** (confirmed first); a connection is added elsewhere, so that its client secret
 * never passes through a page. The config file's connections have no **Delete**: they are the
 * file's (management/connections.ts refuses), so the page says where to change them.
 */
import { csrfField } from './account-section.js'
import { formAlert } from './console-layout.js'
import { CONSOLE_MESSAGES as m } from './console-messages.js'
import { html, type SafeHtml } from './layout.js'

export interface OrganizationItem {
  id: string
  name: string
  domains: readonly string[]
}

export interface OrganizationForm {
  id: string
  name: string
  domains: string
}

export const EMPTY_ORGANIZATION_FORM: OrganizationForm = { id: '', name: '', domains: '' }

export interface OrganizationsView {
  organizations: readonly OrganizationItem[]
  write: boolean
  csrf: string
  createAction: string
  deleteAction: string
  form: OrganizationForm
  /** Why the form was refused (shown beside it, focus in its first field). */
  alert?: string | undefined
}

export function organizationsContent(v: OrganizationsView): SafeHtml {
  const f = v.form
  const { alert, focus } = formAlert('new-organization-alert', v.alert)
  const rows = v.organizations.map((o) => html`<li><strong>${o.id}</strong> · ${o.name}
${o.domains.length > 0 ? html`<dl class="facts"><dt>${m.domainsShort}</dt><dd>${o.domains.join(' ')}</dd></dl>` : ''}
${v.write ? html`<form method="post" action="${v.deleteAction}">${csrfField(v.csrf)}<input type="hidden" name="id" value="${o.id}"><button type="submit" class="secondary inline">${m.deleteOrganization(o.id)}</button></form>` : ''}</li>`)
  return html`<p>${m.organizationsIntro}</p>
${v.organizations.length === 0 ? html`<p>${m.noOrganizations}</p>` : html`<ul class="rows">${rows}</ul>`}
${v.write ? html`<section aria-labelledby="new-organization-heading"><h2 id="new-organization-heading">${m.newOrganization}</h2>
${alert}<form method="post" action="${v.createAction}">${csrfField(v.csrf)}
<label for="organization-id">${m.organizationId}</label><input type="text" id="organization-id" name="id" value="${f.id}" required maxlength="64" autocomplete="off"${focus}>
<label for="organization-name">${m.organizationName}</label><input type="text" id="organization-name" name="name" value="${f.name}" required maxlength="255" autocomplete="off">
<label for="organization-domains">${m.domains}</label><input type="text" id="organization-domains" name="domains" value="${f.domains}" maxlength="2000" autocomplete="off">
<button type="submit">${m.createOrganization}</button></form></section>` : ''}`
}

export interface ConnectionItem {
  id: string
  type: string
  display_name: string
  organization_id: string | null
  source: string
}

export interface ConnectionsView {
  connections: readonly ConnectionItem[]
  write: boolean
  csrf: string
  deleteAction: string
}

export function connectionsContent(v: ConnectionsView): SafeHtml {
  const rows = v.connections.map((c) => html`<li><strong>${c.id}</strong> · ${c.display_name} <span class="muted">(${c.type})</span>
<dl class="facts">${c.organization_id !== null ? html`<dt>${m.organization}</dt><dd>${c.organization_id}</dd>` : ''}<dt>${m.source}</dt><dd>${c.source}</dd></dl>
${v.write && c.source === 'config' ? html`<p class="muted">${m.connectionFromFile}</p>` : ''}
${v.write && c.source !== 'config' ? html`<form method="post" action="${v.deleteAction}">${csrfField(v.csrf)}<input type="hidden" name="id" value="${c.id}"><button type="submit" class="secondary inline">${m.deleteConnection(c.id)}</button></form>` : ''}</li>`)
  return html`<p>${m.connectionsIntro}</p>
${v.connections.length === 0 ? html`<p>${m.noConnections}</p>` : html`<ul class="rows">${rows}</ul>`}`
}
