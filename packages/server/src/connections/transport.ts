/**
 * Issue 12: how Latch reaches an upstream identity provider. oauth4webapi refuses `http:` unless
 * `allowInsecureRequests` is set; set globally it would allow clear text to any host. So its switch
 * is on and this fetch decides per URL, as @latch/client's transport does: `https:` always, `http:`
 * only to a loopback host (local development and the tests' upstreams). Every request is bounded in
 * time and every response in size, so a slow or hostile upstream can hold neither a request of ours
 * nor our memory; redirects are not followed (a token endpoint that redirects is not trusted).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1 (TLS at the endpoints)
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-8.3 (loopback)
 */
import { allowInsecureRequests, customFetch, type HttpRequestOptions } from 'oauth4webapi'
import { isLoopbackHost } from '../lib/loopback-host.js'
import { UpstreamError } from './upstream-error.js'

/** Per request (discovery, token, JWKS, userinfo): an upstream slower than this is "unavailable". */
export const UPSTREAM_TIMEOUT_MS = 5000
/** Largest response body read from an upstream (discovery documents and JWK Sets included). */
export const MAX_UPSTREAM_RESPONSE_BYTES = 256 * 1024

export function isAllowedUpstreamUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
}

async function readBounded(response: Response): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > MAX_UPSTREAM_RESPONSE_BYTES) throw new UpstreamError('invalid_response', 'response too large')
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = response.body?.getReader()
  if (!reader) return new Uint8Array(0)
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > MAX_UPSTREAM_RESPONSE_BYTES) {
      await reader.cancel().catch(() => {})
      throw new UpstreamError('invalid_response', 'response too large')
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

/** `fetch` with the URL rule, a timeout and a bounded, fully read body; network failures are `unavailable`. */
export function upstreamFetch(fetchImpl: typeof fetch = globalThis.fetch): (input: string | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init = {}) => {
    const url = new URL(input)
    if (!isAllowedUpstreamUrl(url)) throw new UpstreamError('unavailable', `refusing a cleartext request to ${url.origin}`)
    let response: Response
    try {
      response = await fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) })
      const body = await readBounded(response)
      // A body-less status (204, 304) must be rebuilt without one.
      const empty = response.status === 204 || response.status === 304
      return new Response(empty ? null : (body as Uint8Array<ArrayBuffer>), { status: response.status, statusText: response.statusText, headers: response.headers })
    } catch (error) {
      if (error instanceof UpstreamError) throw error
      throw new UpstreamError('unavailable', `request to ${url.origin} failed`)
    }
  }
}

/** The oauth4webapi options that route its requests through `upstreamFetch`. */
export function upstreamHttp(fetchImpl?: typeof fetch): HttpRequestOptions<string, unknown> {
  const send = upstreamFetch(fetchImpl)
  return { [allowInsecureRequests]: true, [customFetch]: (url, init) => send(url, init as RequestInit) }
}
