/**
 * @latch/resource-server: public surface (re-exports only). The framework-free core; the
 * adapters are the subpath exports `/express`, `/fastify` and `/hono`.
 */
export { createVerifier, type Verifier, type VerifyOptions } from './verifier.js'
export type { VerifierOptions } from './options.js'
export { createRouteAuth, type RequireAuthOptions, type RouteAuth, type RouteRequest } from './route-auth.js'
export {
  verifyAccessToken,
  accessTokenVerifyOptions,
  DEFAULT_ALGORITHMS,
  ASYMMETRIC_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE,
  type AccessTokenClaims,
  type AccessTokenProfile,
  type ActorClaim,
} from './verify-access-token.js'
export { bearerToken, hasAccessTokenParam } from './bearer-token.js'
export { compileScopes, hasScope, type ScopeRequirement, type RouteParams } from './scopes.js'
export { compileOrganization, type OrganizationOptions, type OrganizationRequirement, type OrganizationClaims } from './organization.js'
export {
  compileUserAuthentication,
  LATCH_ACR_VALUES,
  type UserAuthenticationOptions,
  type UserAuthenticationRequirement,
} from './user-authentication.js'
export { discover, wellKnownUrls, type AuthorizationServerMetadata } from './discovery.js'
export { createRemoteKeySet, DEFAULT_JWKS_CACHE_MAX_AGE, DEFAULT_JWKS_COOLDOWN, DEFAULT_JWKS_STALE_IF_ERROR, type RemoteKeySetOptions } from './remote-key-set.js'
export { createIntrospection, DEFAULT_INTROSPECTION_CACHE_TTL, type Introspection, type IntrospectionOptions } from './introspection.js'
export { IntrospectionCache, tokenKey } from './introspection-cache.js'
export { errorResponse, wwwAuthenticate, type ErrorResponse } from './error-response.js'
export {
  RESOURCE_SERVER_ERRORS,
  ERROR_CLASSES,
  ResourceServerError,
  InvalidRequestError,
  InvalidTokenError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  TemporarilyUnavailableError,
  isResourceServerError,
  type AnyResourceServerError,
  type ResourceServerErrorCode,
  type ResourceServerErrorOptions,
  type ErrorSpec,
} from './errors.js'
