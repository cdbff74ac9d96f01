/**
 * Resource indicators per client and remembered consent per resource (RFC 8707, issue 8):
 * - `clients.resources`: the JSON array of resource identifiers the client may get access tokens
 *   for; NULL (every client of an earlier version) means none named, so only `default_resource`.
 * - `consents.resource`: consent is remembered per user, client, resource and scope, so allowing
 *   scope X for one API does not skip the consent page for scope X on another. `''` stands for
 *   no resource (tokens for the issuer itself), because a primary key column cannot be NULL.
 *   Consents of an earlier version did not say for which API they were given: they are kept as
 *   consents for no resource, so a user is asked once more before a token for an API is issued
 *   on the strength of them (the safe reading of an ambiguous record).
 * SQLite cannot change a primary key in place, so `consents` is rebuilt under a new table and
 * renamed; the new key gets its own constraint name, which PostgreSQL needs unique per schema.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Consent
 */
import { sql, type Kysely, type Migration } from 'kysely'

/** Integer epoch seconds (see 0001-initial). */
const EPOCH = 'bigint'

export const clientResources: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('clients').addColumn('resources', 'text').execute()
    await db.schema
      .createTable('consents_by_resource')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('resource', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('granted_at', EPOCH, (c) => c.notNull())
      .addPrimaryKeyConstraint('consents_by_resource_pkey', ['user_id', 'client_id', 'resource', 'scope'])
      .execute()
    await sql`INSERT INTO consents_by_resource (user_id, client_id, resource, scope, granted_at)
      SELECT user_id, client_id, '', scope, granted_at FROM consents`.execute(db)
    await db.schema.dropTable('consents').execute()
    await db.schema.alterTable('consents_by_resource').renameTo('consents').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('consents_by_scope')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('granted_at', EPOCH, (c) => c.notNull())
      .addPrimaryKeyConstraint('consents_pkey', ['user_id', 'client_id', 'scope'])
      .execute()
    await sql`INSERT INTO consents_by_scope (user_id, client_id, scope, granted_at)
      SELECT user_id, client_id, scope, MIN(granted_at) FROM consents GROUP BY user_id, client_id, scope`.execute(db)
    await db.schema.dropTable('consents').execute()
    await db.schema.alterTable('consents_by_scope').renameTo('consents').execute()
    await db.schema.alterTable('clients').dropColumn('resources').execute()
  },
}
