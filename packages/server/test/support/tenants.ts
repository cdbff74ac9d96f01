/**
 * Test support for tenants (issue 11): one Latch server with tenants on several hosts and a path,
 * reached by real names (`*.test`, resolved to 127.0.0.1 by `hostAgent`, so the `Host` header is
 * what a browser would send), on a fresh database of the test's dialect.
 *
 * - `main`:    the default tenant, `http://auth.main.test:PORT`
 * - `acme`:    `http://login.acme.test:PORT` (its own host)
 * - `globex`:  `http://login.globex.test:PORT` (its own host)
 * - `initech`: `http://auth.main.test:PORT/t/initech` (a path under the default's host)
 *
 * Each tenant gets the same client ids, secrets and users as `baseTestConfig` (so a credential of
 * one is well-formed at another: only tenant isolation can refuse it).
 */
import { lookup, type LookupAddress, type LookupOptions } from 'node:dns'
import pino, { type Logger } from 'pino'
import { Agent } from 'undici'
import type { Clock } from '../../src/lib/clock.js'
import { createServer, type LatchServer } from '../../src/server.js'
import { baseTestConfig, freePort, TEST_SECRET } from '../helpers.js'
import { createTestDatabase, type TestDatabase } from './database.js'

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** `*.test` (RFC 2606's reserved name) → 127.0.0.1; everything else as the system resolves it. */
export function testLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (hostname.endsWith('.test')) {
    if (options.all) return callback(null, [{ address: '127.0.0.1', family: 4 }])
    return callback(null, '127.0.0.1', 4)
  }
  lookup(hostname, options, callback as never)
}

/** An undici dispatcher that reaches `*.test` names on this machine. */
export const hostAgent = new Agent({ connect: { lookup: testLookup as never } })

/** Node's fetch through `hostAgent`. */
export function hostFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, dispatcher: hostAgent } as RequestInit)
}

export const TENANT_IDS = ['acme', 'globex', 'initech'] as const
export type TenantName = 'main' | (typeof TENANT_IDS)[number]

export interface TenantsServer {
  server: LatchServer
  /** Issuer of each tenant. */
  issuers: Record<TenantName, string>
  port: number
  db: TestDatabase
  close(): Promise<void>
}

export function tenantIssuers(port: number): Record<TenantName, string> {
  return {
    main: `http://auth.main.test:${port}`,
    acme: `http://login.acme.test:${port}`,
    globex: `http://login.globex.test:${port}`,
    initech: `http://auth.main.test:${port}/t/initech`,
  }
}

/**
 * The server with the four tenants. `perTenant` adds keys to each tenant's config (and `config`
 * to the top level). The server listens on 127.0.0.1.
 */
export async function startTenantsServer(
  options: { config?: Record<string, unknown>; perTenant?: Partial<Record<TenantName, Record<string, unknown>>>; clock?: Clock; logger?: Logger; database?: TestDatabase; port?: number } = {},
): Promise<TenantsServer> {
  const db = options.database ?? (await createTestDatabase())
  // Issue 14: a port chosen in advance (`freePort`), for configs that name the tenants' issuers.
  const port = options.port ?? (await freePort())
  const issuers = tenantIssuers(port)
  const { resources, scopes, clients, users } = baseTestConfig
  const tenantKeys = { resources, scopes, clients, users }
  let server: LatchServer | undefined
  try {
    server = await createServer({
      config: {
        ...baseTestConfig,
        ...options.perTenant?.main,
        database: db.url,
        port,
        host: '127.0.0.1',
        issuer: issuers.main,
        tenants: TENANT_IDS.map((id) => ({ id, issuer: issuers[id], ...tenantKeys, ...options.perTenant?.[id] })),
        ...options.config,
      },
      env: { LATCH_SECRET: TEST_SECRET },
      logger: options.logger ?? pino({ level: 'silent' }),
      cwd: db.dir,
      ...(options.clock && { clock: options.clock }),
    })
    await server.listen(port, '127.0.0.1')
    const started = server
    return {
      server: started,
      issuers,
      port,
      db,
      async close() {
        try {
          await started.close()
        } finally {
          if (!options.database) await db.dispose()
        }
      },
    }
  } catch (err) {
    await server?.close().catch(() => {})
    if (!options.database) await db.dispose().catch(() => {})
    throw err
  }
}
