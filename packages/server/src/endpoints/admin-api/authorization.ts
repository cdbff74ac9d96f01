/**
 * Issue 14: who may call the admin API (RFC 6750 bearer usage, RFC 9068 validation, RFC 8707
 * audience). A named `onRequest` hook per access level, `adminAuthorization('admin:read')`: it runs before
 * the body is read or validated, so an unauthorized caller costs no parsing and always gets 401/403, never a 400.
 * - The token comes from `Authorization: Bearer` only (RFC 6750 §2.1); in the query string
 *   (§2.3, which ends up in logs) it is `invalid_request`.
 * - It must be a live RFC 9068 JWT access token of THIS tenant (`tokens/access-token-verification.ts`:
 *   the tenant's keys, its `iss`, `typ: at+jwt`, unexpired, not revoked): an opaque handle, an ID
 *   token, another tenant's or another issuer's token is `invalid_token`.
 * - Its audience must name the admin API, `<tenant issuer>/admin/api/v1` (RFC 8707; a token for
 *   another API is `invalid_token`, RFC 6750 §3.1 "invalid for other reasons").
 * - The client must still exist, and the access (`admin:read` or `admin:write`, or `admin:*`) must be
 *   in the token's scope AND still in the client's registered scope: removing a client's admin scope
 *   takes effect at once, not at the token's expiry. Otherwise 403 `insufficient_scope` naming the
 *   scope needed (RFC 6750 §3.1).
 * Every refusal is a 401/403 with `WWW-Authenticate: Bearer realm="latch", error="…"` and a JSON
 * body (render-error.ts, channel `bearer`), except a request without any credentials: the bare
 * challenge `Bearer realm="latch"` and no body, as RFC 6750 §3.1 says (and as /userinfo answers).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
import type { FastifyRequest } from 'fastify'
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError } from '../../errors.js'
import { adminResourceOf, adminScopeAllows, type AdminAccess } from '../../rules/admin-api.js'
import { verifyLiveAccessToken } from '../../tokens/access-token-verification.js'

/** Who is calling: the actor of the audit records the API writes (`{ type: 'client', id }`). */
export interface AdminPrincipal {
  readonly actor: { readonly type: 'client' | 'user'; readonly id: string }
  readonly clientId: string
  /** The token's scope as granted and still registered. */
  readonly scope: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Issue 14: set by `adminAuthorization` on admin API routes; null elsewhere. */
    admin: AdminPrincipal | null
  }
}

/** RFC 6750 §2.1 `b64token`. */
const BEARER = /^bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i
const INVALID = 'the access token is invalid or expired'

function bearerOf(request: FastifyRequest): string {
  const query = request.query as Record<string, unknown> | undefined
  if (query !== undefined && query !== null && 'access_token' in query) {
    throw new InvalidRequestError('access_token: an access token in the query string is not accepted (RFC 6750 §2.3); use the Authorization header')
  }
  const header = request.headers.authorization
  // RFC 6750 §3.1: a request without credentials gets the bare challenge, no error code.
  if (header === undefined || header.trim() === '') throw new InvalidTokenError('an access token is required (Authorization: Bearer)', { challenge: { bare: 'true' } })
  const match = BEARER.exec(header.trim())
  if (!match) throw new InvalidTokenError('the Authorization header must be Bearer and a well-formed access token')
  return match[1]!
}

export function adminAuthorization(access: AdminAccess) {
  return async function authorizeAdmin(request: FastifyRequest): Promise<void> {
    const ctx = request.latch
    const token = bearerOf(request)
    const live = await verifyLiveAccessToken(ctx, token)
    if (live === null) throw new InvalidTokenError(INVALID, { detail: 'not a live access token of this tenant' })
    const audiences = Array.isArray(live.aud) ? live.aud : live.aud === undefined ? [] : [live.aud]
    if (!audiences.includes(adminResourceOf(ctx.config.issuer))) {
      throw new InvalidTokenError('the access token is not for the admin API (resource ' + adminResourceOf(ctx.config.issuer) + ')', { detail: 'audience' })
    }
    const client = await ctx.clients.get(live.client_id)
    if (client === null) throw new InvalidTokenError(INVALID, { detail: 'client no longer exists' })
    const registered = new Set(client.scope.split(' '))
    const scope = (typeof live.scope === 'string' ? live.scope : '').split(' ').filter((s) => s !== '' && registered.has(s)).join(' ')
    if (!adminScopeAllows(scope, access)) {
      throw new InsufficientScopeError(`the access token was not granted ${access}`, { challenge: { scope: access } })
    }
    const actor = live.sub === live.client_id ? { type: 'client' as const, id: live.client_id } : { type: 'user' as const, id: live.sub }
    request.admin = { actor, clientId: live.client_id, scope }
  }
}
