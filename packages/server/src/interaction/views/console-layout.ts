/**
 * Issue 14: the shell of the admin console's pages (`/admin`…): Latch's page (layout.ts: escaped,
 * no JavaScript, fluid) made wider for lists, with a skip link as the first stop of the keyboard, the
 * sections' navigation (`aria-current` on the page's own), who is signed in with which role and
 * **Sign out**, then the page's content under its `<h1>`. At 375 px everything stacks: no list
 * scrolls sideways (WCAG 2.2 §1.4.10). Also the pages around it: not signed in, no access (403),
 * two-step verification required, and the confirmation of a change that cannot be undone.
 */
import { COLOURS, DEFAULT_LOOK, type Look } from './branding.js'
import { csrfField } from './account-section.js'
import { CONSOLE_MESSAGES as m } from './console-messages.js'
import { html, page, SafeHtml } from './layout.js'

/** The console's own styles (in the head, before the page's: `body>` outranks the page's rules it widens); colours from the same AA palette (contrast.test.ts checks those). */
const CONSOLE_CSS = `
body>header.brand,body>main,body>footer.links{max-width:60rem}
a.skip{position:absolute;inset-inline-start:-10000px}a.skip:focus{position:static;display:inline-block;margin-bottom:.5rem}
nav.console ul{list-style:none;margin:0 0 1rem;padding:0 0 .75rem;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;border-bottom:1px solid #d5d9e0}
nav.console a[aria-current=page]{font-weight:700;color:${COLOURS.text}}
.who{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;justify-content:space-between;margin-bottom:1.25rem}.who p{margin:0}
button.inline,.who button{display:inline-block;width:auto;margin:.5rem .5rem 0 0;padding:.45rem .9rem}
ul.rows{list-style:none;margin:1rem 0;padding:0}ul.rows>li{padding:.75rem 0;border-bottom:1px solid #d5d9e0;overflow-wrap:anywhere}
ul.rows form{display:inline}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}
@media (max-width:30rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.5rem}}
textarea,select{width:100%;padding:.65rem;font:inherit;border:1px solid #767f8f;border-radius:8px;background:${COLOURS.card};color:${COLOURS.text}}
.check{display:flex;align-items:center;gap:.6rem;margin:.5rem 0}.check label{margin:0;font-weight:400}.check input{width:1.2rem;height:1.2rem;margin:0;flex:none}
pre.data{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f4f7;padding:.75rem;border-radius:8px;font-size:.85rem}
p.secret{font:700 1.05rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:.75rem;border:2px solid ${COLOURS.text};border-radius:8px;overflow-wrap:anywhere;user-select:all}
.actions>button,.actions>a.button{flex:1;width:auto}
details{margin:1rem 0}summary{cursor:pointer;font-weight:600}
`

export type ConsoleSection = 'overview' | 'clients' | 'users' | 'organizations' | 'connections' | 'keys' | 'audit'

export interface ConsoleFrame {
  /** The console's URL (`<issuer>/admin`), to which its pages' paths are added. */
  base: string
  email: string
  write: boolean
  csrf: string
  signOutAction: string
  section: ConsoleSection
  look?: Look | undefined
}

/** A success (role=status) or a refusal (role=alert) shown under the heading. */
export type Notice = { text: string; alert?: boolean }

function noticeHtml(notice: Notice | undefined): SafeHtml | string {
  if (notice === undefined) return ''
  return notice.alert === true ? html`<p class="error" role="alert">${notice.text}</p>` : html`<p class="notice" role="status">${notice.text}</p>`
}

const SECTIONS: readonly [ConsoleSection, string, string][] = [
  ['overview', '', m.overview],
  ['clients', '/clients', m.clients],
  ['users', '/users', m.users],
  ['organizations', '/organizations', m.organizations],
  ['connections', '/connections', m.connections],
  ['keys', '/keys', m.keys],
  ['audit', '/audit', m.audit],
]

