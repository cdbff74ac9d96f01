/**
 * OAuth 2.0 Token Exchange (RFC 8693) for switching organizations and for delegation (issue 10):
 * a client presents a token Latch issued to it (`subject_token`) and gets a new one, for another
 * organization, a narrower scope or another resource. Rules:
 * - the grant type is `urn:ietf:params:oauth:grant-type:token-exchange`, used only by clients that
 *   list it in `grant_types` (`unauthorized_client` otherwise, token endpoint);
 * - `subject_token_type` is `urn:ietf:params:oauth:token-type:access_token` (a live RFC 9068 JWT
 *   of ours, issued for a user: a client-credentials token is `invalid_grant`) or `…:refresh_token`
 *   (live: not rotated, revoked or expired, its grant not revoked; it is not rotated by the
 *   exchange, and a rotated one presented again revokes its family, RFC 9700 §4.14.2); any other
 *   type is `invalid_request` (§2.1);
 * - the subject must have been issued to this client: a foreign, dead or unknown subject is
 *   `invalid_grant` (the issue's contract; RFC 8693 §2.2.2 leaves policy refusals to the server) —
 *   no impersonation. With an `actor_token` (an access token live and issued to this client,
 *   `actor_token_type` …:access_token) the subject may be another client's access token whose
 *   `aud` names this client: the new token carries `act: { sub, client_id }` of the actor, nested
 *   with the actor's own `act` (§4.1), and never a refresh token;
 * - the target organization is `organization=<id>` or `organization:<id>` in `scope` (one, or
 *   `invalid_request`), else the subject's: the user must be a member (`invalid_target`, §2.2.2);
 *   the tokens carry `org_id` and the member's current `org_roles`;
 * - scope: omitted, the subject's, with `organization:<old>` and the old organization's template
 *   instances moved to the new one, less what the client is not registered for; given, each value
 *   must be in the subject's scope or be an instance of a template the subject has an instance of
 *   (`invalid_scope` otherwise, never wider than the subject, §5 "scope") and registered for the
 *   client. Template instances are then re-decided for the user and the organization (dropped when
 *   not granted, RFC 6749 §3.3). Issue 14: the admin scopes are never exchanged: asked, they are
 *   `invalid_scope`; omitted, they are left out (admin access is consented to at the authorization
 *   endpoint only);
 * - `resource`/`audience` (RFC 8707) may name another resource the client is registered for
 *   (`invalid_target` otherwise); omitted, the subject's own (for a delegated subject, when the
 *   caller is registered for it too, else the caller's default);
 * - `requested_token_type` is …:access_token (default; the answer says `issued_token_type`
 *   …:access_token, `token_type` Bearer, §2.2.1), or …:refresh_token when the subject is a
 *   refresh token and the client has the refresh grant: a new grant is opened (same user, session
 *   and resource; the new organization and scope) and the answer carries its access and refresh
 *   tokens with `issued_token_type` …:refresh_token. Anything else is `invalid_request`;
 * - the exchanged tokens keep the subject's authentication (issue 13): its `auth_time`, `acr` and
 *   `amr` (an access token's claims, a refresh token's grant's), and a new grant keeps its `amr`;
 * - an exchanged access token's `jti` hangs from the subject's grant, so revoking that grant
 *   revokes it; nothing is written for it.
 * Exchanged access tokens get the custom claims of any user's access token (tokens/custom-claims.ts).
 * Emits `token.issued` and `token.exchanged`.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-4.1
 */
import type { LatchContext } from '../context.js'
import { InvalidGrantError, InvalidRequestError, InvalidScopeError, InvalidTargetError, OAuthError, UnauthorizedClientError } from '../errors.js'
import { hashHandle, randomId } from '../lib/random.js'
import { isOrganizationScope, selectedOrganization, withOrganizationScope } from '../rules/organization.js'
import { ACR_MFA, isAcr, satisfies } from '../rules/acr.js'
import { isAdminScope } from '../rules/admin-api.js'
import { assertResourcePermitted, permittedResources, requestedResource, resolveResource } from '../rules/resource.js'
import { matchTemplate } from '../rules/scope-template.js'
import { parseScope, unregisteredScopes } from '../rules/scope.js'
import type { ClientRecord, GrantRecord, Membership, RefreshTokenRecord, UserRecord } from '../storage/store.js'
import { issueAccessToken, type ActorClaim } from '../tokens/access-token.js'
import { grantIdOf, verifyLiveAccessToken } from '../tokens/access-token-verification.js'
import type { GrantHandler, TokenResponseBody } from './grant.js'
import { rebindOrganization, recheckDynamicScopes } from './organization-scope.js'
import { revokeFamily } from './refresh-token.js'
import { authenticationClaims, issueTokenSet, organizationClaims, refreshAllowed } from './token-set.js'

