/**
 * Switching organizations by OAuth 2.0 Token Exchange (RFC 8693 §2.1) at the token endpoint:
 * the client presents the tokens it holds for one organization as `subject_token` and gets tokens
 * for another (`organization=<id>`, Latch's target parameter). A confidential client presents the
 * refresh token when the set has one, asking for a refresh token back (`requested_token_type`), so
 * the new organization's tokens can be refreshed on their own; a public client (no secret), and
 * any client without a refresh token, presents the access token and gets an access token that
 * lives no longer than it (Latch refuses a public client's refresh token as a subject: only the
 * refresh grant rotates it, RFC 9700 §4.14.2). The subject token is not rotated or spent.
 *
 * The answer is checked beyond oauth4webapi's token-response checks: `issued_token_type` is
 * required (§2.2.1) and must be a type this client asked for or can use; a refresh token must come
 * with the refresh-token type; and a `scope` that names a different `organization:<id>` than the
 * one asked for is refused. The new set's `organization` is the one asked for: the server issues
 * for that organization or refuses with `invalid_target` (RFC 8693 §2.2.2), so no access token is
 * read for it (RFC 9068 §6: the client does not inspect access tokens).
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.2.1
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-6
 */
import { genericTokenEndpointRequest, processGenericTokenEndpointResponse } from 'oauth4webapi'
import type { ClientContext } from './client-context.js'
import { ClientValidationError } from './errors.js'
import { organizationFromScope, tokenSetFrom, type TokenSet } from './token-set.js'
import { typed } from './translate-error.js'

/** RFC 8693 §2.1 `grant_type`. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'

/** RFC 8693 §3 token type identifiers this client presents and accepts. */
export const TOKEN_TYPES = {
  access_token: 'urn:ietf:params:oauth:token-type:access_token',
  refresh_token: 'urn:ietf:params:oauth:token-type:refresh_token',
} as const

/** Options of one organization switch. */
export interface SwitchOrganizationOptions {
  /** RFC 8707 resource indicator for the new access token (default: the client's `resource`). */
  resource?: string
}

/** The exchange parameters for `tokens` and `orgId` (RFC 8693 §2.1). */
export function exchangeParameters(tokens: Pick<TokenSet, 'accessToken' | 'refreshToken'>, orgId: string, resource?: string, publicClient = false): Record<string, string> {
  const fromRefresh = !publicClient && typeof tokens.refreshToken === 'string' && tokens.refreshToken !== ''
  return {
    subject_token: fromRefresh ? (tokens.refreshToken as string) : tokens.accessToken,
    subject_token_type: fromRefresh ? TOKEN_TYPES.refresh_token : TOKEN_TYPES.access_token,
    ...(fromRefresh && { requested_token_type: TOKEN_TYPES.refresh_token }),
    organization: orgId,
    ...(resource !== undefined && { resource }),
  }
}

/** Refuses an exchange answer this client cannot take as tokens for `orgId` (see the module doc). */
export function checkExchangeResponse(body: { issued_token_type?: unknown; refresh_token?: unknown; scope?: unknown }, orgId: string): void {
  const issued = body.issued_token_type
  if (issued !== TOKEN_TYPES.access_token && issued !== TOKEN_TYPES.refresh_token) {
    throw new ClientValidationError('invalid_response', 'invalid_response: RFC 8693 §2.2.1: issued_token_type is missing or not an access or refresh token type')
  }
  if (body.refresh_token !== undefined && issued !== TOKEN_TYPES.refresh_token) {
    throw new ClientValidationError('invalid_response', 'invalid_response: a refresh token came with issued_token_type other than refresh_token')
  }
  const named = typeof body.scope === 'string' ? organizationFromScope(body.scope) : undefined
  if (named !== undefined && named !== orgId) {
    throw new ClientValidationError('invalid_response', 'invalid_response: the exchanged tokens are for another organization than the one asked for')
  }
}

/**
 * Exchanges `tokens` for tokens of organization `orgId`. Throws `OAuthResponseError`
 * (`invalid_target`: not a member; `invalid_grant`: the subject token is dead; `unauthorized_client`:
 * the client may not exchange) or `ClientValidationError`.
 */
export async function switchOrganizationWith(ctx: ClientContext, tokens: TokenSet, orgId: string, resource?: string): Promise<TokenSet> {
  if (typeof orgId !== 'string' || orgId === '') throw new TypeError('switchOrganization: orgId must be a non-empty string')
  if (typeof tokens?.accessToken !== 'string') throw new TypeError('switchOrganization: tokens must be a TokenSet')
  return typed(async () => {
    const as = await ctx.metadata()
    const publicClient = (ctx.options.clientAuthentication ?? (ctx.options.clientSecret === undefined ? 'none' : 'client_secret_basic')) === 'none'
    const response = await genericTokenEndpointRequest(as, ctx.client, ctx.auth, TOKEN_EXCHANGE_GRANT_TYPE, exchangeParameters(tokens, orgId, resource, publicClient), ctx.http)
    const body = await processGenericTokenEndpointResponse(as, ctx.client, response)
    checkExchangeResponse(body, orgId)
    const next = await tokenSetFrom(as, response, body, ctx.http)
    // An ID token, should the server send one, has the last word (tokenSetFrom read its org_id).
    if (next.claims === undefined) next.organization = orgId
    else if (next.organization !== orgId) throw new ClientValidationError('invalid_response', 'invalid_response: the exchanged ID token is for another organization than the one asked for')
    return next
  })
}
