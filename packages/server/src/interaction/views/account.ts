/**
 * Issue 12: the account page (`GET /account`): the signed-in email, the linked upstream accounts
 * (connection, the email the upstream gave, the date) each with an **Unlink** button (a form with
 * a CSRF token), and a **Link <name>** link per connection not linked yet; and the page for a
 * browser without a session. No JavaScript; one form per linked account.
 */
import { html, page } from './layout.js'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { DEFAULT_LOCALE, messagesFor, type Locale } from './locales.js'
import { connectionIconSvg } from './connection-icons.js'
import type { ConnectionButton } from './login.js'

/** What the page says after an action (`?notice=`); any other value is ignored. */
export const ACCOUNT_NOTICES = ['unlinked', 'last_method', 'not_linked', 'linked', 'taken', 'link_failed', 'reauth_needed'] as const
export type AccountNotice = (typeof ACCOUNT_NOTICES)[number]

export function isAccountNotice(value: unknown): value is AccountNotice {
  return typeof value === 'string' && (ACCOUNT_NOTICES as readonly string[]).includes(value)
}

export interface AccountView {
  email: string
  csrf: string
  unlinkAction: string
  identities: { connectionId: string; name: string; email: string | null; linkedAt: number }[]
  /** Connections the user may link (enabled, not an organization's, not linked yet). */
  linkable: ConnectionButton[]
  notice?: AccountNotice | undefined
  /** Issue 13: the page that changes the email address. */
  changeEmailHref?: string | undefined
}

/** The date an identity was linked, as YYYY-MM-DD (the same in every language, and in `<time datetime>`). */
function day(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10)
}

export function accountPage(v: AccountView, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).account
  const noticeText = v.notice === undefined ? undefined : {
    unlinked: m.unlinked, last_method: m.lastMethod, not_linked: m.notLinked, linked: m.linked, taken: m.taken, link_failed: m.linkFailed, reauth_needed: m.reauthNeeded,
  }[v.notice]
  const refused = v.notice !== undefined && v.notice !== 'unlinked' && v.notice !== 'linked'
  return page(
    m.title,
    html`<h1>${m.title}</h1>
<p class="muted">${m.signedInAs} <strong>${v.email}</strong></p>
${v.changeEmailHref ? html`<p><a href="${v.changeEmailHref}">${messagesFor(locale, look).passwordless.changeLink}</a></p>` : ''}
${noticeText === undefined ? '' : refused ? html`<p class="error" role="alert">${noticeText}</p>` : html`<p class="notice" role="status">${noticeText}</p>`}
<h2>${m.linkedHeading}</h2>
${v.identities.length === 0
    ? html`<p>${m.none}</p>`
    : html`<ul class="identities">${v.identities.map((i) => html`<li><strong>${i.name}</strong>${i.email !== null ? html` · ${i.email}` : ''} · <time datetime="${day(i.linkedAt)}">${m.linkedOn(day(i.linkedAt))}</time>
<form method="post" action="${v.unlinkAction}"><input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="connection" value="${i.connectionId}"><button type="submit" class="secondary">${m.unlink(i.name)}</button></form></li>`)}</ul>`}
${v.linkable.length === 0 ? '' : html`<h2>${m.linkHeading}</h2>
<ul class="connections">${v.linkable.map((c) => html`<li><a class="button connection" href="${c.href}">${connectionIconSvg(c.type)}${m.link(c.name)}</a></li>`)}</ul>`}`,
    locale,
    look,
  )
}

export function notSignedInPage(locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  const m = messagesFor(locale, look).account
  return page(m.notSignedInTitle, html`<h1>${m.notSignedInTitle}</h1>\n<p>${m.notSignedInText}</p>`, locale, look)
}
