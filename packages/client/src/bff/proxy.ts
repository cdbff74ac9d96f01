/**
 * `ANY <api.prefix>/*`: the token handler's API proxy. The browser calls its own origin with its
 * session cookie; the BFF forwards the call to `api.upstream` with `Authorization: Bearer <access
 * token>` (RFC 6750 §2.1), refreshing the token first when it is about to expire and once more,
 * with a single retry, when the API answers 401 (latch-session.ts). So access tokens never reach
 * the browser (OAuth 2.0 for Browser-Based Apps §6.1).
 *
 * What crosses, by allow-list: the method, the path below the prefix, the query, the body, and a
 * few content-negotiation headers. Never the browser's cookies or Authorization header, nor
 * hop-by-hop headers (RFC 9110 §7.6.1); back, never `Set-Cookie` (the API must not plant cookies
 * on the app's origin), CORS headers (the API's grants would let other origins read the
 * cookie-authenticated proxy), nor hop-by-hop or encoding headers (fetch has already decoded it).
 * A path that would climb out of the upstream base (`..`, encoded or not, or hidden behind a `;`
 * path parameter as in `/..;/admin`) is refused with 400.
 * Non-safe methods need the CSRF header (csrf.ts); without a session the answer is 401
 * `login_required`.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#name-backend-for-frontend-bff
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
 */
import { Readable } from 'node:stream'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { sessionOf, type BffRouteOptions } from './context.js'
import { isSafeMethod, verifyCsrf } from './csrf.js'
import { jsonErrors, sendError, sendLoginRequired } from './http.js'
import { BffSessionError } from './sessions.js'

/** Request headers passed to the API (everything else, cookies and authorization first, is dropped). */
const REQUEST_HEADERS = ['accept', 'accept-language', 'content-type', 'content-language', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range', 'range', 'traceparent', 'tracestate']

/** Response headers never passed back: hop-by-hop (RFC 9110 §7.6.1), cookies, and the framing fetch has undone. */
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'set-cookie', 'set-cookie2', 'content-encoding', 'content-length'])

export interface ProxyRouteOptions extends BffRouteOptions {
  bodyLimit?: number
}

/** The upstream URL for the part of the request URL below the prefix, or `null` when it climbs out. */
export function upstreamUrl(upstream: URL, rest: string): URL | null {
  const q = rest.indexOf('?')
  const path = q < 0 ? rest : rest.slice(0, q)
  const query = q < 0 ? '' : rest.slice(q)
  // Dot segments, encoded dots and slashes, and backslashes could all be read as "go up"
  // somewhere; so could path parameters: Tomcat, Jetty and Spring drop `;…` from each segment, so
  // `/..;/admin` (or `/..%3b/admin`) is `/../admin` to them. No `;` in the path at all, as
  // Spring Security's StrictHttpFirewall also decides.
  if (/(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|%3b|;|\\/i.test(path)) return null
  const base = upstream.pathname.replace(/\/$/, '')
  const url = new URL(upstream.origin)
  url.pathname = `${base}${path}`
  url.search = query
  if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return null
  return url
}

function forwardedHeaders(request: FastifyRequest): Headers {
  const headers = new Headers()
  for (const name of REQUEST_HEADERS) {
    const value = request.headers[name]
    if (typeof value === 'string') headers.set(name, value)
  }
  return headers
}

/** A `Location` pointing into the upstream base, mapped back under the proxy prefix. */
function mappedLocation(location: string, upstream: URL, appPrefix: string, appOrigin: string): string {
  try {
    const url = new URL(location, upstream)
    const base = upstream.pathname.replace(/\/$/, '')
    if (url.origin === upstream.origin && (url.pathname === base || url.pathname.startsWith(`${base}/`))) {
      return new URL(`${appPrefix}${url.pathname.slice(base.length)}${url.search}${url.hash}`, appOrigin).href
    }
  } catch {
    // not a URL: passed on as is
  }
  return location
}

function relay(reply: FastifyReply, response: Response, ctxPrefix: string, upstream: URL, appOrigin: string, head: boolean): FastifyReply {
  const connectionListed = new Set((response.headers.get('connection') ?? '').split(',').map((h) => h.trim().toLowerCase()))
  reply.code(response.status)
  response.headers.forEach((value, name) => {
    if (DROPPED_RESPONSE_HEADERS.has(name) || connectionListed.has(name)) return
    // CORS grants are the app's to make: an API's `Access-Control-Allow-Origin` must not open the cookie-authenticated proxy to other origins.
    if (name.startsWith('access-control-')) return
    // A Basic challenge would open the browser's password dialog for a credential the browser never sent.
    if (name === 'www-authenticate' && !/^\s*bearer\b/i.test(value)) return
    reply.header(name, name === 'location' ? mappedLocation(value, upstream, ctxPrefix, appOrigin) : value)
  })
  if (head || response.body === null || response.status === 204 || response.status === 304) {
    void response.body?.cancel().catch(() => {})
    return reply.send()
  }
  return reply.send(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>))
}

export const apiProxy: FastifyPluginAsync<ProxyRouteOptions> = async (app, { ctx, bodyLimit = 1024 * 1024 }) => {
  const api = ctx.options.api
  if (!api) return
  jsonErrors(app)
  // Bodies are forwarded as bytes, whatever their type, and kept for the retry after a 401.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body))

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const session = sessionOf(request)
    if (!session) return sendLoginRequired(reply)
    if (!isSafeMethod(request.method)) {
      const verdict = verifyCsrf(request, ctx.options.appOrigin, session.csrfToken)
      if (!verdict.ok) return sendError(reply, 403, 'invalid_request', verdict.description)
    }
    // The raw URL below the route's own prefix (still percent-encoded: the API decodes it once).
    const mount = (request.routeOptions.url ?? api.prefix).replace(/\/\*$/, '')
    const target = request.url.startsWith(mount) ? upstreamUrl(api.upstream, request.url.slice(mount.length)) : null
    if (!target) return sendError(reply, 400, 'invalid_request', 'the path is not below the API prefix')
    const body = Buffer.isBuffer(request.body) && request.method !== 'GET' && request.method !== 'HEAD' ? new Uint8Array(request.body) : undefined
    let response: Response
    try {
      response = await session.fetch(target, {
        method: request.method,
        headers: forwardedHeaders(request),
        ...(body !== undefined && { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(api.timeout),
      })
    } catch (err) {
      if (err instanceof BffSessionError) {
        if (err.code === 'login_required') {
          reply.clearCookie(ctx.cookies.session, ctx.cookies.clear)
          return sendLoginRequired(reply, 'the session has ended: sign in again')
        }
        return sendError(reply, 503, 'temporarily_unavailable', 'the authorization server could not be reached')
      }
      request.log.warn({ err: { name: (err as Error).name } }, 'latch bff: the API could not be reached')
      return sendError(reply, 502, 'temporarily_unavailable', 'the API could not be reached')
    }
    return relay(reply, response, api.prefix, api.upstream, ctx.options.appOrigin, request.method === 'HEAD')
  }
  app.all('/*', handler)
  app.all('', handler)
}
