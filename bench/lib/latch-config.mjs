/**
 * The Latch configuration of the benchmark (servers/latch.mjs, inject-ab.mjs): the demo config's
 * clients and user, the scenario's signing alg, its SQLite file (or `sqlite::memory:`, or a
 * PostgreSQL URL for storage.mjs), and logging at `warn`: oidc-provider logs nothing per request,
 * so neither side pays for request logs. Everything else is Latch's defaults.
 */
import { join } from 'node:path'
import { ORG_TEMPLATE, ORG_WEB, RESOURCE, RESOURCE_SCOPES, SERVICE, TOKEN_EXCHANGE, TTL, USER, WEB } from './fixtures.mjs'

/**
 * `organizations: n` (the organization scenarios, issue 10): alice is a member of n organizations,
 * `acme` (admin) and n - 1 others (`org-0001`…, member), all seeded at start like any configured
 * organization; the template `read:organization:{org_id}` and the client ORG_WEB are added. With
 * 0 (every other scenario) the config is exactly the demo's.
 */
function organizationConfig(n) {
  if (!n) return {}
  const organizations = [{ id: 'acme', name: 'Acme Corp', members: [{ email: USER.email, roles: ['admin'] }] }]
  for (let i = 1; i < n; i++) {
    const id = `org-${String(i).padStart(4, '0')}`
    organizations.push({ id, name: `Organization ${id}`, members: [{ email: USER.email, roles: ['member'] }] })
  }
  return {
    organizations,
    extraScopes: [{ name: ORG_TEMPLATE, description: 'Read {org_name} data', roles: ['admin', 'member'] }],
    extraClients: [
      {
        client_id: ORG_WEB.client_id,
        client_name: 'Demo Org Web App',
        client_secret: ORG_WEB.client_secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['password', 'refresh_token', TOKEN_EXCHANGE],
        scope: `openid read:data ${ORG_TEMPLATE}`,
      },
    ],
  }
}

/** The alg and the lifetimes both servers are measured with (a tenant's settings use them too: lib/tenants.mjs). */
export function benchLifetimes(alg) {
  return {
    tokens: {
      signing_alg: alg,
      access_token_ttl: TTL.access_token,
      id_token_ttl: TTL.id_token,
      refresh_token_ttl: TTL.refresh_token,
      authorization_code_ttl: TTL.authorization_code,
    },
    sessions: { ttl: TTL.session, interaction_ttl: TTL.interaction },
  }
}

export function latchBenchConfig({ issuer, port, alg = 'RS256', dir = '.', database, memory = false, organizations = 0 }) {
  const org = organizationConfig(organizations)
  return {
    issuer,
    port,
    host: '127.0.0.1',
    // `memory: true` is a diagnostic variant (run.mjs --servers=latch-memdb): SQLite in memory,
    // to separate the cost of the file (WAL writes) from that of the query layer.
    // `database` (bench/storage.mjs): a postgres:// URL shared by the nodes of one measurement.
    database: database ?? (memory ? 'sqlite::memory:' : `sqlite:${join(dir, 'latch.db')}`),
    log_level: 'warn',
    ...benchLifetimes(alg),
    // The sign-in throttle runs with its default limits: 50 simulated browsers signing in as alice
    // from 127.0.0.1 are queued behind the password check, never refused (issue 8). The per-source
    // limit on starting sign-in pages is raised: every simulated browser is 127.0.0.1.
    security: { pending_per_source: 1_000_000 },
    resources: [{ identifier: RESOURCE, scopes: RESOURCE_SCOPES }],
    default_resource: RESOURCE,
    scopes: [...RESOURCE_SCOPES.map((name) => ({ name, description: name })), ...(org.extraScopes ?? [])],
    ...(org.organizations && { organizations: org.organizations }),
    clients: [
      {
        client_id: WEB.client_id,
        client_name: 'Demo Web App',
        client_secret: WEB.client_secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [WEB.redirect_uri],
        scope: 'openid profile email offline_access read:data write:data',
        skip_consent: false,
      },
      {
        client_id: SERVICE.client_id,
        client_name: 'Demo Service',
        client_secret: SERVICE.client_secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        scope: RESOURCE_SCOPES.join(' '),
      },
      ...(org.extraClients ?? []),
    ],
    users: [USER],
  }
}