/** Issue 13: the answer to a switch into an organization that requires MFA, from a token without it. */
export const ORGANIZATION_NEEDS_MFA = 'the requested organization requires a second factor: sign in to it through the authorization endpoint'

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
/** RFC 8693 §3 token type identifiers Latch accepts and issues. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
export const REFRESH_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:refresh_token'

const DEAD_SUBJECT = 'the subject_token is invalid, expired, revoked or was not issued to this client'

/** What the exchange needs of a subject token, whichever its type. */
interface Subject {
  type: typeof ACCESS_TOKEN_TYPE | typeof REFRESH_TOKEN_TYPE
  user: UserRecord
  /** The client it was issued to. */
  clientId: string
  /** Its audiences (access tokens): who, besides its client, it was meant for. */
  audiences: readonly string[]
  scope: string[]
  organizationId: string | null
  /** The grant it hangs from (its id names the exchanged access token's `jti`). */
  grantId: string
  /** The first grant of the subject's token-exchange family (its own id when it is the first). */
  familyId: string
  /** When it expires (epoch seconds): nothing exchanged from it outlives it. */
  expiresAt: number
  resource: string | null
  authTime: number | null
  /**
   * Issue 13: how the user authenticated for the subject (rules/acr.ts): an access token's `acr` and
   * `amr` claims, a refresh token's grant's (`acr` = `acrOf(amr)`); null: unknown.
   */
  acr: string | null
  amr: string[] | null
  /** The IdP session a new grant would be tied to: the subject's, while it lives. */
  sessionId: string | null
  /** The refresh token itself (refresh subjects): its absolute expiry bounds a new grant's. */
  refresh: RefreshTokenRecord | null
  /** A delegated subject's `act` (RFC 8693 §4.1). */
  act: ActorClaim | null
}