export function consolePage(frame: ConsoleFrame, title: string, content: SafeHtml, notice?: Notice): string {
  const nav = SECTIONS.map(([id, path, label]) => html`<li><a href="${frame.base}${path}"${id === frame.section ? new SafeHtml(' aria-current="page"') : ''}>${label}</a></li>`)
  return page(
    `${title} · ${m.title}`,
    html`<a class="skip" href="#content">${m.skip}</a>
<nav class="console" aria-label="${m.nav}"><ul>${nav}</ul></nav>
<div class="who"><p class="muted">${m.signedInAs} <strong>${frame.email}</strong> (${frame.write ? m.roleAdmin : m.roleViewer})</p>
<form method="post" action="${frame.signOutAction}">${csrfField(frame.csrf)}<input type="hidden" name="confirm" value="yes"><button type="submit" class="secondary">${m.signOut}</button></form></div>
<div id="content" tabindex="-1">
<h1>${title}</h1>
${noticeHtml(notice)}
${content}
</div>`,
    'en',
    frame.look ?? DEFAULT_LOOK,
    new SafeHtml(`<style>${CONSOLE_CSS}</style>`),
  )
}

function plainPage(title: string, body: SafeHtml, look: Look): string {
  return page(`${title} · ${m.title}`, body, 'en', look, new SafeHtml(`<style>${CONSOLE_CSS}</style>`))
}

/** Without a session: **Sign in** (a form, so that no link or prefetch begins an interaction). */
export function consoleSignInPage(v: { action: string; csrf: string }, look: Look): string {
  return plainPage(m.title, html`<h1>${m.title}</h1>
<p>${m.notSignedInText}</p>
<form method="post" action="${v.action}">${csrfField(v.csrf)}<button type="submit">${m.signIn}</button></form>`, look)
}

/** Signed in without an admin role in this tenant: 403, and the way out. */
export function consoleForbiddenPage(v: { email: string; csrf: string; signOutAction: string }, look: Look): string {
  return plainPage(m.forbiddenTitle, html`<h1>${m.forbiddenTitle}</h1>
<p class="error" role="alert">${m.forbiddenText}</p>
<p class="muted">${m.signedInAs} <strong>${v.email}</strong></p>
<form method="post" action="${v.signOutAction}">${csrfField(v.csrf)}<input type="hidden" name="confirm" value="yes"><button type="submit" class="secondary">${m.signOut}</button></form>`, look)
}

/** `admin.require_mfa`: a session of one factor signs in again with two (interaction/account-kind.ts, `step_up` admin). */
export function consoleStepUpPage(v: { email: string; action: string; csrf: string }, look: Look): string {
  return plainPage(m.stepUpTitle, html`<h1>${m.stepUpTitle}</h1>
<p>${m.stepUpText}</p>
<p class="muted">${m.signedInAs} <strong>${v.email}</strong></p>
<form method="post" action="${v.action}">${csrfField(v.csrf)}<input type="hidden" name="step_up" value="admin"><button type="submit">${m.stepUpButton}</button></form>`, look)
}

/** A change that cannot be undone, asked again: the same form with `confirm=yes`, or back. */
export function confirmContent(v: { question: string; action: string; csrf: string; fields: Record<string, string>; back: string }): SafeHtml {
  const hidden = Object.entries(v.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)
  return html`<p>${v.question}</p>
<form method="post" action="${v.action}">${csrfField(v.csrf)}${hidden}<input type="hidden" name="confirm" value="yes">
<div class="actions"><button type="submit">${m.confirm}</button><a class="button secondary" href="${v.back}">${m.cancel}</a></div></form>`
}

/**
 * A refused form's alert, beside the form (WCAG 2.2 §3.3.1): its text, and the attributes that put
 * focus in the form's first field and tie that field to the alert.
 */
export function formAlert(id: string, text: string | undefined): { alert: SafeHtml | string; focus: SafeHtml | string } {
  if (text === undefined) return { alert: '', focus: '' }
  return { alert: html`<p class="error" role="alert" id="${id}">${text}</p>`, focus: html` autofocus aria-describedby="${id}"` }
}

/** A date and time as YYYY-MM-DD HH:MM UTC (the console is read by administrators across zones). */
export function when(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}
