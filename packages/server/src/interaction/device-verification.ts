/**
 * Device verification (RFC 8628 §3.3): the user types the `user_code` shown on the device at
 * `verification_uri` (`endpoints/device-verification.ts`, the form: `views/device-code.ts`), then
 * signs in and approves or denies on the shared interaction pages, which call back into
 * `deviceKind` here. No HTTP: these return outcomes the endpoints send.
 * - A submitted code is normalized and looked up; an unknown or expired code re-renders the form.
 *   Wrong codes are throttled per code, per source (IPv4 address; IPv6 /64, /56 and /48) and over
 *   every source (issue 8), because the user code is short enough to brute-force (§5.1: "rate
 *   limit ... user code"), by the login throttle, so with Redis the budgets are shared by every
 *   node (issue 4). A known code starts an interaction.
 * - Consent is always shown (§5.4: the user must see which client asks for what, since a phisher
 *   can relay a code from their own device), names the client, shows the code again beside
 *   **Allow**, and a remembered consent never skips it. Only its CSRF-checked POST approves.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.4
 */
import type { LatchContext } from '../context.js'
import { hashHandle } from '../lib/random.js'
import { displayUserCode, normalizeUserCode, USER_CODE_LENGTH } from '../rules/user-code.js'
import { notChecked } from '../users/login-throttle.js'
import { beginInteraction } from './begin.js'
import { plainGrant } from './granted-scope.js'
import type { FinishedInteraction, InteractionKind } from './kinds.js'
import { interactionScope } from './kinds.js'
import { pageOutcome, type Outcome } from './outcome.js'
import { errorPage } from './views/layout.js'
import type { Look } from './views/branding.js'
import { tenantLook } from './page-look.js'
import { deviceConnectedPage, deviceDeniedPage } from './views/device-code.js'
import { DEFAULT_LOCALE, messagesFor, storedLocale, type Locale } from './views/locales.js'

/** The answer to a submitted code: the form again (with why), or the interaction it starts. */
export type UserCodeAnswer =
  | { type: 'code_form'; status: 400; reason: 'invalid_code' }
  | { type: 'code_form'; status: 429; reason: 'throttled'; retryAfter: number }
  | Outcome

/** RFC 8628 §3.3, §5.1: looks up the code the user typed, under the brute-force throttle. */
export async function submitUserCode(ctx: LatchContext, input: string, ip: string, locale: Locale = DEFAULT_LOCALE, userAgent?: string): Promise<UserCodeAnswer> {
  const code = normalizeUserCode(input)
  // RFC 8628 §5.1: per source (the throttle counts an IPv6 /64 as one) and in total; the
  // per-"account" key is the code itself, so retrying one mistyped code is bounded too.
  // Prefixed so it never shares a bucket with sign-in.
  const account = `device:${code}`
  // A short or empty code is a typo, not a guess: answered without spending the budget.
  if (code.length !== USER_CODE_LENGTH) return { type: 'code_form', status: 400, reason: 'invalid_code' }
  const attempt = await ctx.throttle.attempt(account, ip)
  if (!attempt.allowed) {
    ctx.events.emit('throttle.engaged', { throttle: 'user_code', ip })
    return { type: 'code_form', status: 429, reason: 'throttled', retryAfter: attempt.retryAfter }
  }
  const now = ctx.clock.now()
  const userCodeHash = hashHandle(code)
  const record = await ctx.store.deviceCodes.getByUserCode(userCodeHash, now).catch(notChecked(attempt))
  if (!record || record.status !== 'pending' || record.expires_at <= now) return { type: 'code_form', status: 400, reason: 'invalid_code' }
  await attempt.succeeded()
  return beginInteraction(ctx, {
    kind: 'device',
    client_id: record.client_id,
    // The code in clear too, only so the consent page can show it for the user to compare with
    // the device (§5.4). Storing it adds no exposure: 34.5 bits, so its hash beside it would be
    // inverted in seconds; and it lives no longer than the device code.
    params: {
      user_code_hash: userCodeHash,
      user_code: displayUserCode(code),
      scope: record.scope,
      resource: record.resource,
      // The language of the code page carries over to the sign-in, consent and result pages.
      ui_locales: [locale],
    },
    ip,
    userAgent,
  })
}

function userCodeHashOf(finished: FinishedInteraction): string | null {
  const value = finished.interaction.params.user_code_hash
  return typeof value === 'string' && value !== '' ? value : null
}

function expiredPage(locale: Locale, look: Look): Outcome {
  const m = messagesFor(locale, look).device
  return pageOutcome(400, errorPage(m.expiredTitle, m.expiredMessage, undefined, locale, look))
}

/** What the device flow does at the end of the shared login and consent pages. */
export const deviceKind: InteractionKind = {
  // No organizations: the device flow has no page to choose one on (config refuses organization_required with it).
  async resolve(_ctx, interaction) {
    return { type: 'grant', grant: plainGrant(interactionScope(interaction)) }
  },
  // RFC 8628 §5.4: always ask; remembered consent or skip_consent would let a relayed code through unseen.
  async needsConsent() {
    return true
  },
  // The user is at the keyboard typing a code; an existing session is enough (no prompt/max_age here).
  requiresFreshLogin() {
    return false
  },
  async approve(finished) {
    const { ctx, interaction, client, session } = finished
    const locale = storedLocale(interaction.params.ui_locales)
    const hash = userCodeHashOf(finished)
    // Never grant more than the device asked for, whatever the consent form posted.
    const requested = new Set(interactionScope(interaction))
    const granted = finished.grant.scope.filter((s) => requested.has(s))
    const decided = hash !== null && (await ctx.store.deviceCodes.decide(
      hash,
      {
        status: 'approved',
        user_id: session.user.id,
        auth_time: session.session.auth_time,
        session_id: session.session.id,
        granted_scope: granted.join(' '),
        // Issue 13: the device's grant keeps how the user signed in (its tokens' amr and acr).
        amr: session.session.amr,
      },
      ctx.clock.now(),
    ))
    if (!decided) return expiredPage(locale, tenantLook(ctx))
    ctx.events.emit('device_code.approved', { client_id: client.client_id, user_id: session.user.id })
    return pageOutcome(200, deviceConnectedPage(client.client_name, locale, tenantLook(ctx)))
  },
  async deny(finished) {
    const { ctx, client, session } = finished
    const locale = storedLocale(finished.interaction.params.ui_locales)
    const hash = userCodeHashOf(finished)
    const decided = hash !== null && (await ctx.store.deviceCodes.decide(
      hash,
      { status: 'denied', user_id: session.user.id, auth_time: session.session.auth_time, session_id: session.session.id, granted_scope: null },
      ctx.clock.now(),
    ))
    // Already decided elsewhere (or expired): saying "denied" could hide that another tab approved.
    if (!decided) return expiredPage(locale, tenantLook(ctx))
    ctx.events.emit('device_code.denied', { client_id: client.client_id, user_id: session.user.id })
    return pageOutcome(200, deviceDeniedPage(client.client_name, locale, tenantLook(ctx)))
  },
}
