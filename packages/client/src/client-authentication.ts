/**
 * Client authentication at the token, revocation and device authorization endpoints, by
 * `token_endpoint_auth_method` (RFC 7591 §2): `client_secret_basic` (the default for clients with
 * a secret, and the one every server must support), `client_secret_post`, or `none` for public
 * clients (SPAs, native apps, CLIs), which send only `client_id` and rely on PKCE instead.
 * oauth4webapi does the encoding (RFC 6749 §2.3.1: form-urlencoded before base64).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
import { ClientSecretBasic, ClientSecretPost, None, type ClientAuth } from 'oauth4webapi'

/** The supported `token_endpoint_auth_method` values. */
export type ClientAuthenticationMethod = 'client_secret_basic' | 'client_secret_post' | 'none'

/** The oauth4webapi `ClientAuth` for `method` (defaulted from whether there is a secret). */
export function clientAuthentication(method: ClientAuthenticationMethod | undefined, clientSecret: string | undefined): ClientAuth {
  const chosen = method ?? (clientSecret === undefined ? 'none' : 'client_secret_basic')
  if (chosen === 'none') return None()
  if (typeof clientSecret !== 'string' || clientSecret === '') throw new TypeError(`clientAuthentication ${chosen} needs a clientSecret`)
  return chosen === 'client_secret_post' ? ClientSecretPost(clientSecret) : ClientSecretBasic(clientSecret)
}
