/**
 * Issue 12: the upstream identity providers Latch signs users in through, as data: the generic
 * `oidc` (OpenID Connect Discovery) and `oauth2` (endpoints given) types, and a preset per common
 * provider with its endpoints, default scope, client authentication and claim mapping. What a
 * preset does in code (GitHub's emails endpoint, Apple's client-secret JWT…) lives in
 * `connections/providers/`, registered per type there (`PROVIDERS`), so a type without its provider
 * does not compile.
 *
 * Endpoints and scopes checked against each provider's documentation on 2025-06; a deployment may
 * override any endpoint (self-managed GitLab, GitHub Enterprise, local stand-ins in tests).
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 */

/** A connection's id: it is a path segment of its routes (`/connections/<id>/callback`). */
export const CONNECTION_ID = /^[a-z0-9-]{1,64}$/

export const CONNECTION_TYPES = ['oidc', 'oauth2', 'google', 'microsoft', 'apple', 'github', 'gitlab', 'facebook', 'twitter', 'discord', 'linkedin', 'slack'] as const
export type ConnectionType = (typeof CONNECTION_TYPES)[number]

/** The user claims an upstream profile may be mapped into (config `connections[].mapping`). */
export const MAPPABLE_CLAIMS = ['sub', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'picture', 'locale', 'preferred_username'] as const
export type MappableClaim = (typeof MAPPABLE_CLAIMS)[number]

export const CONNECTION_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const
export type ConnectionAuthMethod = (typeof CONNECTION_AUTH_METHODS)[number] | 'apple_jwt'

/** Parameters Latch sets itself on the upstream authorization request: `authorization_params` may not. */
export const RESERVED_AUTHORIZATION_PARAMS = [
  'client_id', 'redirect_uri', 'response_type', 'response_mode', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'scope',
] as const

export interface ConnectionPreset {
  protocol: 'oidc' | 'oauth2'
  display_name: string
  /** oidc: the issuer discovery starts from (`{tenant}` filled for Microsoft). */
  issuer?: string
  authorization_endpoint?: string
  token_endpoint?: string
  userinfo_endpoint?: string
  emails_endpoint?: string
  scope: string
  token_endpoint_auth_method: ConnectionAuthMethod
  response_mode?: 'query' | 'form_post'
  /** PKCE S256 sent (RFC 7636); false only where the provider is known to reject it. */
  pkce?: boolean
  mapping?: Partial<Record<MappableClaim, string>>
  /** Whether the provider's `email_verified` (as mapped) can be believed for linking by email. */
  trust_email_verified?: boolean
}

/** Generic OIDC: the standard claim names. */
export const OIDC_MAPPING: Record<MappableClaim, string> = {
  sub: 'sub', email: 'email', email_verified: 'email_verified', name: 'name', given_name: 'given_name', family_name: 'family_name',
  picture: 'picture', locale: 'locale', preferred_username: 'preferred_username',
}

/** Generic OAuth 2.0 profile endpoints: the subject is usually `id`, the rest as OIDC names them. */
export const OAUTH2_MAPPING: Record<MappableClaim, string> = { ...OIDC_MAPPING, sub: 'id' }

export const PRESETS: Record<Exclude<ConnectionType, 'oidc' | 'oauth2'>, ConnectionPreset> = {
  google: { protocol: 'oidc', display_name: 'Google', issuer: 'https://accounts.google.com', scope: 'openid email profile', token_endpoint_auth_method: 'client_secret_basic' },
  microsoft: {
    protocol: 'oidc', display_name: 'Microsoft', issuer: 'https://login.microsoftonline.com/{tenant}/v2.0', scope: 'openid email profile',
    token_endpoint_auth_method: 'client_secret_post',
    // Entra's `email` is not verified; `xms_edov` says whether its domain is (providers/microsoft.ts).
    trust_email_verified: false,
  },
  apple: {
    protocol: 'oidc', display_name: 'Apple', issuer: 'https://appleid.apple.com', scope: 'openid email name', token_endpoint_auth_method: 'apple_jwt',
    response_mode: 'form_post',
  },
  github: {
    protocol: 'oauth2', display_name: 'GitHub', authorization_endpoint: 'https://github.com/login/oauth/authorize',
    token_endpoint: 'https://github.com/login/oauth/access_token', userinfo_endpoint: 'https://api.github.com/user',
    emails_endpoint: 'https://api.github.com/user/emails', scope: 'read:user user:email', token_endpoint_auth_method: 'client_secret_basic',
    mapping: { sub: 'id', name: 'name', preferred_username: 'login', picture: 'avatar_url' },
  },
  gitlab: { protocol: 'oidc', display_name: 'GitLab', issuer: 'https://gitlab.com', scope: 'openid profile email', token_endpoint_auth_method: 'client_secret_basic' },
  facebook: {
    protocol: 'oauth2', display_name: 'Facebook', authorization_endpoint: 'https://www.facebook.com/v21.0/dialog/oauth',
    token_endpoint: 'https://graph.facebook.com/v21.0/oauth/access_token', userinfo_endpoint: 'https://graph.facebook.com/v21.0/me?fields=id,name,first_name,last_name,email',
    scope: 'public_profile email', token_endpoint_auth_method: 'client_secret_post',
    mapping: { sub: 'id', email: 'email', name: 'name', given_name: 'first_name', family_name: 'last_name' }, trust_email_verified: false,
  },
  twitter: {
    protocol: 'oauth2', display_name: 'X', authorization_endpoint: 'https://x.com/i/oauth2/authorize', token_endpoint: 'https://api.x.com/2/oauth2/token',
    userinfo_endpoint: 'https://api.x.com/2/users/me', scope: 'users.read tweet.read', token_endpoint_auth_method: 'client_secret_basic',
    mapping: { sub: 'data.id', name: 'data.name', preferred_username: 'data.username' }, trust_email_verified: false,
  },
  discord: {
    protocol: 'oauth2', display_name: 'Discord', authorization_endpoint: 'https://discord.com/oauth2/authorize', token_endpoint: 'https://discord.com/api/oauth2/token',
    userinfo_endpoint: 'https://discord.com/api/users/@me', scope: 'identify email', token_endpoint_auth_method: 'client_secret_basic',
    mapping: { sub: 'id', email: 'email', email_verified: 'verified', name: 'global_name', preferred_username: 'username', picture: 'avatar' }, trust_email_verified: true,
  },
  linkedin: {
    protocol: 'oidc', display_name: 'LinkedIn', issuer: 'https://www.linkedin.com/oauth', scope: 'openid profile email', token_endpoint_auth_method: 'client_secret_post',
    pkce: false,
  },
  slack: { protocol: 'oidc', display_name: 'Slack', issuer: 'https://slack.com', scope: 'openid profile email', token_endpoint_auth_method: 'client_secret_post' },
}

/** `https://<issuer>/connections/<id>/callback`: what each upstream is registered with as redirect URI. */
export function connectionCallbackUrl(issuer: string, id: string): string {
  return `${issuer.replace(/\/+$/, '')}/connections/${id}/callback`
}
