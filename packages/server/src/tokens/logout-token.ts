/**
 * OpenID Connect Back-Channel Logout 1.0 §2.4 logout tokens: a JWT the OP POSTs to a client's
 * `backchannel_logout_uri` when a session the client took part in ends. Claims: `iss`, `aud` (the
 * client_id), `iat`, a short `exp` (§2.4 recommends at most two minutes), `jti` (the receiver
 * refuses a replay), `sub`, `sid` (Latch always sends both, so `backchannel_logout_session_required`
 * is always met) and `events` with the back-channel logout member whose value is an empty object.
 * Never `nonce`: §2.4 forbids it, so a logout token can never pass for an ID token (§2.6).
 *
 * Header `typ: logout+jwt` (§2.4, explicit typing per RFC 8725 §3.11) and the key the client's ID
 * tokens are signed with (its `id_token_signed_response_alg`), so the client verifies both with the
 * keys and alg it already expects from us.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3.11
 */
import { signJws } from '../keys/jws.js'
import type { SigningKey } from '../keys/keystore.js'
import { randomHandle } from '../lib/random.js'
import type { TokenContext } from './context.js'

/** The member of `events` that makes a JWT a back-channel logout token (§2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** Seconds a logout token is valid: it is POSTed at once, and §2.4 asks for a short lifetime. */
export const LOGOUT_TOKEN_TTL = 120

export interface LogoutTokenClaims {
  /** The client_id: the one audience. */
  aud: string
  /** The user whose session ended. */
  sub: string
  /** The ended session's id, as in the ID tokens of that session. */
  sid: string
}

/** A signed logout token for one client and one ended session; a fresh `jti` each call. */
export function issueLogoutToken(ctx: Pick<TokenContext, 'issuer' | 'clock'>, key: SigningKey, claims: LogoutTokenClaims): string {
  const iat = ctx.clock.now()
  const payload = {
    iss: ctx.issuer,
    aud: claims.aud,
    iat,
    exp: iat + LOGOUT_TOKEN_TTL,
    jti: randomHandle(16),
    sub: claims.sub,
    sid: claims.sid,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  }
  return signJws({ alg: key.alg, typ: 'logout+jwt', kid: key.kid }, payload, key)
}
