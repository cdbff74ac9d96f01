/**
 * Token revocation (RFC 7009): a client posts `token` (and optionally `token_type_hint`) to say it
 * no longer needs it. Form body only, no repeated parameters, client authentication required
 * (§2.1; a public client identifies itself with its client_id, as at the token endpoint). Every
 * answer carries `Cache-Control: no-store`.
 *
 * Rules:
 * - a refresh token revokes its whole grant, and with it every refresh token, access token and code
 *   under it (§2.1: the server "SHOULD also invalidate all access tokens based on the same
 *   authorization grant");
 * - an access token (an RFC 9068 JWT this issuer signed, unexpired) is revoked on its own, by
 *   `jti`, so introspection and UserInfo stop accepting it; its refresh token stays valid (§2.1
 *   makes that a MAY; a client wanting both gone revokes the refresh token);
 * - a token issued to another client is left alone (§2.1: the server first validates that the
 *   token was issued to the requesting client), and the answer is still 200, so the endpoint
 *   says nothing about other clients' tokens;
 * - unknown, expired or malformed tokens answer 200 too (§2.2: invalid tokens "do not cause an
 *   error response since the client cannot handle such an error in a reasonable way");
 * - `token_type_hint` only orders the lookup. An unknown hint value is ignored rather than
 *   answered `unsupported_token_type`: §2.1 says the server MUST extend its search beyond the
 *   hinted type, and Latch supports revoking both of its token types, so §2.2.1's
 *   `unsupported_token_type` never applies.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2.1
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { errors as joseErrors, type JWTPayload } from 'jose'
import { PATHS, type LatchContext } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { hashHandle } from '../lib/random.js'
import type { ClientRecord } from '../storage/store.js'
import { requireFormBody } from './_pipeline/form-body.js'
import { noStore } from './_pipeline/no-store.js'
import { clientAuthentication } from './_pipeline/client-authentication.js'

/** `'unknown'`: not a token of this type, try the next; `'done'`: found (revoked, or not ours to revoke). */
type Revoker = (ctx: LatchContext, token: string, client: ClientRecord) => Promise<'done' | 'unknown'>

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

const revokeRefreshToken: Revoker = async (ctx, token, client) => {
  if (token.includes('.')) return 'unknown'
  const record = await ctx.store.refreshTokens.get(hashHandle(token))
  if (!record) return 'unknown'
  if (record.client_id !== client.client_id) {
    ctx.log.info({ client_id: client.client_id }, 'revocation: refresh token of another client ignored')
    return 'done'
  }
  await ctx.store.grants.revoke(record.grant_id, ctx.clock.now())
  ctx.events.emit('grant.revoked', { grant_id: record.grant_id, reason: 'refresh_token.revoked' })
  ctx.events.emit('token.revoked', { client_id: client.client_id, token_type: 'refresh_token' })
  return 'done'
}

const revokeAccessToken: Revoker = async (ctx, token, client) => {
  if (!JWT_SHAPE.test(token)) return 'unknown'
  let payload: JWTPayload
  try {
    ;({ payload } = await ctx.keystore.verify(token, { typ: 'at+jwt', issuer: ctx.config.issuer }))
  } catch (err) {
    // Expired tokens need no revoking; forged ones are not ours. Store outages still surface (503).
    if (err instanceof joseErrors.JOSEError) return 'unknown'
    throw err
  }
  if (typeof payload.jti !== 'string' || typeof payload.exp !== 'number') return 'unknown'
  if (payload.client_id !== client.client_id) {
    ctx.log.info({ client_id: client.client_id }, 'revocation: access token of another client ignored')
    return 'done'
  }
  await ctx.store.accessTokens.revoke({ jti: payload.jti, client_id: client.client_id, expires_at: payload.exp }, ctx.clock.now())
  ctx.events.emit('token.revoked', { client_id: client.client_id, token_type: 'access_token' })
  return 'done'
}

const REVOKERS = { access_token: revokeAccessToken, refresh_token: revokeRefreshToken } as const

export const revocationEndpoint: FastifyPluginAsync = async (app) => {
  async function revocationRequest(request: FastifyRequest, reply: FastifyReply) {
    const ctx = request.latch
    const { params, client } = await clientAuthentication(request, ctx)
    const token = params.token
    if (!token) throw new InvalidRequestError('token is missing')
    const order = params.token_type_hint === 'access_token' ? (['access_token', 'refresh_token'] as const) : (['refresh_token', 'access_token'] as const)
    for (const type of order) {
      if ((await REVOKERS[type](ctx, token, client)) === 'done') break
    }
    // RFC 7009 §2.2: 200 whether or not anything was revoked; the body is ignored by clients.
    return reply.status(200).send()
  }
  app.post(PATHS.revocation, { config: { channel: 'json' }, onRequest: noStore, preValidation: requireFormBody }, revocationRequest)
}
