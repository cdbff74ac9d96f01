/**
 * Tenants (issue 11): several issuers in one database, each with its own clients, users,
 * organizations, keys and everything issued under them.
 * - `tenants`: the tenants other than `default` (id, unique issuer, settings as JSON).
 * - `tenant_id text not null default 'default'` on every other table: every existing row belongs
 *   to `default`, the config file's tenant, so a deployment without tenants works as before.
 * - Keys that people choose become per tenant: `clients` (tenant_id, client_id), `users` unique
 *   (tenant_id, email) (the primary key `id` stays: random, it is the `sub`), `organizations`
 *   (tenant_id, id), `organization_members` (tenant_id, organization_id, user_id) with its
 *   organization referenced by (tenant_id, organization_id), `replay_keys` (tenant_id, key), and
 *   the unique generation of main signing keys (tenant_id, generation). Random keys (grants, codes,
 *   tokens, sessions, device codes, interactions, kids) stay global: a tenant filter on top of
 *   their primary-key read is what isolates them.
 *
 * PostgreSQL changes the keys with ALTER TABLE, inside the Migrator's transaction. SQLite cannot
 * change a key in place, so those five tables are rebuilt (create, copy, drop, rename), the
 * procedure of https://www.sqlite.org/lang_altertable.html#otheralter: foreign keys are switched
 * off around it (a pragma, which a transaction cannot change, and the Migrator runs no transaction
 * on SQLite), because dropping a parent table with them on would delete its children through ON
 * DELETE CASCADE (sessions, consents and memberships of every user); the rebuild runs in one
 * transaction, and `PRAGMA foreign_key_check` must find nothing before it commits.
 *
 * No `down`: going back would merge every tenant's clients, users and organizations into one
 * namespace where their ids may collide.
 *
 * @see https://www.sqlite.org/foreignkeys.html#fk_enable
 * @see https://www.postgresql.org/docs/current/sql-altertable.html
 */
import { sql, SqliteAdapter, type CreateTableBuilder, type Kysely, type Migration } from 'kysely'

/** Integer epoch seconds (see 0001-initial). */
const EPOCH = 'bigint'

/** Every table before 0009; each gets `tenant_id`. */
const TABLES = [
  'clients', 'users', 'signing_keys', 'grants', 'authorization_codes', 'refresh_tokens', 'access_tokens', 'device_codes',
  'sessions', 'consents', 'interactions', 'replay_keys', 'organizations', 'organization_members',
] as const

type Table = (typeof TABLES)[number]

/** What SQLite rebuilds: each table's definition as of 0009, its columns before, and its indexes. */
interface Rebuild {
  table: Table
  define(create: CreateTableBuilder<string, never>): CreateTableBuilder<string, never>
  columns: readonly string[]
  indexes?: readonly (readonly [name: string, column: string])[]
}

