/**
 * Issue 14: one SERVER span per HTTP request, registered by `createServer` only with
 * `tracing.enabled` (off, none of these hooks exists). The span continues the caller's trace when
 * the request has a valid `traceparent`, is named `METHOD route-template` (`POST /token`; the
 * method alone when no route matched) and carries `http.request.method`, `http.route`,
 * `url.scheme`, `server.address` and `server.port` (the tenant's issuer, not the Host header nor
 * `X-Forwarded-Proto`, which `trust_proxy` lets a client write: security review L6; at the start
 * the deployment issuer's scheme, replaced by the tenant's at the end),
 * `latch.tenant` and `http.response.status_code`: never the path as sent, the query string, a
 * header or a cookie.
 *
 * The work of the request runs in the span's context: entered at `onRequest`, and again at
 * `preValidation`, because the body is read in the socket's callbacks, outside that context.
 * @see https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-server
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { endServerSpan, enterSpan, startServerSpan, type ServerSpan } from '../../lib/tracing.js'

const SPAN = Symbol('latch.serverSpan')
type TracedRequest = FastifyRequest & { [SPAN]?: ServerSpan | null }

type IssuerAttributes = { 'url.scheme': string; 'server.address': string; 'server.port': number }

/** `url.scheme`, `server.address` and `server.port` of a tenant's issuer, computed once per issuer. */
const issuerHosts = new Map<string, IssuerAttributes>()
function hostOf(issuer: string): IssuerAttributes {
  let host = issuerHosts.get(issuer)
  if (host === undefined) {
    const url = new URL(issuer)
    host = { 'url.scheme': url.protocol.slice(0, -1), 'server.address': url.hostname, 'server.port': url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port) }
    // Issuers are configured, not sent: bounded by the tenants, cleared past a generous cap anyway.
    if (issuerHosts.size >= 10_000) issuerHosts.clear()
    issuerHosts.set(issuer, host)
  }
  return host
}

/** @param issuer the deployment's (top-level) issuer: its scheme is the span's until a tenant is chosen. */
export function traceRequests(app: FastifyInstance, issuer: string): void {
  const scheme = hostOf(issuer)['url.scheme']
  app.addHook('onRequest', function startRequestSpan(request: TracedRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const route = request.routeOptions.url
    const span = startServerSpan(route === undefined ? request.method : `${request.method} ${route}`, request.headers, {
      'http.request.method': request.method,
      'url.scheme': scheme,
      ...(route !== undefined && { 'http.route': route }),
    })
    request[SPAN] = span
    if (span === null) return done()
    enterSpan(span, done)
  })
  app.addHook('preValidation', function reenterRequestSpan(request: TracedRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const span = request[SPAN]
    if (span == null) return done()
    enterSpan(span, done)
  })
  const end = (request: TracedRequest, status: number | null) => {
    const span = request[SPAN]
    if (span == null) return
    request[SPAN] = null
    // `request.latch` is null when the host named no tenant (answered 404 before any was chosen).
    const ctx = request.latch as FastifyRequest['latch'] | null
    endServerSpan(span, status, ctx ? { ...hostOf(ctx.config.issuer), 'latch.tenant': ctx.tenant } : {})
  }
  app.addHook('onResponse', function endRequestSpan(request: TracedRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    end(request, reply.statusCode)
    done()
  })
  // A client that went away: the span ends anyway, without a status (none was sent), `error.type` aborted.
  app.addHook('onRequestAbort', function abortRequestSpan(request: TracedRequest, done: HookHandlerDoneFunction) {
    end(request, null)
    done()
  })
}
