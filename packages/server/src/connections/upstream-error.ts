/**
 * Issue 12: what can go wrong at an upstream, in the words the sign-in page and the events use.
 * oauth4webapi's errors carry, in `cause`, ID token claims or whole response bodies: they are
 * never logged. `scrubUpstreamError` keeps the class name and the code only.
 */
import { AuthorizationResponseError, OperationProcessingError, ResponseBodyError, WWWAuthenticateChallengeError } from 'oauth4webapi'

export type UpstreamFailure = 'cancelled' | 'invalid_response' | 'unavailable'

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError'
  constructor(
    readonly reason: UpstreamFailure,
    /** Safe to log: never a value the upstream sent. */
    detail: string,
    /** A code safe to log (oauth4webapi's, or the upstream's `error`). */
    readonly code?: string,
  ) {
    super(detail)
  }
}

/** Any error of the upstream exchange as an `UpstreamError`. */
export function toUpstreamError(error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error
  if (error instanceof AuthorizationResponseError) {
    // RFC 6749 §4.1.2.1: the user declined, or the upstream refused the request.
    return new UpstreamError(error.error === 'access_denied' ? 'cancelled' : 'invalid_response', 'the upstream answered with an error', error.error)
  }
  if (error instanceof ResponseBodyError) {
    return new UpstreamError(error.status >= 500 ? 'unavailable' : 'invalid_response', 'the upstream answered with an error', error.error)
  }
  if (error instanceof WWWAuthenticateChallengeError) return new UpstreamError('invalid_response', 'the upstream refused the access token', 'www_authenticate_challenge')
  if (error instanceof OperationProcessingError) return new UpstreamError('invalid_response', 'the upstream response did not validate', error.code)
  // jose/WebCrypto failures of the signature check, and anything else: a response we cannot trust.
  return new UpstreamError('invalid_response', 'the upstream response did not validate', (error as { code?: unknown } | null)?.code?.toString())
}

/** What a log line may say about an upstream failure. */
export function scrubUpstreamError(error: UpstreamError): { name: string; reason: UpstreamFailure; upstream_code?: string; message: string } {
  return { name: error.name, reason: error.reason, ...(error.code !== undefined && { upstream_code: error.code.slice(0, 64) }), message: error.message }
}
