/**
 * The last steps of the authorization endpoint, once the request is valid (OIDC Core §3.1.2.3 to
 * §3.1.2.6): find the browser's session, decide whether the user must sign in or consent
 * (`policy.ts`), turn either need into `login_required` / `consent_required` under `prompt=none`,
 * and otherwise either issue a code at once (single sign-on with remembered consent) or start an
 * interaction for the sign-in and consent pages.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Authenticates
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthError
 */
import { ConsentRequiredError, LoginRequiredError } from '../errors.js'
import { currentSession } from '../sessions/idp-session.js'
import { issueAuthorizationCode } from './authorization-kind.js'
import { established, type AuthorizationState } from './authorization-request.js'
import { beginInteraction } from './begin.js'
import { needsConsent, needsLogin } from './policy.js'

/** OIDC Core §3.1.2.3: the End-User signed in to this browser, if any. */
export async function resolveSession(s: AuthorizationState): Promise<void> {
  s.session = await currentSession(s.ctx, s.cookies)
}

/** OIDC Core §3.1.2.3, §3.1.2.4: must the user sign in, and (if not) consent? */
export async function checkLoginAndConsent(s: AuthorizationState): Promise<void> {
  const request = established(s.request, 'request')
  const session = established(s.session, 'session')
  s.loginNeeded = needsLogin(request, session, s.ctx.clock.now())
  s.consentNeeded = session !== null && !s.loginNeeded && (await needsConsent(s.ctx, request, established(s.client, 'client'), session.user.id))
}

/** OIDC Core §3.1.2.6: with prompt=none, a needed page is an error instead. */
export function checkPromptNone(s: AuthorizationState): void {
  if (!established(s.request, 'request').prompt.includes('none')) return
  if (s.loginNeeded) throw new LoginRequiredError()
  if (s.consentNeeded) throw new ConsentRequiredError()
}

/** RFC 6749 §4.1.2: a code now when nothing is needed of the user, else the interaction pages. */
export async function issueCodeOrInteract(s: AuthorizationState): Promise<void> {
  const request = established(s.request, 'request')
  const client = established(s.client, 'client')
  const session = established(s.session, 'session')
  if (session && !s.loginNeeded && !s.consentNeeded) {
    s.outcome = await issueAuthorizationCode(s.ctx, request, client, session, request.scope.split(' ').filter(Boolean))
    return
  }
  s.outcome = await beginInteraction(s.ctx, {
    kind: 'authorization',
    client_id: client.client_id,
    params: request as unknown as Record<string, unknown>,
    ip: s.ip,
  })
}
