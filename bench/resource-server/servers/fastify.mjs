/** `GET /data` on Fastify 5 with `preHandler: app.requireAuth({ scopes: ['read:data'] })` of @latch/resource-server/fastify. */
import Fastify from 'fastify'
import { fastifyAuth } from '@latch/resource-server/fastify'
import { opts, ready, verifierOptions } from './common.mjs'

const app = Fastify({ keepAliveTimeout: 72_000 })
await app.register(fastifyAuth, verifierOptions)
app.get('/data', { preHandler: app.requireAuth({ scopes: ['read:data'] }) }, async (request) => ({ sub: request.auth.sub, client_id: request.auth.client_id }))
await app.listen({ port: opts.port, host: '127.0.0.1' })
ready(`http://127.0.0.1:${opts.port}`, () => app.close())
