/**
 * How every sign-in ends once all its factors are done: the IdP session with `amr` (a fresh cookie
 * value: sessions rotate at every factor; the same `sid` when the browser already held a session
 * of this user, as a step-up does), the organizations of a verified email's domain joined, the
 * interaction marked signed in, and back to the interaction page. `completeSignIn`
 * (interaction/pages.ts) decides first whether a second factor is due (issue 13).
 * Null, and nothing written, when the user's password changed meanwhile (`startSession`).
 */
import type { LatchContext } from '../context.js'
import { joinByEmailDomain } from '../organizations/membership.js'
import { startSession, type CookieChange, type CookieJar } from '../sessions/idp-session.js'
import type { InteractionRecord, SessionRecord, UserRecord } from '../storage/store.js'
import { interactionUserAgent, signedIn } from './begin.js'
import { seeOther, type Outcome } from './outcome.js'

export async function finishSignIn(
  ctx: LatchContext,
  interaction: InteractionRecord,
  user: UserRecord,
  amr: string[],
  cookies: CookieJar,
  authTime?: number,
): Promise<{ cookies: CookieChange[]; outcome: Outcome; session: SessionRecord } | null> {
  const started = await startSession(ctx, cookies, user, amr, authTime, interactionUserAgent(interaction))
  if (!started) return null
  const { session } = started
  // Issue 10: a verified email of an organization's domain makes its owner a member (roles kept if already one).
  for (const organization_id of await joinByEmailDomain(ctx.store, user, ctx.clock.now())) {
    ctx.events.emit('organization.member_joined', { organization_id, user_id: user.id, reason: 'email_domain' })
  }
  await ctx.store.interactions.update(interaction.id, signedIn(ctx, interaction, { user_id: user.id, auth_time: session.auth_time, session_id: session.id }))
  return { cookies: [started.cookie], outcome: seeOther(`${ctx.urls.interaction}/${interaction.id}`), session }
}
