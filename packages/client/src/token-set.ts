/**
 * The token set a successful token response becomes (RFC 6749 §5.1), in camelCase, with the
 * lifetime turned into an absolute `expiresAt` and, when an ID token came along, its validated
 * claims. oauth4webapi has already checked the ID token's iss, aud, azp, exp and iat when this
 * runs; its signature is checked here against the issuer's JWKS (OIDC Core §3.1.3.7 step 6), which
 * oauth4webapi leaves to an explicit call. An ID token is never trusted for its claims unverified.
 * `organization` (Latch's organizations) comes from the validated ID token's `org_id`, else from
 * an `organization:<id>` value of the granted scope; never from the access token, which the client
 * does not inspect (RFC 9068 §6).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-6
 */
import { getValidatedIdTokenClaims, validateApplicationLevelSignature, type AuthorizationServer, type HttpRequestOptions, type IDToken, type TokenEndpointResponse } from 'oauth4webapi'

/** Validated claims of an ID token (OIDC Core §2). */
export type IdTokenClaims = IDToken

/**
 * Tokens from one token response. JSON-serialisable, so it can be kept in a server-side session
 * or a `TokenStorage`. Keep it out of `localStorage`: any script on the page could read it.
 */
export interface TokenSet {
  accessToken: string
  /** `bearer` (lower-cased, RFC 6749 §7.1 says the type is case-insensitive). */
  tokenType: string
  /** When the access token expires, epoch seconds (from `expires_in`); absent when not sent. */
  expiresAt?: number
  refreshToken?: string
  idToken?: string
  /** Granted scope, when the server sent it (RFC 6749 §5.1: it must when it differs). */
  scope?: string
  /** The ID token's claims, after signature and claim validation. */
  claims?: IdTokenClaims
  /**
   * The organization these tokens speak for (the `org_id` of Latch's tokens), when known: from the
   * ID token, the granted scope's `organization:<id>`, or the organization a switch asked for.
   * Absent: tokens for no organization.
   */
  organization?: string
}

/** The id of the one `organization:<id>` value in `scope`, or `undefined` (none, or ambiguous). */
export function organizationFromScope(scope: string): string | undefined {
  const ids = scope.split(' ').filter((s) => s.startsWith('organization:') && s.length > 'organization:'.length)
  return ids.length === 1 ? (ids[0] as string).slice('organization:'.length) : undefined
}

/** The `TokenSet` of a processed token response; verifies the ID token signature first. */
export async function tokenSetFrom(as: AuthorizationServer, response: Response, body: TokenEndpointResponse, http: HttpRequestOptions<string, unknown>): Promise<TokenSet> {
  if (body.id_token !== undefined) await validateApplicationLevelSignature(as, response, http)
  const tokens: TokenSet = { accessToken: body.access_token, tokenType: body.token_type }
  if (typeof body.expires_in === 'number') tokens.expiresAt = Math.floor(Date.now() / 1000) + body.expires_in
  if (body.refresh_token !== undefined) tokens.refreshToken = body.refresh_token
  if (body.id_token !== undefined) {
    tokens.idToken = body.id_token
    const claims = getValidatedIdTokenClaims(body)
    if (claims) tokens.claims = claims
  }
  if (typeof body.scope === 'string') tokens.scope = body.scope
  const organization = typeof tokens.claims?.org_id === 'string' ? tokens.claims.org_id : tokens.scope !== undefined ? organizationFromScope(tokens.scope) : undefined
  if (organization !== undefined) tokens.organization = organization
  return tokens
}
