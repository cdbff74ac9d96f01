/**
 * Latch as a separate process for the benchmark: `createServer` from @latch/server (the built
 * dist) with the demo config's clients and user, its default SQLite store in a fresh directory,
 * the signing alg of the scenario, and the issuer on the loopback port the harness chose.
 * Options come as JSON in BENCH_SERVER (port, alg, dir; database and issuer for bench/storage.mjs). Logging is at `warn`: oidc-provider
 * logs nothing per request, so neither side pays for request logs. Everything else is Latch's
 * defaults.
 * On SIGTERM the server closes and the process exits normally, so `--cpu-prof` writes its profile.
 */
import { join } from 'node:path'
import { RESOURCE, RESOURCE_SCOPES, SERVICE, TTL, USER, WEB } from '../lib/fixtures.mjs'

const opts = JSON.parse(process.env.BENCH_SERVER ?? '{}')
// `module` (run.mjs --baseline=DIR): another build of @latch/server, for a before/after pair in one run.
const { createServer } = await import(opts.module ?? '@latch/server')
const port = opts.port ?? 0
const alg = opts.alg ?? 'RS256'
const dir = opts.dir ?? '.'
// Several nodes of one deployment share an issuer (bench/storage.mjs): each listens on its own port.
const issuer = opts.issuer ?? `http://127.0.0.1:${port}`

const server = await createServer({
  cwd: dir,
  env: { LATCH_SECRET: 'bench-latch-secret-0123456789abcdef-0123456789' },
  config: {
    issuer,
    port,
    host: '127.0.0.1',
    // `memory: true` is a diagnostic variant (run.mjs --servers=latch-memdb): SQLite in memory,
    // to separate the cost of the file (WAL writes) from that of the query layer.
    // `database` (bench/storage.mjs): a postgres:// URL shared by the nodes of one measurement.
    database: opts.database ?? (opts.memory ? 'sqlite::memory:' : `sqlite:${join(dir, 'latch.db')}`),
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
  },
})
const url = await server.listen(port, '127.0.0.1')
process.stdout.write(`READY ${JSON.stringify({ url, pid: process.pid, paths: { authorization: '/authorize', token: '/token', introspection: '/introspect' } })}\n`)

async function shutdown() {
  await server.close().catch(() => {})
  process.exit(0)
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
