/**
 * `metrics.port` (issue 14): `/metrics` on a port of its own, a bare `node:http` server beside the
 * main one (no Fastify, no tenant routing, no cookies), for scrapers on a network the main port is
 * not on. It answers `GET`/`HEAD /metrics` under the same rule as the main port (`access.ts`), 404
 * for any other path and 405 for other methods, and is closed with the server. Without a token it
 * refuses a request that carries a forwarding header (security review M1); `trust_proxy` names the
 * main port's proxies, not this port's peers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { metricsAccess } from './access.js'
import type { LatchMetrics } from './latch-metrics.js'

export interface MetricsListener {
  /** `http://host:port/metrics`. */
  url: string
  close(): Promise<void>
}

export async function startMetricsListener(options: { metrics: LatchMetrics; token: string | null; port: number; host: string }): Promise<MetricsListener> {
  const { metrics, token } = options
  const policy = { token }
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('cache-control', 'no-store')
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: 'not_found', error_description: 'no such endpoint' }))
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: 'invalid_request', error_description: `the method ${req.method ?? ''} is not allowed here` }))
      return
    }
    const access = metricsAccess(req.headers, req.socket.remoteAddress, policy)
    if (!access.allowed) {
      res.writeHead(access.status, { ...access.headers, 'content-type': 'application/json; charset=utf-8' }).end(access.body)
      return
    }
    const text = await metrics.render()
    res.writeHead(200, { 'content-type': metrics.contentType })
    res.end(req.method === 'HEAD' ? undefined : text)
  }
  const server = createServer((req, res) => {
    answer(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  // Slow or idle scrapers do not hold sockets open past the close.
  server.keepAliveTimeout = 5000
  server.headersTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${host.replace('[::]', 'localhost').replace('0.0.0.0', 'localhost')}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
