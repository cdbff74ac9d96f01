/**
 * The one implementation of `Store`, on Kysely, for every dialect. Each atomic step the RFCs ask
 * for is one conditional statement (`UPDATE ... WHERE <still valid> RETURNING *`, `INSERT ... ON
 * CONFLICT`) or a short transaction around one, so the database, not the process, decides who
 * wins: a code is redeemed once (RFC 6749 §4.1.2), a refresh token rotates once and a replay is
 * recognised (RFC 9700 §4.14.2), a device code is polled no faster than its interval and redeemed
 * once (RFC 8628 §3.5), revoking a grant reaches every token under it (RFC 7009 §2.1). Dialect
 * differences stay in `dialects/`; driver outages surface as `StorageUnavailableError` (503).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import { existsSync } from 'node:fs'
import { Kysely, sql, type LogEvent } from 'kysely'
import pg from 'pg'
import { StorageUnavailableError } from '../errors.js'
import { scrubError } from '../lib/redact-url.js'
import type { Database } from './database.js'
import type { DialectCapabilities, DialectSetup, PoolUsage } from './dialects/dialect.js'
import { createPostgresDialect, parsePostgresUrl, postgresCapabilities } from './dialects/postgres.js'
import { createSqliteDialect, sqliteCapabilities } from './dialects/sqlite.js'
import { migrateToLatest } from './migrate.js'
import { accessTokenRepository } from './repositories/access-tokens.js'
import { authorizationCodeRepository } from './repositories/authorization-codes.js'
import { clientRepository } from './repositories/clients.js'
import { connectionRepository } from './repositories/connections.js'
import { consentRepository } from './repositories/consents.js'
import { deviceCodeRepository } from './repositories/device-codes.js'
import { grantRepository } from './repositories/grants.js'
import { identityRepository } from './repositories/identities.js'
import { evictAnonymousInteractions } from './repositories/interaction-eviction.js'
import { interactionRepository } from './repositories/interactions.js'
import { logoutDeliveryRepository } from './repositories/logout-deliveries.js'
import { alertDeliveryRepository } from './repositories/alert-deliveries.js'
import { organizationRepository } from './repositories/organizations.js'
import { refreshTokenRepository } from './repositories/refresh-tokens.js'
import { replayKeyRepository } from './repositories/replay-keys.js'
import { sessionRepository } from './repositories/sessions.js'
import { signingKeyRepository } from './repositories/signing-keys.js'
import { sweepRepository } from './repositories/sweep.js'
import { checkTenantId, DEFAULT_TENANT, tenantRepository } from './repositories/tenants.js'
import { upstreamLoginRepository } from './repositories/upstream-logins.js'
import { upstreamSessionRepository } from './repositories/upstream-sessions.js'
import { passkeyRepository } from './repositories/passkeys.js'
import { mfaRepository } from './repositories/mfa.js'
import { userRepository } from './repositories/users.js'
import { emailTokenRepository } from './repositories/email-tokens.js'
import { signUpRepository } from './repositories/sign-ups.js'
import { emailAddressRepository } from './repositories/email-addresses.js'
import { auditEventRepository } from './repositories/audit-events.js'
import { rowCodec } from './rows.js'
import type { QueryObserver, Store } from './store.js'

interface DialectEntry {
  capabilities: DialectCapabilities
  connect(url: string): DialectSetup | Promise<DialectSetup>
}

/** Dialects by URL scheme: a new database is one more row, not another branch. */
const DIALECTS: Record<string, DialectEntry> = {
  'sqlite:': { capabilities: sqliteCapabilities, connect: (url) => createSqliteDialect(sqlitePath(url)) },
  'postgres:': { capabilities: postgresCapabilities, connect: createPostgresDialect },
  'postgresql:': { capabilities: postgresCapabilities, connect: createPostgresDialect },
}

/** `sqlite:./data/latch.db`, `sqlite:/abs/path.db`, `sqlite:///abs/path.db`, `sqlite::memory:`. */
function sqlitePath(url: string): string {
  let path = url.slice('sqlite:'.length)
  if (path.startsWith('//')) path = path.slice(2)
  if (path === '') throw new Error('database URL: sqlite: needs a file path or :memory:')
  return path
}

/**
 * Opens the database named by `databaseUrl` (`sqlite:PATH`, `sqlite::memory:`, `postgres://...`)
 * and, unless `migrate: false`, brings its schema up to date. Errors name the URL's scheme only:
 * the URL may carry a password, so whatever a driver throws has it scrubbed (lib/redact-url.ts).
 */
