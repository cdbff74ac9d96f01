/**
 * JWT access tokens in the RFC 9068 profile: header `typ: at+jwt` (§2.1) so a resource server can
 * never mistake an ID token for an access token, and the required claims iss, exp, aud, sub,
 * client_id, iat, jti (§2.2) plus scope (§2.2.3), and auth_time, acr and amr (§2.2.1) when there
 * was a user (issue 13: those of the grant's sign-in, refreshed tokens too).
 * For the client credentials grant there is no resource owner, and §2.2 says `sub` SHOULD then
 * identify the client: the grant passes the client_id in as `sub`.
 * A token for an organization (issue 10) carries `org_id` and `org_roles`; a delegated one
 * (RFC 8693 token exchange with an actor) carries `act`. They are first-class fields, so no
 * `extra` claim can shadow them.
 *
 * This is the hot path of the token endpoint (bench/ measures it): the key is imported once by the
 * keystore, signing goes through `signJws` (node:crypto, see keys/jws.ts), and nothing here
 * serializes the key set or re-imports a key per call.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2.3
 */
import { signJws } from '../keys/jws.js'
import { random128 } from '../lib/random.js'
import type { TokenContext } from './context.js'

export type { TokenContext } from './context.js'

export interface AccessTokenClaims {
  /** The user's id; for client credentials, the client_id (RFC 9068 §2.2). */
  sub: string
  client_id: string
  /** Space-delimited granted scope; omitted from the token when empty. */
  scope: string
  /** The resource server(s) the token is for (RFC 8707 §2, RFC 9068 §3). */
  aud: string | string[]
  auth_time?: number
  /** Issue 13: the session's authentication context class (rules/acr.ts), RFC 9470 §4. */
  acr?: string
  /** Issue 13: how the user authenticated (RFC 8176 values), RFC 9068 §2.2.1; kept with the grant. */
  amr?: readonly string[]
  /**
   * The grant the token hangs from. It becomes the prefix of the `jti` (`<grantId>.<random>`), so
   * revoking the grant makes the token inactive without a row stored per token
   * (`store.accessTokens.isRevoked`). Grant ids are UUIDs, not secrets. Omitted for client
   * credentials, whose tokens have no grant: their `jti` is the random part alone.
   */
  grantId?: string
  /**
   * The organization the token speaks for (issue 10): its id and the member's roles, as read at
   * issuance. Client-credentials tokens for an organization carry `org_id` alone (roles are a
   * member's). Absent: the token is for no organization, and neither claim is written.
   */
  org_id?: string
  org_roles?: readonly string[]
  /**
   * RFC 8693 §4.1: the party acting for `sub` (token exchange with an `actor_token`), the prior
   * actors nested inside it.
   */
  act?: ActorClaim
  /** Further claims (RFC 9068 §2.2.3.1 roles, groups…); they may not shadow the claims above. */
  extra?: Record<string, unknown>
}

/** RFC 8693 §4.1 `act`: who acts, and (nested) who acted before them. */
export interface ActorClaim {
  sub: string
  client_id?: string
  act?: ActorClaim
}

export interface IssuedAccessToken {
  token: string
  jti: string
  exp: number
  iat: number
  /** RFC 6749 §5.1 `expires_in`. */
  expires_in: number
}

/** Claims the profile defines: `extra` may not override them, or a caller could forge `iss` or `exp`. */
const RESERVED = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'client_id', 'scope', 'auth_time', 'acr', 'amr', 'cnf', 'org_id', 'org_roles', 'act', 'may_act'])

function grantPrefix(grantId: string): string {
  // The store reads the grant id back as the text before the first '.'.
  if (grantId === '' || grantId.includes('.')) throw new TypeError('issueAccessToken: grantId must be non-empty and contain no "."')
  return grantId
}

export function issueAccessToken(ctx: TokenContext, claims: AccessTokenClaims): IssuedAccessToken {
  const key = ctx.keystore.signingKey()
  const iat = ctx.clock.now()
  const exp = iat + ctx.ttl
  // 128 random bits: unique per token (RFC 7519 §4.1.7) and the handle revocation records use.
  // Pooled (lib/random.ts): a randomBytes call per token was 3.4% of the client credentials path.
  const jti = claims.grantId === undefined ? random128() : `${grantPrefix(claims.grantId)}.${random128()}`
  const payload: Record<string, unknown> = {
    iss: ctx.issuer,
    sub: claims.sub,
    aud: claims.aud,
    exp,
    iat,
    jti,
    client_id: claims.client_id,
  }
  if (claims.scope !== '') payload.scope = claims.scope
  if (claims.auth_time !== undefined) payload.auth_time = claims.auth_time
  if (claims.acr !== undefined) payload.acr = claims.acr
  if (claims.amr !== undefined) payload.amr = [...claims.amr]
  if (claims.org_id !== undefined) {
    payload.org_id = claims.org_id
    if (claims.org_roles !== undefined) payload.org_roles = [...claims.org_roles]
  }
  if (claims.act !== undefined) payload.act = claims.act
  if (claims.extra !== undefined) {
    for (const name in claims.extra) {
      if (RESERVED.has(name)) throw new TypeError(`issueAccessToken: extra claim ${name} would override a registered claim`)
      payload[name] = claims.extra[name]
    }
  }
  const token = signJws({ alg: key.alg, typ: 'at+jwt', kid: key.kid }, payload, key)
  return { token, jti, exp, iat, expires_in: ctx.ttl }
}
