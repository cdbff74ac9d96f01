/**
 * The one set of clients, users, resources and lifetimes both servers are configured with, taken
 * from the repository's demo config (latch.config.yaml): demo-web (confidential, code + refresh),
 * demo-service (client_credentials), alice@example.com. Lifetimes are Latch's defaults.
 */
export const RESOURCE = 'https://api.example.com'
export const RESOURCE_SCOPES = ['read:data', 'write:data']

export const WEB = {
  client_id: 'demo-web',
  client_secret: 'demo-web-secret-change-me-0123456789',
  redirect_uri: 'http://localhost:3000/auth/callback',
  /** What the code-flow scenarios request: an ID token plus one API scope. */
  scope: 'openid read:data',
}

export const SERVICE = {
  client_id: 'demo-service',
  client_secret: 'demo-service-secret-change-me-0123456789',
  /** Sent explicitly so both servers grant the same scope without relying on a default policy. */
  scope: 'read:data write:data',
}

/**
 * The organization scenarios (issue 10, Latch only): a confidential client with the password grant
 * (to open a grant for an organization without a browser), refresh and token exchange; the grant
 * is for `acme`, with the selector and one template instance in its scope.
 */
export const ORG_WEB = {
  client_id: 'demo-org-web',
  client_secret: 'demo-org-web-secret-change-me-0123456789',
  scope: 'openid read:data organization:acme read:organization:acme',
  organization: 'acme',
}
export const ORG_TEMPLATE = 'read:organization:{org_id}'
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

export const USER = {
  email: 'alice@example.com',
  password: 'correct-horse-battery',
  name: 'Alice Example',
  given_name: 'Alice',
  family_name: 'Example',
  email_verified: true,
}

export const TTL = {
  access_token: 900,
  id_token: 3600,
  refresh_token: 2_592_000,
  authorization_code: 60,
  session: 1_209_600,
  interaction: 3600,
}

export function basic(client) {
  const enc = (s) => encodeURIComponent(s)
  return `Basic ${Buffer.from(`${enc(client.client_id)}:${enc(client.client_secret)}`).toString('base64')}`
}
