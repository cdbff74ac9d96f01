/**
 * Issue 14: an OTLP/HTTP traces receiver stand-in (node:http, ephemeral port) for the JSON
 * encoding that `@opentelemetry/exporter-trace-otlp-http` sends: every POST to `/v1/traces` is kept
 * as its raw body (for scans) and flattened into spans with their attributes as a record.
 * @see https://opentelemetry.io/docs/specs/otlp/#otlphttp
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedSpan {
  traceId: string
  spanId: string
  parentSpanId: string | undefined
  name: string
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number
  attributes: Record<string, unknown>
  status: { code?: number; message?: string }
  resource: Record<string, unknown>
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>/v1/traces`. */
  url: string
  spans: ReceivedSpan[]
  /** Every request body as received (the JSON text). */
  bodies: string[]
  close(): Promise<void>
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number }
type OtlpAttribute = { key: string; value: OtlpValue }

const valueOf = (v: OtlpValue): unknown => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue))
const recordOf = (attributes: OtlpAttribute[] | undefined) => Object.fromEntries((attributes ?? []).map((a) => [a.key, valueOf(a.value)]))

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = []
  const bodies: string[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end()
        return
      }
      bodies.push(text)
      const body = JSON.parse(text) as {
        resourceSpans: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans: { spans: (Omit<ReceivedSpan, 'attributes' | 'resource'> & { attributes?: OtlpAttribute[] })[] }[] }[]
      }
      for (const rs of body.resourceSpans) {
        const resource = recordOf(rs.resource?.attributes)
        for (const ss of rs.scopeSpans) {
          for (const span of ss.spans) {
            spans.push({ ...span, parentSpanId: span.parentSpanId || undefined, attributes: recordOf(span.attributes), status: span.status ?? {}, resource })
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
