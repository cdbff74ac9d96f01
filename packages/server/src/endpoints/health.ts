/**
 * Liveness/readiness probe for load balancers and orchestrators: 200 `{"status":"ok"}` after one
 * cheap round trip to the store, 503 `{"status":"unavailable"}` when the store does not answer, so
 * a node that lost its database is taken out of rotation instead of failing every token request.
 * Never cached; says nothing about the failure beyond the log.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'

const OK = JSON.stringify({ status: 'ok' })
const UNAVAILABLE = JSON.stringify({ status: 'unavailable' })

export const healthEndpoint: FastifyPluginAsync = async (app) => {
  async function healthCheck(request: FastifyRequest, reply: FastifyReply) {
    const ctx = request.latch
    reply.header('cache-control', 'no-store').type('application/json; charset=utf-8')
    try {
      await ctx.store.ping()
    } catch (err) {
      request.log.warn({ err }, 'health check: store unavailable')
      return reply.status(503).header('retry-after', '5').send(UNAVAILABLE)
    }
    return reply.send(OK)
  }
  app.get(PATHS.health, { config: { channel: 'json' } }, healthCheck)
}
