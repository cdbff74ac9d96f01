/**
 * The one way this package talks to the authorization server (discovery, JWKS, introspection):
 * `fetch` with a timeout, no redirects followed, and a JSON body required. Every failure, a
 * network error, a timeout, a non-200 answer or a body that is not a JSON object, becomes a
 * {@link TemporarilyUnavailableError} (503): the token was not judged, so the client must not be
 * told it is invalid. The private `detail` names the URL and what went wrong; the public
 * description never does. Redirects are not followed (as jose does for JWKS): metadata and keys
 * come from exactly the configured or discovered URL. A response's `Cache-Control: max-age` is
 * read so that callers cache it no longer than the issuer allows.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.2
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.1
 */
import { TemporarilyUnavailableError } from './errors.js'

/** The public description of every upstream failure: it never says which request failed or how. */
export const UNAVAILABLE = 'the authorization server could not be reached to check the access token'

/** A JSON object answered by the authorization server, with the response's freshness. */
export interface JsonAnswer {
  body: Record<string, unknown>
  /** `Cache-Control: max-age` of the response in seconds, when it stated one (RFC 9111 §5.2.2.1). */
  maxAge: number | undefined
}

/** Fetches `url` and returns its JSON object body, or throws {@link TemporarilyUnavailableError}. */
export async function fetchJson(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
  return (await fetchJsonAnswer(url, init, timeoutMs, what)).body
}

/** {@link fetchJson}, also returning the response's `Cache-Control: max-age`. */
export async function fetchJsonAnswer(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<JsonAnswer> {
  const response = await fetchOk(url, init, timeoutMs, what)
  let body: unknown
  try {
    body = await response.json()
  } catch (cause) {
    throw new TemporarilyUnavailableError(UNAVAILABLE, { detail: `${what} (${url}) answered a body that is not JSON`, cause })
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new TemporarilyUnavailableError(UNAVAILABLE, { detail: `${what} (${url}) answered JSON that is not an object` })
  }
  return { body: body as Record<string, unknown>, maxAge: maxAgeOf(response.headers.get('cache-control')) }
}

/** Fetches `url`; anything but a 200 within the timeout throws {@link TemporarilyUnavailableError}. */
export async function fetchOk(url: string | URL, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  let response: Response
  try {
    response = await fetch(url, { ...init, redirect: 'manual', signal: init.signal ?? AbortSignal.timeout(timeoutMs) })
  } catch (cause) {
    const timedOut = cause instanceof Error && cause.name === 'TimeoutError'
    throw new TemporarilyUnavailableError(UNAVAILABLE, { detail: `${what} (${String(url)}) ${timedOut ? `did not answer within ${timeoutMs} ms` : 'could not be fetched'}`, cause })
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {})
    throw new TemporarilyUnavailableError(UNAVAILABLE, { detail: `${what} (${String(url)}) answered HTTP ${response.status}` })
  }
  return response
}

/**
 * The `max-age` directive of a `Cache-Control` value, in seconds (RFC 9111 §5.2.2.1); `no-store`
 * and `no-cache` count as 0. `undefined` when the value states neither.
 */
export function maxAgeOf(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined
  let maxAge: number | undefined
  for (const directive of cacheControl.toLowerCase().split(',')) {
    const [name = '', value] = directive.split('=', 2).map((part) => part.trim())
    if (name === 'no-store' || name === 'no-cache') return 0
    if (name === 'max-age' && value !== undefined && /^"?\d+"?$/.test(value)) maxAge = Number(value.replace(/"/g, ''))
  }
  return maxAge
}

/**
 * Seconds an answer is used: the configured maximum, or the answer's shorter `max-age`, but at
 * least 1 s, so an issuer that says `no-cache` costs at most one request per second.
 */
export function freshFor(configured: number, answered: number | undefined): number {
  return answered === undefined ? configured : Math.max(1, Math.min(configured, answered))
}
