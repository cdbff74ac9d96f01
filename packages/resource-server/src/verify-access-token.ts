/**
 * Validation of a JWT access token in the RFC 9068 profile (§4), on jose's `jwtVerify`:
 * - header `typ` must be `at+jwt` (or `application/at+jwt`), so an ID token or any other JWT the
 *   issuer signed is never taken for an access token (§2.1, §4 step 3; RFC 8725 §3.11);
 * - `alg` must be in an explicit allow-list of asymmetric algorithms (default RS256, PS256,
 *   ES256, EdDSA), never `none` and never an HMAC one: with only public keys from the JWKS, an
 *   HS256 token "signed" with the public key's bytes can never verify (RFC 8725 §2.1, §3.1);
 * - the signature against the issuer's JWKS (jose picks the key by `kid`, `kty` and `alg`);
 * - `iss` equals the issuer (§4 step 4), `aud` contains the API's resource identifier (§4 step 5,
 *   RFC 8707), `exp`/`nbf` within a small clock tolerance (§4 step 7, RFC 7519 §4.1.4-5), and
 *   `iat` not in the future beyond that tolerance (RFC 7519 §4.1.6: a token "issued" later than
 *   now was not issued by an issuer with a sane clock, or was forged to outlive a key);
 * - the claims §2.2 requires are present with the right types: iss, exp, aud, sub, client_id,
 *   iat, jti; `scope` when present is a string (§2.2.3); Latch's organization claims when present
 *   have their types (`org_id` a string, `org_roles` an array of strings), and `act` is an object
 *   whose `sub`, if any, is a string (RFC 8693 §4.1), so a route's checks never meet a value of another shape.
 * Every jose failure that concerns the token becomes `invalid_token` with a generic description
 * (which check failed goes to `detail` only). A JWKS that cannot be fetched is 503, and so is a
 * published key that cannot be used (jose refuses an RSA key under 2048 bits with a `TypeError`,
 * WebCrypto a malformed one with a `DataError`): the key set is broken, not the token, and an
 * unknown error must not become a 500 with a stack trace.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3.11
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1.6
 */
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose'
import { InvalidTokenError, ResourceServerError, TemporarilyUnavailableError } from './errors.js'
import { UNAVAILABLE } from './upstream.js'

/** The claims of a verified RFC 9068 access token; other claims the issuer added are kept. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string
  /** The user, or for client credentials the client (RFC 9068 §2.2). */
  sub: string
  aud: string | string[]
  exp: number
  iat: number
  jti: string
  client_id: string
  /** Space-delimited granted scopes (RFC 9068 §2.2.3). */
  scope?: string
  auth_time?: number
  /** Issue 13: the authentication context class of the user's sign-in (Latch: `urn:latch:acr:…`), RFC 9470 §4. */
  acr?: string
  /** The organization the token speaks for (Latch), absent when it is for none. */
  org_id?: string
  /** The user's roles in that organization (Latch; absent from client-credentials tokens). */
  org_roles?: string[]
  /** The acting party when the token was issued by delegation (RFC 8693 §4.1). */
  act?: ActorClaim
}

/**
 * RFC 8693 §4.1 `act`: who acts for the subject (Latch: `sub` and `client_id` of the actor), nested
 * when that actor itself acted for another.
 */
export interface ActorClaim {
  sub?: string
  client_id?: string
  act?: ActorClaim
  [claim: string]: unknown
}

/** The default allow-list: what Latch can sign with. */
export const DEFAULT_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'PS256', 'ES256', 'EdDSA'])

/** Algorithms an allow-list may name: asymmetric JWS algorithms only (RFC 7518 §3.1, RFC 8037). */
export const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
])

/** Default accepted clock skew for `exp`, `nbf` and `iat`, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE = 5

/** RFC 9068 §2.2: required claims. */
const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']

/**
 * No limit on a token's age (its `exp` is the limit), but setting one makes jose check that `iat`
 * is not in the future beyond `clockTolerance` (RFC 7519 §4.1.6), which it does only then.
 */
const NO_MAX_TOKEN_AGE = Number.MAX_SAFE_INTEGER

export interface AccessTokenProfile {
  issuer: string
  audience: string | readonly string[]
  algorithms: readonly string[]
  clockTolerance: number
}

