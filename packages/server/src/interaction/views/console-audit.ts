/**
 * Issue 14: the console's Audit log page: filters (event types, user, outcome, since) in a GET form,
 * the records newest first (type, time, actor, subject, outcome; the rest in **Details**), and
 * **Older records**, the same filters with the page's cursor (paging by id, as the admin API does).
 */
import { CONSOLE_MESSAGES as m } from './console-messages.js'
import { html, type SafeHtml } from './layout.js'

/** An audit record (README "Audit log", schema version 1), as the page shows it. */
export interface AuditItem {
  type: string
  time: string
  actor: { type: string; id: string | null }
  subject: { type: string; id: string } | null
  ip: string | null
  outcome: string
  data: Record<string, unknown>
}

export interface AuditFilters {
  type: string
  user: string
  outcome: string
  since: string
}

export interface AuditView {
  action: string
  filters: AuditFilters
  records: readonly AuditItem[]
  /** The URL of the next (older) page, when there is one. */
  older: string | null
  enabled: boolean
  /** The emails of the users the records name (by id), for people to read; a deleted user has none. */
  emails: ReadonlyMap<string, string>
}

function party(p: { type: string; id: string | null } | null, emails: ReadonlyMap<string, string>): string {
  if (p === null) return m.none
  if (p.id === null) return p.type
  const email = p.type === 'user' ? emails.get(p.id) : undefined
  return email === undefined ? `${p.type} ${p.id}` : `${p.type} ${email} (${p.id})`
}

export function auditContent(v: AuditView): SafeHtml {
  const f = v.filters
  const outcome = (value: string, label: string) => html`<option value="${value}"${f.outcome === value ? html` selected` : ''}>${label}</option>`
  const rows = v.records.map((r) => html`<li><strong>${r.type}</strong> · <time datetime="${r.time}">${r.time.slice(0, 19).replace('T', ' ')} UTC</time> · ${r.outcome}
<dl class="facts"><dt>${m.actor}</dt><dd>${party(r.actor, v.emails)}</dd><dt>${m.subject}</dt><dd>${party(r.subject, v.emails)}</dd>${r.ip !== null ? html`<dt>IP</dt><dd>${r.ip}</dd>` : ''}</dl>
<details><summary>${m.details}</summary><pre class="data">${JSON.stringify(r.data, null, 2)}</pre></details></li>`)
  return html`<p>${m.auditIntro}</p>
${v.enabled ? '' : html`<p class="notice" role="status">${m.auditDisabled}</p>`}
<form method="get" action="${v.action}" aria-label="${m.filters}">
<label for="audit-type">${m.type}</label><input type="text" id="audit-type" name="type" value="${f.type}" maxlength="2000" autocomplete="off">
<label for="audit-user">${m.user}</label><input type="text" id="audit-user" name="user" value="${f.user}" maxlength="254" autocomplete="off">
<label for="audit-outcome">${m.outcome}</label><select id="audit-outcome" name="outcome">${outcome('', m.any)}${outcome('success', m.success)}${outcome('failure', m.failure)}</select>
<label for="audit-since">${m.since}</label><input type="text" id="audit-since" name="since" value="${f.since}" maxlength="64" autocomplete="off">
<button type="submit" class="secondary">${m.apply}</button></form>
${v.records.length === 0 ? html`<p>${m.noRecords}</p>` : html`<ul class="rows" id="audit-records">${rows}</ul>`}
${v.older === null ? '' : html`<p><a href="${v.older}">${m.older}</a></p>`}`
}
