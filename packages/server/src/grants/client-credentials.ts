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
 * - custom claims come from the hooks module alone (`user` is null; mappings read a user), under the
 *   rules of tokens/custom-claims.ts.
 * This is the benchmarked hot path: nothing is written to the store. There is no grant to revoke,
 * and a single token can still be revoked by jti (`accessTokens.revoke` upserts a row).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
import { InvalidScopeError } from '../errors.js'
import { issueAccessToken } from '../tokens/access-token.js'
import { resolveResource } from '../rules/resource.js'
import type { GrantHandler } from './grant.js'
import { isStandardScope, parseScope, resolveScope } from '../rules/scope.js'

export const clientCredentialsGrant: GrantHandler = {
  grantType: 'client_credentials',
  parameters: ['scope', 'resource', 'audience'],
  async handle({ params, client, ctx }) {
    const { config, clock, keystore } = ctx
    const resource = resolveResource(params, client, config)
    const requested = parseScope(params.scope)
    const userScopes = requested?.filter(isStandardScope) ?? []
    if (userScopes.length > 0) {
      throw new InvalidScopeError(`scope ${userScopes.join(' ')} needs a user and cannot be granted to client_credentials`)
    }
    const granted = resolveScope(params.scope, client, config, resource, { userScopes: false })
    const scope = granted.join(' ')
    // Custom claims only when configured (this path is benchmarked); no user, so only the hook adds any.
    // `organization`: `{ id, roles: [] }` once a client-credentials token may be for an organization.
    const extra = ctx.customClaims.active ? await ctx.customClaims.claims('access_token', { user: null, client, scope: granted, organization: null }) : undefined
    const access = issueAccessToken(
      { keystore, issuer: config.issuer, clock, ttl: config.tokens.access_token_ttl },
      { sub: client.client_id, client_id: client.client_id, scope, aud: resource ?? config.issuer, extra },
    )
    ctx.events.emit('token.issued', { grant_type: 'client_credentials', client_id: client.client_id, sub: null, jti: access.jti })
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expires_in, scope }
  },
}
