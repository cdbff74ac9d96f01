/**
 * The error handler: one serializer per channel, chosen by the route's `config.channel`.
 * - `json` (token, revocation, introspection, device authorization): RFC 6749 §5.2 body,
 *   `Cache-Control: no-store`, and `WWW-Authenticate: Basic` for `invalid_client` when the
 *   client used the Authorization header.
 * - `bearer` (UserInfo, whose request is the token and nothing else): RFC 6750 §3
 *   `WWW-Authenticate: Bearer error=…` on every 401, 403 and `invalid_request`, and a JSON body.
 * - `bearer-api` (the admin API, whose requests also carry a body and parameters of their own):
 *   the same, except that a 400 is challenged only when the error is about the token request
 *   (it carries `challenge`: an access token in the query string, say), not a body's validation.
 * - `html` (pages, and the authorization endpoint before client_id and redirect_uri are known
 *   good): an error page saying in words what went wrong, with a link back to the app when a
 *   handler verified it (`way-back.ts`), else to the provider's root; never a redirect to an
 *   unverified URI.
 * Unknown errors become `server_error` with generic text; a storage outage becomes
 * `temporarily_unavailable` (503). Fastify's own parsing errors become `invalid_request`. Nothing
 * of the framework reaches a client: a header value that cannot be sent is dropped before the
 * error is, an error while sending the error ends in a fixed `server_error` body, and requests
 * Node's HTTP parser refuses (`clientErrorHandler`) get an `invalid_request` body of ours.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import { validateHeaderName, validateHeaderValue, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { InvalidRequestError, OAuthError, ServerError, StorageUnavailableError, TemporarilyUnavailableError } from '../../errors.js'
import { oauthErrorPage } from '../../interaction/views/error.js'
import { errorPageLocale } from './page-locale.js'
import { pageLook } from './page-look.js'
import { pageCsp, securityHeaders } from './security-headers.js'
import { contextOf } from './tenant-of.js'
import { wayBack } from './way-back.js'
import { wwwAuthenticateBearer } from './www-authenticate.js'

export type ErrorChannel = 'json' | 'bearer' | 'bearer-api' | 'html'

declare module 'fastify' {
  interface FastifyContextConfig {
    channel?: ErrorChannel
  }
}

/** Maps anything thrown to an OAuthError, keeping the original as the private cause. */
export function toOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err
  if (err instanceof StorageUnavailableError) return new TemporarilyUnavailableError(undefined, { cause: err })
  const fe = err as Partial<FastifyError>
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new InvalidRequestError('the request body is too large', { status: 413, cause: err })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new InvalidRequestError('unsupported request content type', { cause: err })
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidRequestError('the request body is malformed', { cause: err })
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new InvalidRequestError('the request is malformed', { cause: err, status: fe.statusCode === 413 ? 413 : 400 })
  }
  return new ServerError(undefined, { cause: err })
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: OAuthError): FastifyReply {
  return sendErrorOn(request.routeOptions?.config?.channel ?? 'json', request, reply, err)
}

