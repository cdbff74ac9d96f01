/**
 * Load generator for single-request scenarios (client_credentials, introspection): autocannon,
 * run by the harness as `taskset -c 1 node load/autocannon.mjs '<json>'`, so it never shares a
 * core with the server. Prints one JSON line with req/s, latency percentiles and error counts.
 */
import autocannon from 'autocannon'

const o = JSON.parse(process.argv[2])
const result = await autocannon({
  url: o.url,
  method: o.method ?? 'POST',
  headers: o.headers,
  body: o.body,
  connections: o.connections,
  pipelining: 1,
  duration: o.duration,
  warmup: o.warmup > 0 ? { connections: o.connections, duration: o.warmup } : undefined,
  timeout: 30,
})
process.stdout.write(`${JSON.stringify({
  rps: result.requests.average,
  requests: result.requests.total,
  p50_ms: result.latency.p50,
  p99_ms: result.latency.p99,
  mean_ms: result.latency.average,
  errors: result.errors + result.timeouts,
  non2xx: result.non2xx,
  duration_s: result.duration,
})}\n`)
