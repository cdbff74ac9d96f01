/**
 * Issue 14: the console's Signing keys page: every published key (kid, alg, status, when it signs
 * from, retires and leaves the JWK Set) and **Rotate keys**, optionally immediately (confirmed first).
 * Never a private member: only the stored record's public facts are read.
 */
import { csrfField } from './account-section.js'
import { when } from './console-layout.js'
import { CONSOLE_MESSAGES as m } from './console-messages.js'
import { html, type SafeHtml } from './layout.js'

/** A key's public facts (the stored record also has the encrypted private key, never read here). */
export interface KeyItem {
  kid: string
  alg: string
  companion_of: string | null
  activates_at: number
  retired_at: number | null
  expires_at: number | null
}

export interface KeysView {
  keys: readonly KeyItem[]
  /** The kid that signs now. */
  signing: string | null
  now: number
  write: boolean
  csrf: string
  rotateAction: string
}

function statusOf(k: KeyItem, v: KeysView): string {
  const main = k.companion_of ?? k.kid
  if (main === v.signing) return m.current
  if (k.retired_at !== null && k.retired_at <= v.now) return m.retired
  return k.activates_at > v.now ? m.next : m.retired
}

export function keysContent(v: KeysView): SafeHtml {
  const rows = v.keys.map((k) => html`<li><strong><code>${k.kid}</code></strong> · ${k.alg} · ${statusOf(k, v)}${k.companion_of !== null ? html` <span class="muted">(${m.companion(k.companion_of)})</span>` : ''}
<dl class="facts"><dt>${m.activates}</dt><dd>${when(k.activates_at)}</dd>${k.retired_at !== null ? html`<dt>${m.retires}</dt><dd>${when(k.retired_at)}</dd>` : ''}${k.expires_at !== null ? html`<dt>${m.expires}</dt><dd>${when(k.expires_at)}</dd>` : ''}</dl></li>`)
  return html`<p>${m.keysIntro}</p>
${v.keys.length === 0 ? html`<p>${m.noKeys}</p>` : html`<ul class="rows">${rows}</ul>`}
${v.write ? html`<section aria-labelledby="rotate-heading"><h2 id="rotate-heading">${m.rotate}</h2>
<form method="post" action="${v.rotateAction}">${csrfField(v.csrf)}
<div class="check"><input type="checkbox" id="rotate-now" name="immediately" value="yes"><label for="rotate-now">${m.immediately}</label></div>
<button type="submit">${m.rotate}</button></form></section>` : ''}`
}
