/**
 * The one error model of Latch: a table of every OAuth / OIDC error code Latch emits, the HTTP
 * status it travels with, whether the authorization endpoint may redirect it to the client, and
 * the spec that defines it. Classes, docs and the Fastify error handler derive from this table.
 *
 * `description` is public (it becomes `error_description`); `detail` and `cause` are private and
 * only ever reach the (redacted) log.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthError
 */

export interface ErrorSpec {
  readonly status: number
  readonly redirectable: boolean
  readonly spec: string
}

export const OAUTH_ERRORS = {
  invalid_request: { status: 400, redirectable: true, spec: 'RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1' },
  invalid_client: { status: 401, redirectable: false, spec: 'RFC 6749 §5.2' },
  invalid_grant: { status: 400, redirectable: false, spec: 'RFC 6749 §5.2' },
  unauthorized_client: { status: 400, redirectable: true, spec: 'RFC 6749 §4.1.2.1, §5.2' },
  unsupported_grant_type: { status: 400, redirectable: false, spec: 'RFC 6749 §5.2' },
  invalid_scope: { status: 400, redirectable: true, spec: 'RFC 6749 §4.1.2.1, §5.2' },
  unsupported_response_type: { status: 400, redirectable: true, spec: 'RFC 6749 §4.1.2.1' },
  access_denied: { status: 400, redirectable: true, spec: 'RFC 6749 §4.1.2.1; RFC 8628 §3.5' },
  server_error: { status: 500, redirectable: true, spec: 'RFC 6749 §4.1.2.1' },
  temporarily_unavailable: { status: 503, redirectable: true, spec: 'RFC 6749 §4.1.2.1' },
  invalid_token: { status: 401, redirectable: false, spec: 'RFC 6750 §3.1' },
  insufficient_scope: { status: 403, redirectable: false, spec: 'RFC 6750 §3.1' },
  unsupported_token_type: { status: 400, redirectable: false, spec: 'RFC 7009 §2.2.1' },
  authorization_pending: { status: 400, redirectable: false, spec: 'RFC 8628 §3.5' },
  slow_down: { status: 400, redirectable: false, spec: 'RFC 8628 §3.5' },
  expired_token: { status: 400, redirectable: false, spec: 'RFC 8628 §3.5' },
  login_required: { status: 400, redirectable: true, spec: 'OIDC Core §3.1.2.6' },
  consent_required: { status: 400, redirectable: true, spec: 'OIDC Core §3.1.2.6' },
  interaction_required: { status: 400, redirectable: true, spec: 'OIDC Core §3.1.2.6' },
  account_selection_required: { status: 400, redirectable: true, spec: 'OIDC Core §3.1.2.6' },
  invalid_target: { status: 400, redirectable: true, spec: 'RFC 8707 §2' },
  request_not_supported: { status: 400, redirectable: true, spec: 'OIDC Core §3.1.2.6' },
  request_uri_not_supported: { status: 400, redirectable: true, spec: 'OIDC Core §3.1.2.6' },
  // Issue 14: the admin API's REST answers (README "Admin API"), never redirected.
  not_found: { status: 404, redirectable: false, spec: 'RFC 9110 §15.5.5 (admin API)' },
  conflict: { status: 409, redirectable: false, spec: 'RFC 9110 §15.5.10 (admin API)' },
  // Issue 14: an administrator's token without the sign-in strength `admin.require_mfa` asks for.
  insufficient_user_authentication: { status: 401, redirectable: false, spec: 'RFC 9470 §3 (admin API)' },
} as const satisfies Record<string, ErrorSpec>

export type OAuthErrorCode = keyof typeof OAUTH_ERRORS

export interface OAuthErrorOptions {
  /** Private: goes to the log, never to the client. */
  detail?: string
  cause?: unknown
  /** Overrides the table's status (413 for an oversized body, say). */
  status?: number
  /** Extra `WWW-Authenticate` challenge parameters (RFC 6750 §3), e.g. `{ scope: 'openid' }`. */
  challenge?: Record<string, string>
  /** Seconds for a `Retry-After` header (RFC 9110 §10.2.3) on a 429 or 503. */
  retryAfter?: number
}

