/**
 * Issue 13: the offer to add a passkey right after sign-up, without HTTP. When a new account's
 * email is verified in the browser that signed up (or at once, with `sign_up.verify_email: none`)
 * and `completeSignIn` started its session, the answer is the page **Add a passkey for faster
 * sign-in?** instead of the redirect to the interaction page: it is the answer to that one
 * request, so it is shown once per sign-up, and **Not now** is a plain link to where the redirect
 * went (the interaction page), so nothing waits on it and it works without JavaScript.
 *
 * Adding the passkey is the account page's registration (interaction/passkeys.ts, the same
 * ceremony and rules), allowed only for the interaction's own session while it is recent
 * (`passkeys.reauthentication_max_age`, as on `/account/passkeys`), and then goes on to the
 * interaction page as **Not now** does.
 */
import type { LatchContext } from '../context.js'
import { currentSession, type ActiveSession, type CookieJar } from '../sessions/idp-session.js'
import type { SessionRecord } from '../storage/store.js'
import { recentlyAuthenticated } from './passkeys.js'
import type { LoadedInteraction } from './pages.js'

/** Whether a sign-up that just signed in (`session` started, not held at a second factor) gets the offer. */
export function offersPasskey(ctx: LatchContext, session: SessionRecord | null): boolean {
  return ctx.config.passkeys.enabled && session !== null
}

/** The browser's session, when it is the one this interaction signed in and recent enough to add a passkey; else null. */
export async function offerSession(ctx: LatchContext, l: LoadedInteraction, cookies: CookieJar): Promise<ActiveSession | null> {
  const active = await currentSession(ctx, cookies)
  if (active === null || l.interaction.session_id !== active.session.id || l.interaction.user_id !== active.user.id) return null
  return recentlyAuthenticated(ctx, active) ? active : null
}
