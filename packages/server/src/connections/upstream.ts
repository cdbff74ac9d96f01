/**
 * Issue 12: Latch as a relying party of an upstream identity provider, on oauth4webapi. The
 * authorization request carries `state`, PKCE S256 (RFC 7636) and, for OpenID Connect, a `nonce`;
 * the callback is checked in the order the specs ask: the authorization response (`state`, and
 * `iss` when the upstream advertises RFC 9207), the code exchange, the ID token's claims (`iss`,
 * `aud`, `azp`, `exp`, `iat`, `nonce`), then its signature against the upstream's JWK Set (oauth4webapi
 * checks the claims but leaves the signature to `validateApplicationLevelSignature`), then userinfo,
 * whose `sub` must be the ID token's. The upstream's tokens end here: only the mapped profile leaves
 * (with the ID token when the connection has `federated_logout`: the hint of the upstream's logout).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @see https://www.rfc-editor.org/rfc/rfc9207
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
import {
  authorizationCodeGrantRequest, calculatePKCECodeChallenge, getValidatedIdTokenClaims, jwksCache, nopkce, processAuthorizationCodeResponse,
  processUserInfoResponse, userInfoRequest, validateApplicationLevelSignature, validateAuthResponse, type AuthorizationServer, type Client,
} from 'oauth4webapi'
import type { ResolvedConnection } from '../config/schema.js'
import type { UpstreamProfile } from './profile.js'
import { PROVIDERS } from './providers/table.js'
import type { ConnectionRegistry } from './registry.js'
import { toUpstreamError, UpstreamError } from './upstream-error.js'

export interface UpstreamRequest {
  redirectUri: string
  state: string
  codeVerifier: string
  nonce: string
  /** From the downstream request, passed on (OIDC Core §3.1.2.1). */
  loginHint?: string | undefined
  prompt?: 'login' | undefined
  maxAge?: number | undefined
  uiLocales?: string | undefined
}

/** The upstream authorization request URL (RFC 6749 §4.1.1). */
export async function authorizationUrl(connection: ResolvedConnection, as: AuthorizationServer, request: UpstreamRequest): Promise<URL> {
  if (as.authorization_endpoint === undefined) throw new UpstreamError('unavailable', 'the upstream has no authorization endpoint')
  const url = new URL(as.authorization_endpoint)
  // Configured extras first, so none of ours can be replaced by them (config refuses the reserved names too).
  for (const [name, value] of Object.entries(connection.authorization_params)) url.searchParams.set(name, value)
  // A preset's own (Google's hd), after the configured ones: what the preset's checks rely on.
  for (const [name, value] of Object.entries(PROVIDERS[connection.type].authorizationParams?.(connection) ?? {})) url.searchParams.set(name, value)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', connection.client_id)
  url.searchParams.set('redirect_uri', request.redirectUri)
  if (connection.scope !== '') url.searchParams.set('scope', connection.scope)
  url.searchParams.set('state', request.state)
  if (connection.pkce) {
    url.searchParams.set('code_challenge', await calculatePKCECodeChallenge(request.codeVerifier))
    url.searchParams.set('code_challenge_method', 'S256')
  }
  if (connection.protocol === 'oidc') {
    url.searchParams.set('nonce', request.nonce)
    if (request.prompt === 'login') url.searchParams.set('prompt', 'login')
    if (request.maxAge !== undefined) url.searchParams.set('max_age', String(request.maxAge))
    if (request.uiLocales !== undefined) url.searchParams.set('ui_locales', request.uiLocales)
  }
  if (connection.response_mode === 'form_post') url.searchParams.set('response_mode', 'form_post')
  if (request.loginHint !== undefined) url.searchParams.set('login_hint', request.loginHint)
  return url
}

/** The callback: every check, then the mapped profile; failures are `UpstreamError`s. */
export async function completeUpstream(
  registry: ConnectionRegistry,
  connection: ResolvedConnection,
  as: AuthorizationServer,
  params: URLSearchParams,
  request: Pick<UpstreamRequest, 'redirectUri' | 'state' | 'codeVerifier' | 'nonce' | 'maxAge'>,
): Promise<UpstreamProfile> {
  const client: Client = { client_id: connection.client_id }
  const http = registry.http(connection)
  const provider = PROVIDERS[connection.type]
  const oidc = connection.protocol === 'oidc'
  try {
    const callback = validateAuthResponse(as, client, params, request.state)
    const auth = await provider.clientAuth(connection, connection.secrets)
    const response = await authorizationCodeGrantRequest(as, client, auth, callback, request.redirectUri, connection.pkce ? request.codeVerifier : nopkce, http)
    // The metadata the answer is checked against: Microsoft's multi-tenant issuer is the user's tenant's.
    as = (await provider.tokenResponse?.(connection, as, response)) ?? as
    // OIDC Core §3.1.3.7 step 13: with `maxAge` the ID token must carry an `auth_time` at most that old.
    const tokens = await processAuthorizationCodeResponse(
      as,
      client,
      response,
      oidc ? { expectedNonce: request.nonce, requireIdToken: true, ...(request.maxAge !== undefined && { maxAge: request.maxAge }) } : { requireIdToken: false },
    )
    let idToken: Record<string, unknown> = {}
    let userinfo: Record<string, unknown> = {}
    if (oidc) {
      await validateApplicationLevelSignature(as, response, { ...http, [jwksCache]: registry.jwksCache(connection) })
      idToken = { ...getValidatedIdTokenClaims(tokens) }
      if (as.userinfo_endpoint !== undefined) {
        const answer = await userInfoRequest(as, client, tokens.access_token, http)
        userinfo = { ...(await processUserInfoResponse(as, client, String(idToken.sub), answer)) }
      }
    }
    const mapped = await provider.profile({ connection, idToken, userinfo, accessToken: tokens.access_token, http, callbackParams: params })
    if (mapped === null) throw new UpstreamError('invalid_response', 'the upstream profile names no subject')
    // Review L4: a customer's IdP or a profile JSON saying `mfa` must not become Latch's `amr`:
    // only the signed ID token's, and only when the operator trusts this upstream's.
    mapped.amr = oidc && connection.trust_amr && Array.isArray(idToken.amr) ? idToken.amr.filter((v): v is string => typeof v === 'string') : []
    // When the user authenticated at the upstream, from the signed ID token only (OIDC Core §2 auth_time).
    const profile = typeof idToken.auth_time === 'number' && Number.isSafeInteger(idToken.auth_time) ? { ...mapped, auth_time: idToken.auth_time } : mapped
    // Issue 12, federated logout: the ID token is the upstream's `id_token_hint` later; kept only when needed.
    if (oidc && connection.federated_logout && typeof tokens.id_token === 'string') return { ...profile, id_token: tokens.id_token }
    return profile
  } catch (error) {
    throw toUpstreamError(error)
  }
}
