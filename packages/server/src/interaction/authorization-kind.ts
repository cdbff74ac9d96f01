/**
 * Finishing an authorization request once the user is known and has consented: a single-use code
 * bound to the client, the exact redirect_uri, the PKCE challenge and the nonce (RFC 6749 §4.1.2,
 * RFC 7636 §4.4, OIDC Core §3.1.2.5), carrying the grant it opens when redeemed (the one write
 * here), then the response to the client's redirect URI (an `Outcome` the endpoint serializes). Used both by the authorization endpoint (session + remembered consent:
 * no page shown) and by the interaction pages after login/consent.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
import type { LatchContext } from '../context.js'
import { AccessDeniedError, InvalidScopeError } from '../errors.js'
import { randomId } from '../lib/random.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import type { ClientRecord, InteractionRecord } from '../storage/store.js'
import { newHandle } from '../tokens/opaque-handle.js'
import type { AuthorizationRequest } from './authorization-request.js'
import { grantedScope, type GrantedScope } from './granted-scope.js'
import type { InteractionKind } from './kinds.js'
import { organizationStep } from './organization-step.js'
import { authorizationError, authorizationResponse, type Outcome, type RedirectTarget } from './outcome.js'
import { needsConsent, needsLogin } from './policy.js'

export function redirectTarget(ctx: LatchContext, request: AuthorizationRequest): RedirectTarget {
  return { redirect_uri: request.redirect_uri, response_mode: request.response_mode, state: request.state, issuer: ctx.config.issuer }
}

export async function issueAuthorizationCode(
  ctx: LatchContext,
  request: AuthorizationRequest,
  client: ClientRecord,
  session: ActiveSession,
  grant: GrantedScope,
): Promise<Outcome> {
  const { store, clock, config } = ctx
  const now = clock.now()
  const code = newHandle()
  // One write: the code carries the grant it will open at the token endpoint, under an id chosen
  // now so that a replay can revoke it even before it exists (storage/repositories/grants.ts).
  await store.authorizationCodes.insert({
    code_hash: code.hash,
    grant_id: randomId(),
    client_id: client.client_id,
    user_id: session.user.id,
    redirect_uri: request.redirect_uri_sent ? request.redirect_uri : null,
    scope: grant.scope.join(' '),
    resource: request.resource,
    nonce: request.nonce ?? null,
    code_challenge: request.code_challenge ?? null,
    code_challenge_method: request.code_challenge_method ?? null,
    auth_time: session.session.auth_time,
    session_id: session.session.id,
    amr: session.session.amr,
    // Issue 10: the grant the code opens acts for this organization (org_id in its tokens).
    organization_id: grant.organization?.id ?? null,
    created_at: now,
    expires_at: now + config.tokens.authorization_code_ttl,
    consumed_at: null,
  })
  return authorizationResponse(redirectTarget(ctx, request), { code: code.value })
}

export function requestOf(interaction: InteractionRecord): AuthorizationRequest {
  return interaction.params as unknown as AuthorizationRequest
}

export const authorizationKind: InteractionKind = {
  // Issue 10: the organization step (re-read on every visit, so a member removed meanwhile is
  // asked again), then the concrete scope for that organization.
  async resolve(ctx, interaction, client, session) {
    const request = requestOf(interaction)
    const step = await organizationStep(ctx, request, client, session.user.id)
    if (step.type === 'picker' || step.type === 'not_member') return { type: 'organization', page: step }
    const organization = step.type === 'use' ? step.membership.organization : null
    const grant = await grantedScope(ctx, request, client, session.user, organization)
    // Issue 14: only admin scopes asked, and this user's roles give none (RFC 6749 §4.1.2.1).
    if (grant.invalid !== null) return { type: 'refused', outcome: authorizationError(redirectTarget(ctx, request), new InvalidScopeError(grant.invalid)) }
    return { type: 'grant', grant }
  },
  needsConsent: (ctx, interaction, client, userId, scope) => needsConsent(ctx, { ...requestOf(interaction), scope: scope.join(' ') }, client, userId),
  requiresFreshLogin: (interaction, client, session, now) => needsLogin(requestOf(interaction), session, now, client),
  async approve({ ctx, interaction, client, session, grant }) {
    return issueAuthorizationCode(ctx, requestOf(interaction), client, session, grant)
  },
  async deny({ ctx, interaction }) {
    return authorizationError(redirectTarget(ctx, requestOf(interaction)), new AccessDeniedError('the user denied the request'))
  },
}
