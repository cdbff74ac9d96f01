/**
 * Issue 13 (review H1, M3): how strongly a session must have signed in to change what signs the
 * user in. A user who has a second factor (a confirmed TOTP authenticator or a passkey), or whom
 * an MFA policy covers, can add, rename or delete passkeys, get new recovery codes, turn TOTP off,
 * set it up or change the password only from a session that reached `urn:latch:acr:mfa`: a session
 * that signed in with one factor (before TOTP was turned on, or before a policy applied) must not
 * mint a factor that skips the second one, nor remove it. Such a session steps up through an
 * interaction of the `account` kind (a fresh sign-in asking `acr_values` mfa, account-kind.ts)
 * that comes back to the page it was on. The password alone never makes such a session stronger.
 *
 * Enrolling a factor also needs a proven mailbox (M3): an account whose email nobody verified may
 * be someone else's pre-made account, and whatever its maker enrolled would outlive the owner's
 * password reset.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec6 (authenticator binding: "the CSP SHALL require the subscriber to authenticate at the AAL … of the existing authenticators")
 */
import { PATHS, type LatchContext } from '../context.js'
import { ACR_MFA, acrOf, satisfies } from '../rules/acr.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import { confirmedTotp, policyRequires } from '../sessions/second-factor.js'
import type { UserRecord } from '../storage/store.js'

/** Whether the user has a second factor of their own: a confirmed TOTP authenticator or a passkey. */
export async function hasSecondFactor(ctx: LatchContext, userId: string): Promise<boolean> {
  const [totp, passkeys] = await Promise.all([confirmedTotp(ctx, userId), ctx.store.passkeys.listForUser(userId)])
  return totp !== null || passkeys.length > 0
}

/** Whether changes to this user's sign-in methods need a session of two factors: they have a second factor, or a policy requires one. */
export async function needsStrongSession(ctx: LatchContext, userId: string): Promise<boolean> {
  return (await hasSecondFactor(ctx, userId)) || (await policyRequires(ctx, userId))
}

/** Whether this session signed in with two factors or more (`acr` mfa or phr). */
export function signedInStrongly(active: ActiveSession): boolean {
  return satisfies(acrOf(active.session.amr), ACR_MFA)
}

/** Whether this session must step up (sign in again with its second factor) before it changes the user's sign-in methods. */
export async function stepUpNeeded(ctx: LatchContext, active: ActiveSession): Promise<boolean> {
  return !signedInStrongly(active) && (await needsStrongSession(ctx, active.user.id))
}

/** Review M3: a factor is enrolled only on an account whose mailbox was proven (a pre-made account cannot keep one). */
export function mailboxProven(user: Pick<UserRecord, 'email_verified'>): boolean {
  return user.email_verified
}

/** The pages a step-up may come back to, by name (an allow-list: the return is no open redirect); issue 14: the admin console too. */
const STEP_UP_RETURNS = { account: PATHS.account, mfa: `${PATHS.account}/mfa`, passkeys: `${PATHS.account}/passkeys`, admin: PATHS.console } as const
export type StepUpReturn = keyof typeof STEP_UP_RETURNS

export function stepUpReturn(value: unknown): StepUpReturn {
  return typeof value === 'string' && Object.hasOwn(STEP_UP_RETURNS, value) ? (value as StepUpReturn) : 'account'
}

export function stepUpReturnUrl(ctx: LatchContext, back: StepUpReturn): string {
  return `${ctx.urls.issuer}${STEP_UP_RETURNS[back]}`
}

/**
 * Ends every session of the user but `keep` (review H1: a session signed in before the victim
 * turned two-step verification on must not survive it), each as a logout does (back-channel logout
 * queued, `session.ended` reason `mfa_enrolled`).
 */
export async function endOtherSessions(ctx: LatchContext, userId: string, keep: string | null): Promise<void> {
  const now = ctx.clock.now()
  // Pages of 100: a user has few sessions, and each ended one leaves the list.
  for (let round = 0; round < 100; round++) {
    const others = (await ctx.store.sessions.listForUser(userId, now, 101)).filter((s) => s.id !== keep)
    if (others.length === 0) return
    for (const s of others) {
      const ended = await ctx.store.sessions.endById(s.id, userId, now)
      if (ended !== null) ctx.events.emit('session.ended', { session_id: ended.id, user_id: userId, reason: 'mfa_enrolled' })
    }
  }
}