/** The exchange itself; `tokenExchangeGrant` below also reports its failures. */
const exchange: GrantHandler = {
  grantType: TOKEN_EXCHANGE_GRANT,
  parameters: ['subject_token', 'subject_token_type', 'requested_token_type', 'actor_token', 'actor_token_type', 'scope', 'organization', 'resource', 'audience'],
  async handle({ params, client, ctx }) {
    const { config, clock, store } = ctx
    // Validate the request before any token is read (RFC 8693 §2.1).
    if (!params.subject_token) throw new InvalidRequestError('subject_token is missing')
    const subjectType = params.subject_token_type
    if (subjectType === undefined) throw new InvalidRequestError('subject_token_type is missing')
    if (subjectType !== ACCESS_TOKEN_TYPE && subjectType !== REFRESH_TOKEN_TYPE) {
      throw new InvalidRequestError(`subject_token_type must be ${ACCESS_TOKEN_TYPE} or ${REFRESH_TOKEN_TYPE}`)
    }
    const requestedType = params.requested_token_type ?? ACCESS_TOKEN_TYPE
    if (requestedType !== ACCESS_TOKEN_TYPE && requestedType !== REFRESH_TOKEN_TYPE) {
      throw new InvalidRequestError(`requested_token_type must be ${ACCESS_TOKEN_TYPE} or ${REFRESH_TOKEN_TYPE}`)
    }
    if (params.actor_token === undefined && params.actor_token_type !== undefined) {
      throw new InvalidRequestError('actor_token_type is only sent with an actor_token (RFC 8693 §2.1)')
    }
    if (params.actor_token !== undefined && params.actor_token_type !== ACCESS_TOKEN_TYPE) {
      throw new InvalidRequestError(`actor_token_type must be ${ACCESS_TOKEN_TYPE}`)
    }
    // RFC 9700 §4.14.2: a public client's refresh token is protected by rotation alone, and an
    // exchange does not rotate it: a stolen one could mint tokens (or a new family) unseen. Such a
    // client presents its access token instead.
    if (subjectType === REFRESH_TOKEN_TYPE && client.token_endpoint_auth_method === 'none') {
      throw new InvalidRequestError('a public client exchanges its access token: its refresh token is used only at the refresh grant, where it rotates (RFC 9700 §4.14.2)')
    }
    if (requestedType === REFRESH_TOKEN_TYPE) {
      if (subjectType !== REFRESH_TOKEN_TYPE) throw new InvalidRequestError('a refresh token is issued only in exchange for a refresh token')
      if (params.actor_token !== undefined) throw new InvalidRequestError('a delegated token comes without a refresh token')
      if (!refreshAllowed(client)) throw new UnauthorizedClientError('this client may not use the refresh_token grant')
    }
    const asked = parseScope(params.scope)
    const selected = selectedOrganization(asked, params.organization)
    const named = requestedResource(params, config)

    const now = clock.now()
    const act = params.actor_token === undefined ? null : await actorOf(ctx, params.actor_token, client)
    const subject = subjectType === ACCESS_TOKEN_TYPE ? await accessTokenSubject(ctx, params.subject_token) : await refreshTokenSubject(ctx, params.subject_token, client, now)
    const delegated = subject.clientId !== client.client_id
    if (delegated) {
      // Only a delegation may use another client's token, and only one meant for this client.
      // A client named like the issuer would be in the audience of every token for no resource.
      const meantForCaller = act !== null && subject.type === ACCESS_TOKEN_TYPE && client.client_id !== config.issuer && subject.audiences.includes(client.client_id)
      if (!meantForCaller) throw new InvalidGrantError(DEAD_SUBJECT, { detail: 'subject_token of another client' })
    }

    // The subject's resource unless another is named; a delegated subject's only when the caller
    // may have it too (else the caller's default, as for a request naming none).
    const keepsResource = named === undefined && (!delegated || permittedResources(client, config).includes(subject.resource ?? ''))
    const resource = keepsResource ? subject.resource : resolveResource(params, client, config)
    assertResourcePermitted(resource, client, config)

    const target = selected ?? subject.organizationId
    let membership: Membership | null = null
    if (target !== null) {
      membership = await store.organizations.membership(target, subject.user.id)
      // An organization that does not exist gets the same answer: ids are not probed this way.
      if (membership === null) throw new InvalidTargetError('the user is not a member of the requested organization')
      // Issue 13: an organization that requires MFA is not reached by switching a one-factor token to it.
      const twoFactors = subject.acr !== null && isAcr(subject.acr) && satisfies(subject.acr, ACR_MFA)
      if (target !== subject.organizationId && !twoFactors && (await store.mfa.required('organization', target))) {
        throw new InvalidGrantError(ORGANIZATION_NEEDS_MFA)
      }
    }

    const scope = await recheckDynamicScopes(ctx, withOrganizationScope(exchangedScope(ctx, asked, subject, target, resource, client), target), {
      client,
      user: subject.user,
      resource,
      membership,
    })
    await assertConsented(ctx, { client, subject, scope, resource, delegated })
    // RFC 8693 §4.1: the current actor outermost, the actors before it nested inside.
    const actClaim = act === null ? subject.act : { sub: act.sub, client_id: act.client_id, ...((subject.act ?? act.act) && { act: subject.act ?? act.act }) }
    let body: TokenResponseBody
    if (requestedType === REFRESH_TOKEN_TYPE && subject.refresh !== null) {
      body = await openExchangedGrant(ctx, { client, subject, scope, resource, membership, now })
    } else {
      // Custom claims as in every user's access token (tokens/custom-claims.ts); only when configured.
      const extra = ctx.customClaims.active
        ? await ctx.customClaims.claims('access_token', {
            user: subject.user,
            client,
            scope,
            organization: membership === null ? null : { id: membership.organization.id, roles: membership.roles },
          })
        : undefined
      const access = issueAccessToken(
        // Never past the subject's own expiry: an exchange must not extend what it was given.
        { keystore: ctx.keystore, issuer: config.issuer, clock, ttl: Math.min(config.tokens.access_token_ttl, subject.expiresAt - now) },
        {
          sub: subject.user.id,
          client_id: client.client_id,
          scope: scope.join(' '),
          aud: resource ?? config.issuer,
          grantId: subject.grantId,
          ...(subject.authTime !== null && { auth_time: subject.authTime }),
          ...(subject.acr !== null && { acr: subject.acr }),
          ...(subject.amr !== null && { amr: subject.amr }),
          ...organizationClaims(membership),
          ...(actClaim !== null && { act: actClaim }),
          extra,
        },
      )
      ctx.events.emit('token.issued', { grant_type: TOKEN_EXCHANGE_GRANT, client_id: client.client_id, sub: subject.user.id, jti: access.jti })
      body = { access_token: access.token, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: access.expires_in, scope: scope.join(' ') }
    }
    ctx.events.emit('token.exchanged', { client_id: client.client_id, sub: subject.user.id, org_id: target, subject_token_type: subjectType })
    return body
  },
}

