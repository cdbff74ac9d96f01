/**
 * The example API: an Express app whose routes are protected by @latch/resource-server, one line
 * per route. It accepts RFC 9068 JWT access tokens issued by Latch for its resource identifier
 * (the `aud`, RFC 8707) and answers RFC 6750 errors (401 with a Bearer challenge, 403
 * `insufficient_scope` naming the scope, 400 `invalid_request`).
 *
 * Routes:
 * - `GET /api/data` (scope `read:data`): the stored items and who asked (`sub`, `client_id`);
 * - `POST /api/data` (scope `write:data`): stores a JSON object in memory and echoes it;
 * - `GET /api/me` (any valid token): the claims of the caller's token that an API cares about;
 * - `GET /api/orgs/:orgId/data` (scope `read:organization:{orgId}` and a token for that very
 *   organization, `org_id` = `:orgId`): an organization's data; a token of another organization
 *   is 403 `insufficient_scope` naming `organization:<orgId>`, whatever scopes it has;
 * - `DELETE /api/data` (scope `write:data`, token confirmed by introspection, RFC 7662): a
 *   revocation-sensitive action: a token revoked at Latch stops working here at once, not at its
 *   `exp`, because introspection answers are not cached (`cacheTtl` 0 unless the caller sets one;
 *   the default 30 s cache would let a revoked token delete for up to 30 s). Without
 *   introspection credentials the route answers 405.
 * The body of a POST is parsed only after the token and scope were checked, and is limited to
 * 16 kB. Errors are JSON, never an HTML page or a stack trace.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
import express, { type ErrorRequestHandler, type Express } from 'express'
import { expressAuth } from '@latch/resource-server/express'
import type { IntrospectionOptions, Verifier } from '@latch/resource-server'

export interface ApiOptions {
  /** Latch's issuer, e.g. `http://localhost:9000`. */
  issuer: string
  /** This API's resource identifier, e.g. `https://api.example.com`. */
  audience: string
  /**
   * The API's client credentials at Latch, for `DELETE /api/data` (introspection). `cacheTtl`
   * defaults to 0 here: every DELETE asks Latch, so a revoked token is refused at once.
   */
  introspection?: IntrospectionOptions
}

/** Most items kept in memory: the oldest go first, so the demo cannot be made to grow without bound. */
const MAX_ITEMS = 100
const BODY_LIMIT = '16kb'

interface Item {
  id: number
  data: Record<string, unknown>
  created_by: { sub: string; client_id: string }
  created_at: string
}

const jsonError = (error: string, error_description: string) => ({ error, error_description })

/** The error handler of last resort: JSON with a generic text, never a stack trace. */
const errorHandler: ErrorRequestHandler = (err: { type?: string; status?: number }, _req, res, _next) => {
  if (err.type === 'entity.parse.failed') return void res.status(400).json(jsonError('invalid_request', 'the request body is not valid JSON'))
  if (err.type === 'entity.too.large') return void res.status(413).json(jsonError('invalid_request', `the request body is larger than ${BODY_LIMIT}`))
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return void res.status(err.status).json(jsonError('invalid_request', 'the request is malformed'))
  res.status(500).json(jsonError('server_error', 'the API failed to handle the request'))
}

/**
 * Creates the example API's Express app.
 *
 * @example
 * ```ts
 * import { createApi } from './api.js'
 *
 * const app = createApi({ issuer: 'http://localhost:9000', audience: 'https://api.example.com' })
 * app.listen(4000)
 * ```
 */
export function createApi(options: ApiOptions): Express & { locals: { verifier: Verifier } } {
  // Only DELETE introspects, and it must see a revocation at once: no cache (RFC 7662 §4 allows one,
  // at the price of that many seconds of revocation latency).
  const introspection = options.introspection && { cacheTtl: 0, ...options.introspection }
  const { requireAuth, verifier } = expressAuth({ issuer: options.issuer, audience: options.audience, introspection })
  const items: Item[] = []
  let nextId = 1

  const app = express()
  app.disable('x-powered-by')
  app.locals.verifier = verifier

  app.get('/api/data', requireAuth({ scopes: ['read:data'] }), (req, res) => {
    res.json({ sub: req.auth?.sub, client_id: req.auth?.client_id, items })
  })

  app.post('/api/data', requireAuth({ scopes: ['write:data'] }), express.json({ limit: BODY_LIMIT, strict: true }), (req, res) => {
    const body: unknown = req.body
    if (!req.is('application/json') || typeof body !== 'object' || body === null || Array.isArray(body)) {
      return void res.status(400).json(jsonError('invalid_request', 'send a JSON object with Content-Type: application/json'))
    }
    const item: Item = {
      id: nextId++,
      data: body as Record<string, unknown>,
      created_by: { sub: req.auth?.sub ?? '', client_id: req.auth?.client_id ?? '' },
      created_at: new Date().toISOString(),
    }
    items.push(item)
    if (items.length > MAX_ITEMS) items.shift()
    res.status(201).json(item)
  })

  if (verifier.canIntrospect) {
    app.delete('/api/data', requireAuth({ scopes: ['write:data'], introspect: true }), (_req, res) => {
      const deleted = items.length
      items.length = 0
      res.json({ deleted })
    })
  } else {
    app.delete('/api/data', (_req, res) => {
      res.status(405).set('allow', 'GET, POST').json(jsonError('invalid_request', 'DELETE /api/data needs the API\'s introspection credentials, which are not configured'))
    })
  }

  app.get('/api/me', requireAuth(), (req, res) => {
    const auth = req.auth
    res.json({
      sub: auth?.sub,
      client_id: auth?.client_id,
      scope: auth?.scope ?? '',
      aud: auth?.aud,
      iss: auth?.iss,
      exp: auth?.exp,
      iat: auth?.iat,
      ...(auth?.auth_time !== undefined && { auth_time: auth.auth_time }),
    })
  })

  // Both guards: the dynamic scope Latch grants to members only (read:organization:acme), and the
  // token's own organization, so a token that holds two organizations' scopes still reads only the
  // organization it speaks for.
  app.get('/api/orgs/:orgId/data', requireAuth({ scopes: ['read:organization:{orgId}'], organization: 'orgId' }), (req, res) => {
    const orgId = req.params.orgId as string
    res.json({
      organization: orgId,
      sub: req.auth?.sub,
      client_id: req.auth?.client_id,
      ...(req.auth?.org_roles !== undefined && { org_roles: req.auth.org_roles }),
      items: [{ id: 1, title: `${orgId} quarterly report` }],
    })
  })

  app.use((_req, res) => {
    res.status(404).json(jsonError('not_found', 'no such endpoint'))
  })
  app.use(errorHandler)
  return app as Express & { locals: { verifier: Verifier } }
}