export interface CreateStoreOptions {
  /** Bring the schema up to date (default true). */
  migrate?: boolean
  /**
   * Issue 14: called after every query with its duration in seconds and whether it failed (for
   * the query latency histogram); the same as calling `store.observeQueries(onQuery)` once open,
   * which can also set or replace it later. Through Kysely's `log` option, always installed (it
   * must be given when Kysely is built): a query costs two clock reads and one call, which does
   * nothing while no observer is set.
   * @see https://kysely.dev/docs/recipes/logging
   */
  onQuery?: QueryObserver
}

export async function createStore(databaseUrl: string, options: CreateStoreOptions = {}): Promise<Store> {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(databaseUrl)?.[0].toLowerCase()
  const entry = scheme === undefined ? undefined : DIALECTS[scheme]
  if (entry === undefined) {
    throw new Error(`database URL: unsupported scheme "${scheme ?? '(none)'}"; expected sqlite:PATH or postgres://...`)
  }
  const { isUnavailable } = entry.capabilities
  const translate = (error: unknown) => {
    scrubError(error, databaseUrl)
    return isUnavailable(error) ? new StorageUnavailableError(error) : error
  }
  let db: Kysely<Database> | undefined
  try {
    const setup = await entry.connect(databaseUrl)
    const queries = { observer: options.onQuery ?? null }
    db = new Kysely<Database>({
      dialect: setup.dialect,
      log: (event: LogEvent) => queries.observer?.(event.queryDurationMillis / 1000, event.level === 'error'),
    })
    if (options.migrate ?? true) await migrateToLatest(db)
    return kyselyStore(db, setup.capabilities, translate, setup.poolUsage, queries)
  } catch (error) {
    await db?.destroy().catch(() => {})
    throw translate(error)
  }
}

/**
 * Whether `databaseUrl` names an existing Latch database (its migration table is there), found
 * without creating anything: no SQLite file, no directory, no PostgreSQL schema. `latch` commands
 * other than `serve` and `migrate` check this first, so that a typo or a missing config file is
 * reported instead of quietly starting an empty database. Connection errors are thrown, with the
 * URL's password scrubbed.
 */
export async function databaseExists(databaseUrl: string): Promise<boolean> {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(databaseUrl)?.[0].toLowerCase()
  if (scheme === 'sqlite:') {
    const path = sqlitePath(databaseUrl)
    return path === ':memory:' || existsSync(path)
  }
  if (scheme !== 'postgres:' && scheme !== 'postgresql:') return true // createStore reports the scheme
  try {
    const { connectionString, schema } = parsePostgresUrl(databaseUrl)
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 })
    client.on('error', () => {})
    await client.connect()
    try {
      const { rows } = await client.query<{ present: boolean }>(
        `select exists (select 1 from pg_catalog.pg_tables where schemaname = coalesce($1, current_schema()) and tablename = 'kysely_migration') as present`,
        [schema],
      )
      return rows[0]?.present === true
    } finally {
      await client.end().catch(() => {})
    }
  } catch (error) {
    throw scrubError(error, databaseUrl)
  }
}

/**
 * The one place driver errors are translated: every store method rethrows an outage as
 * `StorageUnavailableError`, so endpoints answer 503 `temporarily_unavailable` instead of 500.
 */
function guard<T extends object>(area: T, translate: (error: unknown) => unknown): T {
  const wrap = (fn: (...args: unknown[]) => Promise<unknown>) => async (...args: unknown[]) => {
    try {
      return await fn(...args)
    } catch (error) {
      throw translate(error)
    }
  }
  const guarded: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(area)) {
    guarded[name] =
      typeof member === 'function'
        ? wrap(member)
        : Object.fromEntries(Object.entries(member as Record<string, never>).map(([k, fn]) => [k, wrap(fn)]))
  }
  return guarded as T
}

type TenantAreas = Omit<Store, 'tenants' | 'evictAnonymousInteractions' | 'sweep' | 'ping' | 'close' | 'forTenant' | 'alertDeliveries' | 'poolUsage' | 'observeQueries'>
type DeploymentAreas = Pick<Store, 'tenants' | 'evictAnonymousInteractions' | 'sweep' | 'ping' | 'close' | 'alertDeliveries'>

