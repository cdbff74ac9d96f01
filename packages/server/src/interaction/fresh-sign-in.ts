/**
 * Issue 12: how recent a sign-in the application asked for, carried to an upstream. `prompt=login`
 * and `max_age` (OIDC Core §3.1.2.1) are passed on to an OpenID Provider and then enforced on its ID
 * token's `auth_time` (§3.1.3.7 step 13), so an upstream's silent SSO cannot satisfy a step-up. An
 * OAuth 2.0 upstream (GitHub, Discord…) has no ID token and cannot prove when the user signed in:
 * it is not offered for such a request.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
import type { InteractionRecord } from '../storage/store.js'
import type { AuthorizationRequest } from './authorization-request.js'

/** The largest age in seconds the upstream's authentication may have (0: a fresh one), or undefined: any. */
export function requiredAuthAge(interaction: Pick<InteractionRecord, 'kind' | 'params'>): number | undefined {
  if (interaction.kind !== 'authorization') return undefined
  const request = interaction.params as unknown as Partial<AuthorizationRequest>
  if (request.prompt?.includes('login')) return 0
  return typeof request.max_age === 'number' ? request.max_age : undefined
}

/** Whether a connection of this protocol can prove an authentication as recent as the request needs. */
export function canProveFreshness(protocol: 'oidc' | 'oauth2', maxAge: number | undefined): boolean {
  return maxAge === undefined || protocol === 'oidc'
}
