/**
 * `fetch` with a bearer token (RFC 6750 §2.1) that recovers from one 401: the token may have
 * been revoked or expired early (clock skew, a restarted server), so the caller gets a fresh token
 * once and the request is sent once more. Never a second time: a second 401 means the token is not
 * the problem, and looping would hammer the authorization server. The retry happens only when the
 * body can be sent again (no streams), and the token goes only over HTTPS or loopback.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1 (401 invalid_token)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-5.3 (TLS)
 */
import { secureFetch, type TransportOptions } from './transport.js'

/** Where `authFetch` gets tokens from. */
export interface BearerSource {
  /** The current access token (may refresh it). */
  getToken(): Promise<string>
  /** Called after a 401 with the token that was refused; should make `getToken` return a new one. */
  renew(refused: string): Promise<void>
}

/** Whether `body` can be sent twice (a stream is consumed by the first send). */
function replayable(body: RequestInit['body']): boolean {
  if (body === undefined || body === null) return true
  if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) return false
  return true
}

function withBearer(init: RequestInit | undefined, token: string): RequestInit {
  const headers = new Headers(init?.headers)
  headers.set('authorization', `Bearer ${token}`)
  return { ...init, headers }
}

/** A `fetch` that attaches `source`'s bearer token and retries once after a 401. */
export function bearerFetch(source: BearerSource, options: TransportOptions = {}): (input: string | URL, init?: RequestInit) => Promise<Response> {
  const send = secureFetch(options)
  return async (input, init) => {
    // In a browser a relative URL means the page's origin, as for fetch itself.
    const url = new URL(input, (globalThis as { location?: { href: string } }).location?.href)
    const token = await source.getToken()
    const first = await send(url, withBearer(init, token))
    if (first.status !== 401 || !replayable(init?.body)) return first
    await first.body?.cancel().catch(() => {})
    await source.renew(token)
    return send(url, withBearer(init, await source.getToken()))
  }
}