export function sendErrorOn(channel: ErrorChannel, request: FastifyRequest, reply: FastifyReply, err: OAuthError): FastifyReply {
  dropUnsendableHeaders(reply)
  if (err.status >= 500) request.log.error({ err: err.cause ?? err, code: err.code }, 'request failed')
  else request.log.info({ code: err.code, detail: err.detail ?? err.description }, 'request rejected')
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter))
  else if (err.code === 'temporarily_unavailable') reply.header('retry-after', '5')
  if (channel === 'html') {
    const look = pageLook(request)
    securityHeaders(reply, [], look)
    const locale = errorPageLocale(request)
    // No context: the router refused the URL before any tenant was chosen; no tenant's root is offered then.
    const ctx = contextOf(request)
    const back = ctx === null ? null : wayBack(request, ctx.config.issuer, locale, look)
    return reply.status(err.status).type('text/html; charset=utf-8').send(oauthErrorPage({ code: err.code, description: err.description, wayBack: back }, locale, look))
  }
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
  // RFC 6750 §3.1: a challenge for what the bearer token caused (or a malformed resource request);
  // a 404, a 409 or a 5xx of the admin API is no authentication matter, and `error` there would be
  // no registered code; nor is a 400 about an admin API body, unless the error says it is the token's.
  const tokenError = err.status === 401 || err.status === 403
  const challenged = channel === 'bearer' ? tokenError || err.code === 'invalid_request' : channel === 'bearer-api' && (tokenError || (err.code === 'invalid_request' && err.challenge !== undefined))
  if (challenged || err.code === 'invalid_token' || err.code === 'insufficient_scope') {
    reply.header('www-authenticate', wwwAuthenticateBearer(err))
    // RFC 6750 §3.1: a request without credentials gets the challenge and no error information.
    if (err.challenge?.bare === 'true') return reply.status(err.status).send()
  } else if (err.code === 'invalid_client' && err.challenge) {
    reply.header('www-authenticate', 'Basic realm="latch", charset="UTF-8"')
  }
  return reply.status(err.status).type('application/json; charset=utf-8').send(err.toJSON())
}

const PAGE_PREFIXES = ['/authorize', '/interaction', '/device', '/logout']

/**
 * Errors the router raises before any route matched (a malformed percent-encoding, an overlong
 * path parameter): no route config says the channel, so the path decides.
 */
export function frameworkErrors(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const path = (request.url ?? '').split('?')[0] ?? ''
  const channel: ErrorChannel = PAGE_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`)) ? 'html' : 'json'
  const err = new InvalidRequestError('the request URL is malformed', { cause: error })
  sendErrorOn(channel, request, reply, err)
}

/**
 * A header the handler set before failing (a `Location` built from a bad redirect_uri, say) that
 * Node would refuse to write: sending the error with it would fail again, into Fastify's own
 * fallback body. Dropped, so the error goes out as ours.
 */
function dropUnsendableHeaders(reply: FastifyReply): void {
  // A failed writeHead may have left its reason phrase ("See Other") behind for our status.
  if (!reply.raw.headersSent) reply.raw.statusMessage = ''
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    try {
      validateHeaderName(name)
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) validateHeaderValue(name, typeof v === 'number' ? String(v) : v)
    } catch {
      reply.removeHeader(name)
    }
  }
}

const LAST_RESORT = JSON.stringify(new ServerError().toJSON())
/** The page for a browser when even the error page failed: no issuer, no client, a relative way home. */
const LAST_RESORT_PAGE = oauthErrorPage({ code: 'server_error', description: '', wayBack: { href: '/', label: 'Home' } })

export function errorHandler(this: unknown, error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  try {
    return sendError(request, reply, toOAuthError(error))
  } catch (failed) {
    // Building the error response threw (a bug): answer a fixed server_error ourselves rather than
    // let Fastify's fallback handler put the exception's code and message in the body.
    request.log.error({ err: failed }, 'sending an error failed')
    reply.hijack()
    const page = request.routeOptions?.config?.channel === 'html'
    if (!reply.raw.headersSent) {
      reply.raw.writeHead(
        500,
        page
          ? { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': pageCsp(), 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff' }
          : { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      )
    }
    reply.raw.end(page ? LAST_RESORT_PAGE : LAST_RESORT)
    return reply
  }
}

const CLIENT_ERRORS: Readonly<Record<string, number>> = { ERR_HTTP_REQUEST_TIMEOUT: 408, HPE_HEADER_OVERFLOW: 431 }

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a bad method token, raw bytes in
 * the request target, a malformed header): an RFC 6749 §5.2 `invalid_request` body instead of
 * Fastify's default `{"error":"Bad Request","message":"Client Error","statusCode":400}`.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const status = CLIENT_ERRORS[err.code ?? ''] ?? 400
  const body = JSON.stringify(new InvalidRequestError('the request is malformed').toJSON())
  this.log.debug({ code: err.code }, 'malformed request refused by the HTTP parser')
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}
