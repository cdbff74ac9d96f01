/**
 * The HTTP floor: a bare node:http server that takes the token after "Bearer ", calls jose's
 * `jwtVerify` with the same options and the same remote JWKS as the verifier, checks the scope
 * with a substring test and answers the same JSON. No framework, no header validation, no error
 * model: the most any Node HTTP server verifying with jose can do on one core.
 */
import { createServer } from 'node:http'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { opts, ready } from './common.mjs'

const keys = createRemoteJWKSet(new URL(opts.jwksUri))
const options = { typ: 'at+jwt', issuer: opts.issuer, audience: opts.audience, algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'], clockTolerance: 5, requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] }

const server = createServer(async (req, res) => {
  try {
    const { payload } = await jwtVerify((req.headers.authorization ?? '').slice(7), keys, options)
    if (!` ${payload.scope} `.includes(' read:data ')) throw new Error('scope')
    const body = JSON.stringify({ sub: payload.sub, client_id: payload.client_id })
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body)
  } catch {
    res.writeHead(401, { 'www-authenticate': 'Bearer' }).end()
  }
})
server.keepAliveTimeout = 72_000
server.listen(opts.port, '127.0.0.1', () => {
  ready(`http://127.0.0.1:${opts.port}`, () => new Promise((r) => { server.closeAllConnections(); server.close(r) }))
})
