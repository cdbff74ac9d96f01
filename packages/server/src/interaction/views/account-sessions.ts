/**
 * Issue 13: the account page's "Active sessions": every live session of the user, newest first,
 * with when it began, how the user signed in (its `amr`, in words) and the device its User-Agent
 * describes; this browser's is marked "This device" (its way out is the page's **Sign out**), each
 * other has a **Sign out <device>** form posting its id to `/account/sessions/end` (the button is
 * described by the session's date and methods: two sessions of one browser kind are told apart).
 */
import { describeUserAgent } from '../../rules/user-agent.js'
import { html, type SafeHtml } from './layout.js'
import type { Messages } from './messages.js'
import { csrfField, day, section } from './account-section.js'

export interface SessionItem {
  id: string
  createdAt: number
  amr: readonly string[]
  userAgent: string | null | undefined
  current: boolean
}

export interface SessionsView {
  sessions: readonly SessionItem[]
  action: string
  csrf: string
}

/** The sign-in methods of `amr` in words, each once ("password, two-step verification"); `user` (verification by the authenticator) is part of the passkey. */
export function methodsOf(amr: readonly string[], m: Messages['account']): string {
  const words = m.methods as Readonly<Record<string, string>>
  const known = amr.filter((v) => v !== 'user').map((v) => (Object.hasOwn(words, v) && v !== 'other' ? words[v]! : m.methods.other))
  return [...new Set(known)].join(', ')
}

export function deviceOf(userAgent: string | null | undefined, m: Messages['account']): string {
  const { browser, system } = describeUserAgent(userAgent)
  if (browser !== null && system !== null) return m.device(browser, system)
  return browser ?? system ?? m.unknownDevice
}

export function sessionsSection(v: SessionsView, m: Messages['account']): SafeHtml {
  return section('sessions', m.sessionsHeading, html`<ul class="identities">${v.sessions.map((s) => {
    const device = deviceOf(s.userAgent, m)
    const methods = methodsOf(s.amr, m)
    return html`<li><strong>${device}</strong>${s.current ? html` · <strong class="this-device">${m.thisDevice}</strong>` : ''}<br>
<span class="muted" id="session-${s.id}"><time datetime="${day(s.createdAt)}">${m.signedInOn(day(s.createdAt))}</time>${methods === '' ? '' : html` · ${m.signedInWith} ${methods}`}</span>
${s.current ? '' : html`<form method="post" action="${v.action}">${csrfField(v.csrf)}<input type="hidden" name="session" value="${s.id}"><button type="submit" class="secondary" aria-describedby="session-${s.id}">${m.signOutSession(device)}</button></form>`}</li>`
  })}</ul>`)
}
