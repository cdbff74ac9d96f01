/**
 * Issue 12: Sign in with Apple. OpenID Connect with four departures:
 * - the client secret is an ES256 JWT Latch signs (`apple-client-secret.ts`), sent as
 *   `client_secret` in the body;
 * - asking for `name` or `email` requires `response_mode=form_post` (the preset sets it), so the
 *   authorization response arrives as a cross-site POST;
 * - `email_verified` and `is_private_email` may be the strings `"true"`/`"false"`;
 * - the user's name is never in the ID token: Apple sends it once, in the first form_post's `user`
 *   JSON (`{"name":{"firstName","lastName"},"email"}`), so it is only there for the sign-in that
 *   creates the user. There is no userinfo endpoint.
 * Apple's endpoints are fixed (`/auth/authorize`, `/auth/token`, `/auth/keys` under the issuer), so
 * no discovery request is made; each may be overridden in config (local stand-ins in tests).
 * @see https://developer.apple.com/documentation/sign_in_with_apple/sign_in_with_apple_rest_api/authenticating_users_with_sign_in_with_apple
 * @see https://developer.apple.com/documentation/sign_in_with_apple/request_an_authorization_to_the_sign_in_with_apple_server
 */
import { ClientSecretPost } from 'oauth4webapi'
import type { UserClaims } from '../../storage/store.js'
import { appleClientSecret } from '../apple-client-secret.js'
import { mapProfile } from '../profile.js'
import type { Provider } from './provider.js'

/** `true`, or Apple's `"true"`. */
function flag(value: unknown): boolean {
  return value === true || value === 'true'
}

const name = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 256) : undefined)

/** The name from the form_post `user` JSON (first authorization only); empty when absent or malformed. */
export function appleUserName(params: URLSearchParams | undefined): UserClaims {
  const raw = params?.get('user')
  if (raw === null || raw === undefined || raw.length > 4096) return {}
  let user: unknown
  try {
    user = JSON.parse(raw)
  } catch {
    return {}
  }
  const n = (user as { name?: unknown } | null)?.name
  if (n === null || typeof n !== 'object') return {}
  const given = name((n as Record<string, unknown>).firstName)
  const family = name((n as Record<string, unknown>).lastName)
  const full = [given, family].filter(Boolean).join(' ')
  return { ...(given !== undefined && { given_name: given }), ...(family !== undefined && { family_name: family }), ...(full !== '' && { name: full }) }
}

export const appleProvider: Provider = {
  async clientAuth(connection, secrets) {
    return ClientSecretPost(await appleClientSecret(connection, secrets))
  },
  metadata(connection) {
    const issuer = connection.issuer!
    return {
      issuer,
      authorization_endpoint: connection.authorization_endpoint ?? `${issuer}/auth/authorize`,
      token_endpoint: connection.token_endpoint ?? `${issuer}/auth/token`,
      jwks_uri: `${issuer}/auth/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
    }
  },
  async profile({ connection, idToken, callbackParams }) {
    const claims = { ...idToken, email_verified: flag(idToken.email_verified), is_private_email: flag(idToken.is_private_email) }
    const profile = mapProfile(connection, claims)
    if (profile === null) return null
    // The ID token never carries a name; what the first form_post said fills in, the mapped claims win.
    return { ...profile, claims: { ...appleUserName(callbackParams), ...profile.claims } }
  },
}
