/**
 * The one serializer of this package's errors into an HTTP response, shared by every adapter so
 * that Express, Fastify and Hono answer byte for byte the same:
 * - `WWW-Authenticate: Bearer realm="…"` on every 400/401/403 (RFC 6750 §3), with `error`,
 *   `error_description` and, for `insufficient_scope`, `scope` (unless the refusal names none);
 *   for `insufficient_user_authentication` (RFC 9470 §3), `acr_values` and/or `max_age`;
 * - a request with no token at all gets the bare challenge and no body (§3.1: "the resource
 *   server SHOULD NOT include an error code or other error information");
 * - otherwise a JSON body `{ error, error_description }`, `Cache-Control: no-store`;
 * - 503 (`temporarily_unavailable`) gets `Retry-After` and no challenge: the token was not judged.
 *
 * Attribute values are quoted-strings restricted to the characters RFC 6750 §3 allows (%x20-21 /
 * %x23-5B / %x5D-7E); anything else is dropped, so nothing taken from a request (a route
 * parameter in a dynamic scope, say) can break out of the header.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
import type { AnyResourceServerError } from './errors.js'

export interface ErrorResponse {
  status: number
  headers: Record<string, string>
  /** JSON text, or `null` for the bare 401. */
  body: string | null
}

/** Seconds a client should wait after a 503. */
const RETRY_AFTER = '5'

function quoted(value: string): string {
  return `"${value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '')}"`
}

/** The `WWW-Authenticate` value for `err`, or `null` when none belongs on the response. */
export function wwwAuthenticate(err: AnyResourceServerError, realm: string): string | null {
  if (err.code === 'temporarily_unavailable') return null
  let value = `Bearer realm=${quoted(realm)}`
  if (err.code === 'invalid_token' && err.tokenMissing) return value
  value += `, error=${quoted(err.code)}, error_description=${quoted(err.description)}`
  // No scope value stands for an organization role: such a refusal names no scope (RFC 6750 §3: optional).
  if (err.code === 'insufficient_scope' && err.scope !== '') value += `, scope=${quoted(err.scope)}`
  // RFC 9470 §3: what a new authorization request must ask for.
  if (err.code === 'insufficient_user_authentication') {
    if (err.acrValues !== undefined) value += `, acr_values=${quoted(err.acrValues)}`
    if (err.maxAge !== undefined) value += `, max_age=${quoted(String(err.maxAge))}`
  }
  return value
}

/**
 * Status, headers and body for `err`.
 *
 * @example
 * ```ts
 * import { createVerifier, errorResponse, isResourceServerError } from '@latch/resource-server'
 *
 * declare const request: Request
 * const verifier = createVerifier({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * const claims = await verifier.verify(request.headers.get('authorization')).catch((err: unknown) => {
 *   if (!isResourceServerError(err)) throw err
 *   const { status, headers, body } = errorResponse(err, verifier.realm)
 *   return new Response(body, { status, headers })
 * })
 * ```
 */
export function errorResponse(err: AnyResourceServerError, realm: string): ErrorResponse {
  const headers: Record<string, string> = { 'cache-control': 'no-store' }
  const challenge = wwwAuthenticate(err, realm)
  if (challenge !== null) headers['www-authenticate'] = challenge
  if (err.code === 'temporarily_unavailable') headers['retry-after'] = RETRY_AFTER
  if (err.code === 'invalid_token' && err.tokenMissing) return { status: err.status, headers, body: null }
  headers['content-type'] = 'application/json; charset=utf-8'
  return { status: err.status, headers, body: JSON.stringify(err.toJSON()) }
}
