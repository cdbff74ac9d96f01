/**
 * Issue 14: OpenTelemetry traces, the part every layer may use. Manual instrumentation over
 * `@opentelemetry/api` only (no SDK here, no auto-instrumentation): `withSpan` runs a function in a
 * span, `withClientSpan`/`tracedFetch` make an outbound call a CLIENT span and put its W3C
 * `traceparent` on the request (`injectTraceContext`), and the server's request hooks start and end
 * the SERVER spans (`startServerSpan`, `enterSpan`, `endServerSpan`).
 *
 * Off by default, and then free: the SDK (`tracing-sdk.ts`, started by `createServer` when
 * `tracing.enabled`) hands its tracer to `useTracer`; until it does, `tracer` is null and every
 * helper is one null check that calls straight through, without the API's no-op tracer (whose
 * `startSpan` still allocates a span and a context per call).
 *
 * What a span may carry: names and attributes are chosen by the callers from bounded, non-secret
 * values (route templates, grant types, client ids, store method names, hosts). Never a token,
 * code, secret, password, email, cookie, header, query string or full URL; errors are recorded
 * as their type only (`error.type`: the OAuth error code or the class name), never their message
 * or stack, which may quote input.
 * @see https://www.w3.org/TR/trace-context/
 * @see https://opentelemetry.io/docs/specs/semconv/http/http-spans/
 */
import type { IncomingHttpHeaders } from 'node:http'
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type TextMapSetter, type Tracer } from '@opentelemetry/api'

export type { Attributes as SpanAttributes, Span } from '@opentelemetry/api'

let tracer: Tracer | null = null

/** Whether spans are being recorded: callers on a hot path check this before building attributes. */
export function tracingEnabled(): boolean {
  return tracer !== null
}

/** Set by the SDK when it starts (its tracer) and when it stops (null). */
export function useTracer(next: Tracer | null): void {
  tracer = next
}

/** A span that records nothing, handed to `withSpan`'s function when tracing is off (one for the process). */
const NOT_RECORDING: Span = trace.wrapSpanContext({ traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: 0 })

/** The part of an error a span may carry: its OAuth code or its class name, never its message. */
function errorType(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const code = (err as { code?: unknown }).code
    if (typeof code === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(code)) return code
    const name = (err as { name?: unknown }).name
    if (typeof name === 'string' && name.length <= 64) return name
  }
  return 'Error'
}

/** Marks `span` failed with the error's type (see the module comment). */
export function recordSpanError(span: Span, err: unknown): void {
  const type = errorType(err)
  span.setAttribute('error.type', type)
  span.setStatus({ code: SpanStatusCode.ERROR, message: type })
}

/**
 * Runs `fn` in a span named `name`, a child of the active span: thrown errors are recorded
 * (`error.type`, status ERROR) and rethrown, and the span ends when `fn` settles. With tracing
 * off, `fn` runs as it is (with a span that records nothing).
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T> | T, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  if (tracer === null) {
    try {
      return Promise.resolve(fn(NOT_RECORDING))
    } catch (err) {
      return Promise.reject(err)
    }
  }
  const parent = context.active()
  const span = tracer.startSpan(name, { kind, attributes }, parent)
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span)
    } catch (err) {
      recordSpanError(span, err)
      throw err
    } finally {
      span.end()
    }
  })
}

const headerSetter: TextMapSetter<Headers | Record<string, string>> = {
  set(carrier, key, value) {
    if (carrier instanceof Headers) carrier.set(key, value)
    else carrier[key] = value
  },
}

/**
 * Adds the active span's `traceparent` (and `tracestate`) to `headers`, in place, and returns
 * them; with tracing off (or no active span) they are returned untouched.
 */
export function injectTraceContext<H extends Headers | Record<string, string>>(headers: H): H {
  if (tracer !== null) propagation.inject(context.active(), headers, headerSetter)
  return headers
}

/** The attributes of an outbound request: method, scheme, host and port; never the path's query nor the full URL. */
function clientAttributes(method: string, url: URL): Attributes {
  return {
    'http.request.method': method,
    'url.scheme': url.protocol.slice(0, -1),
    'server.address': url.hostname,
    'server.port': url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
  }
}

/**
 * An outbound HTTP call as a CLIENT span named `METHOD label` (`label` names the purpose, e.g.
 * `upstream` or `backchannel_logout`: low cardinality, never a URL). `send` runs with the CLIENT
 * span active, so it calls `injectTraceContext` on its headers; the response status is recorded,
 * and a status of 500 or more marks the span failed.
 */
export function withClientSpan(label: string, method: string, url: URL, send: () => Promise<Response>): Promise<Response> {
  if (tracer === null) return send()
  return withSpan(`${method} ${label}`, clientAttributes(method, url), async (span) => {
    const response = await send()
    span.setAttribute('http.response.status_code', response.status)
    if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: String(response.status) })
    return response
  }, SpanKind.CLIENT)
}

/**
 * `fetchImpl` with every call a CLIENT span (`withClientSpan`) carrying `traceparent`: apply it
 * once where a module keeps its fetch (`tracedFetch(fetch, 'webhook')`). With tracing off, a call
 * is one null check and then `fetchImpl` itself.
 */
export function tracedFetch(fetchImpl: typeof fetch, label: string): typeof fetch {
  return function tracedCall(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    if (tracer === null) return fetchImpl(input, init)
    const url = new URL(input instanceof Request ? input.url : input)
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    return withClientSpan(label, method, url, () => fetchImpl(input, { ...init, headers: injectTraceContext(new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))) }))
  } as typeof fetch
}

/** A request's SERVER span and the context its work runs in. */
export interface ServerSpan {
  readonly span: Span
  readonly context: Context
}

const headerGetter = {
  keys: (carrier: IncomingHttpHeaders) => Object.keys(carrier),
  get(carrier: IncomingHttpHeaders, key: string) {
    return carrier[key]
  },
}

/**
 * Starts the SERVER span of an incoming request, continuing the trace of its `traceparent` when
 * it has a valid one (W3C Trace Context, the only propagator the SDK installs). Null when tracing is off.
 */
export function startServerSpan(name: string, headers: IncomingHttpHeaders, attributes: Attributes): ServerSpan | null {
  if (tracer === null) return null
  const parent = propagation.extract(ROOT_CONTEXT, headers, headerGetter)
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent)
  return { span, context: trace.setSpan(parent, span) }
}

/** Runs `fn` (a hook's `done`) in the request span's context, so that the work it starts is traced under it. */
export function enterSpan<T>(server: ServerSpan, fn: () => T): T {
  return context.with(server.context, fn)
}

/**
 * Ends the SERVER span: a status of 500 or more is an error (4xx are the client's, per the HTTP
 * conventions); `null`: the client went away before an answer (`error.type` `aborted`).
 */
export function endServerSpan(server: ServerSpan, status: number | null, attributes: Attributes): void {
  server.span.setAttributes(attributes)
  if (status === null) {
    server.span.setAttribute('error.type', 'aborted')
    server.span.setStatus({ code: SpanStatusCode.ERROR })
  } else {
    server.span.setAttribute('http.response.status_code', status)
    if (status >= 500) {
      server.span.setAttribute('error.type', String(status))
      server.span.setStatus({ code: SpanStatusCode.ERROR })
    }
  }
  server.span.end()
}
