/**
 * Issues the tokens of one successful grant: an RFC 9068 access token (its `jti` names the grant,
 * so revoking the grant makes it inactive at introspection without a row per token), a refresh
 * token when the client has the `refresh_token` grant (RFC 6749 §6), and an ID token when `openid`
 * was granted (OIDC Core §3.1.3.3), each with its custom claims (tokens/custom-claims.ts). Every
 * user-facing grant goes through here so the rules live once. The set is committed by one atomic
 * store step before anything is returned: a new grant is opened with its first refresh token
 * (`store.grants.open`), an existing one rotates its refresh token (`rotate`). A grant for an
 * organization puts `org_id` and `org_roles` in the access and ID tokens (issue 10), from the
 * membership the grant read for this issuance. Issue 13: every token of a grant says how its user
 * authenticated when the grant was created (`grant.amr`, kept with the grant; `acr` = `acrOf(amr)`;
 * `auth_time`), refreshed ones too (OIDC Core §12.2, RFC 9470 §6, RFC 9068 §2.2.1); a grant whose
 * `amr` is unknown (before 0018, client credentials) issues tokens without `amr`/`acr`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse
 */
import type { LatchContext } from '../context.js'
import { InvalidGrantError } from '../errors.js'
import { acrOf } from '../rules/acr.js'
import { issueAccessToken } from '../tokens/access-token.js'
import { idTokenKeyFor, issueIdToken } from '../tokens/id-token.js'
import { claimsForScope } from '../tokens/claims.js'
import { NO_CUSTOM_CLAIMS } from '../tokens/custom-claims.js'
import { newHandle } from '../tokens/opaque-handle.js'
import { isDisabled } from '../users/disabled.js'
import type { ClientRecord, GrantRecord, Membership, RefreshTokenRecord, UserRecord, WriteCondition } from '../storage/store.js'
import type { TokenResponseBody } from './grant.js'

export interface TokenSetInput {
  grantType: string
  client: ClientRecord
  /** The grant the tokens hang from: new (opened here) unless `rotate` is given. */
  grant: GrantRecord
  user: UserRecord | null
  scope: string[]
  resource: string | null
  authTime: number | null
  sessionId: string | null
  nonce?: string | null
  /** A refresh token expiring at `expiresAt`, or none (clients without the `refresh_token` grant). */
  refresh: { expiresAt: number } | null
  /**
   * For an existing grant (the refresh grant): commits the new refresh token by rotating the one
   * presented. Without it the grant is new and is opened with its first refresh token.
   */
  rotate?: (next: RefreshTokenRecord) => Promise<void>
  /**
   * For a new grant opened by another write than `grants.open` (a code's redemption, which consumes
   * the code in the same transaction): whether the grant was opened, and the IdP session it was
   * opened in (the one the ID token names). It may throw instead (a replayed code).
   */
  open?: (refreshToken: RefreshTokenRecord | null) => Promise<{ opened: boolean; sessionId: string | null }>
  /**
   * The membership the tokens speak for when the grant is for an organization (issue 10): read by
   * the grant at this issuance (`store.organizations.membership`, one primary-key read), so
   * `org_roles` are the member's current roles. Null or absent: no `org_id`/`org_roles`.
   */
  organization?: Membership | null
  /** Include an ID token (code and device flows with `openid`; never on client credentials). */
  idToken: boolean
  /**
   * The password hash the user's password was checked against (the password grant): the grant is
   * opened only while it is still the stored one, or the request fails as a wrong password would.
   */
  checkedPasswordHash?: string
}

/** The password grant's answer to a wrong username or password (RFC 6749 §5.2 `invalid_grant`). */
export const BAD_CREDENTIALS = 'the username or password is incorrect'

/** `org_id` and `org_roles` of a membership (issue 10), or nothing. */
export function organizationClaims(membership: Membership | null | undefined): { org_id?: string; org_roles?: readonly string[] } {
  return membership ? { org_id: membership.organization.id, org_roles: membership.roles } : {}
}

/** Issue 13: `amr` and `acr` of a grant's authentication, or nothing when it is unknown (or empty). */
export function authenticationClaims(amr: readonly string[] | null | undefined): { amr?: string[]; acr?: string } {
  return amr && amr.length > 0 ? { amr: [...amr], acr: acrOf(amr) } : {}
}

export function refreshAllowed(client: ClientRecord): boolean {
  return client.grant_types.includes('refresh_token')
}

