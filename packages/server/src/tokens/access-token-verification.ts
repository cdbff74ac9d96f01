/**
 * Reading back an access token this server issued, for the token endpoint (RFC 8693 token
 * exchange: the `subject_token` and `actor_token`): an RFC 9068 JWT (`typ: at+jwt`), signed by one
 * of our keys, of our issuer, unexpired, with `sub`, `client_id` and `jti`, and not revoked (the
 * token itself or the grant its `jti` names, `store.accessTokens.isRevoked`). Anything else is
 * `null`: the caller answers with its own error and never learns more than "not live".
 * A store outage is not a dead token: it propagates (503), as everywhere.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
import { errors as joseErrors, type JWTPayload } from 'jose'
import type { Keystore } from '../keys/keystore.js'
import type { Store } from '../storage/store.js'

/** The payload of a live access token, with the claims every one of ours has. */
export type LiveAccessToken = JWTPayload & { sub: string; client_id: string; jti: string; exp: number }

/** Structural: what the verification reads of the context. */
export interface AccessTokenVerificationContext {
  readonly keystore: Pick<Keystore, 'verify'>
  readonly store: { readonly accessTokens: Pick<Store['accessTokens'], 'isRevoked'> }
  readonly config: { readonly issuer: string }
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

export async function verifyLiveAccessToken(ctx: AccessTokenVerificationContext, token: string): Promise<LiveAccessToken | null> {
  if (!JWT_SHAPE.test(token)) return null
  let payload: JWTPayload
  try {
    ;({ payload } = await ctx.keystore.verify(token, { typ: 'at+jwt', issuer: ctx.config.issuer }))
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) return null // expired, forged, another issuer's
    throw err
  }
  // Every token Latch issues has exp (RFC 9068 §2.2): one without is not ours to honour.
  if (typeof payload.jti !== 'string' || typeof payload.sub !== 'string' || typeof payload.client_id !== 'string' || typeof payload.exp !== 'number') return null
  if (await ctx.store.accessTokens.isRevoked(payload.jti)) return null
  return payload as LiveAccessToken
}

/** The grant a user token hangs from (the `jti` prefix, tokens/access-token.ts), or null for a client-credentials token. */
export function grantIdOf(token: LiveAccessToken): string | null {
  const dot = token.jti.indexOf('.')
  return dot > 0 ? token.jti.slice(0, dot) : null
}