/** In this order: a parent before the table that references it. */
const REBUILDS: readonly Rebuild[] = [
  {
    table: 'clients',
    define: (t) =>
      t
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('client_name', 'text', (c) => c.notNull())
        .addColumn('client_secret_hash', 'text')
        .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
        .addColumn('grant_types', 'text', (c) => c.notNull())
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('skip_consent', 'integer', (c) => c.notNull())
        .addColumn('jwks', 'text')
        .addColumn('created_at', EPOCH, (c) => c.notNull())
        .addColumn('updated_at', EPOCH, (c) => c.notNull())
        .addColumn('resources', 'text')
        .addColumn('auth_method_pinned', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('id_token_signed_response_alg', 'text')
        .addColumn('organization_required', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('organizations', 'text')
        .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
        .addPrimaryKeyConstraint('clients_pkey', ['tenant_id', 'client_id']),
    columns: [
      'client_id', 'client_name', 'client_secret_hash', 'token_endpoint_auth_method', 'grant_types', 'redirect_uris', 'post_logout_redirect_uris',
      'scope', 'skip_consent', 'jwks', 'created_at', 'updated_at', 'resources', 'auth_method_pinned', 'id_token_signed_response_alg',
      'organization_required', 'organizations',
    ],
  },
  {
    table: 'users',
    define: (t) =>
      t
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_verified', 'integer', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('claims', 'text', (c) => c.notNull())
        .addColumn('created_at', EPOCH, (c) => c.notNull())
        .addColumn('updated_at', EPOCH, (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
        .addUniqueConstraint('users_tenant_id_email_key', ['tenant_id', 'email']),
    columns: ['id', 'email', 'email_verified', 'password_hash', 'claims', 'created_at', 'updated_at', 'roles', 'attributes'],
  },
  {
    table: 'organizations',
    define: (t) =>
      t
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('domains', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', EPOCH, (c) => c.notNull())
        .addColumn('updated_at', EPOCH, (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
        .addPrimaryKeyConstraint('organizations_pkey', ['tenant_id', 'id']),
    columns: ['id', 'name', 'domains', 'created_at', 'updated_at'],
  },
  {
    table: 'organization_members',
    define: (t) =>
      t
        .addColumn('organization_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', EPOCH, (c) => c.notNull())
        .addColumn('updated_at', EPOCH, (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
        .addPrimaryKeyConstraint('organization_members_pkey', ['tenant_id', 'organization_id', 'user_id'])
        .addForeignKeyConstraint('organization_members_organization_fkey', ['tenant_id', 'organization_id'], 'organizations', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade')),
    columns: ['organization_id', 'user_id', 'roles', 'created_at', 'updated_at'],
    indexes: [['organization_members_user_id', 'user_id']],
  },
  {
    table: 'replay_keys',
    define: (t) =>
      t
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('expires_at', EPOCH, (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
        .addPrimaryKeyConstraint('replay_keys_pkey', ['tenant_id', 'key']),
    columns: ['key', 'expires_at'],
    indexes: [['replay_keys_expires_at', 'expires_at']],
  },
]

async function createTenants(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('issuer', 'text', (c) => c.notNull().unique())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', EPOCH, (c) => c.notNull())
    .addColumn('updated_at', EPOCH, (c) => c.notNull())
    .execute()
}

const addTenantColumn = (db: Kysely<any>, table: Table) =>
  db.schema.alterTable(table).addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default')).execute()

/**
 * Main keys' generation, the lock of `keys.add`, is unique per tenant; `keys.list` and
 * `keys.latestGeneration` read one tenant's keys (companions too, which the partial index leaves out).
 */
async function signingKeyIndexes(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('signing_keys_generation').execute()
  await db.schema.createIndex('signing_keys_generation').unique().on('signing_keys').columns(['tenant_id', 'generation']).where(sql.ref('companion_of'), 'is', null).execute()
  await db.schema.createIndex('signing_keys_tenant_id').on('signing_keys').columns(['tenant_id', 'generation']).execute()
}

/** SQLite: a new table under a temporary name, the rows copied (as tenant `default`), the old one dropped, the new one renamed. */
async function rebuild(db: Kysely<any>, { table, define, columns, indexes = [] }: Rebuild): Promise<void> {
  const next = `${table}_0009`
  await define(db.schema.createTable(next)).execute()
  const list = sql.join(columns.map((c) => sql.ref(c)))
  await sql`INSERT INTO ${sql.table(next)} (${list}) SELECT ${list} FROM ${sql.table(table)}`.execute(db)
  await db.schema.dropTable(table).execute()
  await db.schema.alterTable(next).renameTo(table).execute()
  for (const [name, column] of indexes) await db.schema.createIndex(name).on(table).column(column).execute()
}

async function upSqlite(db: Kysely<any>): Promise<void> {
  await sql`PRAGMA foreign_keys = OFF`.execute(db)
  try {
    await db.transaction().execute(async (trx) => {
      await createTenants(trx)
      const rebuilt = new Set(REBUILDS.map((r) => r.table))
      for (const table of TABLES) if (!rebuilt.has(table)) await addTenantColumn(trx, table)
      for (const step of REBUILDS) await rebuild(trx, step)
      await signingKeyIndexes(trx)
      const { rows } = await sql<{ table: string; parent: string }>`PRAGMA foreign_key_check`.execute(trx)
      if (rows.length > 0) {
        throw new Error(`0009-tenants: foreign keys broken by the rebuild (${rows.map((r) => `${r.table} -> ${r.parent}`).join(', ')}); rolled back`)
      }
    })
  } finally {
    await sql`PRAGMA foreign_keys = ON`.execute(db)
  }
}

async function upPostgres(db: Kysely<any>): Promise<void> {
  await createTenants(db)
  for (const table of TABLES) await addTenantColumn(db, table)
  const alter = (statement: string) => sql.raw(statement).execute(db)
  await alter('ALTER TABLE clients DROP CONSTRAINT clients_pkey, ADD CONSTRAINT clients_pkey PRIMARY KEY (tenant_id, client_id)')
  await alter('ALTER TABLE users DROP CONSTRAINT users_email_key, ADD CONSTRAINT users_tenant_id_email_key UNIQUE (tenant_id, email)')
  // The memberships' reference goes first: it depends on the organizations' old key.
  await alter('ALTER TABLE organization_members DROP CONSTRAINT organization_members_organization_id_fkey')
  await alter('ALTER TABLE organizations DROP CONSTRAINT organizations_pkey, ADD CONSTRAINT organizations_pkey PRIMARY KEY (tenant_id, id)')
  await alter(`ALTER TABLE organization_members DROP CONSTRAINT organization_members_pkey,
    ADD CONSTRAINT organization_members_pkey PRIMARY KEY (tenant_id, organization_id, user_id),
    ADD CONSTRAINT organization_members_organization_fkey FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE`)
  await alter('ALTER TABLE replay_keys DROP CONSTRAINT replay_keys_pkey, ADD CONSTRAINT replay_keys_pkey PRIMARY KEY (tenant_id, key)')
  await signingKeyIndexes(db)
}

export const tenants: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await (db.getExecutor().adapter instanceof SqliteAdapter ? upSqlite(db) : upPostgres(db))
  },
}
