/**
 * The two error classes of @latch/client. A failed call throws one of them, never a bare
 * oauth4webapi error: `OAuthResponseError` when the authorization server (or a resource server)
 * answered with an OAuth error (RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3, RFC 8628 §3.5), and
 * `ClientValidationError` when *this* client refused something (a state or `iss` mismatch, an ID
 * token that fails validation, a UserInfo `sub` that is not the signed-in user's), each with a
 * stable `code` so callers can `switch (err.code)`, as with jose's error codes.
 * Messages never contain tokens, codes or secrets: oauth4webapi's own messages are static text,
 * and its `cause` (which may hold a whole token response) is deliberately not carried over.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */

/**
 * An OAuth error answered by the authorization server or a protected resource: the token,
 * device, revocation or UserInfo endpoint's JSON error body, a `WWW-Authenticate` challenge, or
 * an error authorization response delivered to the redirect URI.
 *
 * `status` is the HTTP status of the answer; it is `0` when the error did not come in an HTTP
 * error response (an `error=access_denied` redirect, or a device code that expired while
 * polling).
 *
 * @example
 * ```ts
 * import { OAuthResponseError, type AuthorizationCodeClient, type AuthorizationTransaction } from '@latch/client'
 *
 * declare const client: AuthorizationCodeClient // from createAuthorizationCodeClient()
 * declare const transaction: AuthorizationTransaction // saved by client.authorizationUrl()
 *
 * try {
 *   await client.handleCallback(location.href, transaction)
 * } catch (err) {
 *   if (err instanceof OAuthResponseError && err.error === 'access_denied') {
 *     // the user clicked Deny on the consent page
 *   }
 * }
 * ```
 */
export class OAuthResponseError extends Error {
  /** The OAuth error code, e.g. `invalid_grant`, `access_denied`, `invalid_token`. */
  readonly error: string
  /** The server's human-readable description, when it sent one. */
  readonly error_description?: string
  /** The server's `error_uri`, when it sent one. */
  readonly error_uri?: string
  /** HTTP status of the error response; `0` when it did not come in one (see the class doc). */
  readonly status: number

  constructor(error: string, options: { error_description?: string; error_uri?: string; status: number; cause?: unknown }) {
    super(options.error_description ? `${error}: ${options.error_description}` : error, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'OAuthResponseError'
    this.error = error
    if (options.error_description !== undefined) this.error_description = options.error_description
    if (options.error_uri !== undefined) this.error_uri = options.error_uri
    this.status = options.status
  }
}

/**
 * Stable codes of `ClientValidationError`, each with the rule it enforces.
 * A test keeps this table and the README's list in step.
 */
export const CLIENT_VALIDATION_CODES = {
  state_mismatch: 'RFC 6749 §10.12: the authorization response state is missing or not the one this transaction sent (CSRF)',
  iss_missing: 'RFC 9207 §2.4: the AS advertises authorization_response_iss_parameter_supported but the response has no iss',
  iss_mismatch: 'RFC 9207 §2.4: the authorization response iss is not the discovered issuer (mix-up attack)',
  nonce_mismatch: 'OIDC Core §3.1.3.7 (11): the ID token nonce is not the one this transaction sent (replay)',
  id_token_invalid: 'OIDC Core §3.1.3.7: the ID token signature, iss, aud, azp, exp, iat or a required claim failed validation',
  auth_time_too_old: 'OIDC Core §3.1.3.7 (13): max_age was requested and the authentication is older',
  subject_mismatch: 'OIDC Core §5.3.4 / §12.2: the UserInfo or refreshed ID token sub is not the signed-in user',
  issuer_mismatch: 'RFC 8414 §3.3 / OIDC Discovery §4.3: the metadata issuer is not the issuer that was asked for',
  missing_server_metadata: 'RFC 8414 §2: the authorization server does not advertise an endpoint this call needs',
  invalid_response: 'the server answered something that is not a conforming response for this endpoint',
  insecure_request: 'RFC 6749 §3.1 / §10.9: an http:// request to a host that is not loopback was refused',
  request_failed: 'the HTTP request could not be sent or completed (network error)',
  unsupported_operation: 'the server asked for something this client does not support (e.g. an encrypted ID token)',
  no_session: 'the token manager holds no tokens: sign in first',
  no_refresh_token: 'a refresh was needed but the token set has no refresh token',
  invalid_logout_token: 'OIDC Back-Channel Logout §2.6: the logout token signature, iss, aud, iat/exp, typ, events, sid/sub or the absence of nonce failed validation',
} as const

/** One of the stable codes of `ClientValidationError`. */
export type ClientValidationCode = keyof typeof CLIENT_VALIDATION_CODES

/**
 * This client refused a response, or could not make a request, for a reason named by a stable
 * `code` (see `CLIENT_VALIDATION_CODES`). These are the protections of the protocol working:
 * show a generic "sign-in failed, try again" and start a new transaction; never retry blindly.
 *
 * @example
 * ```ts
 * import { ClientValidationError, type AuthorizationCodeClient, type AuthorizationTransaction } from '@latch/client'
 *
 * declare const client: AuthorizationCodeClient // from createAuthorizationCodeClient()
 * declare const transaction: AuthorizationTransaction // saved by client.authorizationUrl()
 *
 * try {
 *   await client.handleCallback(location.href, transaction)
 * } catch (err) {
 *   if (err instanceof ClientValidationError && err.code === 'state_mismatch') {
 *     // a forged or stale callback (CSRF): start over
 *   }
 * }
 * ```
 */
export class ClientValidationError extends Error {
  /** A stable code from `CLIENT_VALIDATION_CODES`. */
  readonly code: ClientValidationCode
  /**
   * HTTP status of the response that was refused, when the refusal was about one (mostly
   * `invalid_response`): a 502 HTML page from a gateway, a 503 without an OAuth error body, a
   * 429. A status of 408, 429 or 5xx means the server could not answer now, not that it said no.
   */
  readonly status?: number

  constructor(code: ClientValidationCode, message: string = CLIENT_VALIDATION_CODES[code], options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ClientValidationError'
    this.code = code
    if (options?.status !== undefined) this.status = options.status
  }
}
