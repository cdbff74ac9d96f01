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
 * - Issue 14, a user's token (it hangs from a grant, `grantIdOf`; a client-credentials token does
 *   not): the user is read again at every call and must still exist (else `invalid_token`), not be
 *   disabled (`invalid_token`: their grants are revoked anyway), and hold a role that gives the
 *   access (`rules/admin-roles.ts`; else 403 `insufficient_scope`): taking a role away takes effect at
 *   once. Under `admin.require_mfa` the token must come from a sign-in with a second factor (`acr`
 *   `urn:latch:acr:mfa` or stronger), else 401 `insufficient_user_authentication` with
 *   `acr_values="urn:latch:acr:mfa"` (RFC 9470 §3), as `@latch/resource-server` answers. The actor
 *   is then `{ type: 'user', id }`.
 * Every refusal is a 401/403 with `WWW-Authenticate: Bearer realm="latch", error="…"` and a JSON
 * body (render-error.ts, channel `bearer-api`), except a request without any credentials: the bare
 * challenge `Bearer realm="latch"` and no body, as RFC 6750 §3.1 says (and as /userinfo answers).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
import type { FastifyRequest } from 'fastify'
import type { LatchContext } from '../../context.js'
import { InsufficientScopeError, InsufficientUserAuthenticationError, InvalidRequestError, InvalidTokenError } from '../../errors.js'
import { ACR_MFA, isAcr, satisfies } from '../../rules/acr.js'
import { adminResourceOf, adminScopeAllows, type AdminAccess } from '../../rules/admin-api.js'
import { adminAccessOfRoles } from '../../rules/admin-roles.js'
import { registeredScopes } from '../../rules/scope.js'
import { isDisabled } from '../../users/disabled.js'
import type { UserRecord } from '../../storage/store.js'
import { grantIdOf, verifyLiveAccessToken, type LiveAccessToken } from '../../tokens/access-token-verification.js'

/** Who is calling: the actor of the audit records the API writes (`{ type: 'client', id }`, or `{ type: 'user', id }` for an administrator's token). */
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
    // `challenge` (no parameters of its own): this 400 is the token request's, so it is challenged (render-error.ts).
    throw new InvalidRequestError('access_token: an access token in the query string is not accepted (RFC 6750 §2.3); use the Authorization header', { challenge: {} })
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
    const resource = adminResourceOf(ctx.config.issuer)
    if (!audiences.includes(resource)) throw new InvalidTokenError(`the access token is not for the admin API (resource ${resource})`, { detail: 'audience' })
    const client = await ctx.clients.get(live.client_id)
    if (client === null) throw new InvalidTokenError(INVALID, { detail: 'client no longer exists' })
    const registered = registeredScopes(client)
    const scope = (typeof live.scope === 'string' ? live.scope : '').split(' ').filter((s) => s !== '' && registered.has(s)).join(' ')
    if (!adminScopeAllows(scope, access)) {
      throw new InsufficientScopeError(`the access token was not granted ${access}`, { challenge: { scope: access } })
    }
    // Not `sub === client_id`: a client-credentials token has no grant, so a user whose id equals a client_id is still a user.
    if (grantIdOf(live) === null) {
      request.admin = { actor: { type: 'client', id: live.client_id }, clientId: live.client_id, scope }
      return
    }
    const user = await administrator(ctx, live, access)
    request.admin = { actor: { type: 'user', id: user.id }, clientId: live.client_id, scope }
  }
}

/**
 * The user behind an administrator's token, as they are now: their roles (not the token's scope
 * alone) must give `access`, and under `admin.require_mfa` the token's sign-in must have had a
 * second factor. Both are checked at every call.
 */
async function administrator(ctx: LatchContext, live: LiveAccessToken, access: AdminAccess): Promise<UserRecord> {
  const user = await ctx.store.users.getById(live.sub)
  if (user === null || isDisabled(user)) throw new InvalidTokenError(INVALID, { detail: 'the token\'s user no longer exists or is disabled' })
  if (!adminAccessOfRoles(user.roles).has(access)) {
    throw new InsufficientScopeError(`the user does not hold an admin role that gives ${access} (latch:admin, or latch:viewer for reading)`, { challenge: { scope: access } })
  }
  if (ctx.config.admin.require_mfa && !(typeof live.acr === 'string' && isAcr(live.acr) && satisfies(live.acr, ACR_MFA))) {
    throw new InsufficientUserAuthenticationError('the admin API needs a sign-in with a second factor here: authorize again with acr_values', { challenge: { acr_values: ACR_MFA } })
  }
  return user
}
