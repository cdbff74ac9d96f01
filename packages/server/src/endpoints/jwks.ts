/**
 * The JWK Set endpoint (`jwks_uri`, OIDC Discovery §3; RFC 7517 §5): the public signing keys that
 * verify Latch's ID tokens and RFC 9068 access tokens, including retired keys still inside their
 * grace period. The keystore keeps the set pre-serialized, so this hot path does no work per
 * request beyond sending a cached string.
 *
 * Media type: `application/json`. RFC 7517 §8.5 registers `application/jwk-set+json`, but
 * `application/json` is what every client accepts: jose's `createRemoteJWKSet` does not check the
 * response type at all, and openid-client / oauth4webapi accept both.
 *
 * Caching is short (5 minutes): after a rotation the new key must reach verifiers quickly, and a
 * verifier meeting an unknown `kid` refetches anyway.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { JWKS_MAX_AGE } from '../config/defaults.js'
import { PATHS } from '../context.js'

const CACHE_CONTROL = `public, max-age=${JWKS_MAX_AGE}`

export const jwksEndpoint: FastifyPluginAsync = async (app) => {
  async function jwksRequest(request: FastifyRequest, reply: FastifyReply) {
    return reply
      .header('cache-control', CACHE_CONTROL)
      // Public keys: browser-side verifiers may fetch them cross-origin.
      .header('access-control-allow-origin', '*')
      .type('application/json; charset=utf-8')
      .send(request.latch.keystore.jwksJson())
  }
  app.get(PATHS.jwks, { config: { channel: 'json' } }, jwksRequest)
}
