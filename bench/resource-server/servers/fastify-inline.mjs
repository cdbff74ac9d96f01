/**
 * Diagnostic: Fastify 5 with the check written inline in a preHandler (jose `jwtVerify` with the
 * same options and remote JWKS, a substring scope test), no @latch/resource-server. The
 * difference to servers/fastify.mjs is the adapter's own cost; to bare-node.mjs, Fastify's.
 */
import Fastify from 'fastify'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { opts, ready } from './common.mjs'

const keys = createRemoteJWKSet(new URL(opts.jwksUri))
const options = { typ: 'at+jwt', issuer: opts.issuer, audience: opts.audience, algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'], clockTolerance: 5, requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] }
const app = Fastify({ keepAliveTimeout: 72_000 })
app.decorateRequest('auth', null)
async function check(request, reply) {
  try {
    const { payload } = await jwtVerify((request.headers.authorization ?? '').slice(7), keys, options)
    if (!` ${payload.scope} `.includes(' read:data ')) throw new Error('scope')
    request.auth = payload
  } catch {
    return reply.code(401).header('www-authenticate', 'Bearer').send()
  }
}
app.get('/data', { preHandler: check }, async (request) => ({ sub: request.auth.sub, client_id: request.auth.client_id }))
await app.listen({ port: opts.port, host: '127.0.0.1' })
ready(`http://127.0.0.1:${opts.port}`, () => app.close())
