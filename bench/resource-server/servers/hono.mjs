/** `GET /data` on Hono (@hono/node-server) behind `requireAuth({ scopes: ['read:data'] })` of @latch/resource-server/hono. */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { honoAuth } from '@latch/resource-server/hono'
import { opts, ready, verifierOptions } from './common.mjs'

const { requireAuth } = honoAuth(verifierOptions)
const app = new Hono()
app.get('/data', requireAuth({ scopes: ['read:data'] }), (c) => c.json({ sub: c.get('auth').sub, client_id: c.get('auth').client_id }))
const server = serve({ fetch: app.fetch, port: opts.port, hostname: '127.0.0.1' }, () => {
  server.keepAliveTimeout = 72_000
  ready(`http://127.0.0.1:${opts.port}`, () => new Promise((r) => { server.closeAllConnections(); server.close(r) }))
})
