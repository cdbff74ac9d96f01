/**
 * Turns whatever an oauth4webapi call threw into this package's two error classes (errors.ts),
 * so callers meet one vocabulary: the server said no → `OAuthResponseError`; this client said no
 * → `ClientValidationError` with a stable code. oauth4webapi's codes are mapped one by one; its
 * `cause` is dropped because it can hold a whole token response or ID token claims.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import {
  AuthorizationResponseError,
  HTTP_REQUEST_FORBIDDEN,
  JSON_ATTRIBUTE_COMPARISON,
  JWT_CLAIM_COMPARISON,
  JWT_TIMESTAMP_CHECK,
  KEY_SELECTION,
  MISSING_SERVER_METADATA,
  OperationProcessingError,
  REQUEST_PROTOCOL_FORBIDDEN,
  ResponseBodyError,
  UnsupportedOperationError,
  WWWAuthenticateChallengeError,
} from 'oauth4webapi'
import { ClientValidationError, OAuthResponseError, type ClientValidationCode } from './errors.js'

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function oauthError(error: string, fields: { error_description?: unknown; error_uri?: unknown }, status: number): OAuthResponseError {
  const description = str(fields.error_description)
  const uri = str(fields.error_uri)
  return new OAuthResponseError(error, { status, ...(description && { error_description: description }), ...(uri && { error_uri: uri }) })
}

/** The `error` of a challenge-carrying response: its JSON body first, then the challenge. */
async function fromChallenge(err: WWWAuthenticateChallengeError): Promise<OAuthResponseError> {
  try {
    const body: unknown = await err.response.clone().json()
    if (body && typeof body === 'object' && str((body as Record<string, unknown>).error)) {
      const b = body as Record<string, unknown>
      return oauthError(b.error as string, b, err.status)
    }
  } catch {
    // no JSON body: RFC 6750 §3 puts the error in the challenge itself
  } finally {
    await err.response.body?.cancel().catch(() => {})
  }
  const challenge = err.cause.find((c) => str(c.parameters.error)) ?? err.cause[0]
  const error = str(challenge?.parameters.error) ?? (err.status === 401 ? 'invalid_token' : 'invalid_request')
  return oauthError(error, challenge?.parameters ?? {}, err.status)
}

/** `cause` when it is a fetch `Response` (loosely: a caller's `fetch` may come from another realm). */
function responseOf(cause: unknown): Response | undefined {
  if (typeof Response !== 'undefined' && cause instanceof Response) return cause
  const c = cause as Partial<Response> | null | undefined
  return typeof c === 'object' && c !== null && typeof c.status === 'number' && typeof c.clone === 'function' && c.headers !== undefined ? (c as Response) : undefined
}

function validationCode(err: OperationProcessingError): ClientValidationCode {
  const cause = err.cause as { claim?: unknown; attribute?: unknown } | undefined
  const message = err.message
  switch (err.code) {
    case JWT_CLAIM_COMPARISON:
      return cause?.claim === 'nonce' ? 'nonce_mismatch' : 'id_token_invalid'
    case JWT_TIMESTAMP_CHECK:
      return cause?.claim === 'auth_time' ? 'auth_time_too_old' : 'id_token_invalid'
    case JSON_ATTRIBUTE_COMPARISON:
      if (cause?.attribute === 'issuer') return 'issuer_mismatch'
      return message.includes('"sub"') ? 'subject_mismatch' : 'invalid_response'
    case KEY_SELECTION:
      return 'id_token_invalid'
    case MISSING_SERVER_METADATA:
      return 'missing_server_metadata'
    case HTTP_REQUEST_FORBIDDEN:
    case REQUEST_PROTOCOL_FORBIDDEN:
      return 'insecure_request'
  }
  if (message.includes('"state"')) return 'state_mismatch'
  if (message === 'response parameter "iss" (issuer) missing') return 'iss_missing'
  if (message.includes('"iss" (issuer) response parameter')) return 'iss_mismatch'
  if (message.includes('JWT') || message.includes('ID Token')) return 'id_token_invalid'
  return 'invalid_response'
}

/**
 * The typed equivalent of `err`. Errors that are already ours, aborts and programming errors
 * (oauth4webapi's `TypeError`s for bad arguments) pass through unchanged.
 */
export async function translateError(err: unknown): Promise<unknown> {
  if (err instanceof OAuthResponseError || err instanceof ClientValidationError) return err
  if (err instanceof ResponseBodyError) {
    const status = err.status
    return oauthError(err.error, err.cause, status)
  }
  if (err instanceof AuthorizationResponseError) {
    return oauthError(err.error, { error_description: err.error_description, error_uri: err.cause.get('error_uri') }, 0)
  }
  if (err instanceof WWWAuthenticateChallengeError) return fromChallenge(err)
  if (err instanceof OperationProcessingError) {
    const code = validationCode(err)
    // oauth4webapi hands over the refused Response as `cause` when the answer itself was wrong
    // (an unexpected status, not JSON): keep its status, so a 502 from a gateway is told apart
    // from a refusal, and release the body nobody will read.
    const response = responseOf(err.cause)
    if (response && !response.bodyUsed) await response.body?.cancel().catch(() => {})
    return new ClientValidationError(code, `${code}: ${err.message}`, response ? { status: response.status } : undefined)
  }
  if (err instanceof UnsupportedOperationError) return new ClientValidationError('unsupported_operation', `unsupported_operation: ${err.message}`)
  return err
}

/** Runs `operation`, rethrowing its failure as `translateError` types it. */
export async function typed<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (err) {
    throw await translateError(err)
  }
}
