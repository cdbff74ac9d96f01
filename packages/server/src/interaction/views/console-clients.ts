/**
 * Issue 14: the console's Clients page: the tenant's clients (id, name, type, grants, redirect
 * URIs), **Delete** for each (confirmed first), and the **New client** form (a `clients:` entry of
 * the config file, validated by the same rules). A confidential client's secret is shown once, on
 * the answer to the form that created it: "copy it now".
 */
import { csrfField } from './account-section.js'
import { formAlert } from './console-layout.js'
import { CONSOLE_MESSAGES as m } from './console-messages.js'
import { html, type SafeHtml } from './layout.js'

/** The grant types the form offers, each a checkbox of its own (a form field is sent once). */
export const FORM_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'] as const

/** What the New client form holds (kept when a refused form is shown again). */
export interface ClientForm {
  client_id: string
  client_name: string
  type: 'confidential' | 'public'
  redirect_uris: string
  grants: readonly string[]
  scope: string
}

export const EMPTY_CLIENT_FORM: ClientForm = { client_id: '', client_name: '', type: 'confidential', redirect_uris: '', grants: ['authorization_code', 'refresh_token'], scope: 'openid profile email' }

/** What the page shows of a client (a stored client has more; never its secret's hash). */
export interface ClientItem {
  client_id: string
  client_name: string
  token_endpoint_auth_method: string
  grant_types: readonly string[]
  redirect_uris: readonly string[]
}

export interface ClientsView {
  clients: readonly ClientItem[]
  write: boolean
  csrf: string
  createAction: string
  deleteAction: string
  form: ClientForm
  /** Why the form was refused (shown beside it, focus in its first field). */
  alert?: string | undefined
  /** Just created: the secret to copy now (confidential clients). */
  secret?: { clientId: string; value: string } | undefined
}

function grantId(grant: string): string {
  return `grant-${grant.replace(/[^a-z_]/g, '-')}`
}

function clientRow(c: ClientItem, v: ClientsView): SafeHtml {
  const type = c.token_endpoint_auth_method === 'none' ? m.publicShort : m.confidentialShort
  return html`<li><strong>${c.client_id}</strong>${c.client_name !== c.client_id ? html` · ${c.client_name}` : ''} <span class="muted">(${type})</span>
<dl class="facts"><dt>${m.grantTypes}</dt><dd>${c.grant_types.join(', ') || m.none}</dd>${c.redirect_uris.length > 0 ? html`<dt>${m.redirectUris.replace(/ \(.*\)$/, '')}</dt><dd>${c.redirect_uris.join(' ')}</dd>` : ''}</dl>
${v.write ? html`<form method="post" action="${v.deleteAction}">${csrfField(v.csrf)}<input type="hidden" name="client_id" value="${c.client_id}"><button type="submit" class="secondary inline">${m.deleteClient(c.client_id)}</button></form>` : ''}</li>`
}

function createForm(v: ClientsView): SafeHtml {
  const f = v.form
  const { alert, focus } = formAlert('new-client-alert', v.alert)
  const grants = FORM_GRANT_TYPES.map((g) => html`<div class="check"><input type="checkbox" id="${grantId(g)}" name="${grantId(g)}" value="yes"${f.grants.includes(g) ? html` checked` : ''}><label for="${grantId(g)}">${g}</label></div>`)
  const radio = (value: ClientForm['type'], label: string) =>
    html`<div class="choice"><input type="radio" id="client-type-${value}" name="type" value="${value}"${f.type === value ? html` checked` : ''}><label for="client-type-${value}">${label}</label></div>`
  return html`<section aria-labelledby="new-client-heading">
<h2 id="new-client-heading">${m.newClient}</h2>
${alert}<form method="post" action="${v.createAction}">${csrfField(v.csrf)}
<label for="client-id">${m.clientId}</label><input type="text" id="client-id" name="client_id" value="${f.client_id}" required maxlength="255" autocomplete="off"${focus}>
<label for="client-name">${m.clientName}</label><input type="text" id="client-name" name="client_name" value="${f.client_name}" maxlength="255" autocomplete="off">
<fieldset><legend>${m.clientType}</legend>${radio('confidential', m.confidential)}${radio('public', m.public)}</fieldset>
<label for="redirect-uris">${m.redirectUris}</label><textarea id="redirect-uris" name="redirect_uris" rows="3" maxlength="4000">${f.redirect_uris}</textarea>
<fieldset><legend>${m.grantTypes}</legend>${grants}</fieldset>
<label for="client-scope">${m.scope}</label><input type="text" id="client-scope" name="scope" value="${f.scope}" maxlength="1000" autocomplete="off">
<button type="submit">${m.createClient}</button>
</form></section>`
}

export function clientsContent(v: ClientsView): SafeHtml {
  return html`${v.secret === undefined ? '' : html`<section aria-labelledby="secret-heading">
<h2 id="secret-heading">${m.secretHeading}</h2>
<p>${m.secretText}</p>
<p class="secret" id="client-secret">${v.secret.value}</p></section>`}
<p>${m.clientsIntro}</p>
${v.clients.length === 0 ? html`<p>${m.noClients}</p>` : html`<ul class="rows">${v.clients.map((c) => clientRow(c, v))}</ul>`}
${v.write ? createForm(v) : ''}`
}

/** The form's grant checkboxes back to grant types. */
export function grantsOfForm(params: Readonly<Record<string, string>>): string[] {
  return FORM_GRANT_TYPES.filter((g) => params[grantId(g)] === 'yes')
}
