/**
 * The one way this package talks to the authorization server (discovery, JWKS, introspection):
 * `fetch` with a timeout, no redirects followed, and a JSON body required. Every failure, a
 * network error, a timeout, a non-200 answer or a body that is not a JSON object, becomes a
 * {@link TemporarilyUnavailableError} (503): the token was not judged, so the client must not be
 * told it is invalid. The private `detail` names the URL and what went wrong; the public
 * description never does. Redirects are not followed (as jose does for JWKS): metadata and keys
 * come from exactly the configured or discovered URL.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.2
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
import { TemporarilyUnavailableError } from './errors.js'

const UNAVAILABLE = 'the authorization server could not be reached to check the access token'

/** Fetches `url` and returns its JSON object body, or throws {@link TemporarilyUnavailableError}. */
export async function fetchJson(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
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
  return body as Record<string, unknown>
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
 * A `fetch` for jose's `createRemoteJWKSet` (its `customFetch` option) that reports an
 * unreachable or broken `jwks_uri` as {@link TemporarilyUnavailableError}, which jose lets through
 * unchanged, instead of a generic JOSE error that would read as "bad token".
 */
export function jwksFetch(timeoutMs: number): (url: string, init: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const body = await fetchJson(url, init, timeoutMs, 'jwks_uri')
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })
  }
}
