/**
 * Step-up (RFC 9470): recognises a resource server's `insufficient_user_authentication` challenge
 * and turns it into the parameters of the next authorization request, so the user is asked for
 * exactly what the API wants (`acr_values`, `max_age`, OIDC Core §3.1.2.1).
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
import type { AuthorizationUrlParams } from './authorization-code.js'

/** What the resource server asked for. */
export interface StepUpChallenge {
  /** Space-separated `acr` values, any of which the API accepts. */
  acrValues?: string
  /** The most seconds since the user authenticated. */
  maxAge?: number
}

/** The auth-params of a `Bearer` challenge (RFC 9110 §11.2 quoted-string or token values), lower-cased names. */
function bearerParams(header: string): Map<string, string> | null {
  const start = /(?:^|,)\s*Bearer(?:\s+|$)/i.exec(header)
  if (start === null) return null
  const params = new Map<string, string>()
  const rest = header.slice(start.index + start[0].length)
  for (const m of rest.matchAll(/\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/gy)) {
    params.set((m[1] as string).toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] as string))
  }
  return params
}

/**
 * The step-up a 401 asks for, or null when it is not an `insufficient_user_authentication`
 * challenge (a missing or invalid token is a new sign-in or a refresh, not a step-up).
 *
 * @example
 * ```ts
 * import { stepUpChallenge, stepUpParams } from '@latch/client'
 *
 * declare const response: Response
 * const challenge = stepUpChallenge(response)
 * if (challenge !== null) console.log(stepUpParams(challenge)) // { maxAge?, extra: { acr_values } }
 * ```
 */
export function stepUpChallenge(response: Response | { status: number; headers: Headers } | string | null | undefined): StepUpChallenge | null {
  if (response === null || response === undefined) return null
  let header: string | null
  if (typeof response === 'string') header = response
  else {
    if (response.status !== 401) return null
    header = response.headers.get('www-authenticate')
  }
  const params = header === null ? null : bearerParams(header)
  if (params === null || params.get('error') !== 'insufficient_user_authentication') return null
  const challenge: StepUpChallenge = {}
  const acr = params.get('acr_values')?.trim()
  if (acr) challenge.acrValues = acr
  const maxAge = params.get('max_age')
  if (maxAge !== undefined && /^\d{1,10}$/.test(maxAge)) challenge.maxAge = Number(maxAge)
  return challenge
}

/**
 * The authorization request options (`createAuthorizationCodeClient().authorizationUrl`) that ask for the step-up.
 *
 * @example
 * ```ts
 * import { stepUpParams } from '@latch/client'
 *
 * const params = stepUpParams({ acrValues: 'urn:latch:acr:mfa' }, { scope: 'openid' })
 * // { scope: 'openid', extra: { acr_values: 'urn:latch:acr:mfa' } }
 * ```
 */
export function stepUpParams(challenge: StepUpChallenge, params: AuthorizationUrlParams = {}): AuthorizationUrlParams {
  return {
    ...params,
    ...(challenge.maxAge !== undefined && { maxAge: challenge.maxAge }),
    ...(challenge.acrValues !== undefined && { extra: { ...params.extra, acr_values: challenge.acrValues } }),
  }
}
