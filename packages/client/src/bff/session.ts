/**
 * The BFF's server-side records: a sign-in transaction (kept between `/auth/login` and
 * `/auth/callback`) and a session (the user's tokens and profile). Both are JSON, so any
 * `SessionStore` can hold them, and both are checked for shape when read back, because a shared
 * store outlives deployments and may hold records an older version wrote.
 *
 * The user's profile is the ID token's claims without the protocol claims (`iss`, `aud`, `exp`,
 * `nonce`, …), merged with the UserInfo response, whose `sub` the core has already checked is the
 * ID token's (OIDC Core §5.3.4).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
import type { AuthorizationTransaction } from '../authorization-code.js'
import type { TokenSet } from '../token-set.js'

/** The signed-in user as `/auth/me` and `request.latchSession.user` show it: OpenID Connect claims. */
export interface BffUser {
  sub: string
  name?: string
  given_name?: string
  family_name?: string
  email?: string
  email_verified?: boolean
  [claim: string]: unknown
}

/** A session as stored: tokens never leave the server. */
export interface SessionRecord {
  v: 1
  user: BffUser
  accessToken: string
  tokenType: string
  /** Epoch seconds when the access token expires; `null` when the server did not say. */
  expiresAt: number | null
  refreshToken: string | null
  idToken: string | null
  scope: string | null
  /** Synchronizer token of this session (csrf.ts). */
  csrfToken: string
  /** Epoch seconds: the session ends then, whatever the tokens say (absolute lifetime). */
  endsAt: number
  /** The OP's session id (the ID token's `sid`), for back-channel logout; absent when the OP sent none. */
  sid?: string
}

/** A sign-in transaction as stored. */
export interface TransactionRecord {
  v: 1
  transaction: AuthorizationTransaction
}

/** Claims that describe the token, not the user (RFC 7519 §4.1, OIDC Core §2). */
const PROTOCOL_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'nonce', 'at_hash', 'c_hash', 's_hash', 'azp', 'auth_time', 'acr', 'amr', 'sid', 'typ'])

/** The user's profile from the ID token claims and the UserInfo claims (UserInfo wins, `sub` is the ID token's). */
export function userFrom(sub: string, idTokenClaims: Record<string, unknown>, userinfo: Record<string, unknown> = {}): BffUser {
  const user: BffUser = { sub }
  for (const source of [idTokenClaims, userinfo]) {
    for (const [claim, value] of Object.entries(source)) {
      if (!PROTOCOL_CLAIMS.has(claim) && claim !== 'sub' && value !== undefined) user[claim] = value
    }
  }
  return user
}

/** A new session record from a token response. */
export function sessionRecord(tokens: TokenSet, user: BffUser, csrfToken: string, endsAt: number): SessionRecord {
  return {
    v: 1,
    user,
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    expiresAt: tokens.expiresAt ?? null,
    refreshToken: tokens.refreshToken ?? null,
    idToken: tokens.idToken ?? null,
    scope: tokens.scope ?? null,
    csrfToken,
    endsAt,
    ...(typeof tokens.claims?.sid === 'string' && tokens.claims.sid !== '' && { sid: tokens.claims.sid }),
  }
}

/** The claims of the organization a session acts for (Latch's organizations). */
const ORGANIZATION_CLAIMS = ['org_id', 'org_roles'] as const

/**
 * The record after a refresh: the new access token, and the new refresh and ID tokens when the
 * server sent them (RFC 6749 §6: without a new refresh token the old one stays valid). A new ID
 * token also says which organization the session acts for now, with the member's roles of now:
 * Latch drops `org_id` when the user left the organization, so a stale one must not stay in `user`.
 */
export function refreshedRecord(previous: SessionRecord, tokens: TokenSet): SessionRecord {
  let user = previous.user
  if (tokens.claims !== undefined) {
    const claims = tokens.claims as Record<string, unknown>
    user = { ...previous.user }
    for (const claim of ORGANIZATION_CLAIMS) {
      if (claims[claim] === undefined) delete user[claim]
      else user[claim] = claims[claim]
    }
  }
  return {
    ...previous,
    user,
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    expiresAt: tokens.expiresAt ?? null,
    refreshToken: tokens.refreshToken ?? previous.refreshToken,
    idToken: tokens.idToken ?? previous.idToken,
    scope: tokens.scope ?? previous.scope,
  }
}

const isString = (v: unknown): v is string => typeof v === 'string'
const isStringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string'

/** Whether a value read back from the store is a session this version can use. */
export function isSessionRecord(value: unknown): value is SessionRecord {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  const user = r.user as Record<string, unknown> | null | undefined
  return (
    r.v === 1 &&
    typeof user === 'object' &&
    user !== null &&
    isString(user.sub) &&
    isString(r.accessToken) &&
    isString(r.tokenType) &&
    (r.expiresAt === null || typeof r.expiresAt === 'number') &&
    isStringOrNull(r.refreshToken) &&
    isStringOrNull(r.idToken) &&
    isStringOrNull(r.scope) &&
    isString(r.csrfToken) &&
    typeof r.endsAt === 'number' &&
    (r.sid === undefined || isString(r.sid))
  )
}

/** Whether a value read back from the store is a sign-in transaction. */
export function isTransactionRecord(value: unknown): value is TransactionRecord {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  const t = r.transaction as Record<string, unknown> | null | undefined
  return r.v === 1 && typeof t === 'object' && t !== null && isString(t.state) && isString(t.codeVerifier) && isString(t.redirectUri)
}
