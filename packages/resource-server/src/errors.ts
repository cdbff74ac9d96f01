/**
 * The error model of a protected resource: the three error codes of RFC 6750 §3.1, each with its
 * HTTP status, plus `temporarily_unavailable` (RFC 6749 §4.1.2.1's code for "cannot handle the
 * request right now") for when the authorization server cannot be reached to check a token.
 * One table is the source of truth; there is exactly one class per code (STYLE.md "Error model").
 *
 * `description` is public: it becomes `error_description`, so it never echoes a token, a secret
 * or what exactly failed in a signature check. `detail` and `cause` are private, for the
 * application's log only.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */

export interface ErrorSpec {
  readonly status: number
  readonly spec: string
}

/** Every code this package emits, with its HTTP status and the spec that defines it. */
export const RESOURCE_SERVER_ERRORS = {
  invalid_request: { status: 400, spec: 'RFC 6750 §3.1' },
  invalid_token: { status: 401, spec: 'RFC 6750 §3.1' },
  insufficient_scope: { status: 403, spec: 'RFC 6750 §3.1' },
  insufficient_user_authentication: { status: 401, spec: 'RFC 9470 §3' },
  temporarily_unavailable: { status: 503, spec: 'RFC 6749 §4.1.2.1' },
} as const satisfies Record<string, ErrorSpec>

export type ResourceServerErrorCode = keyof typeof RESOURCE_SERVER_ERRORS

export interface ResourceServerErrorOptions {
  /** Private: for the application's log, never sent to the client. */
  detail?: string
  cause?: unknown
}

/**
 * Base class of every error this package throws for a request. `switch (err.code)` over
 * {@link AnyResourceServerError} narrows to the subclass.
 *
 * @example
 * ```ts
 * import { createVerifier, ResourceServerError } from '@latch/resource-server'
 *
 * declare const request: Request
 * const verifier = createVerifier({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * try {
 *   await verifier.verify(request.headers.get('authorization'))
 * } catch (err) {
 *   if (err instanceof ResourceServerError) console.log(err.code, err.status, err.detail)
 *   else throw err
 * }
 * ```
 */
export abstract class ResourceServerError extends Error {
  abstract readonly code: ResourceServerErrorCode
  /** Public: becomes `error_description`. */
  readonly description: string
  /** Private: why exactly (a jose error code, an upstream status). Never sent to the client. */
  readonly detail: string | undefined

  constructor(description: string, options: ResourceServerErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.description = description
    this.detail = options.detail
  }

  /** The HTTP status the table gives this error's code. */
  get status(): number {
    return RESOURCE_SERVER_ERRORS[this.code].status
  }

  /** The JSON body: `{ error, error_description }`, the shape of RFC 6749 §5.2. */
  toJSON(): { error: ResourceServerErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description }
  }
}

/**
 * `invalid_request` (400): the request is malformed, e.g. the token was sent by more than one
 * method, in the query string, or the `Authorization: Bearer` header has bad syntax.
 *
 * @example
 * ```ts
 * import { InvalidRequestError } from '@latch/resource-server'
 *
 * throw new InvalidRequestError('the access token was sent by more than one method')
 * ```
 */
export class InvalidRequestError extends ResourceServerError {
  readonly code = 'invalid_request' as const
}

/**
 * `invalid_token` (401): the access token is expired, revoked, malformed or invalid for another
 * reason. `tokenMissing` is true when the request carried no token at all: RFC 6750 §3.1 then
 * wants the bare challenge, with no error code.
 *
 * @example
 * ```ts
 * import { InvalidTokenError } from '@latch/resource-server'
 *
 * throw new InvalidTokenError('the access token is invalid', { detail: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' })
 * ```
 */
export class InvalidTokenError extends ResourceServerError {
  readonly code = 'invalid_token' as const
  readonly tokenMissing: boolean

  constructor(description: string, options: ResourceServerErrorOptions & { tokenMissing?: boolean } = {}) {
    super(description, options)
    this.tokenMissing = options.tokenMissing === true
  }
}

