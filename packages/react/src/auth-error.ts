/**
 * `AuthError`: the one error class @latch/react throws or hands to `onError`, with a stable
 * `code` to switch on (an OAuth error code such as `access_denied`, RFC 6749 §4.1.2.1, or
 * `login_required`, OIDC Core §3.1.2.6; or a Latch code: `callback_failed`, `network_error`,
 * `server_error`). Its message is always safe to show: it never contains a token or secret.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthError
 */
import type { AuthErrorInfo } from './types.js'

/**
 * An authentication failure with a stable `code`.
 *
 * @example
 * ```tsx
 * import { AuthCallback } from '@latch/react'
 *
 * <AuthCallback onError={(err) => console.warn('sign-in failed:', err.code)} />
 * ```
 */
export class AuthError extends Error implements AuthErrorInfo {
  readonly code: string
  readonly description?: string

  constructor(code: string, description?: string, options?: { cause?: unknown }) {
    super(description ? `${code}: ${description}` : code, options)
    this.name = 'AuthError'
    this.code = code
    if (description !== undefined) this.description = description
  }
}

/** Error codes are `[a-z0-9_]` words (RFC 6749 §5.2 allows a wider set; nothing we show needs it). */
const CODE = /^[a-z0-9_]{1,64}$/

/** `value` when it looks like an error code, else `undefined`: a URL parameter is attacker-chosen text. */
export function errorCode(value: string | null | undefined): string | undefined {
  return value !== null && value !== undefined && CODE.test(value) ? value : undefined
}

const MESSAGES: Record<string, string> = {
  access_denied: 'Sign-in was cancelled or access was denied.',
  login_required: 'Your session has ended. Please sign in again.',
  consent_required: 'Your consent is needed to continue.',
  interaction_required: 'Please sign in again.',
  invalid_request: 'The sign-in request was not valid. Please try again.',
  temporarily_unavailable: 'The sign-in service is temporarily unavailable. Please try again later.',
  server_error: 'The sign-in service had a problem. Please try again later.',
  network_error: 'The sign-in service could not be reached. Please try again.',
  callback_failed: 'Sign-in could not be completed. Please try again.',
  // RFC 8693 §2.2.2, from switchOrganization: the user is not a member of that organization.
  invalid_target: 'You are not a member of that organization.',
  invalid_grant: 'Your session has ended. Please sign in again.',
  unauthorized_client: 'This app cannot switch organizations.',
}

/**
 * A sentence a person can read for an error, from a fixed table (an unknown code gets a generic
 * sentence), so that no attacker-chosen text from a URL ends up on the page.
 *
 * @example
 * ```ts
 * import { describeAuthError } from '@latch/react'
 *
 * describeAuthError({ code: 'access_denied' }) // 'Sign-in was cancelled or access was denied.'
 * ```
 */
export function describeAuthError(error: AuthErrorInfo): string {
  return MESSAGES[error.code] ?? 'Sign-in failed. Please try again.'
}
