/**
 * Test support: a real `LatchContext` without HTTP, for grant and interaction tests (STYLE.md
 * "grants ... are tested without HTTP"). A fresh database per context, migrated (a SQLite file, or a
 * PostgreSQL schema under LATCH_TEST_DIALECT=postgres, see ./database.ts); a real
 * Keystore (ES256 unless the config says otherwise); a `ManualClock` so expiry is tested by moving
 * time, not by sleeping; every emitted event recorded in order. Clients and users come from the
 * config through the same seeding the server runs at start.
 *
 * Not imported by production code; it lives in test/support/ so tests beside any module can share it.
 */
import { loadHooks } from '../../src/hooks/hooks.js'
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose'
import pino from 'pino'
import { loadConfig } from '../../src/config/load.js'
import type { LatchConfig } from '../../src/config/schema.js'
import { createContext } from '../../src/compose.js'
import type { LatchContext } from '../../src/context.js'
import { LatchEvents, type LatchEventName } from '../../src/events.js'
import { Keystore } from '../../src/keys/keystore.js'
import { ManualClock } from '../../src/lib/clock.js'
import { seedFromConfig } from '../../src/seed.js'
import { createStore } from '../../src/storage/kysely-store.js'
import { hashPassword } from '../../src/users/password-hash.js'
import type { ClientRecord, Store, UserRecord } from '../../src/storage/store.js'
import { createTestDatabase } from './database.js'

export const TEST_SECRET = 'x'.repeat(32)
export const TEST_ISSUER = 'https://op.example.test'
export const TEST_API = 'https://api.example.test'
export const TEST_OTHER_API = 'https://other-api.example.test'
export const TEST_PASSWORD = 'correct-horse-battery'
/**
 * TEST_PASSWORD's argon2id hash (production parameters), made once per test worker: the default
 * users are seeded with it rather than hashing the same password again for every context. The
 * seed's `password` path is taken by the tests that pass users with a password.
 */
export const TEST_PASSWORD_HASH = await hashPassword(TEST_PASSWORD)
const SECRET = 'test-client-secret-0123456789abcdefghij'
const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code'

/**
 * The default test config: one resource with API scopes, and a client per grant shape.
 * - `web`: confidential, code + refresh + password, OIDC and API scopes;
 * - `service`: confidential, client_credentials only (registered for `openid` too, to prove it is
 *   dropped), for both APIs; the others get tokens for `default_resource` only;
 * - `tv`: public (`none`), device flow + refresh;
 * - `other`: another confidential client with every user-facing grant, for binding checks.
 */
export const TEST_CONFIG: Readonly<Record<string, unknown>> = {
  issuer: TEST_ISSUER,
  log_level: 'silent',
  tokens: { signing_alg: 'ES256' },
  resources: [
    { identifier: TEST_API, scopes: ['read:data', 'write:data'] },
    { identifier: TEST_OTHER_API, scopes: ['read:other'] },
  ],
  default_resource: TEST_API,
  scopes: [{ name: 'read:data', description: 'Read your data' }],
  clients: [
    {
      client_id: 'web',
      client_secret: SECRET,
      grant_types: ['authorization_code', 'refresh_token', 'password'],
      redirect_uris: ['https://rp.example.test/cb'],
      scope: 'openid profile email offline_access read:data write:data',
    },
    {
      client_id: 'service',
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      scope: 'openid read:data write:data read:other',
      resources: [TEST_API, TEST_OTHER_API],
    },
    { client_id: 'tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE, 'refresh_token'], scope: 'openid profile offline_access read:data' },
    {
      client_id: 'other',
      client_secret: SECRET,
      grant_types: ['refresh_token', 'password', DEVICE],
      scope: 'openid profile offline_access read:data',
    },
  ],
  users: [{ email: 'alice@example.com', password_hash: TEST_PASSWORD_HASH, name: 'Alice Example', email_verified: true }],
}

export interface RecordedEvent {
  name: LatchEventName
  payload: unknown
}

export interface TestContext {
  ctx: LatchContext
  store: Store
  keystore: Keystore
  clock: ManualClock
  config: LatchConfig
  /** Every event emitted so far, in order. */
  events: RecordedEvent[]
  client(clientId: string): Promise<ClientRecord>
  user(email?: string): Promise<UserRecord>
  /** Verifies a JWT Latch issued against the published JWKS (jose), returning its payload. */
  verify(jwt: string, options?: { typ?: string; audience?: string }): Promise<{ payload: JWTPayload; typ: string | undefined }>
  close(): Promise<void>
}

export interface TestContextOptions {
  /** Top-level keys replacing those of TEST_CONFIG (`clients`, `tokens`, ...). */
  config?: Record<string, unknown>
  /** Start time, epoch seconds. */
  now?: number
}

export async function createTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const db = await createTestDatabase()
  let store: Store | undefined
  try {
    const { config } = loadConfig({ config: { ...TEST_CONFIG, ...options.config, database: db.url }, env: { LATCH_SECRET: TEST_SECRET }, cwd: db.dir })
    const clock = new ManualClock(options.now ?? 1_750_000_000)
    const opened = await createStore(config.database, { migrate: true })
    store = opened
    await seedFromConfig(opened, config, clock.now())
    const keystore = await Keystore.open({ keys: opened.keys, secret: TEST_SECRET, alg: config.tokens.signing_alg, clock, retiredKeyGrace: 3600 })
    const events = new LatchEvents()
    const recorded: RecordedEvent[] = []
    events.onAny((name, payload) => recorded.push({ name, payload }))
    const ctx = createContext({ config, store: opened, keystore, clock, events, log: pino({ level: 'silent' }), hooks: await loadHooks(config.hooks) })
    return {
      ctx,
      store: opened,
      keystore,
      clock,
      config,
      events: recorded,
      async client(clientId) {
        const client = await opened.clients.get(clientId)
        if (!client) throw new Error(`test context: no client ${clientId}`)
        return client
      },
      async user(email = 'alice@example.com') {
        const user = await opened.users.getByEmail(email)
        if (!user) throw new Error(`test context: no user ${email}`)
        return user
      },
      async verify(jwt, verifyOptions = {}) {
        const result = await jwtVerify(jwt, createLocalJWKSet(keystore.jwks()), {
          issuer: config.issuer,
          currentDate: new Date(clock.now() * 1000),
          ...(verifyOptions.typ ? { typ: verifyOptions.typ } : {}),
          ...(verifyOptions.audience ? { audience: verifyOptions.audience } : {}),
        })
        return { payload: result.payload, typ: result.protectedHeader.typ }
      },
      async close() {
        try {
          await opened.close()
        } finally {
          await db.dispose()
        }
      },
    }
  } catch (err) {
    await store?.close().catch(() => {})
    await db.dispose().catch(() => {})
    throw err
  }
}
