/**
 * The `refresh_token` grant (RFC 6749 §6) with rotation (RFC 9700 §4.14.2). Rules:
 * - the token is bound to the client it was issued to: another client's token is `invalid_grant`,
 *   checked before anything is rotated, so presenting a stolen token cannot burn the family
 *   (RFC 6749 §6: "verify that the refresh token was issued to the authenticated client");
 * - every use rotates: the old token is marked rotated and its successor inserted in one
 *   compare-and-swap (`store.refreshTokens.rotate`); presenting a rotated token again is a replay
 *   by someone, attacker or victim, and revokes the whole grant with every token of the family
 *   (RFC 9700 §4.14.2);
 * - the scope may narrow for the new access token, never widen (`invalid_scope`); the new refresh
 *   token keeps the scope of the one presented (RFC 6749 §6: "MUST be identical");
 * - the resource stays the original one; a `resource`/`audience` naming another is
 *   `invalid_target` (RFC 8707 §2.2);
 * - the client's current registration decides, not the one the grant was made under: a resource
 *   it lost is `invalid_target`, a scope it lost `invalid_scope` (a narrower `scope` still works),
 *   the `refresh_token` grant type lost `unauthorized_client` (token endpoint); a deleted client no
 *   longer authenticates (`invalid_client`), and deleting a client or a user revoked its grants,
 *   so their refresh tokens are `invalid_grant`, also under a re-created client_id;
 * - the successor keeps the family's absolute `expires_at`: rotation never extends a grant;
 * - with `openid` an ID token is issued again, with the original `auth_time`, `amr` and `acr`
 *   (kept with the grant, issue 13) and no `nonce` (OIDC Core §12.2); the access token keeps them
 *   too (RFC 9470 §6, RFC 9068 §2.2.1): a refresh is not a new authentication, and a step-up of
 *   the session since does not raise an existing grant, and with `sid` only while that IdP session is alive: `sid` identifies a
 *   session at the OP that a logout can end (Back-Channel Logout §2.4, Front-Channel Logout §3),
 *   so an ended or expired session's id would name nothing; §12.2 does not require `sid` to
 *   stay, and the successor token is no longer tied to the session either. Grants without
 *   `offline_access` do not get here after logout: ending the session revoked them.
 * - a grant for an organization (issue 10) keeps it while the user is a member, with the roles
 *   they have now (`org_roles`, one primary-key read); a member removed since gets tokens without
 *   `org_id`/`org_roles`, and `organization:<id>` and that organization's template instances
 *   leave the new access token's scope (the stored refresh token keeps its scope, RFC 6749 §6);
 *   for an `organization_required` client that refresh is `invalid_grant` instead;
 * - template instances (`read:organization:acme`) are re-decided at every refresh, as roles and
 *   attributes may have changed: one no longer granted is dropped (RFC 6749 §3.3).
 * Rotation is the one write of a refresh and the last step before the response: if it fails,
 * nothing leaves the server.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
 */
import type { LatchContext } from '../context.js'
import { InvalidGrantError, InvalidRequestError } from '../errors.js'
import { hashHandle } from '../lib/random.js'
import { assertSameResource } from '../rules/resource.js'
import type { Membership, RefreshTokenRecord } from '../storage/store.js'
import { recheckDynamicScopes, withoutOrganization } from './organization-scope.js'
import type { GrantHandler } from './grant.js'
import { assertStillRegistered, narrowScope } from '../rules/scope.js'
import { issueTokenSet } from './token-set.js'

/** One public description for every dead token, so a caller learns nothing about why. */
const INVALID = 'the refresh token is invalid, expired or revoked'

/** RFC 9700 §4.14.2: a replayed refresh token invalidates the whole family (here: its grant). */
export async function revokeFamily(ctx: LatchContext, previous: RefreshTokenRecord, now: number): Promise<never> {
  await ctx.store.grants.revoke(previous.grant_id, now)
  ctx.events.emit('refresh_token.family_revoked', { client_id: previous.client_id, grant_id: previous.grant_id, reason: 'reused' })
  ctx.events.emit('grant.revoked', { grant_id: previous.grant_id, reason: 'refresh_token.reused' })
  throw new InvalidGrantError(INVALID, { detail: 'a rotated refresh token was presented again; its grant was revoked' })
}

export const refreshTokenGrant: GrantHandler = {
  grantType: 'refresh_token',
  parameters: ['refresh_token', 'scope', 'resource', 'audience'],
  async handle({ params, client, ctx }) {
    const { store, clock } = ctx
    if (!params.refresh_token) throw new InvalidRequestError('refresh_token is missing')
    const now = clock.now()
    const hash = hashHandle(params.refresh_token)

    // Client binding first: a token of another client must neither rotate nor revoke anything.
    // One read: the token, its grant, its user and whether its session lives.
    const found = await store.refreshTokens.getForRefresh(hash, now)
    const current = found?.token
    if (!found || !current || current.client_id !== client.client_id) {
      throw new InvalidGrantError(INVALID, { detail: current ? 'refresh token of another client' : 'unknown refresh token' })
    }
    // Fast paths for the states `rotate` would report anyway: no token is signed for a dead one.
    if (current.rotated_at !== null) return revokeFamily(ctx, current, now)
    if (current.revoked_at !== null || current.expires_at <= now) throw new InvalidGrantError(INVALID)

    assertSameResource(params, current.resource)
    let scope = narrowScope(params.scope, current.scope)
    assertStillRegistered(scope, current.resource, client, ctx.config)

    const { grant, user } = found
    if (!grant || grant.revoked_at !== null) throw new InvalidGrantError(INVALID, { detail: 'grant revoked' })
    if (current.user_id !== null && !user) throw new InvalidGrantError(INVALID, { detail: 'the user no longer exists' })
    // Issue 10: the organization stays while the user is a member, with the roles they have now.
    let organization: Membership | null = null
    if (grant.organization_id !== null && user) {
      organization = await store.organizations.membership(grant.organization_id, user.id)
      if (organization === null) {
        if (client.organization_required) {
          throw new InvalidGrantError('the user is no longer a member of the organization this grant is for')
        }
        scope = withoutOrganization(scope, grant.organization_id, ctx.config.scope_templates)
      }
    }
    scope = await recheckDynamicScopes(ctx, scope, { client, user, resource: current.resource, membership: organization })
    // An offline_access grant outlives its session; its tokens then stop naming the dead sid.
    const sessionId = found.sessionAlive ? current.session_id : null

    const body = await issueTokenSet(ctx, {
      grantType: 'refresh_token',
      client,
      grant,
      user,
      scope,
      resource: current.resource,
      authTime: current.auth_time,
      sessionId,
      // OIDC Core §12.2: no nonce on a refreshed ID token; amr and acr come from the grant (token-set.ts).
      refresh: { expiresAt: current.expires_at },
      organization,
      rotate: async (next) => {
        // The compare-and-swap decides the race: of two concurrent uses exactly one rotates,
        // the other is `reused` and revokes the family (RFC 9700 §4.14.2).
        const result = await store.refreshTokens.rotate(hash, { ...next, scope: current.scope }, now)
        if (result.outcome === 'reused') return revokeFamily(ctx, result.previous, now)
        if (result.outcome === 'invalid') throw new InvalidGrantError(INVALID, { detail: 'rotation lost: token no longer valid' })
      },
      idToken: true,
    })
    ctx.events.emit('refresh_token.rotated', { client_id: client.client_id, grant_id: grant.id })
    return body
  },
}
