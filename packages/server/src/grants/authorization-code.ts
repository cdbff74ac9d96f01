/**
 * The `authorization_code` grant (RFC 6749 §4.1.3, OIDC Core §3.1.3). Rules:
 * - the code is consumed atomically, once across all nodes, in the one transaction that opens its
 *   grant (`store.authorizationCodes.redeem`); a second use is `invalid_grant` and revokes the
 *   grant, and with it every token the first use issued (RFC 6749 §4.1.2, RFC 9700 §4.2.4), also
 *   when two redemptions race: the one that loses the consume is the replay;
 * - a redemption that fails a check below consumes the code all the same; one that cannot be
 *   answered yet (`temporarily_unavailable`: the ID token key of the client's alg is not active)
 *   leaves it unconsumed, so the client can retry;
 * - it is bound to the client it was issued to and to the exact `redirect_uri` of the
 *   authorization request (RFC 6749 §4.1.3);
 * - PKCE: when the authorization request carried a `code_challenge`, the matching
 *   `code_verifier` (43–128 unreserved characters) must come here; a verifier without a
 *   challenge is rejected too, which defeats PKCE downgrade (RFC 7636 §4.6, RFC 9700 §2.1.1);
 * - a `resource`/`audience` here may only repeat the one authorized, and the client must still be
 *   registered for it (RFC 8707 §2.2);
 * - a code issued within an IdP session opens its grant only while that session exists: a logout
 *   or password change that committed while /authorize was storing the code leaves a code that is
 *   `invalid_grant` (issue 8; the check is part of the grant's INSERT, storage/repositories/authorization-codes.ts);
 * - a code for an organization (issue 10) carries it into its grant; the tokens get `org_id` and
 *   the member's current `org_roles`, and a user removed from the organization since /authorize
 *   gets `invalid_grant`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 */
import { InvalidGrantError, InvalidRequestError } from '../errors.js'
import { hashHandle } from '../lib/random.js'
import { isCodeVerifier, verifyCodeVerifier } from '../rules/pkce.js'
import { assertResourcePermitted, assertSameResource } from '../rules/resource.js'
import { matchRedirectUri } from '../rules/redirect-uri.js'
import type { LatchConfig } from '../config/schema.js'
import type { AuthorizationCodeRecord, ClientRecord, GrantRecord, Membership } from '../storage/store.js'
import type { GrantHandler } from './grant.js'
import { issueTokenSet, refreshAllowed } from './token-set.js'

const USED = 'the authorization code is invalid, expired or was already used'

