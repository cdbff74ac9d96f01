/**
 * The UserInfo request: the claims about the signed-in user that the access token's scopes
 * allow. The response's `sub` must be the ID token's `sub` (OIDC Core §5.3.4): without that
 * check, a token for another user (substituted by an attacker, or mixed up by the app) would put
 * someone else's profile into this session. Usable by any client type (the device flow has no
 * redirect URI, so this is not tied to the authorization code client).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
import { processUserInfoResponse, userInfoRequest } from 'oauth4webapi'
import { clientContext, type ClientContext, type ClientContextOptions } from './client-context.js'
import { typed } from './translate-error.js'

/** Options of `fetchUserInfo`. */
export interface UserInfoOptions extends ClientContextOptions {
  accessToken: string
  /** The `sub` of the user's ID token. */
  expectedSubject: string
}

/** UserInfo through an existing client context (shared with the authorization code client). */
export async function userinfoWith(ctx: ClientContext, accessToken: string, expectedSubject: string): Promise<Record<string, unknown>> {
  return typed(async () => {
    const as = await ctx.metadata()
    const response = await userInfoRequest(as, ctx.client, accessToken, ctx.http)
    return (await processUserInfoResponse(as, ctx.client, expectedSubject, response)) as Record<string, unknown>
  })
}

/**
 * The UserInfo claims of the user `accessToken` was issued for, checked to be `expectedSubject`.
 *
 * @throws `ClientValidationError` `subject_mismatch` when UserInfo names another user;
 *   `OAuthResponseError` `invalid_token` (401) for an expired or revoked token.
 *
 * @example
 * ```ts
 * import { deviceAuthorization, fetchUserInfo } from '@latch/client'
 *
 * const issuer = 'http://localhost:9000'
 * const tokens = await deviceAuthorization({
 *   issuer,
 *   clientId: 'demo-device',
 *   scope: 'openid profile',
 *   onUserCode: ({ verificationUri, userCode }) => console.log(`Open ${verificationUri} and enter ${userCode}`),
 * })
 * const me = await fetchUserInfo({ issuer, clientId: 'demo-device', accessToken: tokens.accessToken, expectedSubject: tokens.claims!.sub })
 * console.log(`Signed in as ${me.name}`)
 * ```
 */
export async function fetchUserInfo(options: UserInfoOptions): Promise<Record<string, unknown>> {
  return userinfoWith(clientContext(options), options.accessToken, options.expectedSubject)
}