/**
 * `insufficient_scope` (403): the token is valid but does not grant this request: it lacks a scope
 * the route requires, is not for the route's organization, or lacks an organization role. `scope`
 * is the space-delimited list of every scope the route requires (RFC 6750 §3), with
 * `organization:<id>` first for an organization mismatch; empty (no `scope` attribute) when none
 * applies.
 *
 * @example
 * ```ts
 * import { InsufficientScopeError } from '@latch/resource-server'
 *
 * throw new InsufficientScopeError('the access token lacks the required scope', 'write:data')
 * ```
 */
export class InsufficientScopeError extends ResourceServerError {
  readonly code = 'insufficient_scope' as const
  /** Space-delimited scopes the route requires, for the challenge's `scope` attribute. */
  readonly scope: string

  constructor(description: string, scope: string, options: ResourceServerErrorOptions = {}) {
    super(description, options)
    this.scope = scope
  }
}

/**
 * `insufficient_user_authentication` (401, RFC 9470 §3): the token is valid, but the user's
 * authentication behind it is not strong enough (`acr`) or not recent enough (`auth_time`) for the
 * route. The challenge carries `acr_values` and/or `max_age`: what the client asks the
 * authorization server for in a new authorization request (step-up).
 *
 * @example
 * ```ts
 * import { InsufficientUserAuthenticationError } from '@latch/resource-server'
 *
 * throw new InsufficientUserAuthenticationError('a stronger authentication of the user is required', { acrValues: 'urn:latch:acr:mfa' })
 * ```
 */
export class InsufficientUserAuthenticationError extends ResourceServerError {
  readonly code = 'insufficient_user_authentication' as const
  /** Space-separated `acr` values the route accepts, for the challenge's `acr_values`. */
  readonly acrValues: string | undefined
  /** The route's most seconds since authentication, for the challenge's `max_age`. */
  readonly maxAge: number | undefined

  constructor(description: string, requirement: { acrValues?: string; maxAge?: number } = {}, options: ResourceServerErrorOptions = {}) {
    super(description, options)
    const given = typeof requirement === 'object' && requirement !== null ? requirement : {}
    this.acrValues = given.acrValues
    this.maxAge = given.maxAge
  }
}

/**
 * `temporarily_unavailable` (503): the token could not be checked because the authorization
 * server (discovery, JWKS or introspection) did not answer usefully. Not the client's fault, so
 * not a 401: a client that got 401 would throw away a good token.
 *
 * @example
 * ```ts
 * import { TemporarilyUnavailableError } from '@latch/resource-server'
 *
 * throw new TemporarilyUnavailableError('the authorization server could not be reached', { detail: 'jwks_uri answered 502' })
 * ```
 */
export class TemporarilyUnavailableError extends ResourceServerError {
  readonly code = 'temporarily_unavailable' as const
}

/** Every concrete error: `switch (err.code)` narrows. */
export type AnyResourceServerError = InvalidRequestError | InvalidTokenError | InsufficientScopeError | InsufficientUserAuthenticationError | TemporarilyUnavailableError

/** One class per code, in table order; a test keeps this, the table and the README in step. */
export const ERROR_CLASSES = {
  invalid_request: InvalidRequestError,
  invalid_token: InvalidTokenError,
  insufficient_scope: InsufficientScopeError,
  insufficient_user_authentication: InsufficientUserAuthenticationError,
  temporarily_unavailable: TemporarilyUnavailableError,
} as const satisfies Record<ResourceServerErrorCode, abstract new (...args: never[]) => ResourceServerError>

/**
 * Narrows an unknown thrown value to one of this package's errors.
 *
 * @example
 * ```ts
 * import { createVerifier, isResourceServerError } from '@latch/resource-server'
 *
 * declare const header: string | undefined // the request's Authorization header
 * const verifier = createVerifier({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * try {
 *   await verifier.verify(header)
 * } catch (err) {
 *   if (!isResourceServerError(err)) throw err
 *   switch (err.code) {
 *     case 'insufficient_scope': console.log(err.scope); break
 *     default: console.log(err.code, err.detail)
 *   }
 * }
 * ```
 */
export function isResourceServerError(err: unknown): err is AnyResourceServerError {
  return err instanceof ResourceServerError
}
