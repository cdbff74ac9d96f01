/**
 * Probes for load balancers and orchestrators, answering on any host (server.ts `rewriteUrl`),
 * never cached, saying nothing about a failure beyond the name of the check (the log has the rest).
 *
 * - `GET /healthz` (liveness, and the readiness of old deployments): 200 `{"status":"ok"}` after
 *   one cheap round trip to the store, 503 `{"status":"unavailable"}` when the store does not
 *   answer, so a node that lost its database is taken out of rotation.
 * - `GET /readyz` (issue 14, readiness): 200 `{"status":"ready"}` when the node should receive
 *   traffic: not shutting down, the signing keys loaded, the store answering. Else 503
 *   `{"status":"unavailable","checks":{…}}` naming the check that failed (`shutdown`, `keys`,
 *   `database`). From the moment a graceful shutdown begins (`Readiness.drain()`) it answers 503
 *   without touching the store, so the load balancer drains the node before it stops accepting.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'

const OK = JSON.stringify({ status: 'ok' })
const UNAVAILABLE = JSON.stringify({ status: 'unavailable' })
const READY = JSON.stringify({ status: 'ready' })
const DRAINING = JSON.stringify({ status: 'unavailable', checks: { shutdown: 'draining' } })
const NO_KEYS = JSON.stringify({ status: 'unavailable', checks: { keys: 'unavailable' } })
const NO_DATABASE = JSON.stringify({ status: 'unavailable', checks: { database: 'unavailable' } })

/** Whether this node is shutting down: set once by `LatchServer.beginShutdown()`, never unset. */
export class Readiness {
  #draining = false
  get draining(): boolean {
    return this.#draining
  }
  drain(): void {
    this.#draining = true
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Issue 14: the node's readiness (shutting down or not), read by `/readyz`. */
    readiness: Readiness
  }
}

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

  async function readinessCheck(request: FastifyRequest, reply: FastifyReply) {
    const ctx = request.latch
    reply.header('cache-control', 'no-store').type('application/json; charset=utf-8')
    if (app.readiness?.draining) return reply.status(503).send(DRAINING)
    try {
      // Throws when no key can sign (none loaded); cheap: the keystore's state is cached.
      ctx.keystore.signingKey()
    } catch (err) {
      request.log.warn({ err }, 'readiness check: no signing key')
      return reply.status(503).header('retry-after', '5').send(NO_KEYS)
    }
    try {
      await ctx.store.ping()
    } catch (err) {
      request.log.warn({ err }, 'readiness check: store unavailable')
      return reply.status(503).header('retry-after', '5').send(NO_DATABASE)
    }
    return reply.send(READY)
  }

  app.get(PATHS.health, { config: { channel: 'json' } }, healthCheck)
  app.get(PATHS.ready, { config: { channel: 'json' } }, readinessCheck)
}
