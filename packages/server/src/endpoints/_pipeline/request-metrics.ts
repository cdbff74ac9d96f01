/**
 * Issue 14: every route records its requests in `latch_http_requests_total` and
 * `latch_http_request_duration_seconds`. An `onRoute` hook gives each route, when it is defined, an
 * `onResponse` hook bound to the recorder of its template (`routeOptions.url`, never the raw URL),
 * so a request only looks up its method and status and observes `reply.elapsedTime`. Requests no
 * route matched are recorded by the not-found handler (`recordUnmatched`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler, RouteOptions } from 'fastify'
import type { HttpMetrics } from '../../metrics/http.js'

const RECORDER = Symbol('latch.requestMetrics')

export function recordRequestMetrics(app: FastifyInstance, http: HttpMetrics): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const existing = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse]
    // Fastify's HEAD twin of a GET route is defined from the GET's options: one recorder per route.
    if (existing.some((hook) => RECORDER in hook)) return
    const recorder = http.route(route.url)
    const requestMetrics = function requestMetrics(request: FastifyRequest, reply: FastifyReply, done: () => void) {
      recorder.record(request.method, reply.statusCode, reply.elapsedTime / 1000)
      done()
    } as onResponseHookHandler & { [RECORDER]?: true }
    requestMetrics[RECORDER] = true
    route.onResponse = [...existing, requestMetrics] as RouteOptions['onResponse']
  })
}

/** For the not-found handler: records the request under `route="(unmatched)"` once its response is sent. */
export function recordUnmatched(http: HttpMetrics, request: FastifyRequest, reply: FastifyReply): void {
  reply.raw.once('finish', () => http.unmatched.record(request.method, reply.statusCode, reply.elapsedTime / 1000))
}
