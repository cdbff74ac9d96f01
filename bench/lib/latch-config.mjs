/**
 * The Latch configuration of the benchmark (servers/latch.mjs, inject-ab.mjs): the demo config's
 * clients and user, the scenario's signing alg, its SQLite file (or `sqlite::memory:`, or a
 * PostgreSQL URL for storage.mjs), and logging at `warn`: oidc-provider logs nothing per request,
 * so neither side pays for request logs. Everything else is Latch's defaults.
 */
import { join } from 'node:path'
import { RESOURCE, RESOURCE_SCOPES, SERVICE, TTL, USER, WEB } from './fixtures.mjs'

export function latchBenchConfig({ issuer, port, alg = 'RS256', dir = '.', database, memory = false }) {
  return {
    issuer,
    port,
    host: '127.0.0.1',
    // `memory: true` is a diagnostic variant (run.mjs --servers=latch-memdb): SQLite in memory,
    // to separate the cost of the file (WAL writes) from that of the query layer.
    // `database` (bench/storage.mjs): a postgres:// URL shared by the nodes of one measurement.
    database: database ?? (memory ? 'sqlite::memory:' : `sqlite:${join(dir, 'latch.db')}`),
    log_level: 'warn',
    tokens: {
      signing_alg: alg,
      access_token_ttl: TTL.access_token,
      id_token_ttl: TTL.id_token,
      refresh_token_ttl: TTL.refresh_token,
      authorization_code_ttl: TTL.authorization_code,
    },
    sessions: { ttl: TTL.session, interaction_ttl: TTL.interaction },
    // The sign-in throttle runs with its default limits: 50 simulated browsers signing in as alice
    // from 127.0.0.1 are queued behind the password check, never refused (issue 8). The per-source
    // limit on starting sign-in pages is raised: every simulated browser is 127.0.0.1.
    security: { pending_per_source: 1_000_000 },
    resources: [{ identifier: RESOURCE, scopes: RESOURCE_SCOPES }],
    default_resource: RESOURCE,
    scopes: RESOURCE_SCOPES.map((name) => ({ name, description: name })),
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
    ],
    users: [USER],
  }
}
