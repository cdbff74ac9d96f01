/**
 * `GET /metrics` (issue 14): the Prometheus text exposition of this node, on the main port when
 * `metrics.port` is unset. Who may read it is `metrics/access.ts`'s rule, judged on the socket's
 * peer (`request.socket.remoteAddress`), never on `request.ip`, which `trust_proxy` lets a client
 * set through `X-Forwarded-For`. Without a token it also refuses any request a proxy forwarded
 * (a forwarding header, or a socket peer that `trust_proxy` names: security review M1). It answers
 * on any host, like `/healthz` (server.ts `rewriteUrl`).
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import type { TrustProxy } from '../config/trust-proxy.js'
import { metricsAccess, trustedProxyPeer } from '../metrics/access.js'
import type { LatchMetrics } from '../metrics/latch-metrics.js'

export interface MetricsEndpointOptions {
  metrics: LatchMetrics
  token: string | null
  /** `trust_proxy`: without a token, a request whose socket peer is one of its proxies is refused. */
  trustProxy: TrustProxy
}

export const metricsEndpoint: FastifyPluginAsync<MetricsEndpointOptions> = async (app, { metrics, token, trustProxy }) => {
  const policy = { token, isProxy: trustedProxyPeer(trustProxy) }
  async function scrape(request: FastifyRequest, reply: FastifyReply) {
    reply.header('cache-control', 'no-store')
    const access = metricsAccess(request.headers, request.socket.remoteAddress, policy)
    if (!access.allowed) return reply.status(access.status).headers(access.headers).type('application/json; charset=utf-8').send(access.body)
    return reply.type(metrics.contentType).send(await metrics.render())
  }
  app.get(PATHS.metrics, { config: { channel: 'json' } }, scrape)
}