/**
 * RFC 6749 §5.2 / §4.1.2.1: `error_description` is limited to %x20-21 / %x23-5B / %x5D-7E (no
 * `"`, no `\\`, ASCII only). Descriptions are written for people (with `§`, quotes), so the wire
 * form is mapped here, once, instead of policing every message.
 */
export function toErrorDescription(text: string): string {
  return text
    .replace(/§/g, 'section ')
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '')
    .replace(/ {2,}/g, ' ')
}

export class OAuthError extends Error {
  readonly code: OAuthErrorCode
  readonly status: number
  readonly description: string
  readonly detail: string | undefined
  readonly challenge: Record<string, string> | undefined
  readonly redirectable: boolean
  readonly retryAfter: number | undefined

  constructor(code: OAuthErrorCode, description: string, options: OAuthErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.status = options.status ?? OAUTH_ERRORS[code].status
    this.description = description
    this.detail = options.detail
    this.challenge = options.challenge
    this.redirectable = OAUTH_ERRORS[code].redirectable
    this.retryAfter = options.retryAfter
  }

  /** `description` in the character set RFC 6749 §5.2 allows for `error_description`. */
  get wireDescription(): string {
    return toErrorDescription(this.description)
  }

  /** The RFC 6749 §5.2 JSON body. */
  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.wireDescription }
  }
}

export class InvalidRequestError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('invalid_request', description, o) }
}
export class InvalidClientError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('invalid_client', description, o) }
}
export class InvalidGrantError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('invalid_grant', description, o) }
}
export class UnauthorizedClientError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('unauthorized_client', description, o) }
}
export class UnsupportedGrantTypeError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('unsupported_grant_type', description, o) }
}
export class InvalidScopeError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('invalid_scope', description, o) }
}
export class UnsupportedResponseTypeError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('unsupported_response_type', description, o) }
}
export class AccessDeniedError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('access_denied', description, o) }
}
export class ServerError extends OAuthError {
  constructor(description = 'the server encountered an unexpected error', o?: OAuthErrorOptions) { super('server_error', description, o) }
}
export class TemporarilyUnavailableError extends OAuthError {
  constructor(description = 'the service is temporarily unavailable, try again shortly', o?: OAuthErrorOptions) {
    super('temporarily_unavailable', description, o)
  }
}
export class InvalidTokenError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('invalid_token', description, o) }
}
export class InsufficientScopeError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('insufficient_scope', description, o) }
}
export class UnsupportedTokenTypeError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('unsupported_token_type', description, o) }
}
export class AuthorizationPendingError extends OAuthError {
  constructor(description = 'the user has not yet completed the authorization', o?: OAuthErrorOptions) {
    super('authorization_pending', description, o)
  }
}
export class SlowDownError extends OAuthError {
  constructor(description = 'polling too fast, increase the interval by 5 seconds', o?: OAuthErrorOptions) {
    super('slow_down', description, o)
  }
}
export class ExpiredTokenError extends OAuthError {
  constructor(description = 'the device_code has expired', o?: OAuthErrorOptions) { super('expired_token', description, o) }
}
export class LoginRequiredError extends OAuthError {
  constructor(description = 'the user is not signed in', o?: OAuthErrorOptions) { super('login_required', description, o) }
}
export class ConsentRequiredError extends OAuthError {
  constructor(description = 'the user has not consented to this request', o?: OAuthErrorOptions) {
    super('consent_required', description, o)
  }
}
export class InteractionRequiredError extends OAuthError {
  constructor(description = 'user interaction is required', o?: OAuthErrorOptions) { super('interaction_required', description, o) }
}
export class AccountSelectionRequiredError extends OAuthError {
  constructor(description = 'the user must select an account', o?: OAuthErrorOptions) {
    super('account_selection_required', description, o)
  }
}
export class InvalidTargetError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('invalid_target', description, o) }
}

