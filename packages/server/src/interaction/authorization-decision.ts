/**
 * The last steps of the authorization endpoint, once the request is valid (OIDC Core §3.1.2.3 to
 * §3.1.2.6): find the browser's session, decide whether the user must sign in (`policy.ts`), then,
 * with a session that will do, settle the organization (`organization-step.ts`, issue 10) and the
 * concrete scope (`granted-scope.ts`: `organization:<id>` and the template instances this user
 * may have), decide consent on that concrete scope, turn any page the user would need into an
 * error under `prompt=none`, and otherwise either issue a code at once (single sign-on with
 * remembered consent) or start an interaction for the sign-in, organization and consent pages.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Authenticates
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthError
 */
import { ConsentRequiredError, InteractionRequiredError, InvalidScopeError, LoginRequiredError } from '../errors.js'
import { currentSession } from '../sessions/idp-session.js'
import { issueAuthorizationCode } from './authorization-kind.js'
import { established, type AuthorizationState } from './authorization-request.js'
import { beginInteraction } from './begin.js'
import { grantedScope } from './granted-scope.js'
import { organizationStep } from './organization-step.js'
import { needsConsent, needsLogin } from './policy.js'
import { secondFactorDue } from './second-factor.js'

/** OIDC Core §3.1.2.3: the End-User signed in to this browser, if any. */
export async function resolveSession(s: AuthorizationState): Promise<void> {
  s.session = await currentSession(s.ctx, s.cookies)
}

/** OIDC Core §3.1.2.3: must the user sign in (again)? */
export function checkLogin(s: AuthorizationState): void {
  s.loginNeeded = needsLogin(established(s.request, 'request'), established(s.session, 'session'), s.ctx.clock.now(), established(s.client, 'client'))
}

/** Issue 10: with a session that will do, the organization the grant acts for, or the page that must ask. */
export async function resolveOrganization(s: AuthorizationState): Promise<void> {
  const session = established(s.session, 'session')
  if (session === null || s.loginNeeded) return
  s.organizationStep = await organizationStep(s.ctx, established(s.request, 'request'), established(s.client, 'client'), session.user.id)
}

/** RFC 6749 §3.3, issue 10: the concrete scope once the organization is settled (instances not granted are dropped). */
export async function resolveGrantedScope(s: AuthorizationState): Promise<void> {
  const session = established(s.session, 'session')
  const step = s.organizationStep
  if (session === null || step === undefined || step.type === 'picker' || step.type === 'not_member') return
  const organization = step.type === 'use' ? step.membership.organization : null
  s.grant = await grantedScope(s.ctx, established(s.request, 'request'), established(s.client, 'client'), session.user, organization)
  // Issue 14: only admin scopes asked, and this user's roles give none (RFC 6749 §4.1.2.1).
  if (s.grant.invalid !== null) throw new InvalidScopeError(s.grant.invalid)
}

/**
 * Issue 13: with a session that will do and the organization settled, is a second factor still due
 * (the tenant's, the client's or the organization's policy, the user's own TOTP, `acr_values`)?
 * Then the interaction pages step up: only the missing factor, for the same user.
 */
export async function checkSecondFactor(s: AuthorizationState): Promise<void> {
  const session = established(s.session, 'session')
  if (session === null || s.loginNeeded || s.grant === undefined) return
  const request = established(s.request, 'request')
  const interaction = { kind: 'authorization' as const, params: request as unknown as Record<string, unknown> }
  s.secondFactorNeeded = await secondFactorDue(s.ctx, interaction, established(s.client, 'client'), session.user.id, session.session.amr, s.grant.organization?.id ?? null, s.grant.scope)
}

/** OIDC Core §3.1.2.4: must the user consent to the concrete scope? */
export async function checkConsent(s: AuthorizationState): Promise<void> {
  const session = established(s.session, 'session')
  if (session === null || s.grant === undefined) return
  const request = established(s.request, 'request')
  s.consentNeeded = await needsConsent(s.ctx, { ...request, scope: s.grant.scope.join(' ') }, established(s.client, 'client'), session.user.id)
}

/**
 * OIDC Core §3.1.2.6: with prompt=none, a needed page is an error instead. Issue 10: when the
 * request involves organizations (one is asked for, or the client requires one), every answer
 * short of a code but `login_required` is `interaction_required`: telling "not a member",
 * "must choose" and "must consent" apart would let any client probe, silently, which
 * organizations the signed-in user belongs to.
 */
export function checkPromptNone(s: AuthorizationState): void {
  const request = established(s.request, 'request')
  if (!request.prompt.includes('none')) return
  if (s.loginNeeded) throw new LoginRequiredError()
  // Issue 13: a second factor is an authentication the user must do.
  if (s.secondFactorNeeded) throw new LoginRequiredError('the request needs a second factor, which needs the user')
  const step = s.organizationStep?.type
  const pageNeeded = step === 'not_member' || step === 'picker' || s.consentNeeded === true
  if (!pageNeeded) return
  if (request.organization !== undefined || s.client?.organization_required === true) {
    throw new InteractionRequiredError('the user must interact with the authorization server (sign in, choose an organization or consent)')
  }
  if (s.consentNeeded) throw new ConsentRequiredError()
}

/** The public reason of an `access_denied` for a non-member; the same whether or not the organization exists. */
export function notMemberDescription(required: boolean): string {
  return required ? 'the user is not a member of any organization' : 'the user is not a member of the requested organization'
}

/** RFC 6749 §4.1.2: a code now when nothing is needed of the user, else the interaction pages. */
export async function issueCodeOrInteract(s: AuthorizationState): Promise<void> {
  const request = established(s.request, 'request')
  const client = established(s.client, 'client')
  const session = established(s.session, 'session')
  if (session && !s.loginNeeded && s.grant !== undefined && !s.consentNeeded && !s.secondFactorNeeded) {
    s.outcome = await issueAuthorizationCode(s.ctx, request, client, session, s.grant)
    return
  }
  s.outcome = await beginInteraction(s.ctx, {
    kind: 'authorization',
    client_id: client.client_id,
    params: request as unknown as Record<string, unknown>,
    ip: s.ip,
    userAgent: s.userAgent,
  })
}
