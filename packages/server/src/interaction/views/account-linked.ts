/**
 * Issue 12: the account page's "Linked accounts": the linked upstream accounts (connection, the
 * email the upstream gave, the date) each with an **Unlink** form, and a **Link <name>** link per
 * connection not linked yet (issue 13: a section of its own).
 */
import { connectionIconSvg } from './connection-icons.js'
import { html, type SafeHtml } from './layout.js'
import type { ConnectionButton } from './login.js'
import type { Messages } from './messages.js'
import { csrfField, day, section } from './account-section.js'

export interface LinkedView {
  csrf: string
  unlinkAction: string
  identities: { connectionId: string; name: string; email: string | null; linkedAt: number }[]
  /** Connections the user may link (enabled, not an organization's, not linked yet). */
  linkable: ConnectionButton[]
}

export function linkedSection(v: LinkedView, m: Messages['account']): SafeHtml {
  return section('linked', m.linkedHeading, html`${v.identities.length === 0
    ? html`<p>${m.none}</p>`
    : html`<ul class="identities">${v.identities.map((i) => html`<li><strong>${i.name}</strong>${i.email !== null ? html` · ${i.email}` : ''} · <time datetime="${day(i.linkedAt)}">${m.linkedOn(day(i.linkedAt))}</time>
<form method="post" action="${v.unlinkAction}">${csrfField(v.csrf)}<input type="hidden" name="connection" value="${i.connectionId}"><button type="submit" class="secondary">${m.unlink(i.name)}</button></form></li>`)}</ul>`}
${v.linkable.length === 0 ? '' : html`<h3>${m.linkHeading}</h3>
<ul class="connections">${v.linkable.map((c) => html`<li><a class="button connection" href="${c.href}">${connectionIconSvg(c.type)}${m.link(c.name)}</a></li>`)}</ul>`}`)
}