export const authorizationCodeGrant: GrantHandler = {
  grantType: 'authorization_code',
  parameters: ['code', 'redirect_uri', 'code_verifier', 'resource', 'audience'],
  async handle({ params, client, ctx }) {
    const { store, clock, config } = ctx
    if (!params.code) throw new InvalidRequestError('code is missing')
    if (params.code_verifier !== undefined && !isCodeVerifier(params.code_verifier)) {
      throw new InvalidRequestError('code_verifier must be 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)')
    }
    const now = clock.now()
    const codeHash = hashHandle(params.code)
    // RFC 6749 §4.1.2: a replayed code revokes what its first redemption issued.
    const replay = async (code: AuthorizationCodeRecord): Promise<never> => {
      if (code.client_id === client.client_id) {
        await store.grants.revoke(code.grant_id, now)
        ctx.events.emit('authorization_code.reused', { client_id: client.client_id, grant_id: code.grant_id })
        ctx.events.emit('grant.revoked', { grant_id: code.grant_id, reason: 'authorization_code.reused' })
      }
      throw new InvalidGrantError(USED)
    }
    // A read that decides nothing: the code is consumed together with the grant's opening, after
    // every check and after the ID token key is known (a key not yet usable answers
    // temporarily_unavailable and leaves the code redeemable). A code that fails a check is
    // consumed on its own, as a redemption that failed.
    const found = await store.authorizationCodes.find(codeHash)
    if (!found) throw new InvalidGrantError(USED)
    if (found.code.consumed_at !== null) return replay(found.code)
    if (found.code.expires_at <= now) throw new InvalidGrantError(USED)
    const { code: record, user } = found
    let organization: Membership | null = null
    try {
      checkRedemption(params, record, client, config)
      if (!user) throw new InvalidGrantError('the authorization grant was revoked', { detail: 'the user no longer exists' })
      if (record.organization_id !== null) {
        // Roles as they are now (one primary-key read); a member removed since /authorize gets no
        // token that would still speak for the organization.
        organization = await store.organizations.membership(record.organization_id, user.id)
        if (organization === null) throw new InvalidGrantError('the user is no longer a member of the organization this code was issued for')
      }
    } catch (error) {
      const burnt = await store.authorizationCodes.consume(codeHash, now)
      // Another redemption consumed it first: this one is then its replay.
      if (!burnt.record && burnt.replayed) return replay(burnt.replayed)
      throw error
    }
    // The code carries its grant, opened with the refresh token in the transaction that consumes
    // the code, under the id chosen at /authorize; if a revocation took that id first, nothing is
    // stored (token-set.ts).
    const grant: GrantRecord = {
      id: record.grant_id,
      client_id: record.client_id,
      user_id: record.user_id,
      scope: record.scope,
      resource: record.resource,
      auth_time: record.auth_time,
      session_id: record.session_id,
      organization_id: record.organization_id,
      // Issue 13: the session's amr at /authorize; a later step-up of that session does not raise it.
      amr: record.amr,
      created_at: now,
      revoked_at: null,
    }
    return issueTokenSet(ctx, {
      grantType: 'authorization_code',
      client,
      grant,
      user,
      scope: record.scope.split(' ').filter(Boolean),
      resource: record.resource,
      authTime: record.auth_time,
      sessionId: record.session_id,
      nonce: record.nonce,
      refresh: refreshAllowed(client) ? { expiresAt: now + config.tokens.refresh_token_ttl } : null,
      organization,
      open: async (refreshToken) => {
        const redeemed = await store.authorizationCodes.redeem(codeHash, now, refreshToken)
        if (redeemed.outcome === 'replayed') return replay(redeemed.code)
        if (redeemed.outcome === 'invalid') throw new InvalidGrantError(USED)
        return { opened: redeemed.outcome === 'opened', sessionId: redeemed.code.session_id }
      },
      idToken: true,
    })
  },
}

/** The checks of a found, unconsumed code against the request (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 8707 §2.2). */
function checkRedemption(params: Record<string, string | undefined>, record: AuthorizationCodeRecord, client: ClientRecord, config: LatchConfig): void {
  if (record.client_id !== client.client_id) {
    throw new InvalidGrantError('the authorization code was issued to another client')
  }
  // RFC 6749 §4.1.3: required and identical if the authorization request included it.
  // A native app's loopback URI was stored as matched, i.e. normalised (rules/redirect-uri.ts):
  // the same raw string sent again normalises to it.
  const sameUri = (sent: string, stored: string) => sent === stored || matchRedirectUri(stored, sent, client.token_endpoint_auth_method === 'none') === stored
  if (record.redirect_uri !== null ? params.redirect_uri === undefined || !sameUri(params.redirect_uri, record.redirect_uri) : params.redirect_uri !== undefined && !client.redirect_uris.includes(params.redirect_uri)) {
    throw new InvalidGrantError('redirect_uri does not match the one of the authorization request')
  }
  if (record.code_challenge) {
    if (!params.code_verifier) throw new InvalidGrantError('code_verifier is required (PKCE, RFC 7636 §4.5)')
    if (!verifyCodeVerifier(params.code_verifier, record.code_challenge, record.code_challenge_method ?? 'plain')) {
      throw new InvalidGrantError('code_verifier does not match the code_challenge (RFC 7636 §4.6)')
    }
  } else if (params.code_verifier) {
    throw new InvalidGrantError('code_verifier sent but the authorization request had no code_challenge')
  }
  assertSameResource(params, record.resource)
  assertResourcePermitted(record.resource, client, config)
}
