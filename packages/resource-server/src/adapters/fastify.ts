/**
 * Fastify adapter (`@latch/resource-server/fastify`): an encapsulation-breaking plugin
 * (fastify-plugin) that decorates the instance with `requireAuth(options)`, a `preHandler` that
 * verifies the bearer token (RFC 6750 §2.1, RFC 9068 §4), optionally introspects it (RFC 7662),
 * checks the route's scopes and sets `request.auth`. `request.auth` starts `null` on every
 * request (STYLE.md: request-scoped decorators start null and are set in hooks). Failures are
 * answered in the hook per RFC 6750 §3 (the shared error-response.ts); other errors are thrown to
 * Fastify's error handler.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { hasAccessTokenParam } from '../bearer-token.js'
import { errorResponse } from '../error-response.js'
import { isResourceServerError } from '../errors.js'
import { createRouteAuth, toVerifier, type RequireAuthOptions } from '../route-auth.js'
import type { RouteParams } from '../scopes.js'
import type { Verifier, VerifierOptions } from '../verifier.js'
import type { AccessTokenClaims } from '../verify-access-token.js'
import { authorizationOf, formBodyHasAccessToken } from './node-request.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token's claims on routes guarded by `requireAuth`; `null` elsewhere. */
    auth: AccessTokenClaims | null
  }
  interface FastifyInstance {
    /** A `preHandler` that verifies the token, checks `scopes` and sets `request.auth`. */
    requireAuth(options?: RequireAuthOptions): preHandlerAsyncHookHandler
    /** The verifier behind `requireAuth`. */
    latchVerifier: Verifier
  }
}

export type { RequireAuthOptions } from '../route-auth.js'
export type { AccessTokenClaims } from '../verify-access-token.js'

/** Verifier options, or an existing verifier. */
export type FastifyAuthOptions = VerifierOptions | { verifier: Verifier }

const plugin: FastifyPluginAsync<FastifyAuthOptions> = async (app, options) => {
  const verifier = toVerifier('verifier' in options ? options.verifier : options)
  const realm = verifier.realm
  app.decorate('latchVerifier', verifier)
  app.decorateRequest('auth', null)
  app.decorate('requireAuth', function requireAuth(routeOptions: RequireAuthOptions = {}): preHandlerAsyncHookHandler {
    const auth = createRouteAuth(verifier, routeOptions)
    return async function requireAuthPreHandler(request: FastifyRequest, reply: FastifyReply) {
      try {
        request.auth = await auth({
          authorization: authorizationOf(request.raw),
          params: request.params as RouteParams,
          otherMethod: hasAccessTokenParam(request.url) || formBodyHasAccessToken(request.raw, request.body),
        })
      } catch (err) {
        if (!isResourceServerError(err)) throw err
        const { status, headers, body } = errorResponse(err, realm)
        return reply.code(status).headers(headers).send(body ?? undefined)
      }
    }
  })
}

/**
 * The Fastify plugin. Register it once; guard a route with `{ preHandler: app.requireAuth(…) }`.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { fastifyAuth } from '@latch/resource-server/fastify'
 *
 * const app = Fastify()
 * await app.register(fastifyAuth, { issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * app.get('/orgs/:orgId/data', { preHandler: app.requireAuth({ scopes: ['read:organization:{orgId}'] }) }, async (request) => {
 *   return { sub: request.auth?.sub }
 * })
 * ```
 */
export const fastifyAuth = fp(plugin, { fastify: '5.x', name: '@latch/resource-server' })
