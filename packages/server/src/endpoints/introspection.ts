/**
 * Token introspection (RFC 7662): a confidential client posts `token` (and optionally
 * `token_type_hint`) and learns whether it is active and, if so, its metadata (§2.2). Form body
 * only, no repeated parameters, client authentication required (§2.1); every answer carries
 * `Cache-Control: no-store`.
 *
 * Who may see what (§2.1 leaves the policy to the server; §4 asks it to limit disclosure): the
 * caller must be a confidential client (a public client proves nothing by naming its client_id),
 * and a token is reported active only to
 * - the client it was issued to (`client_id` claim / refresh token row), or
 * - for access tokens, a client whose client_id equals one of the token's `aud` values: that is how
 *   a resource server registered as a client introspects the tokens meant for it. Latch has no
 *   separate resource-server registry yet; the issuer itself (the default audience) never counts.
 * To anyone else the token is `{"active": false}`, exactly as if it did not exist, so the endpoint
 * cannot be used to probe other clients' tokens.
 *
 * An access token's `org_id`, `org_roles` and `act` (issue 10, RFC 8693 §4.1) are echoed as the
 * token carries them (RFC 7662 §2.2: "the same meaning as the claims of a JWT"); a refresh token
 * answers the `org_id` of its grant.
 *
 * `token_type_hint` only orders the lookup (§2.1); unknown hints are ignored. Unknown, expired,
 * revoked or malformed tokens are `{"active": false}` with 200 (§2.2), never an error.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-4
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { errors as joseErrors, type JWTPayload } from 'jose'
import { PATHS, type LatchContext } from '../context.js'
import { isPublicClient } from '../clients/registry.js'
import { InvalidClientError, InvalidRequestError } from '../errors.js'
import { hashHandle } from '../lib/random.js'
import type { ClientRecord } from '../storage/store.js'
import { requireFormBody } from './_pipeline/form-body.js'
import { noStore } from './_pipeline/no-store.js'
import { clientAuthentication } from './_pipeline/client-authentication.js'

type IntrospectionBody = { active: false } | ({ active: true } & Record<string, unknown>)
/** `null`: the token is not of this type, try the next one. */
type Lookup = (ctx: LatchContext, token: string, caller: ClientRecord) => Promise<IntrospectionBody | null>

const INACTIVE = Object.freeze({ active: false as const })
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

const introspectAccessToken: Lookup = async (ctx, token, caller) => {
  if (!JWT_SHAPE.test(token)) return null
  let payload: JWTPayload
  try {
    ;({ payload } = await ctx.keystore.verify(token, { typ: 'at+jwt', issuer: ctx.config.issuer }))
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) return null // expired, forged, not ours: inactive
    throw err
  }
  if (typeof payload.jti !== 'string' || typeof payload.client_id !== 'string') return INACTIVE
  const audiences = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud]
  const isOwner = caller.client_id === payload.client_id
  const isAudience = caller.client_id !== ctx.config.issuer && audiences.includes(caller.client_id)
  if (!isOwner && !isAudience) return INACTIVE
  if (await ctx.store.accessTokens.isRevoked(payload.jti)) return INACTIVE
  // A deleted client's tokens (client credentials ones have no stored row) die with it.
  if (!isOwner && (await ctx.clients.get(payload.client_id)) === null) return INACTIVE
  return {
    active: true,
    ...(typeof payload.scope === 'string' && { scope: payload.scope }),
    client_id: payload.client_id,
    sub: payload.sub,
    aud: payload.aud,
    iss: payload.iss,
    exp: payload.exp,
    iat: payload.iat,
    jti: payload.jti,
    ...(typeof payload.org_id === 'string' && { org_id: payload.org_id }),
    ...(Array.isArray(payload.org_roles) && { org_roles: payload.org_roles }),
    ...(payload.act !== undefined && { act: payload.act }),
    token_type: 'Bearer',
  }
}

const introspectRefreshToken: Lookup = async (ctx, token, caller) => {
  if (token.includes('.')) return null // handles are base64url, never JWTs
  const record = await ctx.store.refreshTokens.get(hashHandle(token))
  if (!record) return null
  const now = ctx.clock.now()
  if (record.client_id !== caller.client_id) return INACTIVE
  if (record.rotated_at !== null || record.revoked_at !== null || record.expires_at <= now) return INACTIVE
  const grant = await ctx.store.grants.get(record.grant_id)
  if (!grant || grant.revoked_at !== null) return INACTIVE
  return {
    active: true,
    scope: record.scope,
    client_id: record.client_id,
    ...(record.user_id !== null && { sub: record.user_id }),
    iss: ctx.config.issuer,
    exp: record.expires_at,
    iat: record.created_at,
    ...(grant.organization_id !== null && { org_id: grant.organization_id }),
    token_type: 'refresh_token',
  }
}

const LOOKUPS = { access_token: introspectAccessToken, refresh_token: introspectRefreshToken } as const

export const introspectionEndpoint: FastifyPluginAsync = async (app) => {
  async function introspectionRequest(request: FastifyRequest, reply: FastifyReply) {
    const ctx = request.latch
    const { params, client: caller } = await clientAuthentication(request, ctx)
    if (isPublicClient(caller)) throw new InvalidClientError('introspection requires a confidential client', { detail: 'public client' })
    const token = params.token
    if (!token) throw new InvalidRequestError('token is missing')
    const order = params.token_type_hint === 'refresh_token' ? (['refresh_token', 'access_token'] as const) : (['access_token', 'refresh_token'] as const)
    let body: IntrospectionBody = INACTIVE
    for (const type of order) {
      const found = await LOOKUPS[type](ctx, token, caller)
      if (found) {
        body = found
        break
      }
    }
    return reply.type('application/json; charset=utf-8').send(body)
  }
  app.post(PATHS.introspection, { config: { channel: 'json' }, onRequest: noStore, preValidation: requireFormBody }, introspectionRequest)
}
