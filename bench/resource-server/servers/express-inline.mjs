/**
 * Diagnostic: Express 5 with the check written inline in the route (jose `jwtVerify` with the
 * same options and remote JWKS, a substring scope test), no @latch/resource-server. The
 * difference to servers/express.mjs is the adapter's own cost; to bare-node.mjs, Express's.
 */
import { createServer } from 'node:http'
import express from 'express'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { opts, ready } from './common.mjs'

const keys = createRemoteJWKSet(new URL(opts.jwksUri))
const options = { typ: 'at+jwt', issuer: opts.issuer, audience: opts.audience, algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'], clockTolerance: 5, requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] }
const app = express()
app.disable('x-powered-by')
app.get('/data', async (req, res) => {
  try {
    const { payload } = await jwtVerify((req.headers.authorization ?? '').slice(7), keys, options)
    if (!` ${payload.scope} `.includes(' read:data ')) throw new Error('scope')
    res.json({ sub: payload.sub, client_id: payload.client_id })
  } catch {
    res.status(401).set('www-authenticate', 'Bearer').end()
  }
})
const server = createServer(app)
server.keepAliveTimeout = 72_000
server.listen(opts.port, '127.0.0.1', () => {
  ready(`http://127.0.0.1:${opts.port}`, () => new Promise((r) => { server.closeAllConnections(); server.close(r) }))
})
