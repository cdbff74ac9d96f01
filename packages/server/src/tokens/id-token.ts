/**
 * OpenID Connect ID tokens (OIDC Core §2), as issued from the token endpoint (§3.1.3.3) and
 * validated by relying parties per §3.1.3.7: iss, sub, aud, exp, iat, auth_time, and nonce when
 * the authentication request had one (§3.1.2.1 requires echoing it unchanged), plus acr, amr, sid
 * (OIDC Front/Back-Channel Logout §3 / §2.4) when known, and the hashes binding the ID token to the
 * access token and code that came with it: at_hash (§3.1.3.6) and c_hash (§3.3.2.11). For a grant
 * of an organization (issue 10), `org_id` and `org_roles` as read when the token was issued.
 *
 * Hash rule (§3.1.3.6): hash the ASCII octets with the hash of the JWS alg, keep the left-most half,
 * base64url-encode. SHA-256 for RS256, PS256, ES256. For EdDSA the hash is not named by the alg;
 * OIDC Core 1.0 errata set 2 settles it as SHA-512 for Ed25519, which is also what openid-client /
 * oauth4webapi compute when they check it.
 *
 * azp is left out. Latch issues every ID token with a single `aud`, the client_id, and OIDC Core
 * §2 only needs azp when a single audience differs from the authorized party; errata set 2 adds
 * that azp in practice only appears with extensions beyond Core, so implementations that do not
 * use them are encouraged not to send it.
 *
 * Header `typ: JWT` (RFC 7519 §5.1), so a verifier of RFC 9068 access tokens, which requires
 * `at+jwt`, rejects an ID token presented as a bearer token.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
 * @see https://openid.net/specs/openid-connect-core-1_0.html#HybridIDToken
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#ClaimsContents
 */
import { hash as createHashOnce } from 'node:crypto'
import type { SigningAlg } from '../config/schema.js'
import { TemporarilyUnavailableError } from '../errors.js'
import { signJws } from '../keys/jws.js'
import type { SigningKey } from '../keys/keystore.js'
import type { TokenContext } from './context.js'

export interface IdTokenClaims {
  sub: string
  /** The client_id: Latch's ID tokens always have this single audience. */
  aud: string
  /** Echoed from the authentication request (OIDC Core §3.1.2.1). */
  nonce?: string
  /** When the user authenticated, epoch seconds (OIDC Core §2). */
  auth_time: number
  /** IdP session id (OIDC Back-Channel Logout §2.4). */
  sid?: string
  acr?: string
  amr?: string[]
  /** The access token issued alongside: adds at_hash. */
  access_token?: string
  /** The authorization code issued alongside (hybrid flow): adds c_hash. */
  code?: string
  /** The organization of the grant and the member's roles (issue 10); both or neither. */
  org_id?: string
  org_roles?: readonly string[]
  /** User claims released for the granted scope (see claims.ts); they never override the above. */
  claims?: Record<string, unknown>
}

/** The hash §3.1.3.6 pairs with each alg we sign with. */
const HASH_FOR_ALG: Readonly<Record<SigningAlg, string>> = {
  RS256: 'sha256',
  PS256: 'sha256',
  ES256: 'sha256',
  EdDSA: 'sha512', // Ed25519 (the only EdDSA curve Latch generates), OIDC Core errata set 2
}

/**
 * at_hash / c_hash (OIDC Core §3.1.3.6, §3.3.2.11): left-most half of the hash of the ASCII value,
 * base64url. Exported so the hybrid flow and tests use the same rule.
 */
export function idTokenHash(value: string, alg: SigningAlg | string): string {
  const hash = Object.hasOwn(HASH_FOR_ALG, alg) ? HASH_FOR_ALG[alg as SigningAlg] : undefined
  if (hash === undefined) throw new TypeError(`idTokenHash: unsupported alg ${alg}`)
  // One-shot digest (no Hash object): hex, whose first half is the left-most half of the bytes.
  const hex = createHashOnce(hash, Buffer.from(value, 'ascii'), 'hex')
  return Buffer.from(hex.slice(0, hex.length / 2), 'hex').toString('base64url')
}

/** Protocol claims of an ID token: user claims may not shadow them. */
const RESERVED = new Set([
  'iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'sid', 'org_id', 'org_roles',
])

/**
 * The key for a client's ID tokens: its `id_token_signed_response_alg` (OIDC Dynamic Client
 * Registration §2), else the main key. Called before anything is stored, so a key that cannot
 * sign yet (an RS256 companion inside its activation delay) fails the request before it commits.
 */
export function idTokenKeyFor(ctx: TokenContext, alg: SigningAlg | null): SigningKey {
  const key = ctx.keystore.idTokenSigningKey(alg)
  if (key === undefined) throw new TemporarilyUnavailableError(`ID tokens in ${alg} can be issued once the new ${alg} key is active, shortly`)
  return key
}

export function issueIdToken(ctx: TokenContext, claims: IdTokenClaims, key: SigningKey = ctx.keystore.signingKey()): string {
  const iat = ctx.clock.now()
  const payload: Record<string, unknown> = {
    iss: ctx.issuer,
    sub: claims.sub,
    aud: claims.aud,
    exp: iat + ctx.ttl,
    iat,
    auth_time: claims.auth_time,
  }
  if (claims.nonce !== undefined) payload.nonce = claims.nonce
  if (claims.acr !== undefined) payload.acr = claims.acr
  if (claims.amr !== undefined && claims.amr.length > 0) payload.amr = claims.amr
  if (claims.sid !== undefined) payload.sid = claims.sid
  if (claims.access_token !== undefined) payload.at_hash = idTokenHash(claims.access_token, key.alg)
  if (claims.code !== undefined) payload.c_hash = idTokenHash(claims.code, key.alg)
  if (claims.org_id !== undefined) {
    payload.org_id = claims.org_id
    payload.org_roles = [...(claims.org_roles ?? [])]
  }
  if (claims.claims !== undefined) {
    // claimsForScope includes `sub`: it must be this user's, or the claims belong to someone else.
    if (claims.claims.sub !== undefined && claims.claims.sub !== claims.sub) {
      throw new TypeError('issueIdToken: claims.sub differs from sub')
    }
    // Protocol values always win over user claims.
    for (const [name, value] of Object.entries(claims.claims)) if (!RESERVED.has(name)) payload[name] = value
  }
  return signJws({ alg: key.alg, typ: 'JWT', kid: key.kid }, payload, key)
}