/**
 * jose options for the profile, built once per verifier (the hot path reuses the object).
 *
 * @example
 * ```ts
 * import { accessTokenVerifyOptions, DEFAULT_ALGORITHMS } from '@latch/resource-server'
 *
 * const options = accessTokenVerifyOptions({ issuer: 'https://auth.example.com', audience: 'https://api.example.com', algorithms: DEFAULT_ALGORITHMS, clockTolerance: 5 })
 * ```
 */
export function accessTokenVerifyOptions(profile: AccessTokenProfile): JWTVerifyOptions {
  return Object.freeze({
    typ: 'at+jwt',
    issuer: profile.issuer,
    audience: typeof profile.audience === 'string' ? profile.audience : [...profile.audience],
    algorithms: [...profile.algorithms],
    clockTolerance: profile.clockTolerance,
    maxTokenAge: NO_MAX_TOKEN_AGE,
    requiredClaims: REQUIRED_CLAIMS,
  })
}

/** Failures of the key set itself (not of the token): the key set could not be used. */
function isKeySetFailure(err: errors.JOSEError): boolean {
  return err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid
}

/**
 * RFC 8693 §4.1: an actor is a JSON object whose claims identify the acting party (`sub` a string
 * when present, as in a JWT); nesting is bounded by the token's size.
 */
function isActor(value: unknown): value is ActorClaim {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const actor = value as Record<string, unknown>
  return (actor.sub === undefined || typeof actor.sub === 'string') && (actor.act === undefined || isActor(actor.act))
}

function invalid(err: { code: string }): InvalidTokenError {
  const expired = err.code === 'ERR_JWT_EXPIRED'
  return new InvalidTokenError(expired ? 'the access token expired' : 'the access token is invalid', { detail: err.code, cause: err })
}

/**
 * Verifies `token` against `keys` (a jose key set) with options from
 * {@link accessTokenVerifyOptions}, and returns its claims. Throws `InvalidTokenError`, or
 * `TemporarilyUnavailableError` when the key set cannot be fetched or a key in it cannot be used.
 *
 * @example
 * ```ts
 * import { accessTokenVerifyOptions, createRemoteKeySet, DEFAULT_ALGORITHMS, verifyAccessToken } from '@latch/resource-server'
 *
 * declare const token: string // the bearer token of a request
 * const keys = createRemoteKeySet('https://auth.example.com/jwks')
 * const options = accessTokenVerifyOptions({ issuer: 'https://auth.example.com', audience: 'https://api.example.com', algorithms: DEFAULT_ALGORITHMS, clockTolerance: 5 })
 * const claims = await verifyAccessToken(token, keys, options)
 * ```
 */
export async function verifyAccessToken(token: string, keys: JWTVerifyGetKey, options: JWTVerifyOptions): Promise<AccessTokenClaims> {
  let payload: JWTPayload
  try {
    ;({ payload } = await jwtVerify(token, keys, options))
  } catch (err) {
    if (err instanceof ResourceServerError) throw err // from the JWKS fetch (upstream.ts)
    if (err instanceof errors.JOSEError) {
      if (isKeySetFailure(err)) {
        throw new TemporarilyUnavailableError(UNAVAILABLE, { detail: err.code, cause: err })
      }
      throw invalid(err)
    }
    // Not a JOSEError: the key could not be imported or used (jose's key checks throw TypeError).
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    throw new TemporarilyUnavailableError(UNAVAILABLE, { detail: `the key set cannot be used: ${reason}`, cause: err })
  }
  if (
    typeof payload.sub !== 'string' ||
    typeof payload.client_id !== 'string' ||
    typeof payload.jti !== 'string' ||
    (payload.scope !== undefined && typeof payload.scope !== 'string')
  ) {
    throw new InvalidTokenError('the access token is invalid', { detail: 'RFC 9068 §2.2: sub, client_id and jti must be strings, scope a string' })
  }
  if (
    (payload.org_id !== undefined && typeof payload.org_id !== 'string') ||
    (payload.org_roles !== undefined && !(Array.isArray(payload.org_roles) && payload.org_roles.every((r) => typeof r === 'string'))) ||
    (payload.act !== undefined && !isActor(payload.act))
  ) {
    throw new InvalidTokenError('the access token is invalid', { detail: 'org_id must be a string, org_roles an array of strings, act an object (RFC 8693 §4.1)' })
  }
  return payload as AccessTokenClaims
}
