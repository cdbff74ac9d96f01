/** `GET /data` on Express 5 behind `requireAuth({ scopes: ['read:data'] })` of @latch/resource-server/express. */
import { createServer } from 'node:http'
import express from 'express'
import { expressAuth } from '@latch/resource-server/express'
import { opts, ready, verifierOptions } from './common.mjs'

const { requireAuth } = expressAuth(verifierOptions)
const app = express()
app.disable('x-powered-by')
app.get('/data', requireAuth({ scopes: ['read:data'] }), (req, res) => {
  res.json({ sub: req.auth.sub, client_id: req.auth.client_id })
})
const server = createServer(app)
server.keepAliveTimeout = 72_000
server.listen(opts.port, '127.0.0.1', () => {
  ready(`http://127.0.0.1:${opts.port}`, () => new Promise((r) => { server.closeAllConnections(); server.close(r) }))
})
