/**
 * Issue 14: the OpenTelemetry SDK of a `latch serve` process (or of `createServer` when embedded),
 * started only when `tracing.enabled`: a Node tracer provider with a parent-based ratio sampler
 * (`tracing.sample_ratio`), a batch span processor exporting OTLP/HTTP (JSON) to
 * `tracing.endpoint`, the W3C Trace Context propagator and the AsyncLocalStorage context manager,
 * registered as the API's globals; its tracer goes to `lib/tracing.ts` (`useTracer`), which is what
 * every span of Latch is started with. `shutdown` flushes the spans still queued, then unregisters.
 *
 * One per process: the API's globals (provider, context manager, propagator) are the process's,
 * so a second traced server in the same process while one runs is a `ConfigError`.
 * @see https://opentelemetry.io/docs/specs/otel/protocol/exporter/
 * @see https://opentelemetry.io/docs/specs/otel/trace/sdk/#parentbased
 */
import { context, propagation, trace } from '@opentelemetry/api'
import { loggingErrorHandler, setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources'
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import { BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-node'
import type { Logger } from 'pino'
import type { LatchConfig } from './config/schema.js'
import { DEFAULT_TRACING_ENDPOINT } from './config/defaults.js'
import { ConfigError } from './errors.js'
import { useTracer } from './lib/tracing.js'

export interface TracingSdk {
  /** Exports every span ended so far (tests; a host that wants them out now). */
  flush(): Promise<void>
  /** Flushes, stops the exporter and unregisters the globals; the helpers are no-ops again. */
  shutdown(): Promise<void>
}

let running: TracingSdk | null = null

/** A collector that is down fails every export (every few seconds): one warning a minute says so. */
const EXPORT_WARNING_INTERVAL_MS = 60_000

/** Starts the SDK for `tracing` (which must be enabled); export failures are warned about on `log`. */
export function startTracing(tracing: LatchConfig['tracing'], log: Pick<Logger, 'warn'>): TracingSdk {
  if (running !== null) throw new ConfigError('tracing.enabled', 'tracing is already started by another server in this process (one traced server per process)')
  let warnedAt = -Infinity
  setGlobalErrorHandler((err) => {
    const now = Date.now()
    if (now - warnedAt < EXPORT_WARNING_INTERVAL_MS) return
    warnedAt = now
    // The message only: the SDK's errors name the collector's answer, never span data.
    log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'tracing: exporting spans failed (at most one warning a minute)')
  })
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: tracing.service_name ?? 'latch' })),
    // A sampled (or unsampled) caller decides for its trace; our own roots keep `sample_ratio` of traces.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(tracing.sample_ratio) }),
    // Bounded: at most 2048 spans wait for export (the processor's default); beyond it spans are dropped, not queued.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracing.endpoint ?? DEFAULT_TRACING_ENDPOINT }))],
  })
  provider.register({ propagator: new W3CTraceContextPropagator() })
  useTracer(provider.getTracer('@latch/server'))
  let stopping: Promise<void> | null = null
  const sdk: TracingSdk = {
    flush: () => provider.forceFlush(),
    shutdown: () =>
      (stopping ??= (async () => {
        useTracer(null)
        try {
          await provider.shutdown()
        } finally {
          trace.disable()
          context.disable()
          propagation.disable()
          // The SDK's own default again: this server's logger is not kept past its close.
          setGlobalErrorHandler(loggingErrorHandler())
          running = null
        }
      })()),
  }
  running = sdk
  return sdk
}