export const tokenExchangeGrant: GrantHandler = {
  grantType: exchange.grantType,
  parameters: exchange.parameters,
  async handle(request) {
    try {
      return await exchange.handle(request)
    } catch (err) {
      // Issue 14: every exchange has an outcome on the bus (metrics count them); the error code only, never the token.
      if (err instanceof OAuthError) request.ctx.events.emit('token_exchange.failed', { client_id: request.client.client_id, error: err.code })
      throw err
    }
  },
}

/**
 * What a client may not be given by an exchange unless the user allowed it: a value beyond the
 * subject's own scope (another organization, another template instance), or anything for another
 * resource or, delegated, for another client. Consent is remembered per user, client and resource
 * (interaction/policy.ts); a first-party client (`skip_consent`) needs none, as at /authorize.
 * Without it the answer is `invalid_scope`: the client asks at the authorization endpoint, where the
 * user sees the consent page.
 */
async function assertConsented(
  ctx: LatchContext,
  input: { client: ClientRecord; subject: Subject; scope: readonly string[]; resource: string | null; delegated: boolean },
): Promise<void> {
  const { client, subject, scope, resource, delegated } = input
  if (client.skip_consent) return
  const held = new Set(delegated || resource !== subject.resource ? [] : subject.scope)
  const needed = scope.filter((s) => !held.has(s))
  if (needed.length === 0) return
  const consent = await ctx.store.consents.get(subject.user.id, client.client_id, resource)
  const allowed = new Set(consent?.scopes ?? [])
  const missing = needed.filter((s) => !allowed.has(s))
  if (missing.length > 0) {
    throw new InvalidScopeError(`the user has not allowed this client ${missing.join(' ')}: ask for it at the authorization endpoint`)
  }
}

/** The actor (RFC 8693 §4.1): a live access token of the calling client; its own `act` nests. */
async function actorOf(ctx: LatchContext, token: string, client: ClientRecord): Promise<ActorClaim> {
  const actor = await verifyLiveAccessToken(ctx, token)
  if (actor === null || actor.client_id !== client.client_id) {
    throw new InvalidGrantError('the actor_token is invalid, expired, revoked or was not issued to this client')
  }
  const prior = isActorClaim(actor.act) ? actor.act : null
  return { sub: actor.sub, client_id: actor.client_id, ...(prior !== null && { act: prior }) }
}

function isActorClaim(value: unknown): value is ActorClaim {
  return typeof value === 'object' && value !== null && typeof (value as { sub?: unknown }).sub === 'string'
}

async function accessTokenSubject(ctx: LatchContext, token: string): Promise<Subject> {
  const live = await verifyLiveAccessToken(ctx, token)
  if (live === null) throw new InvalidGrantError(DEAD_SUBJECT, { detail: 'access token not live' })
  const grantId = grantIdOf(live)
  // RFC 9068 §2.2: a client-credentials token names the client as its subject; there is no user.
  if (grantId === null || live.sub === live.client_id) throw new InvalidGrantError('the subject_token was not issued for a user')
  const user = await ctx.store.users.getById(live.sub)
  if (user === null) throw new InvalidGrantError(DEAD_SUBJECT, { detail: 'the user no longer exists' })
  const audiences = Array.isArray(live.aud) ? live.aud : live.aud === undefined ? [] : [live.aud]
  const [audience] = audiences
  return {
    type: ACCESS_TOKEN_TYPE,
    user,
    clientId: live.client_id,
    audiences,
    scope: typeof live.scope === 'string' ? live.scope.split(' ').filter(Boolean) : [],
    organizationId: typeof live.org_id === 'string' ? live.org_id : null,
    grantId,
    // An access token names its grant only; its family is its grant's (read when a fork is opened, never: access subjects open none).
    familyId: grantId,
    expiresAt: live.exp,
    resource: audience === undefined || audience === ctx.config.issuer ? null : audience,
    authTime: typeof live.auth_time === 'number' ? live.auth_time : null,
    acr: typeof live.acr === 'string' ? live.acr : null,
    amr: Array.isArray(live.amr) && live.amr.every((v) => typeof v === 'string') ? (live.amr as string[]) : null,
    sessionId: null,
    refresh: null,
    act: isActorClaim(live.act) ? live.act : null,
  }
}

