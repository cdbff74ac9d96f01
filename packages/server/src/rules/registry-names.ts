/**
 * The protocol names Latch supports, one list per registry, low enough in the layers that every
 * user can import it: the config schema (config/schema.ts) accepts exactly these in client
 * metadata, and the tables that implement them, `GRANTS` (grants/table.ts) and
 * `CLIENT_AUTH_METHODS` (client-auth/authenticate.ts), are checked by the compiler to cover exactly
 * these names (`satisfies Record<GrantType, …>`). A name added here without a handler, or a
 * handler without its name here, does not compile. The order is the order discovery lists them.
 *
 * @see https://www.iana.org/assignments/oauth-parameters/oauth-parameters.xhtml#grant-types
 * @see https://www.iana.org/assignments/oauth-parameters/oauth-parameters.xhtml#token-endpoint-auth-method
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */

/** `grant_type` values (RFC 6749 §4, RFC 8628 §3.4, RFC 8693 §2.1) Latch implements. */
export const GRANT_TYPE_NAMES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'password',
] as const

export type GrantType = (typeof GRANT_TYPE_NAMES)[number]

/** `token_endpoint_auth_method` values (RFC 7591 §2, OIDC Core §9) Latch implements. */
export const AUTH_METHOD_NAMES = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const

export type ClientAuthMethodName = (typeof AUTH_METHOD_NAMES)[number]
