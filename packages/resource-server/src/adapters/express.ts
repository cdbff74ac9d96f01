/**
 * Express adapter (`@latch/resource-server/express`): `requireAuth(options)` is route-level
 * middleware that verifies the bearer token (RFC 6750 §2.1, RFC 9068 §4), optionally introspects
 * it (RFC 7662), checks the route's scopes and sets `req.auth` to the token's claims. Failures
 * are answered here, as RFC 6750 §3 says (status, `WWW-Authenticate`, JSON body: the shared
 * error-response.ts); any other error goes to Express's error handling with `next(err)`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { hasAccessTokenParam } from '../bearer-token.js'
import { errorResponse } from '../error-response.js'
import { isResourceServerError } from '../errors.js'
import { createRouteAuth, toVerifier, type RequireAuthOptions } from '../route-auth.js'
import type { Verifier, VerifierOptions } from '../verifier.js'
import type { AccessTokenClaims } from '../verify-access-token.js'
import { authorizationOf, formBodyHasAccessToken } from './node-request.js'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified access token's claims; set by `requireAuth` (undefined on other routes). */
      auth?: AccessTokenClaims
    }
  }
}

export type { RequireAuthOptions } from '../route-auth.js'
export type { AccessTokenClaims } from '../verify-access-token.js'

export interface ExpressAuth {
  readonly verifier: Verifier
  /** Route-level middleware: verifies the token, checks `scopes`, sets `req.auth`. */
  requireAuth(options?: RequireAuthOptions): RequestHandler
}

/**
 * Creates the Express middleware factory for one API.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { expressAuth } from '@latch/resource-server/express'
 *
 * const { requireAuth } = expressAuth({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * const app = express()
 * app.get('/orgs/:orgId/data', requireAuth({ scopes: ['read:organization:{orgId}'] }), (req, res) => {
 *   res.json({ sub: req.auth?.sub })
 * })
 * ```
 */
export function expressAuth(verifierOrOptions: Verifier | VerifierOptions): ExpressAuth {
  const verifier = toVerifier(verifierOrOptions)
  const realm = verifier.realm
  return {
    verifier,
    requireAuth(options: RequireAuthOptions = {}): RequestHandler {
      const auth = createRouteAuth(verifier, options)
      return function requireAuth(req: Request, res: Response, next: NextFunction): void {
        auth({
          authorization: authorizationOf(req),
          params: req.params,
          otherMethod: hasAccessTokenParam(req.url) || formBodyHasAccessToken(req, req.body),
        }).then(
          (claims) => {
            req.auth = claims
            next()
          },
          (err: unknown) => {
            if (!isResourceServerError(err)) return next(err)
            const { status, headers, body } = errorResponse(err, realm)
            res.writeHead(status, headers).end(body ?? undefined)
          },
        )
      }
    },
  }
}