export class RequestNotSupportedError extends OAuthError {
  constructor(description = 'request objects are not supported', o?: OAuthErrorOptions) { super('request_not_supported', description, o) }
}
export class RequestUriNotSupportedError extends OAuthError {
  constructor(description = 'request_uri is not supported', o?: OAuthErrorOptions) { super('request_uri_not_supported', description, o) }
}

/** Issue 14, admin API: the resource named in the path does not exist in this tenant. */
export class NotFoundError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('not_found', description, o) }
}
/** Issue 14, admin API: the change collides with what exists (a taken id or email) or with a rule of the resource's state. */
export class ConflictError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('conflict', description, o) }
}

/** Issue 14, admin API: the token is valid but its user's sign-in is too weak; `challenge.acr_values` says what to ask for (RFC 9470 §3). */
export class InsufficientUserAuthenticationError extends OAuthError {
  constructor(description: string, o?: OAuthErrorOptions) { super('insufficient_user_authentication', description, o) }
}

/** Every subclass by code: the table test checks this is exactly 1:1 with OAUTH_ERRORS. */
export const ERROR_CLASSES = {
  invalid_request: InvalidRequestError,
  invalid_client: InvalidClientError,
  invalid_grant: InvalidGrantError,
  unauthorized_client: UnauthorizedClientError,
  unsupported_grant_type: UnsupportedGrantTypeError,
  invalid_scope: InvalidScopeError,
  unsupported_response_type: UnsupportedResponseTypeError,
  access_denied: AccessDeniedError,
  server_error: ServerError,
  temporarily_unavailable: TemporarilyUnavailableError,
  invalid_token: InvalidTokenError,
  insufficient_scope: InsufficientScopeError,
  unsupported_token_type: UnsupportedTokenTypeError,
  authorization_pending: AuthorizationPendingError,
  slow_down: SlowDownError,
  expired_token: ExpiredTokenError,
  login_required: LoginRequiredError,
  consent_required: ConsentRequiredError,
  interaction_required: InteractionRequiredError,
  account_selection_required: AccountSelectionRequiredError,
  invalid_target: InvalidTargetError,
  request_not_supported: RequestNotSupportedError,
  request_uri_not_supported: RequestUriNotSupportedError,
  not_found: NotFoundError,
  conflict: ConflictError,
  insufficient_user_authentication: InsufficientUserAuthenticationError,
} as const satisfies Record<OAuthErrorCode, new (description: string, o?: OAuthErrorOptions) => OAuthError>

/** Misconfiguration found at boot. Not an OAuth error: it names the config key and stops the server. */
export class ConfigError extends Error {
  readonly key: string
  constructor(key: string, message: string) {
    super(`config: ${key} ${message}`)
    this.name = 'ConfigError'
    this.key = key
  }
}

/**
 * A tenant id the store cannot take (issue 11): not `[a-z0-9-]{1,64}`, or `default` where only a
 * stored tenant can be meant (`default` is the config file's and is never stored or deleted).
 */
export class InvalidTenantError extends Error {
  readonly tenant: string
  constructor(tenant: string, reason: string) {
    super(`tenant ${JSON.stringify(tenant)}: ${reason}`)
    this.name = 'InvalidTenantError'
    this.tenant = tenant
  }
}

/** `tenants.upsert` with an issuer another tenant has (issue 11): requests are routed by issuer, so each is unique. */
export class TenantIssuerTakenError extends Error {
  readonly issuer: string
  /** The tenant that has the issuer; null when it went away before it could be read. */
  readonly holder: string | null
  constructor(issuer: string, holder: string | null, options?: ErrorOptions) {
    super(`tenant issuer ${issuer} is taken${holder === null ? '' : ` by tenant ${holder}`}`, options)
    this.name = 'TenantIssuerTakenError'
    this.issuer = issuer
    this.holder = holder
  }
}

/** The store could not be reached; endpoints answer `temporarily_unavailable` (503). */
export class StorageUnavailableError extends Error {
  constructor(cause: unknown) {
    super('storage unavailable', { cause })
    this.name = 'StorageUnavailableError'
  }
}