/**
 * One repository per table (`repositories/`), assembled into the `Store`. Each repository builds
 * its statements here, once; a tenant's store only binds them to its id (`ForTenant`), so a
 * thousand tenants in use cost a thousand small objects of methods, not a thousand statement sets.
 */
function kyselyStore(db: Kysely<Database>, capabilities: DialectCapabilities, translate: (error: unknown) => unknown, usage: (() => PoolUsage) | undefined, queries: { observer: QueryObserver | null }): Store {
  const poolUsage = usage ?? (() => null)
  const observeQueries = (onQuery: QueryObserver | null): (() => void) => {
    queries.observer = onQuery
    return () => {
      if (queries.observer === onQuery) queries.observer = null
    }
  }
  const context = { db, rows: rowCodec(capabilities.codecs), capabilities }
  const clients = clientRepository(context)
  const users = userRepository(context)
  const organizations = organizationRepository(context)
  const keys = signingKeyRepository(context)
  const grants = grantRepository(context)
  const authorizationCodes = authorizationCodeRepository(context)
  const refreshTokens = refreshTokenRepository(context)
  const accessTokens = accessTokenRepository(context)
  const deviceCodes = deviceCodeRepository(context)
  const sessions = sessionRepository(context)
  const consents = consentRepository(context)
  const interactions = interactionRepository(context)
  const replay = replayKeyRepository(context)
  const logoutDeliveries = logoutDeliveryRepository(context)
  const connections = connectionRepository(context)
  const identities = identityRepository(context)
  const upstreamLogins = upstreamLoginRepository(context)
  const upstreamSessions = upstreamSessionRepository(context)
  const passkeys = passkeyRepository(context)
  const mfa = mfaRepository(context)
  const emailTokens = emailTokenRepository(context)
  const signUps = signUpRepository(context)
  const emailAddresses = emailAddressRepository(context)
  const audit = auditEventRepository(context)

  const deployment = guard<DeploymentAreas>(
    {
      tenants: tenantRepository(context),
      evictAnonymousInteractions: evictAnonymousInteractions(db),
      sweep: sweepRepository(db, capabilities),
      async ping() {
        await sql`select 1`.execute(db)
      },
      async close() {
        await db.destroy()
      },
      // Issue 14: deployment-wide, like the alerts config.
      alertDeliveries: alertDeliveryRepository(context),
    },
    translate,
  )

  const areas: { [K in keyof TenantAreas]: (tenant: string) => TenantAreas[K] } = {
    clients,
    users,
    organizations,
    keys,
    grants,
    authorizationCodes,
    refreshTokens,
    accessTokens,
    deviceCodes,
    sessions,
    consents,
    interactions,
    replay,
    logoutDeliveries,
    connections,
    identities,
    upstreamLogins,
    upstreamSessions,
    passkeys,
    mfa,
    emailTokens,
    signUps,
    emailAddresses,
    audit,
  }
  const bindArea = <K extends keyof TenantAreas>(name: K, tenant: string): TenantAreas[K] => guard(areas[name](tenant), translate)

  // The default tenant's store is a plain object (tests spread it to plant a fault). Another
  // tenant's binds each area on first use: a node keeps
  // up to `tenancy.cache_size` tenant stores, and a tenant that only mints client-credentials
  // tokens touches 2 of the 16 areas (issue 11: 11 KB per tenant store when all were bound).
  const root: Store = {
    ...(Object.fromEntries(Object.keys(areas).map((name) => [name, bindArea(name as keyof TenantAreas, DEFAULT_TENANT)])) as TenantAreas),
    ...deployment,
    poolUsage,
    observeQueries,
    forTenant,
  }
  // One shape for every tenant store (each area a field, set on first use), so the hot path's
  // `store.clients` stays a monomorphic getter.
  class TenantStore {
    constructor(readonly tenant: string) {}
    #clients?: TenantAreas['clients']
    #users?: TenantAreas['users']
    #organizations?: TenantAreas['organizations']
    #keys?: TenantAreas['keys']
    #grants?: TenantAreas['grants']
    #authorizationCodes?: TenantAreas['authorizationCodes']
    #refreshTokens?: TenantAreas['refreshTokens']
    #accessTokens?: TenantAreas['accessTokens']
    #deviceCodes?: TenantAreas['deviceCodes']
    #sessions?: TenantAreas['sessions']
    #consents?: TenantAreas['consents']
    #interactions?: TenantAreas['interactions']
    #replay?: TenantAreas['replay']
    #logoutDeliveries?: TenantAreas['logoutDeliveries']
    #connections?: TenantAreas['connections']
    #identities?: TenantAreas['identities']
    #upstreamLogins?: TenantAreas['upstreamLogins']
    #upstreamSessions?: TenantAreas['upstreamSessions']
    #passkeys?: TenantAreas['passkeys']
    #mfa?: TenantAreas['mfa']
    #emailTokens?: TenantAreas['emailTokens']
    #signUps?: TenantAreas['signUps']
    get emailTokens(): TenantAreas['emailTokens'] {
      return (this.#emailTokens ??= bindArea('emailTokens', this.tenant))
    }
    get signUps(): TenantAreas['signUps'] {
      return (this.#signUps ??= bindArea('signUps', this.tenant))
    }
    #emailAddresses?: TenantAreas['emailAddresses']
    #audit?: TenantAreas['audit']
    get audit(): TenantAreas['audit'] {
      return (this.#audit ??= bindArea('audit', this.tenant))
    }
    get emailAddresses(): TenantAreas['emailAddresses'] {
      return (this.#emailAddresses ??= bindArea('emailAddresses', this.tenant))
    }
    get clients(): TenantAreas['clients'] {
      return (this.#clients ??= bindArea('clients', this.tenant))
    }
    get users(): TenantAreas['users'] {
      return (this.#users ??= bindArea('users', this.tenant))
    }
    get organizations(): TenantAreas['organizations'] {
      return (this.#organizations ??= bindArea('organizations', this.tenant))
    }
    get keys(): TenantAreas['keys'] {
      return (this.#keys ??= bindArea('keys', this.tenant))
    }
    get grants(): TenantAreas['grants'] {
      return (this.#grants ??= bindArea('grants', this.tenant))
    }
    get authorizationCodes(): TenantAreas['authorizationCodes'] {
      return (this.#authorizationCodes ??= bindArea('authorizationCodes', this.tenant))
    }
    get refreshTokens(): TenantAreas['refreshTokens'] {
      return (this.#refreshTokens ??= bindArea('refreshTokens', this.tenant))
    }
    get accessTokens(): TenantAreas['accessTokens'] {
      return (this.#accessTokens ??= bindArea('accessTokens', this.tenant))
    }
    get deviceCodes(): TenantAreas['deviceCodes'] {
      return (this.#deviceCodes ??= bindArea('deviceCodes', this.tenant))
    }
    get sessions(): TenantAreas['sessions'] {
      return (this.#sessions ??= bindArea('sessions', this.tenant))
    }
    get consents(): TenantAreas['consents'] {
      return (this.#consents ??= bindArea('consents', this.tenant))
    }
    get interactions(): TenantAreas['interactions'] {
      return (this.#interactions ??= bindArea('interactions', this.tenant))
    }
    get replay(): TenantAreas['replay'] {
      return (this.#replay ??= bindArea('replay', this.tenant))
    }
    get logoutDeliveries(): TenantAreas['logoutDeliveries'] {
      return (this.#logoutDeliveries ??= bindArea('logoutDeliveries', this.tenant))
    }
    get connections(): TenantAreas['connections'] {
      return (this.#connections ??= bindArea('connections', this.tenant))
    }
    get identities(): TenantAreas['identities'] {
      return (this.#identities ??= bindArea('identities', this.tenant))
    }
    get upstreamLogins(): TenantAreas['upstreamLogins'] {
      return (this.#upstreamLogins ??= bindArea('upstreamLogins', this.tenant))
    }
    get upstreamSessions(): TenantAreas['upstreamSessions'] {
      return (this.#upstreamSessions ??= bindArea('upstreamSessions', this.tenant))
    }
    get passkeys(): TenantAreas['passkeys'] {
      return (this.#passkeys ??= bindArea('passkeys', this.tenant))
    }
    get mfa(): TenantAreas['mfa'] {
      return (this.#mfa ??= bindArea('mfa', this.tenant))
    }
    readonly tenants = deployment.tenants
    readonly evictAnonymousInteractions = deployment.evictAnonymousInteractions
    readonly sweep = deployment.sweep
    readonly ping = deployment.ping
    readonly close = deployment.close
    readonly alertDeliveries = deployment.alertDeliveries
    readonly poolUsage = poolUsage
    readonly observeQueries = observeQueries
    readonly forTenant = forTenant
  }
  function forTenant(id: string): Store {
    if (id === DEFAULT_TENANT) return root
    checkTenantId(id)
    return new TenantStore(id)
  }
  return root
}
