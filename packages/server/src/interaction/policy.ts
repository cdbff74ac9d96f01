/**
 * When must the user sign in, and when must they consent? (OIDC Core §3.1.2.3, §3.1.2.4)
 * - Login: no session; `prompt=login` or `select_account`; the session is older than `max_age`;
 *   or `login_hint` / `id_token_hint` names someone else than the signed-in user. For a client with
 *   `organization_required` (issue 10), `select_account` asks for the organization again (the
 *   picker, interaction/organization-step.ts) rather than for a new sign-in.
 * - Consent: `prompt=consent`; or the client is not first-party (`skip_consent`) and the user has
 *   not yet granted every requested scope to it for the requested resource (consent is remembered
 *   per user, client, resource and scope, so new scopes, or the same scope for another API, ask
 *   again: RFC 8707 §2 makes the resource part of what is authorized).
 * `prompt=none` turns either need into `login_required` / `consent_required` (§3.1.2.6).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
import type { LatchContext } from '../context.js'
import type { AuthorizationRequest } from './authorization-request.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import type { ClientRecord } from '../storage/store.js'

export function needsLogin(request: AuthorizationRequest, session: ActiveSession | null, now: number, client: Pick<ClientRecord, 'organization_required'>): boolean {
  if (!session) return true
  if (request.prompt.includes('login')) return true
  if (request.prompt.includes('select_account') && !client.organization_required) return true
  // OIDC Core §3.1.2.1: max_age=0 is equivalent to prompt=login; whole seconds, so >=.
  if (request.max_age !== undefined && now - session.session.auth_time >= request.max_age) return true
  if (request.id_token_hint_sub !== undefined && request.id_token_hint_sub !== session.user.id) return true
  if (request.login_hint !== undefined && request.login_hint.includes('@') && request.login_hint.toLowerCase() !== session.user.email) return true
  return false
}

export async function needsConsent(ctx: LatchContext, request: Pick<AuthorizationRequest, 'prompt' | 'scope' | 'resource'>, client: ClientRecord, userId: string): Promise<boolean> {
  if (request.prompt.includes('consent')) return true
  if (client.skip_consent) return false
  const consent = await ctx.store.consents.get(userId, client.client_id, request.resource)
  const granted = new Set(consent?.scopes ?? [])
  return request.scope.split(' ').filter(Boolean).some((s) => !granted.has(s))
}
