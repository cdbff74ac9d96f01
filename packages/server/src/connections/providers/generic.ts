/**
 * Issue 12: the generic providers. OpenID Connect: the ID token's claims, completed by userinfo
 * (whose `sub` oauth4webapi has already checked against the ID token's, OIDC Core §5.3.2).
 * OAuth 2.0: the profile endpoint's JSON, read with the access token (RFC 6750 §2.1).
 */
import { ClientSecretBasic, ClientSecretPost, None, protectedResourceRequest, type ClientAuth } from 'oauth4webapi'
import type { ConnectionSecrets, ResolvedConnection } from '../../config/schema.js'
import { mapProfile } from '../profile.js'
import { UpstreamError } from '../upstream-error.js'
import type { Provider } from './provider.js'

/** The client authentication `token_endpoint_auth_method` names (RFC 6749 §2.3.1). */
export function standardClientAuth(connection: ResolvedConnection, secrets: ConnectionSecrets): ClientAuth {
  switch (connection.token_endpoint_auth_method) {
    case 'none':
      return None()
    case 'client_secret_post':
      return ClientSecretPost(secrets.client_secret ?? '')
    case 'client_secret_basic':
      return ClientSecretBasic(secrets.client_secret ?? '')
    default:
      // apple_jwt is the Apple provider's own.
      throw new UpstreamError('unavailable', `client authentication ${connection.token_endpoint_auth_method} needs its provider`)
  }
}

export const oidcProvider: Provider = {
  clientAuth: standardClientAuth,
  async profile({ connection, idToken, userinfo }) {
    return mapProfile(connection, { ...userinfo, ...idToken })
  },
}

export const oauth2Provider: Provider = {
  clientAuth: standardClientAuth,
  async profile({ connection, accessToken, http }) {
    const url = new URL(connection.userinfo_endpoint!)
    const response = await protectedResourceRequest(accessToken, 'GET', url, new Headers({ accept: 'application/json' }), null, http)
    if (!response.ok) throw new UpstreamError(response.status >= 500 ? 'unavailable' : 'invalid_response', `the profile endpoint answered ${response.status}`)
    let body: unknown
    try {
      body = await response.json()
    } catch {
      throw new UpstreamError('invalid_response', 'the profile endpoint did not answer JSON')
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new UpstreamError('invalid_response', 'the profile endpoint did not answer a JSON object')
    return mapProfile(connection, body as Record<string, unknown>)
  },
}
