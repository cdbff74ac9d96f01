/**
 * Load generator for single-request scenarios (client_credentials, introspection): autocannon,
 * run by the harness as `taskset -c 1 node load/autocannon.mjs '<json>'`, so it never shares a
 * core with the server. Prints one JSON line with req/s, latency percentiles and error counts.
 * With `hosts` (the tenants scenarios) every request names a tenant picked at random among them.
 * The warm-up is a run of its own before the measured one (as autocannon's `warmup` option does
 * it internally), so that, given the server's `serverPid`, the server's CPU time is read at the
 * two edges of the measured run only (`server_cpu_us`, see lib/machine.mjs `serverCpuWindow`).
 */
import autocannon from 'autocannon'
import { serverCpuWindow } from '../lib/machine.mjs'

const o = JSON.parse(process.argv[2])
const options = {
  url: o.url,
  method: o.method ?? 'POST',
  headers: o.headers,
  body: o.body,
  connections: o.connections,
  pipelining: 1,
  timeout: 30,
}
// The tenants scenarios (issue 11): each request goes to one of `hosts` at random (uniformly), named
// in its Host header; the connection is to `url` (127.0.0.1) whatever the host.
if (o.hosts) {
  const { hosts } = o
  options.requests = [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, host: hosts[Math.floor(Math.random() * hosts.length)] } }) }]
}
if (o.warmup > 0) await autocannon({ ...options, duration: o.warmup })
const cpu = serverCpuWindow(o.serverPid)
cpu?.begin()
const result = await autocannon({ ...options, duration: o.duration })
const window = cpu?.end()
process.stdout.write(`${JSON.stringify({
  rps: result.requests.average,
  requests: result.requests.total,
  // Every response autocannon counted in the measured run is an iteration the server completed.
  completed: result.requests.total,
  p50_ms: result.latency.p50,
  p99_ms: result.latency.p99,
  mean_ms: result.latency.average,
  errors: result.errors + result.timeouts,
  non2xx: result.non2xx,
  duration_s: result.duration,
  ...(window ?? {}),
})}\n`)
