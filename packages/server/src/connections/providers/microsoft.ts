/**
 * Issue 12: Microsoft identity platform (Entra ID, personal accounts). A single-tenant connection
 * (a tenant GUID) is plain OpenID Connect: discovery gives its issuer. The multi-tenant endpoints
 * (`common`, `organizations`, `consumers`) publish the issuer as a template,
 * `https://login.microsoftonline.com/{tenantid}/v2.0`, which no ID token carries, so their metadata
 * is fixed here and the issuer each token is checked against is the template filled with the
 * token's own `tid`, as openid-client does; `allowed_tenants`, when set, refuses other tenants
 * before anything else is believed. The signature is still checked against the multi-tenant JWK Set.
 *
 * Entra's `email` claim is whatever the tenant's admin typed: it is not verified. Only the optional
 * claim `xms_edov` (email domain owner verified) says the tenant owns the email's domain.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
 * @see https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
 * @see https://learn.microsoft.com/entra/identity-platform/optional-claims-reference (xms_edov)
 */
import { decodeJwt } from 'jose'
import type { AuthorizationServer } from 'oauth4webapi'
import type { ResolvedConnection } from '../../config/schema.js'
import { mapProfile } from '../profile.js'
import { UpstreamError } from '../upstream-error.js'
import { standardClientAuth } from './generic.js'
import type { Provider } from './provider.js'

const MULTI_TENANT = new Set(['common', 'organizations', 'consumers'])
const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** `https://login.microsoftonline.com` of the connection's issuer (another host when overridden, as in tests). */
function authority(connection: ResolvedConnection): string {
  return connection.issuer!.replace(/\/[^/]+\/v2\.0$/, '')
}

export function isMultiTenant(connection: ResolvedConnection): boolean {
  return connection.microsoft !== null && MULTI_TENANT.has(connection.microsoft.tenant.toLowerCase())
}

/** The issuer of tokens for users of tenant `tid`. */
export function microsoftIssuer(connection: ResolvedConnection, tid: string): string {
  return `${authority(connection)}/${tid}/v2.0`
}

/** The signed-in user's tenant, read from the ID token before it is validated (its iss is then checked against it). */
function tenantOf(idToken: unknown): string {
  if (typeof idToken !== 'string') throw new UpstreamError('invalid_response', 'the token response has no ID token', 'missing_id_token')
  let tid: unknown
  try {
    tid = decodeJwt(idToken).tid
  } catch {
    throw new UpstreamError('invalid_response', 'the ID token is not a JWT', 'invalid_id_token')
  }
  if (typeof tid !== 'string' || !TENANT_ID.test(tid.toLowerCase())) throw new UpstreamError('invalid_response', 'the ID token has no tenant id (tid)', 'missing_tid')
  return tid.toLowerCase()
}

export const microsoftProvider: Provider = {
  clientAuth: standardClientAuth,
  metadata(connection) {
    if (!isMultiTenant(connection)) return null
    const base = `${authority(connection)}/${connection.microsoft!.tenant}`
    return {
      issuer: `${authority(connection)}/{tenantid}/v2.0`,
      authorization_endpoint: connection.authorization_endpoint ?? `${base}/oauth2/v2.0/authorize`,
      token_endpoint: connection.token_endpoint ?? `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      ...(connection.userinfo_endpoint !== null && { userinfo_endpoint: connection.userinfo_endpoint }),
    }
  },
  async tokenResponse(connection, as, response): Promise<AuthorizationServer> {
    const allowed = connection.microsoft?.allowed_tenants.map((t) => t.toLowerCase()) ?? []
    if (!isMultiTenant(connection) && allowed.length === 0) return as
    let body: unknown
    try {
      body = await response.clone().json()
    } catch {
      // Not JSON: oauth4webapi reports it.
      return as
    }
    if (body === null || typeof body !== 'object' || 'error' in body) return as
    const tid = tenantOf((body as { id_token?: unknown }).id_token)
    if (allowed.length > 0 && !allowed.includes(tid)) throw new UpstreamError('invalid_response', 'the user\'s Microsoft tenant is not in allowed_tenants', 'tenant_not_allowed')
    return isMultiTenant(connection) ? { ...as, issuer: microsoftIssuer(connection, tid) } : as
  },
  async profile({ connection, idToken, userinfo }) {
    const claims = { ...userinfo, ...idToken }
    const profile = mapProfile(connection, claims)
    if (profile === null) return null
    return { ...profile, email_verified: profile.email !== null && claims.xms_edov === true }
  },
}
