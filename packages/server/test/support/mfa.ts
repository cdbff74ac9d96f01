/**
 * Issue 13 test helpers: a TOTP authenticator enrolled for a user through the real store and
 * encryption (what the enrolment page does once its first code is confirmed), and readers of the
 * second-factor pages' markup (interaction/views/mfa.ts).
 */
import type { LatchContext } from '../../src/context.js'
import { issueRecoveryCodes } from '../../src/interaction/second-factor.js'
import { encryptTotpSecret } from '../../src/sessions/second-factor.js'
import { newTotpSecret } from '../../src/users/totp.js'
import { parseForms, unescapeHtml, type Form, type Page } from '../browser.js'

/** Enrols a confirmed TOTP authenticator (step 0 accepted: any code of now is new) and ten recovery codes. */
export async function enrolTotp(ctx: LatchContext, email: string): Promise<{ userId: string; secret: string; recoveryCodes: string[] }> {
  const user = await ctx.store.users.getByEmail(email)
  if (!user) throw new Error(`no user ${email}`)
  const secret = newTotpSecret()
  await ctx.store.mfa.removeTotp(user.id)
  if (!(await ctx.store.mfa.beginTotp(user.id, await encryptTotpSecret(ctx, secret), ctx.clock.now()))) throw new Error('enrolment refused')
  if (!(await ctx.store.mfa.confirmTotp(user.id, 0, ctx.clock.now()))) throw new Error('confirmation refused')
  return { userId: user.id, secret, recoveryCodes: await issueRecoveryCodes(ctx, user.id) }
}

export function isSecondFactorPage(page: Page): boolean {
  return /autocomplete="one-time-code"/.test(page.html) && /name="recovery_code"/.test(page.html)
}

export function isEnrolmentPage(page: Page): boolean {
  return /<svg class="qr" role="img"/.test(page.html) && /autocomplete="one-time-code"/.test(page.html) && !/name="recovery_code"/.test(page.html)
}

/** The TOTP form of the second-factor page (the first form), or the recovery code's (the second). */
export function secondFactorForm(page: Page, which: 'totp' | 'recovery_code' = 'totp'): Form {
  const forms = parseForms(page.html)
  const form = forms[which === 'totp' ? 0 : 1]
  if (!isSecondFactorPage(page) || !form) throw new Error(`expected the second-factor page at ${page.url}, got ${page.status}:\n${page.html.slice(0, 600)}`)
  return form
}

/** The key shown under the QR code, without its grouping spaces. */
export function shownSecret(page: Page): string {
  const m = /<p class="secret" id="secret">([^<]*)<\/p>/.exec(page.html)
  if (!m) throw new Error('no secret on the page')
  return unescapeHtml(m[1] as string).replace(/\s/g, '')
}

/** The recovery codes of the page that shows them once. */
export function shownRecoveryCodes(page: Page): string[] {
  return [...page.html.matchAll(/<li><code>([0-9a-z-]+)<\/code><\/li>/g)].map((m) => m[1] as string)
}

/** The recovery codes page's **Continue**. */
export function continueHref(page: Page): string {
  const m = /<a class="button" href="([^"]+)" id="continue">/.exec(page.html)
  if (!m) throw new Error('no Continue link')
  return unescapeHtml(m[1] as string)
}
