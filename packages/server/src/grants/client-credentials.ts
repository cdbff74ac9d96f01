/**
 * The `client_credentials` grant (RFC 6749 §4.4): a confidential client asks for an access token
 * on its own behalf. Rules:
 * - the scope is within the client's registered scope (RFC 6749 §3.3); the OIDC user scopes
 *   (`openid`, `offline_access`, `profile`, `email`, `phone`, `address`) describe a resource owner
 *   that does not exist here, so they are left out of the default and `invalid_scope` when asked for;
 * - the audience is the `resource`/`audience` parameter or `default_resource`, and only a resource
 *   the client is registered for (RFC 8707 §2, `rules/resource.ts`);
 * - no refresh token (RFC 6749 §4.4.3: "A refresh token SHOULD NOT be included") and no ID token;
 * - `sub` is the client_id (RFC 9068 §2.2: with no resource owner, sub identifies the client);
 * - for an organization (issue 10): `organization=<id>` or the scope `organization:<id>` gives a
 *   token with `org_id` (no `org_roles`: there is no member) when the id is one of the client's
 *   `organizations` and exists, else `invalid_target`; template instances (`read:organization:acme`)
 *   are granted for the client's organizations and otherwise dropped (RFC 6749 §3.3).
 * - custom claims come from the hooks module alone (`user` is null; mappings read a user), under the
 *   rules of tokens/custom-claims.ts.
 * This is the benchmarked hot path: nothing is written to the store, and without an organization
 * or a template instance asked nothing is read either. There is no grant to revoke,
 * and a single token can still be revoked by jti (`accessTokens.revoke` upserts a row).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
import type { LatchContext } from '../context.js'
import { InvalidScopeError, InvalidTargetError } from '../errors.js'
import { grantDynamicScopes } from '../organizations/dynamic-scopes.js'
import { selectedOrganization, withOrganizationScope } from '../rules/organization.js'
import { issueAccessToken } from '../tokens/access-token.js'
import { resolveResource } from '../rules/resource.js'
import type { ClientRecord, OrganizationRecord } from '../storage/store.js'
import type { GrantHandler } from './grant.js'
import { isStandardScope, parseScope, resolveScopeRequest, type ScopeRequest } from '../rules/scope.js'

export const clientCredentialsGrant: GrantHandler = {
  grantType: 'client_credentials',
  parameters: ['scope', 'resource', 'audience', 'organization'],
  async handle({ params, client, ctx }) {
    const { config, clock, keystore } = ctx
    const resource = resolveResource(params, client, config)
    const requested = parseScope(params.scope)
    const userScopes = requested?.filter(isStandardScope) ?? []
    if (userScopes.length > 0) {
      throw new InvalidScopeError(`scope ${userScopes.join(' ')} needs a user and cannot be granted to client_credentials`)
    }
    const request = resolveScopeRequest(params.scope, client, config, resource, { userScopes: false })
    // The hot path asks for no organization and no template instance: no store read at all.
    const wantsOrganization = request.organizations.length > 0 || params.organization !== undefined || request.dynamic.length > 0
    const { scope, organization } = wantsOrganization ? await forOrganization(ctx, request, params.organization, client, resource) : { scope: request.scope.join(' '), organization: null }
    // Custom claims only when configured (this path is benchmarked); no user, so only the hook adds any.
    const extra = ctx.customClaims.active
      ? await ctx.customClaims.claims('access_token', { user: null, client, scope: scope.split(' ').filter(Boolean), organization: organization === null ? null : { id: organization.id, roles: [] } })
      : undefined
    const access = issueAccessToken(
      { keystore, issuer: config.issuer, clock, ttl: config.tokens.access_token_ttl },
      { sub: client.client_id, client_id: client.client_id, scope, aud: resource ?? config.issuer, extra, ...(organization !== null && { org_id: organization.id }) },
    )
    ctx.events.emit('token.issued', { grant_type: 'client_credentials', client_id: client.client_id, sub: null, jti: access.jti })
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expires_in, scope }
  },
}

/**
 * A token for one of the client's organizations (issue 10): the organization must be listed in the
 * client's `organizations` and exist (`invalid_target` otherwise, RFC 8707 §2: not a target this
 * client may have); template instances are granted for the client's organizations (roles are a
 * member's and do not apply), the others dropped (RFC 6749 §3.3).
 */
async function forOrganization(
  ctx: LatchContext,
  request: ScopeRequest,
  parameter: string | undefined,
  client: ClientRecord,
  resource: string | null,
): Promise<{ scope: string; organization: OrganizationRecord | null }> {
  const id = selectedOrganization(request.organizations, parameter)
  let organization: OrganizationRecord | null = null
  if (id !== null) {
    organization = (client.organizations ?? []).includes(id) ? await ctx.store.organizations.get(id) : null
    if (organization === null) throw new InvalidTargetError('this client may not get tokens for the requested organization')
  }
  const { granted } = await grantDynamicScopes(ctx, { requested: request.dynamic, client, user: null, resource, organization })
  const scope = [...withOrganizationScope(request.scope, id), ...granted]
  return { scope: scope.join(' '), organization }
}
