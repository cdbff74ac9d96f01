/**
 * The consent page: the client's name, each requested scope with its description, buttons
 * **Allow** and **Deny** (ARCHITECTURE.md §2).
 */
import { html, page } from './layout.js'

export interface ConsentView {
  action: string
  csrf: string
  clientName: string
  userEmail: string
  scopes: { name: string; description: string }[]
  /** Device flow: remind the user to check the code matches their device (RFC 8628 §5.4). */
  deviceNotice?: boolean
  /** Device flow: the user code, shown large for that check. */
  userCode?: string | undefined
}

export function consentPage(v: ConsentView): string {
  return page(
    'Allow access',
    html`<h1>${v.clientName} wants access to your account</h1>
<p class="muted">Signed in as ${v.userEmail}</p>
${v.deviceNotice
    ? html`${v.userCode ? html`<p class="code-label">Code on your device</p>
<p class="user-code">${v.userCode}</p>` : ''}
<p><strong>Only allow this if your device shows ${v.userCode ? 'this code' : 'the code you entered'} and you started signing in on it yourself.</strong></p>`
    : ''}
<p>It is asking to:</p>
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