export async function issueTokenSet(ctx: LatchContext, input: TokenSetInput): Promise<TokenResponseBody> {
  const { config, clock, keystore, store } = ctx
  // Issue 14: the one place every grant passes to issue a user's tokens (code, refresh, device,
  // password, token exchange): a disabled user gets none, whatever the grant read before.
  if (input.user && isDisabled(input.user)) throw new InvalidGrantError('the authorization grant is not valid', { detail: 'the user is disabled' })
  const now = clock.now()
  const scope = input.scope.join(' ')
  const sub = input.user?.id ?? input.client.client_id
  const wantsIdToken = input.idToken && input.user !== null && input.scope.includes('openid')
  const idTokenContext = { keystore, issuer: config.issuer, clock, ttl: config.tokens.id_token_ttl }
  // Before anything is signed or written: a client whose ID token alg cannot be signed yet gets an
  // error, not a wasted signature or a half-done grant.
  const idTokenKey = wantsIdToken ? idTokenKeyFor(idTokenContext, input.client.id_token_signed_response_alg) : undefined
  // Custom claims (config `claims`, the hooks module) before anything is signed or written: a
  // failing hook costs no grant. Not configured: no call at all (the refresh path is benchmarked).
  const organization = input.organization ? { id: input.organization.organization.id, roles: input.organization.roles } : null
  const authentication = authenticationClaims(input.grant.amr)
  const custom = ctx.customClaims.active
    ? await ctx.customClaims.forTokenSet({ user: input.user, client: input.client, scope: input.scope, organization }, wantsIdToken)
    : NO_CUSTOM_CLAIMS
  const access = issueAccessToken(
    { keystore, issuer: config.issuer, clock, ttl: config.tokens.access_token_ttl },
    {
      sub,
      client_id: input.client.client_id,
      scope,
      aud: input.resource ?? config.issuer,
      grantId: input.grant.id,
      ...(input.authTime !== null ? { auth_time: input.authTime } : {}),
      // Issue 13, RFC 9470 §4, RFC 9068 §2.2.1: the resource server may require an acr.
      ...authentication,
      ...organizationClaims(input.organization),
      extra: custom.access_token,
    },
  )
  const body: TokenResponseBody = {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: access.expires_in,
    scope,
  }
  let refreshToken: RefreshTokenRecord | null = null
  if (input.refresh) {
    const handle = newHandle()
    refreshToken = {
      token_hash: handle.hash,
      grant_id: input.grant.id,
      client_id: input.client.client_id,
      user_id: input.user?.id ?? null,
      scope,
      resource: input.resource,
      auth_time: input.authTime,
      session_id: input.sessionId,
      created_at: now,
      expires_at: input.refresh.expiresAt,
      rotated_at: null,
      revoked_at: null,
    }
    body.refresh_token = handle.value
  }
  // The one write of the token request, before any token leaves the server. A new grant is opened
  // only while what it was granted on still holds, re-checked by the write itself (issue 8): the
  // password that was checked is still the user's, and the IdP session it was issued within still
  // exists (a logout or a password change that committed between /authorize reading the session and
  // the code being stored would otherwise leave a grant tied to a dead session).
  const condition: WriteCondition = {}
  if (input.checkedPasswordHash !== undefined && input.user) condition.passwordHash = { userId: input.user.id, hash: input.checkedPasswordHash }
  if (input.grant.session_id !== null) condition.sessionId = input.grant.session_id
  // Security review L1: the user read earlier is still enabled (a disable that commits first, and
  // revokes the user's grants, would otherwise miss this one), as the session insert re-checks.
  if (input.user) condition.enabledUser = input.user.id
  let sessionId = input.sessionId
  let opened = true
  if (input.rotate) {
    if (refreshToken) await input.rotate(refreshToken)
  } else if (input.open) {
    ;({ opened, sessionId } = await input.open(refreshToken))
  } else {
    opened = await store.grants.open(input.grant, refreshToken, Object.keys(condition).length > 0 ? condition : undefined)
  }
  if (!opened) {
    // No row under the id: the condition refused it, nothing was written.
    if ((await store.grants.get(input.grant.id)) === null) {
      throw input.checkedPasswordHash !== undefined
        ? new InvalidGrantError(BAD_CREDENTIALS, { detail: 'the password changed while it was being checked' })
        : new InvalidGrantError('the authorization grant was revoked', { detail: 'its session ended or its user was disabled before the grant was opened' })
    }
    // The grant id is taken by a revoked tombstone: a replay of this code overtook this, the one
    // redemption that consumed it, and revoked the grant first (RFC 6749 §4.1.2). The answer is
    // then what it is when the replay comes second: this request succeeds, and what it issued is
    // revoked already (the access token's jti names the revoked grant, so introspection reads it
    // inactive; the refresh token was never stored). So exactly one of N racing redemptions gets
    // 200 whatever the order, and no token it got survives.
    // A tombstone is also what deleting the user or the client leaves: then nothing is answered.
    const [user, client] = await Promise.all([input.user ? store.users.getById(input.user.id) : null, store.clients.get(input.client.client_id)])
    if ((input.user && !user) || !client) throw new InvalidGrantError('the authorization grant was revoked', { detail: 'user or client deleted during the redemption' })
    ctx.events.emit('grant.revoked', { grant_id: input.grant.id, reason: 'revoked_before_opened' })
  }
  if (idTokenKey && input.user) {
    body.id_token = await issueIdToken(
      idTokenContext,
      {
        sub: input.user.id,
        aud: input.client.client_id,
        auth_time: input.authTime ?? now,
        access_token: access.token,
        ...(input.nonce ? { nonce: input.nonce } : {}),
        ...(sessionId ? { sid: sessionId } : {}),
        ...authentication,
        ...organizationClaims(input.organization),
        // The scope's standard claims last: the user record answers them, never a custom claim.
        claims: custom.id_token ? { ...custom.id_token, ...claimsForScope(input.user, scope) } : claimsForScope(input.user, scope),
      },
      idTokenKey,
    )
  }
  ctx.events.emit('token.issued', { grant_type: input.grantType, client_id: input.client.client_id, sub: input.user?.id ?? null, jti: access.jti })
  return body
}
