/**
 * Test support for tokens of organizations (issue 10), for grant tests without HTTP: a config with
 * organizations, a scope template and the clients the token-exchange and per-organization rules
 * need, and a way to open a grant for an organization directly in the store, as a code redemption
 * would (the authorization side is tested on its own).
 * - alice: admin at acme, member at globex, viewer at initech (a role the template does not list);
 *   bob: in no organization; umbrella: an organization alice is not in;
 * - `web`: confidential and first-party (`skip_consent`), code + refresh + password + token
 *   exchange, for both APIs;
 * - `third`: like web, but third-party: an exchange beyond the subject needs the user's consent;
 * - `spa`: public (no secret), code + refresh + token exchange;
 * - `picky`: like web, with `organization_required`;
 * - `plain`: code + refresh, no token exchange;
 * - `service`: client credentials for acme and `ghost` (listed, but no such organization);
 * - GATEWAY: a resource server registered as a client (its client_id is its resource identifier),
 *   client credentials + token exchange, first-party: it acts for users whose tokens name it in `aud`.
 */
import { randomId } from '../../src/lib/random.js'
import { newHandle } from '../../src/tokens/opaque-handle.js'
import { TEST_API, TEST_OTHER_API, TEST_PASSWORD_HASH, type TestContext } from './context.js'

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
export const REFRESH_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:refresh_token'
export const ORG_TEMPLATE = 'read:organization:{org_id}'
export const GATEWAY = 'https://gateway.example.test'
export const CLIENT_SECRET = 'test-client-secret-0123456789abcdefghij'

const USER_SCOPE = `openid profile email offline_access read:data write:data ${ORG_TEMPLATE}`

export const ORGANIZATION_TEST_CONFIG: Readonly<Record<string, unknown>> = {
  resources: [
    { identifier: TEST_API, scopes: ['read:data', 'write:data'] },
    { identifier: TEST_OTHER_API, scopes: ['read:other'] },
    { identifier: GATEWAY, scopes: ['use:gateway'] },
  ],
  default_resource: TEST_API,
  scopes: [
    { name: 'read:data', description: 'Read your data' },
    { name: ORG_TEMPLATE, description: 'Read {org_name} data', roles: ['admin', 'member'] },
  ],
  organizations: [
    { id: 'acme', name: 'Acme Corp', members: [{ email: 'alice@example.com', roles: ['admin'] }] },
    { id: 'globex', name: 'Globex Corporation', members: [{ email: 'alice@example.com', roles: ['member'] }] },
    { id: 'initech', name: 'Initech', members: [{ email: 'alice@example.com', roles: ['viewer'] }] },
    { id: 'umbrella', name: 'Umbrella' },
  ],
  clients: [
    {
      client_id: 'web',
      client_secret: CLIENT_SECRET,
      grant_types: ['authorization_code', 'refresh_token', 'password', TOKEN_EXCHANGE],
      redirect_uris: ['https://rp.example.test/cb'],
      scope: `${USER_SCOPE} use:gateway`,
      resources: [TEST_API, TEST_OTHER_API, GATEWAY],
      skip_consent: true,
    },
    {
      client_id: 'spa',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE],
      redirect_uris: ['https://rp.example.test/cb'],
      scope: USER_SCOPE,
      skip_consent: true,
    },
    {
      client_id: 'third',
      client_secret: CLIENT_SECRET,
      grant_types: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE],
      redirect_uris: ['https://rp.example.test/cb'],
      scope: USER_SCOPE,
      resources: [TEST_API, TEST_OTHER_API],
    },
    {
      client_id: 'picky',
      client_secret: CLIENT_SECRET,
      grant_types: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE],
      redirect_uris: ['https://rp.example.test/cb'],
      scope: USER_SCOPE,
      organization_required: true,
    },
    {
      client_id: 'plain',
      client_secret: CLIENT_SECRET,
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['https://rp.example.test/cb'],
      scope: USER_SCOPE,
    },
    {
      client_id: 'service',
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      scope: `read:data ${ORG_TEMPLATE}`,
      organizations: ['acme', 'ghost'],
    },
    {
      client_id: GATEWAY,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials', TOKEN_EXCHANGE],
      scope: `read:data ${ORG_TEMPLATE}`,
      resources: [TEST_API],
      skip_consent: true,
    },
  ],
  users: [
    { email: 'alice@example.com', password_hash: TEST_PASSWORD_HASH, name: 'Alice Example', email_verified: true },
    { email: 'bob@example.com', password_hash: TEST_PASSWORD_HASH, name: 'Bob Example', email_verified: true },
  ],
}

export interface SeededGrant {
  /** The first refresh token of the grant's family. */
  refreshToken: string
  grantId: string
  userId: string
  expiresAt: number
}

/** A grant (for an organization, or none) and its first refresh token, as a code redemption leaves them. */
export async function seedGrant(
  t: TestContext,
  options: { clientId?: string; email?: string; scope?: string; organizationId?: string | null; resource?: string | null; sessionId?: string | null; ttl?: number } = {},
): Promise<SeededGrant> {
  const user = await t.user(options.email)
  const now = t.clock.now()
  const grantId = randomId()
  const clientId = options.clientId ?? 'web'
  const organizationId = options.organizationId === undefined ? 'acme' : options.organizationId
  const scope = options.scope ?? `openid profile offline_access read:data${organizationId ? ` organization:${organizationId} read:organization:${organizationId}` : ''}`
  const resource = options.resource === undefined ? TEST_API : options.resource
  const sessionId = options.sessionId ?? null
  const handle = newHandle()
  const expiresAt = now + (options.ttl ?? 3600)
  const opened = await t.store.grants.open(
    { id: grantId, client_id: clientId, user_id: user.id, scope, resource, auth_time: now - 100, session_id: sessionId, organization_id: organizationId, created_at: now, revoked_at: null },
    {
      token_hash: handle.hash, grant_id: grantId, client_id: clientId, user_id: user.id, scope, resource, auth_time: now - 100,
      session_id: sessionId, created_at: now, expires_at: expiresAt, rotated_at: null, revoked_at: null,
    },
  )
  if (!opened) throw new Error('seedGrant: grant not opened')
  return { refreshToken: handle.value, grantId, userId: user.id, expiresAt }
}
