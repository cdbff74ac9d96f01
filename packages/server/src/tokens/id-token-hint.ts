/**
 * Verifies an `id_token_hint` (OIDC Core §3.1.2.1, RP-Initiated Logout §2): an ID token this
 * server issued, signature, `typ` and issuer checked. An expired ID token is still a valid hint
 * (the specs ask only that it was issued by us), so on `exp` alone it is re-verified as of its
 * own `iat`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose'
import { InvalidRequestError } from '../errors.js'
import type { Keystore } from '../keys/keystore.js'

const localKeySets = new WeakMap<object, ReturnType<typeof createLocalJWKSet>>()

export async function verifyIdTokenHint(ctx: { keystore: Keystore; config: { issuer: string } }, jwt: string): Promise<JWTPayload> {
  const options = { typ: 'JWT', issuer: ctx.config.issuer }
  const invalid = (cause: unknown) => new InvalidRequestError('id_token_hint is not a valid ID token from this server', { cause })
  try {
    return (await ctx.keystore.verify(jwt, options)).payload
  } catch (err) {
    if (!(err instanceof joseErrors.JOSEError)) throw err
    if (!(err instanceof joseErrors.JWTExpired) || err.claim !== 'exp' || typeof err.payload.iat !== 'number') throw invalid(err)
    // Expired: check signature, typ and issuer again as of the token's own iat.
    const jwks = ctx.keystore.jwks()
    let keySet = localKeySets.get(jwks)
    if (!keySet) localKeySets.set(jwks, (keySet = createLocalJWKSet(jwks as JSONWebKeySet)))
    try {
      const algorithms = [...new Set(jwks.keys.map((k) => k.alg))]
      return (await jwtVerify(jwt, keySet, { ...options, algorithms, currentDate: new Date(err.payload.iat * 1000) })).payload
    } catch (again) {
      throw invalid(again)
    }
  }
}

