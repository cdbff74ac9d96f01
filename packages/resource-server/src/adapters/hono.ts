/**
 * Hono adapter (`@latch/resource-server/hono`): `requireAuth(options)` is route middleware that
 * verifies the bearer token (RFC 6750 §2.1, RFC 9068 §4), optionally introspects it (RFC 7662),
 * checks the route's scopes and sets the `auth` variable (`c.get('auth')`). Runtime-neutral like
 * the core (Hono runs on Node, Deno, Bun, Workers): only the Web `Request` is read. Repeated
 * `Authorization` headers reach Hono joined with ", ", which is not a valid Bearer credential and
 * is answered `invalid_request` like on Node. Like the Express and Fastify adapters it refuses an
 * `access_token` in an `application/x-www-form-urlencoded` body (RFC 6750 §2.2, §3.1); Hono parses
 * bodies lazily, so on such a request the body is read here, through Hono's body cache
 * (`c.req.arrayBuffer()`), and the handler can still read it with `c.req.parseBody()`,
 * `c.req.text()` or a validator (not from `c.req.raw`, whose stream is then used). Put Hono's
 * `bodyLimit` before `requireAuth` to bound what is read. Failures are answered per RFC 6750 §3
 * (the shared error-response.ts); other errors are thrown to Hono's `onError`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
import type { Context, HonoRequest, MiddlewareHandler, Next } from 'hono'
import type { ContentfulStatusCode, StatusCode } from 'hono/utils/http-status'
import { hasAccessTokenParam } from '../bearer-token.js'
import { errorResponse } from '../error-response.js'
import { isResourceServerError } from '../errors.js'
import { createRouteAuth, toVerifier, type RequireAuthOptions } from '../route-auth.js'
import type { Verifier, VerifierOptions } from '../verifier.js'
import type { AccessTokenClaims } from '../verify-access-token.js'

export type { RequireAuthOptions } from '../route-auth.js'
export type { AccessTokenClaims } from '../verify-access-token.js'

/** The Hono environment `requireAuth` provides: `c.get('auth')`. */
export interface AuthEnv {
  Variables: { auth: AccessTokenClaims }
}

export interface HonoAuth {
  readonly verifier: Verifier
  /** Route middleware: verifies the token, checks `scopes`, sets `c.get('auth')`. */
  requireAuth(options?: RequireAuthOptions): MiddlewareHandler<AuthEnv>
}

const FORM = 'application/x-www-form-urlencoded'

/**
 * Whether a form-urlencoded body has an `access_token` parameter. Read from a copy of the request
 * (or through Hono's body cache when earlier middleware read it), so the handler gets the same
 * body; a body that cannot be read holds no token anyone will see.
 */
async function formBodyHasAccessToken(req: HonoRequest): Promise<boolean> {
  const type = req.header('content-type')
  if (type === undefined || !type.toLowerCase().startsWith(FORM) || req.raw.body === null) return false
  try {
    // Already parsed as FormData by earlier middleware: that is what the handler will see.
    const parsed = req.bodyCache.formData as Promise<FormData> | FormData | undefined
    if (parsed !== undefined) return (await parsed).has('access_token')
    // A copy of the body, so the handler's own read (`c.req.parseBody()`) still finds it unread:
    // Hono before 4.13.8 cannot parse a body cached as bytes as a form (it drops the Content-Type).
    const text = Object.keys(req.bodyCache).length > 0 ? await req.text() : await req.raw.clone().text()
    return new URLSearchParams(text).has('access_token')
  } catch {
    return false
  }
}

/**
 * Creates the Hono middleware factory for one API.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { honoAuth, type AuthEnv } from '@latch/resource-server/hono'
 *
 * const { requireAuth } = honoAuth({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * const app = new Hono<AuthEnv>()
 * app.get('/orgs/:orgId/data', requireAuth({ scopes: ['read:organization:{orgId}'] }), (c) => c.json({ sub: c.get('auth').sub }))
 * ```
 */
export function honoAuth(verifierOrOptions: Verifier | VerifierOptions): HonoAuth {
  const verifier = toVerifier(verifierOrOptions)
  const realm = verifier.realm
  return {
    verifier,
    requireAuth(options: RequireAuthOptions = {}): MiddlewareHandler<AuthEnv> {
      const auth = createRouteAuth(verifier, options)
      return async function requireAuth(c: Context<AuthEnv>, next: Next) {
        let claims: AccessTokenClaims
        try {
          const otherMethod = hasAccessTokenParam(c.req.url) || (await formBodyHasAccessToken(c.req))
          claims = await auth({ authorization: c.req.header('authorization'), params: c.req.param(), otherMethod })
        } catch (err) {
          if (!isResourceServerError(err)) throw err
          const { status, headers, body } = errorResponse(err, realm)
          return body === null ? c.body(null, status as StatusCode, headers) : c.body(body, status as ContentfulStatusCode, headers)
        }
        c.set('auth', claims)
        await next()
      }
    },
  }
}