async function refreshTokenSubject(ctx: LatchContext, token: string, client: ClientRecord, now: number): Promise<Subject> {
  const found = await ctx.store.refreshTokens.getForRefresh(hashHandle(token), now)
  const record = found?.token
  // Client binding before anything else: another client's token must not burn the family.
  if (!found || !record || record.client_id !== client.client_id) throw new InvalidGrantError(DEAD_SUBJECT, { detail: record ? 'refresh token of another client' : 'unknown refresh token' })
  if (record.rotated_at !== null) return revokeFamily(ctx, record, now)
  const { grant, user } = found
  if (record.revoked_at !== null || record.expires_at <= now || !grant || grant.revoked_at !== null || !user) {
    throw new InvalidGrantError(DEAD_SUBJECT, { detail: 'refresh token not live' })
  }
  return {
    type: REFRESH_TOKEN_TYPE,
    user,
    clientId: record.client_id,
    audiences: [],
    scope: record.scope.split(' ').filter(Boolean),
    organizationId: grant.organization_id,
    grantId: grant.id,
    familyId: grant.family_id ?? grant.id,
    expiresAt: record.expires_at,
    resource: record.resource,
    authTime: record.auth_time,
    ...authenticationOf(grant.amr),
    sessionId: found.sessionAlive ? record.session_id : null,
    refresh: record,
    act: null,
  }
}

/** A refresh token subject's `amr` and `acr`: its grant's, unknown (null) for a grant of before 0018. */
function authenticationOf(amr: readonly string[] | null | undefined): { acr: string | null; amr: string[] | null } {
  const claims = authenticationClaims(amr)
  return { acr: claims.acr ?? null, amr: claims.amr ?? null }
}

/** The scope of the exchanged token before template instances are re-decided (see the rules above). */
function exchangedScope(ctx: LatchContext, asked: string[] | undefined, subject: Subject, target: string | null, resource: string | null, client: ClientRecord): string[] {
  const templates = ctx.config.scope_templates
  if (asked === undefined) {
    const moved = target === null ? subject.scope : rebindOrganization(subject.scope, subject.organizationId, target, templates)
    // Never wider than the client's registration (a delegated subject was granted to another client).
    const unregistered = new Set(unregisteredScopes(moved, resource, client, ctx.config))
    // Issue 14: admin access is granted only where the user consents to it (the authorization code flow).
    return moved.filter((s) => !unregistered.has(s) && !isAdminScope(s))
  }
  const admin = asked.filter(isAdminScope)
  if (admin.length > 0) throw new InvalidScopeError(`scope ${admin.join(' ')} is granted with a user only through the authorization code flow, not by token exchange`)
  const held = new Set(subject.scope)
  const heldTemplates = new Set(subject.scope.map((s) => matchTemplate(s, templates)?.template.name))
  const wider = asked.filter((s) => {
    if (isOrganizationScope(s) || held.has(s)) return false
    const template = matchTemplate(s, templates)?.template.name
    return template === undefined || !heldTemplates.has(template)
  })
  if (wider.length > 0) throw new InvalidScopeError(`scope may not be wider than the subject_token's; not granted to it: ${wider.join(' ')}`)
  const unregistered = unregisteredScopes(asked, resource, client, ctx.config)
  if (unregistered.length > 0) throw new InvalidScopeError(`scope ${unregistered.map((s) => JSON.stringify(s)).join(', ')} is not allowed for this client`)
  return asked
}

/**
 * `requested_token_type` …:refresh_token: a new grant for the exchanged organization and scope,
 * opened with its first refresh token (same user, session and resource; the family expires when
 * the subject's does, so an exchange never extends a sign-in), and its access token.
 */
async function openExchangedGrant(
  ctx: LatchContext,
  input: { client: ClientRecord; subject: Subject; scope: string[]; resource: string | null; membership: Membership | null; now: number },
): Promise<TokenResponseBody> {
  const { client, subject, scope, resource, membership, now } = input
  const grant: GrantRecord = {
    id: randomId(),
    client_id: client.client_id,
    user_id: subject.user.id,
    scope: scope.join(' '),
    resource,
    auth_time: subject.authTime,
    session_id: subject.sessionId,
    organization_id: membership?.organization.id ?? null,
    // Revoked with the family it came from: a replay or a revocation there reaches it.
    family_id: subject.familyId,
    // Issue 13: the subject's sign-in, not a new one: the new grant's tokens keep its amr and acr.
    amr: subject.amr,
    created_at: now,
    revoked_at: null,
  }
  const body = await issueTokenSet(ctx, {
    grantType: TOKEN_EXCHANGE_GRANT,
    client,
    grant,
    user: subject.user,
    scope,
    resource,
    authTime: subject.authTime,
    sessionId: subject.sessionId,
    refresh: { expiresAt: subject.refresh?.expires_at ?? now + ctx.config.tokens.refresh_token_ttl },
    organization: membership,
    idToken: false,
  })
  return { access_token: body.access_token, issued_token_type: REFRESH_TOKEN_TYPE, token_type: 'Bearer', expires_in: body.expires_in, scope: body.scope, ...(body.refresh_token !== undefined && { refresh_token: body.refresh_token }) }
}
