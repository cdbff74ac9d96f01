/**
 * @latch/client: OAuth 2.0 / OpenID Connect client SDK on oauth4webapi. Public surface only;
 * every export lives in the module named after its concept. The core uses only `fetch` and
 * `crypto.subtle`, so it runs in Node, browsers and edge runtimes; the Fastify BFF plugin is the
 * separate `@latch/client/bff` export.
 */
export { discover, clearDiscoveryCache, type AuthorizationServer, type DiscoveryOptions } from './discovery.js'
export { OAuthResponseError, ClientValidationError, CLIENT_VALIDATION_CODES, type ClientValidationCode } from './errors.js'
export type { TokenSet, IdTokenClaims } from './token-set.js'
export {
  createAuthorizationCodeClient,
  type AuthorizationCodeClient,
  type AuthorizationCodeClientOptions,
  type AuthorizationTransaction,
  type AuthorizationUrlParams,
} from './authorization-code.js'
export type { SwitchOrganizationOptions } from './token-exchange.js'
export { createClientCredentialsClient, type ClientCredentialsClient, type ClientCredentialsClientOptions } from './client-credentials.js'
export { deviceAuthorization, type DeviceAuthorizationOptions, type DeviceUserCode } from './device-flow.js'
export { fetchUserInfo, type UserInfoOptions } from './userinfo.js'
export { createTokenManager, type TokenManager, type TokenManagerOptions, type RefreshingClient } from './token-manager.js'
export { MemoryTokenStorage, type TokenStorage } from './token-storage.js'
export { safeReturnTo } from './return-to.js'
export { stepUpChallenge, stepUpParams, type StepUpChallenge } from './step-up.js'
export { validateLogoutToken, type LogoutTokenOptions, type LogoutTokenClaims } from './logout-token.js'
export type { ClientAuthenticationMethod } from './client-authentication.js'
export type { TransportOptions } from './transport.js'
