/**
 * Issue 12: Google. OpenID Connect with a boolean `email_verified`. A connection limited to one
 * Workspace domain (`hosted_domain`) sends `hd=` on the authorization request, but that only tunes
 * Google's account chooser: the ID token's `hd` claim is what says the account belongs to the
 * domain, so it is checked (a personal account has no `hd` at all).
 * @see https://developers.google.com/identity/openid-connect/openid-connect#hd-param
 * @see https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
 */
import { mapProfile } from '../profile.js'
import { UpstreamError } from '../upstream-error.js'
import { standardClientAuth } from './generic.js'
import type { Provider } from './provider.js'

export const googleProvider: Provider = {
  clientAuth: standardClientAuth,
  authorizationParams(connection): Record<string, string> {
    return connection.hosted_domain === null ? {} : { hd: connection.hosted_domain }
  },
  async profile({ connection, idToken, userinfo }) {
    if (connection.hosted_domain !== null) {
      const hd = idToken.hd
      if (typeof hd !== 'string' || hd.toLowerCase() !== connection.hosted_domain) {
        throw new UpstreamError('invalid_response', 'the Google account is not of the configured hosted domain', 'hd_mismatch')
      }
    }
    // The ID token's claims win over userinfo's: they are the signed ones.
    return mapProfile(connection, { ...userinfo, ...idToken })
  },
}
