/**
 * Issue 13 (review H1): the step-up form of the account pages. A session that signed in with one
 * factor, of a user who has a second (or whom a policy covers), changes no sign-in method: the page
 * shows **Confirm it’s you** and **Sign in again**, a form (CSRF) posting to `/account/sign-in`
 * with `step_up` naming the page to come back to (interaction/account-kind.ts).
 */
import { html, type SafeHtml } from './layout.js'
import type { Messages } from './messages.js'

export interface StepUpView {
  /** `/account/sign-in`. */
  action: string
  csrf: string
  /** The account page to come back to: `account`, `mfa` or `passkeys`. */
  back: 'account' | 'mfa' | 'passkeys'
}

export function stepUpForm(v: StepUpView, m: Messages['accountStrength'], headingLevel: 'h1' | 'h2' | 'none' = 'none'): SafeHtml {
  const heading = headingLevel === 'h1' ? html`<h1>${m.stepUpTitle}</h1>\n` : headingLevel === 'h2' ? html`<h2>${m.stepUpTitle}</h2>\n` : ''
  return html`${heading}<p>${m.stepUpText}</p>
<form method="post" action="${v.action}" class="step-up">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="step_up" value="${v.back}">
<button type="submit">${m.stepUpButton}</button>
</form>`
}
