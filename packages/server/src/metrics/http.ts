/**
 * Request count and latency per route template, method and status (issue 14). The route label is
 * Fastify's route template (`/connections/:id/callback`), never the URL a client sent, so the
 * number of series is bounded by the routes Latch defines, its methods and the statuses it
 * answers; a request that matches no route is `route="(unmatched)"` and a method outside the
 * standard ones is `method="other"`. One series per (route, method, status), found by a numeric
 * key in a map of that route's recorder: a request costs a lookup and a histogram observe, and
 * `latch_http_requests_total` is read from the same series' count at scrape time.
 * @see https://prometheus.io/docs/practices/naming/
 */
import type { Registry } from 'prom-client'
import { Collected, FastHistogram, type HistogramSeries } from './series.js'

/** Seconds: from a cached JWKS answer (~0.1 ms) to a slow database (10 s). */
export const HTTP_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'other'] as const
const METHOD_INDEX = new Map<string, number>(METHODS.map((m, i) => [m, i]))
const OTHER_METHOD = METHODS.length - 1

/** The label of requests no route matched (404s, 405s). */
export const UNMATCHED_ROUTE = '(unmatched)'

/** The recorder of one route: its series by method and status. */
export class RouteRecorder {
  readonly #series = new Map<number, HistogramSeries>()
  constructor(
    readonly route: string,
    private readonly histogram: FastHistogram,
  ) {}

  record(method: string, status: number, seconds: number): void {
    const m = METHOD_INDEX.get(method) ?? OTHER_METHOD
    const key = status * 8 + m
    let series = this.#series.get(key)
    if (series === undefined) {
      // Statuses are 100..599 (Node refuses others), so a route has at most 8 × 500 series.
      series = this.histogram.create({ route: this.route, method: METHODS[m]!, status: String(status) })
      this.#series.set(key, series)
    }
    series.observe(seconds)
  }
}

class RequestCount extends Collected<never> {
  constructor(private readonly histogram: FastHistogram) {
    super('latch_http_requests_total', 'HTTP requests answered, by route template, method and status.', 'counter')
  }
  values() {
    return this.histogram.series.map((s) => ({ labels: { ...s.labels }, value: s.count }))
  }
}

export class HttpMetrics {
  readonly duration = new FastHistogram('latch_http_request_duration_seconds', 'Time from the request to the end of its response, by route template, method and status.', HTTP_DURATION_BUCKETS)
  readonly #routes = new Map<string, RouteRecorder>()
  readonly unmatched: RouteRecorder

  constructor(registry: Registry) {
    this.duration.registerIn(registry)
    new RequestCount(this.duration).registerIn(registry)
    this.unmatched = this.route(UNMATCHED_ROUTE)
  }

  /** The recorder of a route template (one per template, shared by its methods). */
  route(template: string): RouteRecorder {
    let recorder = this.#routes.get(template)
    if (recorder === undefined) this.#routes.set(template, (recorder = new RouteRecorder(template, this.duration)))
    return recorder
  }
}
