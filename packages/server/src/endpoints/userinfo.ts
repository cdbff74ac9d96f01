/**
 * The UserInfo endpoint (OIDC Core §5.3), a protected resource in the sense of RFC 6750: GET or
 * POST with a Bearer access token, answering the user's claims for the token's scope (§5.4) as
 * JSON with `Cache-Control: no-store`.
 *
 * Rules:
 * - the token comes from `Authorization: Bearer` (RFC 6750 §2.1) or, on POST only, the
 *   form-encoded `access_token` body parameter (§2.2); never from the query string (§2.3 is
 *   discouraged: URLs end up in logs and Referer headers), which is answered `invalid_request`;
 *   more than one method at once is `invalid_request` (§3.1);
 * - no token at all: 401 with a bare `WWW-Authenticate: Bearer realm="latch"` (§3.1: no error
 *   code when the request lacks authentication information);
 * - the token must be an RFC 9068 access token of this issuer (`typ: at+jwt`, signature, `exp`),
 *   not revoked (itself or its grant); the audience is not checked: any Latch access token whose
 *   scope includes `openid` may call UserInfo. Anything else is 401 `invalid_token`, never 500;
 * - `openid` missing from the scope: 403 `insufficient_scope` with `scope="openid"` (§3.1);
 * - a token without a user (client credentials: `sub` is the client) or whose user was deleted
 *   is `invalid_token`;
 * - a token for an organization (`org_id`, issue 10) answers `org_id` and the member's current
 *   `org_roles`, re-read now; both are left out once the user is no longer a member.
 * - custom claims for `userinfo` (tokens/custom-claims.ts) come under the scope's claims, which
 *   they never replace; a failing claims hook is `server_error`.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { errors as joseErrors, type JWTPayload } from 'jose'
import { PATHS, type LatchContext } from '../context.js'
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError } from '../errors.js'
import { claimsForScope } from '../tokens/claims.js'
import type { Membership, UserRecord } from '../storage/store.js'
import type { RawParams } from './_pipeline/form-body.js'
import { noStore } from './_pipeline/no-store.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'

/** RFC 6750 §2.1 `b64token`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

const isForm = (request: FastifyRequest) =>
  (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'

/** The one access token of the request (RFC 6750 §2), or a bare-challenge `invalid_token` when there is none. */
function bearerToken(request: FastifyRequest): string {
  const found: string[] = []
  const header = request.headers.authorization
  const scheme = header === undefined ? null : /^bearer(?:[ \t]+(.*))?$/i.exec(header.trim())
  if (scheme) {
    const value = scheme[1]?.trim()
    if (!value) throw new InvalidRequestError('the Bearer authorization header carries no token')
    if (!B64TOKEN.test(value)) throw new InvalidTokenError('the access token is malformed')
    found.push(value)
  }
  if (request.method === 'POST' && isForm(request)) {
    const body = rejectDuplicateParams(request.body as RawParams)
    if (body.access_token !== undefined) found.push(body.access_token)
  }
  const query = request.query as RawParams | undefined
  if (query && query.access_token !== undefined) {
    throw new InvalidRequestError('an access token in the query string is not accepted (RFC 6750 §2.3); use the Authorization header')
  }
  if (found.length > 1) throw new InvalidRequestError('the access token was sent by more than one method (RFC 6750 §2)')
  const token = found[0]
  if (token === undefined) throw new InvalidTokenError('an access token is required', { challenge: { bare: 'true' } })
  return token
}

async function verifyAccessToken(ctx: LatchContext, token: string): Promise<JWTPayload> {
  let payload: JWTPayload
  try {
    ;({ payload } = await ctx.keystore.verify(token, { typ: 'at+jwt', issuer: ctx.config.issuer }))
  } catch (err) {
    // Only JOSE's own failures mean "bad token"; a store outage during a key reload stays a 503.
    if (!(err instanceof joseErrors.JOSEError)) throw err
    throw new InvalidTokenError('the access token is invalid or expired', { detail: err.code, cause: err })
  }
  if (typeof payload.jti !== 'string' || typeof payload.sub !== 'string') {
    throw new InvalidTokenError('the access token is invalid or expired', { detail: 'missing jti or sub' })
  }
  if (await ctx.store.accessTokens.isRevoked(payload.jti)) {
    throw new InvalidTokenError('the access token is invalid or expired', { detail: 'revoked' })
  }
  return payload
}

/**
 * The scope's claims with the custom claims for `userinfo` under them (tokens/custom-claims.ts).
 * `organization`: the token's organization with the member's current roles (re-read), or null.
 */
async function withCustomClaims(ctx: LatchContext, user: UserRecord, payload: JWTPayload, scope: string, membership: Membership | null): Promise<Record<string, unknown>> {
  const client = typeof payload.client_id === 'string' ? await ctx.clients.get(payload.client_id) : null
  if (!client) throw new InvalidTokenError('the access token is invalid or expired', { detail: 'client no longer exists' })
  const organization = membership === null ? null : { id: membership.organization.id, roles: membership.roles }
  const custom = await ctx.customClaims.claims('userinfo', { user, client, scope: scope.split(' '), organization })
  return { ...custom, ...claimsForScope(user, scope) }
}

export const userinfoEndpoint: FastifyPluginAsync = async (app) => {
  async function userinfoClaims(request: FastifyRequest) {
    const ctx = request.latch
    const payload = await verifyAccessToken(ctx, bearerToken(request))
    const scope = typeof payload.scope === 'string' ? payload.scope : ''
    if (!scope.split(' ').includes('openid')) {
      throw new InsufficientScopeError('the access token was not granted the openid scope', { challenge: { scope: 'openid' } })
    }
    const sub = payload.sub as string
    // RFC 9068 §2.2: a client credentials token names the client as its subject; there is no user.
    if (sub === payload.client_id) throw new InvalidTokenError('the access token was not issued for a user', { detail: 'client token' })
    const orgId = typeof payload.org_id === 'string' ? payload.org_id : null
    // Issue 10: the organization is re-read (one primary-key read): a member removed since the
    // token was issued, or whose roles changed, is answered as they are now.
    const [user, membership] = await Promise.all([ctx.store.users.getById(sub), orgId === null ? null : ctx.store.organizations.membership(orgId, sub)])
    if (!user) throw new InvalidTokenError('the access token is invalid or expired', { detail: 'user no longer exists' })
    const claims = ctx.customClaims.active ? await withCustomClaims(ctx, user, payload, scope, membership) : claimsForScope(user, scope)
    if (membership !== null) Object.assign(claims, { org_id: membership.organization.id, org_roles: membership.roles })
    return claims
  }
  const options = { config: { channel: 'bearer' as const }, onRequest: noStore }
  async function userinfoRequest(request: FastifyRequest, reply: FastifyReply) {
    return reply.type('application/json; charset=utf-8').send(await userinfoClaims(request))
  }
  app.get(PATHS.userinfo, options, userinfoRequest)
  app.post(PATHS.userinfo, options, userinfoRequest)
}
