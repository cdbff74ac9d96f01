/**
 * Validation of an OpenID Connect Back-Channel Logout 1.0 logout token, as a relying party
 * receives it at its `backchannel_logout_uri` (§2.6), on jose: the signature against the issuer's
 * JWKS (discovered) with an alg the issuer signs ID tokens with, `iss`, `aud` (this client), `iat`
 * and `exp` with a small clock tolerance, `typ: logout+jwt` when the header has one (§2.4 makes
 * explicit typing a SHOULD), the `events` claim with the back-channel logout member (a JSON
 * object), a `sid` or a `sub`, and no `nonce` (§2.4 forbids it, so an ID token can never pass).
 *
 * Replay (§2.6 step 10, the `jti`) is the caller's to refuse: it needs storage the caller owns
 * (the BFF keeps the `jti` in its session store until the token has expired).
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken
 */
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose'
import { discover } from './discovery.js'
import { ClientValidationError } from './errors.js'
import { secureFetch, type TransportOptions } from './transport.js'

/** The member of `events` that makes a JWT a logout token (§2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** Options of `validateLogoutToken`. */
export interface LogoutTokenOptions extends TransportOptions {
  /** The OP's issuer identifier, exactly as its discovery document has it. */
  issuer: string
  /** This client's `client_id`: the token's `aud` must name it. */
  clientId: string
  /** Seconds of clock difference tolerated on `iat`/`exp` (default 30). */
  clockTolerance?: number
  /** Seconds a token may be old (by its `iat`) at most (default 600). */
  maxTokenAge?: number
  /** The current time (tests). */
  now?: () => Date
}

/** What a valid logout token says: whose session ended (`sid`, else every session of `sub`). */
export interface LogoutTokenClaims {
  sub?: string
  sid?: string
  jti: string
  /** Epoch seconds: a replay cache entry for `jti` must outlive this. */
  exp: number
}

/**
 * One remote JWKS per URI, so keys are fetched once and refreshed by jose's own rules; rebuilt when
 * a caller brings other transport options (its own `fetch`), which the first caller's must not stand for.
 */
const keySets = new Map<string, { fetch: TransportOptions['fetch']; allowInsecureRequests: boolean | undefined; keys: JWTVerifyGetKey }>()

function keySet(jwksUri: string, options: TransportOptions): JWTVerifyGetKey {
  const found = keySets.get(jwksUri)
  if (found !== undefined && found.fetch === options.fetch && found.allowInsecureRequests === options.allowInsecureRequests) return found.keys
  const send = secureFetch(options)
  const keys = createRemoteJWKSet(new URL(jwksUri), { [customFetch]: (url, init) => send(url, init as RequestInit) })
  if (keySets.size >= 100) keySets.clear()
  keySets.set(jwksUri, { fetch: options.fetch, allowInsecureRequests: options.allowInsecureRequests, keys })
  return keys
}

/** jose's errors for a key set it could not get (timeout, a non-200 answer, not a JWK Set): the OP's trouble, not the token's. */
const KEY_SET_UNAVAILABLE = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC'])

const invalid = (message: string, cause?: unknown) =>
  new ClientValidationError('invalid_logout_token', `OIDC Back-Channel Logout §2.6: ${message}`, cause === undefined ? undefined : { cause })

/**
 * Validates `token` as a logout token for this client (§2.6) and returns whose session ended.
 * Throws `ClientValidationError` `invalid_logout_token` for a token that fails any check, and
 * passes network errors through (`request_failed`: the OP's metadata or keys could not be read).
 *
 * @example
 * ```ts
 * import { validateLogoutToken } from '@latch/client'
 *
 * declare const body: URLSearchParams // the POST to your backchannel_logout_uri
 * const { sid, sub } = await validateLogoutToken(body.get('logout_token') ?? '', {
 *   issuer: 'https://id.example.com',
 *   clientId: 'my-app',
 * })
 * // end the sessions of `sid` (or of `sub` when only `sub` is given), answer 200
 * ```
 */
export async function validateLogoutToken(token: string, options: LogoutTokenOptions): Promise<LogoutTokenClaims> {
  if (typeof token !== 'string' || token.split('.').length !== 3) throw invalid('not a compact JWS')
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(token)
  } catch (err) {
    throw invalid('the header cannot be read', err)
  }
  const as = await discover(options.issuer, options)
  if (typeof as.jwks_uri !== 'string') throw new ClientValidationError('missing_server_metadata', 'the issuer advertises no jwks_uri')
  const algorithms = as.id_token_signing_alg_values_supported ?? ['RS256']
  let payload: Record<string, unknown>
  try {
    ;({ payload } = await jwtVerify(token, keySet(as.jwks_uri, options), {
      issuer: options.issuer,
      audience: options.clientId,
      algorithms: algorithms.filter((a) => a !== 'none'),
      // §2.4: typ SHOULD be logout+jwt; when present it must be (a token of another kind is refused).
      ...(header.typ !== undefined && { typ: 'logout+jwt' }),
      requiredClaims: ['iat', 'exp', 'jti'],
      clockTolerance: options.clockTolerance ?? 30,
      maxTokenAge: options.maxTokenAge ?? 600,
      ...(options.now && { currentDate: options.now() }),
    }))
  } catch (err) {
    if (err instanceof ClientValidationError) throw err
    const code = (err as { code?: string }).code
    if (code !== undefined && KEY_SET_UNAVAILABLE.has(code)) {
      throw new ClientValidationError('request_failed', `the JWK Set could not be fetched (${code})`, { cause: err })
    }
    throw invalid(`the token failed JWT validation (${(err as { code?: string }).code ?? (err as Error).name})`, err)
  }
  const events = payload.events
  const event = typeof events === 'object' && events !== null ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT] : undefined
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw invalid('the events claim has no back-channel logout member')
  if ('nonce' in payload) throw invalid('a logout token must not contain a nonce')
  const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined
  if (sid === undefined && sub === undefined) throw invalid('the token names neither a sid nor a sub')
  if (typeof payload.jti !== 'string' || payload.jti === '') throw invalid('the jti is missing')
  return { ...(sub !== undefined && { sub }), ...(sid !== undefined && { sid }), jti: payload.jti, exp: payload.exp as number }
}
