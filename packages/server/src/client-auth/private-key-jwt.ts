/**
 * `private_key_jwt`: the client signs a JWT assertion with a key whose public half it registered
 * (RFC 7523 §2.2, §3; OIDC Core §9). Rules enforced: `client_assertion_type` is the JWT bearer
 * URN; `iss` and `sub` are the client_id; `aud` names this issuer or its token endpoint; `exp` is
 * present and in the future; `jti` is present and never seen before (replay is recorded in the
 * store until the assertion expires); only asymmetric algorithms (no `none`, no HMAC).
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
import { createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JSONWebKeySet } from 'jose'
import { InvalidClientError, InvalidRequestError } from '../errors.js'
import type { ClientAuthMethod } from './auth-method.js'

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
export const CLIENT_ASSERTION_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA']
/** Longest assertion lifetime accepted; a longer `exp` would make the replay record grow forever. */
const MAX_ASSERTION_LIFETIME = 600

const keySets = new WeakMap<object, ReturnType<typeof createLocalJWKSet>>()

export const privateKeyJwt: ClientAuthMethod = {
  name: 'private_key_jwt',
  presentedClientId({ params }) {
    if (params.client_assertion === undefined && params.client_assertion_type === undefined) return null
    if (params.client_assertion_type !== CLIENT_ASSERTION_TYPE) {
      throw new InvalidRequestError(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`)
    }
    if (!params.client_assertion) throw new InvalidRequestError('client_assertion is missing')
    let sub: unknown
    try {
      sub = decodeJwt(params.client_assertion).sub
    } catch {
      throw new InvalidClientError('client_assertion is not a JWT')
    }
    if (typeof sub !== 'string' || !sub) throw new InvalidClientError('client_assertion has no sub')
    if (params.client_id !== undefined && params.client_id !== sub) {
      throw new InvalidClientError('client_id differs from the client_assertion sub')
    }
    return sub
  },
  async authenticate({ params }, client, ctx) {
    if (!client.jwks) throw new InvalidClientError('client authentication failed', { detail: 'client has no jwks' })
    let keySet = keySets.get(client.jwks)
    if (!keySet) {
      try {
        keySet = createLocalJWKSet(client.jwks as unknown as JSONWebKeySet)
      } catch (err) {
        throw new InvalidClientError('client authentication failed', { detail: 'the client jwks is malformed', cause: err })
      }
      keySets.set(client.jwks, keySet)
    }
    const now = ctx.clock.now()
    let payload
    try {
      ;({ payload } = await jwtVerify(params.client_assertion ?? '', keySet, {
        issuer: client.client_id,
        subject: client.client_id,
        audience: [ctx.config.issuer, ctx.urls.token, `${ctx.config.issuer}/`],
        algorithms: CLIENT_ASSERTION_ALGS,
        requiredClaims: ['exp', 'jti'],
        currentDate: new Date(now * 1000),
        clockTolerance: 5,
      }))
    } catch (err) {
      const reason = err instanceof joseErrors.JOSEError ? err.code : 'invalid'
      throw new InvalidClientError('client assertion is invalid', { detail: reason, cause: err })
    }
    const exp = payload.exp as number
    if (exp - now > MAX_ASSERTION_LIFETIME) {
      throw new InvalidClientError(`client assertion must expire within ${MAX_ASSERTION_LIFETIME} seconds`)
    }
    // RFC 7523 §3 item 7: a jti may be used only once; recorded until the assertion expires.
    const fresh = await ctx.store.replay.record(`client_assertion:${client.client_id}:${String(payload.jti)}`, exp + 5, now)
    if (!fresh) {
      ctx.events.emit('client_assertion.replayed', { client_id: client.client_id })
      throw new InvalidClientError('client assertion was already used (jti replay)')
    }
  },
}
